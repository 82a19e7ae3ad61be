"""The one protocol every LLM backend speaks.

A backend takes OpenAI-style chat messages and returns a :class:`Completion`.
Backends are chosen by name (``--backend`` / ``MATHAGENT_BACKEND``) through
:func:`mathagent.agent.backends.make_llm`; the graph receives the instance
through its runtime context, never through state.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]

PREFILLS = ("none", "continue", "prefix")
"""How the openai backend sends a reply start (:attr:`GenerationParams.reply_start`): not at all, as a final
assistant message the server continues (vLLM, TGI, llama-server), or as one marked ``"prefix": true``
(Mistral, DeepSeek beta).  agent/backends/openai.py has the request shapes."""


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    model: str
    ms: float
    cached: bool = False  # served from the completion cache (agent/cache.py), not generated now
    batch: int = 1        # sequences decoded together with this one (its ms is its share of the batch's time)


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 512
    temperature: float = 0.0
    seed: int | None = 0
    stop: tuple[str, ...] = ()
    reply_start: str = ""
    """Text the reply is made to begin with (an assistant prefill), e.g. a code fence the prompt asks for.  The
    local backend decodes from the prompt plus this text and the completion's ``text`` includes it; an
    OpenAI-compatible server has no portable prefill, so the openai backend sends it in the form its ``prefill``
    setting names (vLLM/TGI/llama-server ``continue``, DeepSeek/Mistral ``prefix``) and, with ``none`` (the
    default), not at all: the reply is then the model's own (agent/backends/openai.py)."""


@runtime_checkable
class LLM(Protocol):
    """A chat model.  Implementations must be safe to call from several threads.

    ``sample(messages, params, n, greedy_first=...)`` returns ``n`` completions of the same messages, sample i
    seeded ``params.seed + i`` (sample 0 greedy when ``greedy_first``); backends that can decode them together
    do (llama.cpp in one batch, OpenAI-compatible servers with ``n``), others call :func:`sample_one_by_one`.
    """

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion: ...

    def sample(self, messages: list[Message], params: GenerationParams, n: int, *,
               greedy_first: bool = False) -> list[Completion]: ...

    def close(self) -> None: ...


def sample_params(params: GenerationParams, i: int, greedy_first: bool) -> GenerationParams:
    """The parameters of sample ``i`` of a batch: its own seed; temperature 0 for sample 0 when greedy first."""
    seed = None if params.seed is None else params.seed + i
    temperature = 0.0 if (greedy_first and i == 0) else params.temperature
    return replace(params, seed=seed, temperature=temperature)


def sample_one_by_one(llm: LLM, messages: list[Message], params: GenerationParams, n: int, *,
                      greedy_first: bool = False) -> list[Completion]:
    """``n`` samples as ``n`` separate calls (for backends that cannot batch)."""
    return [llm.complete(messages, sample_params(params, i, greedy_first)) for i in range(n)]
