"""`solve`: one problem through the agent from Python, as ``mathagent solve`` does.

    from mathagent import solve
    r = solve("A farmer has 12 ducks and buys 6 more. How many ducks?", verify=True)
    r.answer, r.level, r.confidence, r.trace_id     # "18", "consensus", 0.98, "3f2a..."
    # consensus needs a chain of thought agreeing with the programs: verify=True draws one

The trace is written to the trace database (``db_url``; default: ``MATHAGENT_DB_URL`` or the user's SQLite
file).  For many problems, open one :class:`~mathagent.agent.session.AgentSession` and call
:func:`~mathagent.agent.runner.solve_problem` with its context (the model loads once), or use
:func:`mathagent.evaluate`.
"""

from __future__ import annotations

from dataclasses import fields, replace
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the runner imports LangGraph: solve() imports it while the model loads
    from mathagent.agent.runner import SolveResult


def solve(problem: str, *, strategy: str = "agent", backend: str = "local", model: str | None = None,
          base_url: str | None = None, api_key: str | None = None, db_url: str | None = None,
          threads: int | None = None, llm_timeout: float | None = None, llm_retries: int | None = None,
          cache: bool = False, llm: Any = None, fewshot: int = 0,
          progress: Callable[[str], None] | None = None, prefill: str = "none", **config: Any) -> SolveResult:
    """Solve ``problem`` with ``strategy`` (agent | pot | cot | tir) and record its trace.

    ``config``: fields of :class:`~mathagent.agent.state.AgentConfig` (``max_samples``, ``max_repairs``,
    ``time_budget_s``, ``verify``, ``temperature``, ``seed``, ``formal``, ...).  ``llm``: a chat model to use
    instead of the configured backend; ``llm_timeout`` (seconds per request) and ``llm_retries`` None: the
    backend's defaults; ``prefill``: how the openai backend sends a prompt's reply start (none | continue |
    prefix; agent/backends/openai.py).  ``fewshot``: the k most similar verified traces as examples.  ``progress(message)`` is
    told what the agent does now ("sample 2 of 5", "running a program").  Returns :class:`~mathagent.agent.runner.SolveResult`; an LLM that keeps
    failing comes back as ``status="error"``.  Raises :class:`~mathagent.errors.InputError` for an empty or
    oversized problem, an unknown strategy or an unknown setting.
    """
    from mathagent.agent.problem import validate_problem

    text = validate_problem(problem)  # first: bad input fails before anything heavy is imported or opened

    from mathagent.agent.session import AgentSession, SessionSettings
    from mathagent.agent.state import STRATEGIES, AgentConfig
    from mathagent.errors import InputError

    if strategy not in STRATEGIES:
        raise InputError(f"unknown strategy {strategy!r}", f"use one of {', '.join(STRATEGIES)}")
    known = {f.name for f in fields(AgentConfig)}
    unknown = sorted(set(config) - known)
    if unknown:
        raise InputError(f"unknown agent setting(s) {unknown}",
                         f"use fields of AgentConfig: {', '.join(sorted(known))}")
    settings = SessionSettings.build(backend=backend, model=model, base_url=base_url, api_key=api_key,
                                     threads=threads, llm_timeout=llm_timeout, llm_retries=llm_retries,
                                     cache=cache, db=db_url, prefill=prefill)
    with AgentSession(settings, llm=llm) as session:  # the model and the calculator start in the background ...
        from mathagent.agent.runner import solve_problem  # ... while the graph (LangGraph) is imported

        examples = session.retriever().retrieve(text, fewshot) if fewshot else []
        ctx = replace(session.context(replace(AgentConfig(), **config)), progress=progress)
        return solve_problem(text, ctx, strategy=strategy, examples=examples)
