"""llama.cpp in process (llama-cpp-python): the embedded default backend.

The model is loaded once per process and path (a module-level cache), with
``n_threads`` = the number of cores.  llama.cpp contexts are not thread-safe,
so calls are serialized with a lock: concurrent eval workers queue here.

Each generation has a wall-clock bound (``timeout_s``, counted from when the
call gets the model, not while it queues): past it a logits processor forces
the end-of-sequence token, so the call returns what was generated so far
with ``finish_reason="timeout"``, which the trace records.  Prompt processing
before the first token cannot be interrupted; it is bounded by ``n_ctx``.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from mathagent.agent.llm import Completion, GenerationParams, Message
from mathagent.errors import LLMError, ModelUnavailable

_LOADED: dict[tuple[str, int, int], object] = {}
_LOAD_LOCK = threading.Lock()


def _load(path: Path, n_ctx: int, n_threads: int):
    key = (str(path), n_ctx, n_threads)
    with _LOAD_LOCK:
        if key in _LOADED:
            return _LOADED[key]
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise ModelUnavailable("llama-cpp-python is not installed",
                                   "run the README's setup command, or pip install 'mathagent[local]'") from exc
        try:
            llm = Llama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False, seed=0)
        except (ValueError, RuntimeError) as exc:
            raise ModelUnavailable(f"llama.cpp could not load {path}: {exc}",
                                   "check that the file is a complete GGUF model") from exc
        _LOADED[key] = llm
        return llm


DEFAULT_TIMEOUT_S = 300.0


class _Deadline:
    """A llama.cpp logits processor that ends generation (forces EOS) once ``deadline`` has passed."""

    def __init__(self, deadline: float, eos: int):
        self.deadline = deadline
        self.eos = eos
        self.hit = False

    def __call__(self, input_ids, scores):
        if self.hit or time.monotonic() >= self.deadline:
            self.hit = True
            eos_score = scores[self.eos]
            scores[:] = -float("inf")
            scores[self.eos] = max(float(eos_score), 0.0)
        return scores


class LocalLLM:
    backend = "local"

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None,
                 timeout_s: float | None = None):
        self.timeout_s = timeout_s or DEFAULT_TIMEOUT_S
        self.model_path = Path(model_path)
        self.n_ctx = n_ctx
        self.n_threads = n_threads or os.cpu_count() or 1
        self._llm = _load(self.model_path, self.n_ctx, self.n_threads)
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self.model_path.name

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        t0 = time.perf_counter()
        from llama_cpp import LogitsProcessorList

        with self._lock:
            deadline = _Deadline(time.monotonic() + self.timeout_s, self._llm.token_eos())
            try:
                out = self._llm.create_chat_completion(
                    messages=messages, max_tokens=params.max_tokens, temperature=params.temperature,
                    seed=params.seed, stop=list(params.stop) or None,
                    logits_processor=LogitsProcessorList([deadline]))
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise LLMError(f"local model rejected the request: {exc}",
                               "shorten the problem or raise the context size") from exc
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason="timeout" if deadline.hit else choice.get("finish_reason"),
            model=self.name,
            ms=(time.perf_counter() - t0) * 1000,
        )

    def close(self) -> None:
        """The loaded model stays cached for the process; nothing to release per instance."""
