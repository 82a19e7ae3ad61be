"""Opening the agent's dependencies: database, calculator pool, LLM.

:class:`AgentSession` is a context manager owning the three; the graph only
sees them through :class:`~mathagent.agent.state.AgentContext`.  The database
is opened (and its schema checked) first, so a bad URL fails fast before a
model is loaded; so do a missing bubblewrap or sympy, bad backend settings and
a missing model file (the embedded model's wheels are joined then, on first
use).  The calculator's workers and the model then start in two background
threads, so a caller can import the graph meanwhile: the first use of ``llm``,
``calculator`` or ``context()`` waits for them and raises what either start
raised (the calculator's error first).  ``bench/startup.py`` measures the gain
(docs/results.md).
"""

from __future__ import annotations

import contextlib
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mathagent.agent.backends import BackendSettings, prepare_llm
from mathagent.agent.llm import LLM
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import TraceRecord
from mathagent.traces.store import add_trace


@dataclass(frozen=True)
class SessionSettings:
    backend: BackendSettings
    db_url: str
    cache_dir: Path
    calc_workers: int = 1
    calc_memory_mb: int = 1536

    @classmethod
    def build(cls, *, backend: str = "local", model: str | None = None, base_url: str | None = None,
              api_key: str | None = None, threads: int | None = None, llm_timeout: float | None = None,
              llm_retries: int | None = None, cache: bool = False, db: str | None = None,
              prefill: str = "none") -> SessionSettings:
        """The settings for one backend connection; ``db`` None: ``MATHAGENT_DB_URL`` or the default SQLite file;
        ``llm_timeout``/``llm_retries`` None: the backend's defaults; ``prefill``: how the openai backend sends a
        reply start (none | continue | prefix, agent/backends/openai.py)."""
        from mathagent.config import cache_dir, default_db_url

        return cls(backend=BackendSettings(backend=backend, model=model, base_url=base_url, api_key=api_key,
                                           timeout_s=llm_timeout, n_threads=threads,
                                           cache=cache, prefill=prefill,
                                           **({} if llm_retries is None else {"max_retries": llm_retries})),
                   db_url=db or default_db_url(), cache_dir=cache_dir())


class AgentSession(contextlib.AbstractContextManager):
    def __init__(self, settings: SessionSettings, *, llm: LLM | None = None, calculator=None):
        self.settings = settings
        self._stack = contextlib.ExitStack()
        self._llm = llm
        self._calculator = calculator
        self.session_factory = None
        self._retriever = None
        self._starting: list[tuple[str, Future]] = []  # ("calculator" | "llm", its start), in the order they raise
        self._ready_lock = threading.Lock()

    def __enter__(self) -> AgentSession:
        try:
            self.session_factory = self._stack.enter_context(open_database(self.settings.db_url))
            if self._calculator is not None and self._llm is not None:
                return self
            # first what fails fast (bubblewrap, the python's packages; bad settings, no model file), then the starts
            calc = start_llm = None
            if self._calculator is None:
                from mathagent.tools.calculator import Calculator

                calc = Calculator(workers=self.settings.calc_workers, memory_mb=self.settings.calc_memory_mb)
                self._stack.callback(calc.close)  # thread-safe: waits for a start in progress, then kills
                calc.prepare()
            if self._llm is None:
                start_llm = prepare_llm(self.settings.backend, self.settings.cache_dir)
            pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="mathagent-start")
            self._stack.callback(pool.shutdown, wait=True)  # runs last on exit (last in, first out)
            if calc is not None:
                self._starting.append(("calculator", pool.submit(calc.start)))
                self._calculator = calc
            if start_llm is not None:
                made: list[Future] = []
                self._stack.callback(_close_made, made)  # before the start exists: what it makes is always closed
                made.append(pool.submit(start_llm))
                self._starting.append(("llm", made[0]))
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    def ready(self) -> AgentSession:
        """Wait until the calculator and the model have started; raises what a start raised, the calculator's
        first (:class:`~mathagent.errors.SandboxUnavailable`, :class:`~mathagent.errors.ModelUnavailable`, ...),
        again on each call.  Each wait is bounded by its start's own limits: the calculator's start timeout, and
        the model's load, a read of a local file (on the first run, the embedded model's wheels joined once)."""
        with self._ready_lock:
            for name, start in self._starting:
                result = start.result()
                if name == "llm":
                    self._llm = result
            self._starting.clear()
        return self

    @property
    def llm(self) -> LLM:
        return self.ready()._llm

    @property
    def calculator(self):
        return self.ready()._calculator

    def record(self, rec: TraceRecord) -> None:
        """Write one trace in one transaction."""
        with session_scope(self.session_factory) as s:
            add_trace(s, rec)

    def retriever(self, *, exclude_run: str | None = None):
        """The few-shot retriever over verified traces in this database (built once, on first use).

        ``exclude_run``: leave out the traces of this eval run, so a run never learns from itself.
        """
        if self._retriever is None:
            from mathagent.agent.fewshot import FewShotRetriever, load_examples

            with session_scope(self.session_factory) as s:
                self._retriever = FewShotRetriever(load_examples(s, exclude_run=exclude_run))
        return self._retriever

    def context(self, config: AgentConfig) -> AgentContext:
        self.ready()
        return AgentContext(llm=self._llm, calculator=self._calculator, config=config, recorder=self.record)


def _close_made(made: list[Future]) -> None:
    """Close the LLM its start made, once the start has finished (nothing when it failed or never ran)."""
    for start in made:
        if not start.cancel() and start.exception() is None:  # exception() waits for a start in progress
            start.result().close()
