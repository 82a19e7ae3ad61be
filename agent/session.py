"""Opening the agent's dependencies: database, calculator pool, LLM.

:class:`AgentSession` is a context manager owning the three; the graph only
sees them through :class:`~mathagent.agent.state.AgentContext`.  The database
is opened (and its schema checked) first, so a bad URL fails fast before a
model is loaded.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from mathagent.agent.backends import BackendSettings, make_llm
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

    def __enter__(self) -> AgentSession:
        try:
            self.session_factory = self._stack.enter_context(open_database(self.settings.db_url))
            if self._calculator is None:
                from mathagent.tools.calculator import Calculator

                calc = Calculator(workers=self.settings.calc_workers, memory_mb=self.settings.calc_memory_mb)
                self._calculator = self._stack.enter_context(calc)
            if self._llm is None:
                self._llm = make_llm(self.settings.backend, self.settings.cache_dir)
                self._stack.callback(self._llm.close)
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self._stack.close()

    @property
    def llm(self) -> LLM:
        return self._llm

    @property
    def calculator(self):
        return self._calculator

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
        return AgentContext(llm=self._llm, calculator=self._calculator, config=config, recorder=self.record)
