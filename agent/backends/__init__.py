"""LLM backends: ``local`` (llama.cpp in process) and ``openai`` (any compatible server)."""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mathagent.agent.llm import LLM, PREFILLS
from mathagent.errors import ConfigError


@dataclass(frozen=True)
class BackendSettings:
    backend: str = "local"
    model: str | None = None  # local: path to a .gguf (None = embedded default); openai: model name
    base_url: str | None = None
    api_key: str | None = None
    timeout_s: float | None = None  # per request; None: 120 s (openai), 300 s (local generation)
    max_retries: int = 4
    n_ctx: int = 4096
    n_threads: int | None = None
    cache: bool = False  # greedy completions through agent/cache.py (a file in cache_dir)
    prefill: str = "none"  # openai: how a reply start is sent (none | continue | prefix; backends/openai.py);
    # the local backend takes "none" (it always decodes from the reply start)


def make_llm(settings: BackendSettings, cache_dir: Path) -> LLM:
    """The LLM ``settings`` describe, opened now (:func:`prepare_llm`, then its start)."""
    return prepare_llm(settings, cache_dir)()


def prepare_llm(settings: BackendSettings, cache_dir: Path) -> Callable[[], LLM]:
    """Check ``settings`` and find the model now; return the call that opens the LLM.

    Raised here: :class:`~mathagent.errors.ConfigError` (a bad backend, prefill or URL) and
    :class:`~mathagent.errors.ModelUnavailable` (a model file missing or not GGUF; the embedded model's wheels
    joined and checked on its first use).  The returned call does the slow part (llama.cpp loads the model, the
    completion cache opens) and raises what that raises; a caller may run it in a background thread."""
    build, identity = _backend(settings, cache_dir)

    def start() -> LLM:
        llm = build()
        if not settings.cache:
            return llm
        from mathagent.agent.cache import CachingLLM, CompletionCache

        try:
            cache = CompletionCache(Path(cache_dir) / "completions.sqlite")
        except (OSError, sqlite3.Error) as exc:
            llm.close()
            raise ConfigError(f"cannot open the completion cache in {cache_dir}: {exc}",
                              "fix the permissions of the user cache directory (XDG_CACHE_HOME) or drop --cache") from exc
        return CachingLLM(llm, cache, identity)

    return start


def _backend(settings: BackendSettings, cache_dir: Path) -> tuple[Callable[[], LLM], str]:
    """(the call that opens the backend's LLM, its identity in the completion cache)."""
    if settings.prefill not in PREFILLS:
        raise ConfigError(f"unknown prefill {settings.prefill!r}",
                          "use --prefill none, continue (vLLM, TGI, llama-server) or prefix (DeepSeek beta, Mistral)")
    if settings.prefill != "none" and settings.backend != "openai":
        raise ConfigError(f"--prefill {settings.prefill} applies to --backend openai",
                          "drop --prefill (MATHAGENT_PREFILL): the local backend always decodes from the reply start")
    if settings.backend == "local":
        from mathagent.agent.backends.local import LocalLLM
        from mathagent.agent.models import resolve_model_path

        from mathagent.agent.cache import model_file_identity

        path = resolve_model_path(settings.model, cache_dir)
        return (functools.partial(LocalLLM, path, n_ctx=settings.n_ctx, n_threads=settings.n_threads,
                                  timeout_s=settings.timeout_s),
                f"{model_file_identity(path)}:ctx{settings.n_ctx}")
    if settings.backend == "openai":
        from mathagent.agent.backends.openai import OpenAIChatLLM

        if not settings.base_url:
            raise ConfigError("the openai backend needs a server URL",
                              "set --base-url or MATHAGENT_BASE_URL, e.g. http://127.0.0.1:8000/v1")
        # the cache key names the prefill form only when one is sent, so earlier keys stay what they were
        prefill = f" prefill={settings.prefill}" if settings.prefill != "none" else ""
        return (functools.partial(OpenAIChatLLM, settings.base_url, settings.model or "default", settings.api_key,
                                  timeout_s=settings.timeout_s or 120.0, max_retries=settings.max_retries,
                                  prefill=settings.prefill),
                settings.base_url.rstrip("/") + prefill)
    raise ConfigError(f"unknown backend {settings.backend!r}", "use --backend local or --backend openai")
