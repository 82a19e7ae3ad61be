"""A completion cache for deterministic requests (``--cache``).

Greedy decoding (temperature 0) of the same messages with the same model and
parameters gives the same reply, and so does a sample with a fixed seed, so an
evaluation that asks the same question twice need generate it only once, and a
re-run after a change of grading or report code costs no model time.  Unseeded
samples (temperature > 0, no seed) are never cached: their point is to differ.
A sample decoded in a batch can differ in the last bits from the same seed
decoded alone (llama.cpp's batched arithmetic); the cache keeps whichever came
first.

The cache is a SQLite file in the user cache directory, keyed by the SHA-256
of (backend, model identity, messages, parameters).  A hit returns the stored
text and token counts with ``cached=True``; the trace records that flag for
each call, so a cached answer is never mistaken for a fresh measurement of
speed.  Writes are one statement each (atomic); a corrupt or unwritable cache
file degrades to no caching, never to a failed run.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sqlite3
import threading
import time
from pathlib import Path

from mathagent.agent.llm import LLM, Completion, GenerationParams, Message

_SCHEMA = """CREATE TABLE IF NOT EXISTS completions (
    key TEXT PRIMARY KEY, text TEXT NOT NULL, prompt_tokens INTEGER NOT NULL, completion_tokens INTEGER NOT NULL,
    finish_reason TEXT, model TEXT NOT NULL, ms REAL NOT NULL, created REAL NOT NULL)"""


def request_key(identity: str, messages: list[Message], params: GenerationParams) -> str:
    """The cache key; a greedy request's seed is not part of it (greedy decoding does not use one)."""
    seed = None if params.temperature == 0.0 else params.seed
    payload = {"identity": identity, "messages": messages,
               "params": {"max_tokens": params.max_tokens, "temperature": params.temperature, "seed": seed,
                          "stop": list(params.stop)}}
    if params.reply_start:  # only when set, so the keys of requests without one stay what they were
        payload["params"]["reply_start"] = params.reply_start
    blob = json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(blob.encode("utf-8", "surrogatepass")).hexdigest()


# a generation cut by the wall-clock bound depends on the machine's speed, not on the request
UNREPEATABLE = ("error", "timeout")


def cacheable(params: GenerationParams) -> bool:
    """Greedy requests, and seeded samples (the seed decides the sample; unseeded ones are meant to differ)."""
    return params.temperature == 0.0 or params.seed is not None


class CompletionCache:
    """SQLite-backed store of completions; safe to share between threads of one process."""

    def __init__(self, path: Path, *, timeout_s: float = 10.0):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(str(self.path), timeout=timeout_s, check_same_thread=False,
                                     isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(_SCHEMA)
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Completion | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT text, prompt_tokens, completion_tokens, finish_reason, model, ms FROM completions "
                "WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        text, pt, ct, finish, model, ms = row
        return Completion(text=text, prompt_tokens=pt, completion_tokens=ct, finish_reason=finish, model=model,
                          ms=ms, cached=True)

    def put(self, key: str, comp: Completion) -> None:
        with self._lock:
            self._conn.execute(
                "INSERT OR REPLACE INTO completions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (key, comp.text, comp.prompt_tokens, comp.completion_tokens, comp.finish_reason, comp.model,
                 comp.ms, time.time()))

    def __len__(self) -> int:
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM completions").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class CachingLLM:
    """Wraps any :class:`~mathagent.agent.llm.LLM`; greedy requests go through ``cache``.

    ``identity`` names the model beyond its display name (for a local file:
    path, size and modification time), so a replaced model file misses.
    A hit's ``ms`` is the lookup time; the generation time is not replayed.
    """

    def __init__(self, inner: LLM, cache: CompletionCache, identity: str):
        self.inner = inner
        self.cache = cache
        self.identity = f"{inner.backend}:{inner.name}:{identity}"

    @property
    def name(self) -> str:
        return self.inner.name

    @property
    def backend(self) -> str:
        return self.inner.backend

    @property
    def prefill(self) -> str | None:
        """The wrapped backend's prefill form (agent/backends/openai.py), None where it has none."""
        return getattr(self.inner, "prefill", None)

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        if not cacheable(params):
            return self.inner.complete(messages, params)
        t0 = time.perf_counter()
        key = request_key(self.identity, messages, params)
        try:
            hit = self.cache.get(key)
        except sqlite3.Error:
            hit = None
        if hit is not None:
            return dataclasses.replace(hit, ms=(time.perf_counter() - t0) * 1000)
        comp = self.inner.complete(messages, params)
        if comp.finish_reason not in UNREPEATABLE:
            try:
                self.cache.put(key, comp)
            except sqlite3.Error:
                pass
        return comp

    def sample(self, messages: list[Message], params: GenerationParams, n: int, *,
               greedy_first: bool = False) -> list[Completion]:
        """Seeded samples are cached one by one (the seed decides the sample); the misses are generated together."""
        from mathagent.agent.llm import sample_params

        per = [sample_params(params, i, greedy_first) for i in range(n)]
        if not all(cacheable(p) for p in per):
            return self.inner.sample(messages, params, n, greedy_first=greedy_first)
        t0 = time.perf_counter()
        keys = [request_key(self.identity, messages, p) for p in per]
        out: list[Completion | None] = []
        for key in keys:
            try:
                out.append(self.cache.get(key))
            except sqlite3.Error:
                out.append(None)
        ms = (time.perf_counter() - t0) * 1000
        out = [None if c is None else dataclasses.replace(c, ms=ms / n) for c in out]
        missing = [i for i, c in enumerate(out) if c is None]
        if not missing:
            return out  # type: ignore[return-value]
        first = missing[0]
        if missing == list(range(first, n)) and (first > 0 or not greedy_first or n == 1):
            # a contiguous tail (the usual case: only the greedy sample 0 was cached): still one batch
            tail = dataclasses.replace(params, seed=per[first].seed)
            fresh = self.inner.sample(messages, tail, n - first, greedy_first=greedy_first and first == 0)
        elif missing == list(range(n)):
            fresh = self.inner.sample(messages, params, n, greedy_first=greedy_first)
        else:
            fresh = [self.inner.complete(messages, per[i]) for i in missing]
        for i, comp in zip(missing, fresh):
            out[i] = comp
            if comp.finish_reason not in UNREPEATABLE:
                try:
                    self.cache.put(keys[i], comp)
                except sqlite3.Error:
                    pass
        return out  # type: ignore[return-value]

    def close(self) -> None:
        try:
            self.inner.close()
        finally:
            self.cache.close()


def model_file_identity(path: Path) -> str:
    st = Path(path).stat()
    return f"{Path(path).resolve()}:{st.st_size}:{int(st.st_mtime)}"
