"""llama.cpp in process (llama-cpp-python): the embedded default backend.

The model is loaded once per process and path (a module-level cache).  Every
generation goes through :class:`~mathagent.agent.backends.llama_engine.BatchEngine`:
``sample(messages, params, n)`` decodes n samples of one prompt in one batch
(little more time than one on a CPU), and consecutive prompts reuse their
shared prefix's KV cache.  The prompt text is the GGUF's own chat template,
followed by ``params.reply_start`` when one is set (the reply's forced start).

llama.cpp contexts are not thread-safe, so calls are serialized with a lock:
concurrent eval workers queue here.  Each call has a wall-clock bound
(``timeout_s``, counted from when the call gets the model, not while it
queues): past it the unfinished sequences end with ``finish_reason="timeout"``,
which the trace records.  Prompt processing before the first token is bounded
by ``n_ctx``.

Threads: ``n_threads`` defaults to :func:`default_threads` (see its docstring
and bench/llm_batch.py for the measurement behind it).
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from mathagent.agent.llm import Completion, GenerationParams, Message
from mathagent.errors import LLMError, ModelUnavailable

_LOADED: dict[tuple[str, int, int, int], object] = {}
_LOAD_LOCK = threading.Lock()

DEFAULT_TIMEOUT_S = 300.0
MAX_BATCH = 16  # sequences decoded together (the context's n_seq_max)


def default_threads() -> int:
    """llama.cpp threads when none are given: the number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


class _Loaded:
    """A loaded model: the tokenizer and chat template (``llama_cpp.Llama``) and a batch engine."""

    def __init__(self, path: Path, n_ctx: int, n_threads: int, n_seq_max: int):
        try:
            from llama_cpp import Llama
            from llama_cpp.llama_chat_format import Jinja2ChatFormatter
        except ImportError as exc:
            raise ModelUnavailable("llama-cpp-python is not installed",
                                   "run the README's setup command, or pip install 'mathagent[local]'") from exc
        from mathagent.agent.backends.llama_engine import BatchEngine

        try:
            # the Llama object's own context is only used for tokenizing: keep it small
            self.llama = Llama(model_path=str(path), n_ctx=256, n_batch=256, n_threads=n_threads, verbose=False,
                               seed=0)
            self.engine = BatchEngine(self.llama._model, n_ctx=n_ctx, n_seq_max=n_seq_max, n_threads=n_threads)
        except (ValueError, RuntimeError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}",
                                   "check that the file is a complete GGUF model") from exc
        template = self.llama.metadata.get("tokenizer.chat_template")
        if not template:
            raise ModelUnavailable(f"{path} has no chat template in its GGUF metadata",
                                   "use an instruction-tuned model whose GGUF carries tokenizer.chat_template")
        model = self.llama._model
        eos, bos = self.llama.token_eos(), self.llama.token_bos()
        self.formatter = Jinja2ChatFormatter(template=template,
                                             eos_token=model.token_get_text(eos) if eos != -1 else "",
                                             bos_token=model.token_get_text(bos) if bos != -1 else "",
                                             stop_token_ids=[eos])
        self.lock = threading.Lock()

    def prompt_tokens(self, messages: list[Message], reply_start: str = "") -> tuple[list[int], tuple[str, ...]]:
        """The prompt's tokens (the chat template's text followed by ``reply_start``, tokenized as one text, so a
        tokenizer that marks word starts sees the reply's start where the model would write it) and its stop texts."""
        result = self.formatter(messages=messages)
        tokens = self.llama.tokenize((result.prompt + reply_start).encode("utf-8"), add_bos=not result.added_special,
                                     special=True)
        stop = result.stop if isinstance(result.stop, list) else ([result.stop] if result.stop else [])
        return tokens, tuple(stop)


def _load(path: Path, n_ctx: int, n_threads: int, n_seq_max: int) -> _Loaded:
    key = (str(path), n_ctx, n_threads, n_seq_max)
    with _LOAD_LOCK:
        if key not in _LOADED:
            _LOADED[key] = _Loaded(path, n_ctx, n_threads, n_seq_max)
        return _LOADED[key]


class LocalLLM:
    backend = "local"

    def __init__(self, model_path: Path, *, n_ctx: int = 8192, n_threads: int | None = None,
                 timeout_s: float | None = None, max_batch: int = MAX_BATCH):
        self.timeout_s = timeout_s or DEFAULT_TIMEOUT_S
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or default_threads()
        self.max_batch = max_batch
        self._model = _load(self.model_path, self.n_ctx, self.n_threads, max_batch)

    @property
    def name(self) -> str:
        return self.model_path.name

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        return self.sample(messages, params, 1)[0]

    def sample(self, messages: list[Message], params: GenerationParams, n: int, *,
               greedy_first: bool = False) -> list[Completion]:
        """``n`` completions of ``messages`` decoded in one batch; sample i uses seed ``params.seed + i``.
        ``greedy_first``: sample 0 is the greedy (temperature 0) completion, the others use ``params``."""
        if n < 1:
            raise ValueError("n must be >= 1")
        out: list[Completion] = []
        while len(out) < n:  # bounded: each pass adds min(n - len(out), max_batch) >= 1 completions
            out.extend(self._batch(messages, params, len(out), min(n - len(out), self.max_batch), greedy_first))
        return out

    def _batch(self, messages: list[Message], params: GenerationParams, first: int, n: int,
               greedy_first: bool) -> list[Completion]:
        model = self._model
        try:
            tokens, template_stop = model.prompt_tokens(messages, params.reply_start)
        except Exception as exc:  # a template error on malformed messages
            raise LLMError(f"the chat template could not format the messages: {exc}",
                           "check the message roles and contents") from exc
        base = 0 if params.seed is None else params.seed
        seeds = [base + first + i for i in range(n)]
        stop = tuple(params.stop) + template_stop
        with model.lock:
            t0 = time.perf_counter()
            try:
                results = model.engine.generate(
                    tokens, n=n, max_tokens=params.max_tokens, seeds=seeds,
                    temperatures=[0.0 if greedy_first and first + i == 0 else params.temperature for i in range(n)],
                    stop=stop, deadline=time.monotonic() + self.timeout_s)
            except ValueError as exc:  # e.g. a prompt longer than the context window
                raise LLMError(f"local model rejected the request: {exc}",
                               "shorten the problem or raise the context size") from exc
            except RuntimeError as exc:
                raise LLMError(f"local model failed: {exc}", "retry; see `mathagent doctor`") from exc
            ms = (time.perf_counter() - t0) * 1000
        return [Completion(text=params.reply_start + r.text, prompt_tokens=len(tokens) if i == 0 and first == 0 else 0,
                           completion_tokens=r.tokens, finish_reason=r.finish_reason, model=self.name, ms=ms / n,
                           batch=n)
                for i, r in enumerate(results)]

    def close(self) -> None:
        """The loaded model stays cached for the process; nothing to release per instance."""
