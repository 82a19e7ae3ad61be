"""A small fixed-size pool of REPL processes (bounded, thread-safe checkout)."""

from __future__ import annotations

import queue
from collections.abc import Iterator
from contextlib import contextmanager

from mathagent.verifiers.lean.repl import LeanRepl, ReplConfig


class ReplPool:
    """`size` REPLs started lazily; `with pool.acquire(timeout) as repl:` borrows one."""

    def __init__(self, config: ReplConfig, size: int = 2):
        if size < 1:
            raise ValueError("pool size must be at least 1")
        self.config = config
        self.size = size
        self._idle: queue.Queue[LeanRepl] = queue.Queue()
        self._all: list[LeanRepl] = []
        for _ in range(size):
            r = LeanRepl(config)
            self._all.append(r)
            self._idle.put(r)

    def __enter__(self) -> ReplPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def acquire(self, timeout_s: float | None = None) -> Iterator[LeanRepl]:
        repl = self._idle.get(timeout=timeout_s)
        try:
            if repl.proc is None:
                repl.start()
            yield repl
        finally:
            self._idle.put(repl)

    def close(self) -> None:
        for r in self._all:
            r.close()
