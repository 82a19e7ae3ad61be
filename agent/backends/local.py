"""llama.cpp in process (llama-cpp-python): the embedded default backend.

The model is loaded once per process and path (a module-level cache), with
``n_threads`` = the number of cores.  llama.cpp contexts are not thread-safe,
so calls are serialized with a lock: concurrent eval workers queue here.
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


class LocalLLM:
    backend = "local"

    def __init__(self, model_path: Path, *, n_ctx: int = 4096, n_threads: int | None = None):
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
        with self._lock:
            try:
                out = self._llm.create_chat_completion(
                    messages=messages, max_tokens=params.max_tokens, temperature=params.temperature,
                    seed=params.seed, stop=list(params.stop) or None)
            except ValueError as exc:  # e.g. prompt longer than the context window
                raise LLMError(f"local model rejected the request: {exc}",
                               "shorten the problem or raise the context size") from exc
        choice = out["choices"][0]
        usage = out.get("usage") or {}
        return Completion(
            text=choice["message"].get("content") or "",
            prompt_tokens=int(usage.get("prompt_tokens", 0)),
            completion_tokens=int(usage.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
            model=self.name,
            ms=(time.perf_counter() - t0) * 1000,
        )

    def close(self) -> None:
        """The loaded model stays cached for the process; nothing to release per instance."""
