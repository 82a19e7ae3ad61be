"""The one protocol every LLM backend speaks.

A backend takes OpenAI-style chat messages and returns a :class:`Completion`.
Backends are chosen by name (``--backend`` / ``MATHAGENT_BACKEND``) through
:func:`mathagent.agent.backends.make_llm`; the graph receives the instance
through its runtime context, never through state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

Message = dict[str, Any]


@dataclass(frozen=True)
class Completion:
    text: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    model: str
    ms: float
    cached: bool = False  # served from the completion cache (agent/cache.py), not generated now


@dataclass(frozen=True)
class GenerationParams:
    max_tokens: int = 512
    temperature: float = 0.0
    seed: int | None = 0
    stop: tuple[str, ...] = ()


@runtime_checkable
class LLM(Protocol):
    """A chat model.  Implementations must be safe to call from several threads."""

    @property
    def name(self) -> str: ...

    @property
    def backend(self) -> str: ...

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion: ...

    def close(self) -> None: ...
