"""`evaluate`: run (or resume) a benchmark evaluation from Python; ``mathagent eval`` is this function plus display.

    from mathagent import evaluate
    result = evaluate("gsm8k", "gsm8k/dev.jsonl", strategies=("pot", "agent"), limit=20)
    result.summary["agent"]["accuracy"], result.paired   # per-strategy metrics, paired McNemar tests

Every attempt is a row in the trace database (``db_url``; default: ``MATHAGENT_DB_URL`` or the user's
SQLite file), so an interrupted call is continued with ``evaluate(..., resume=result.run_id)``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, ContextManager, Protocol

from mathagent.eval.plan import PlannedRun, check_request, parse_strategies, plan_run
from mathagent.eval.runner import EvalResult


class EvalProgress(Protocol):
    """What a display of a running evaluation is told (``mathagent eval`` shows a rich progress bar)."""

    def plan(self, total: int, already_done: int) -> None:
        """Called once before work starts: items in the run, items finished by earlier calls."""

    def update(self, outcome: Any, finished: int, remaining: int) -> None:
        """Called after each attempt: its :class:`~mathagent.eval.items.ItemOutcome`, attempts finished by this
        call, attempts this call had to do."""


ProgressFactory = Callable[[PlannedRun, list[Any]], ContextManager[EvalProgress | None]]


def evaluate(dataset: str, data: str | Path | None = None, *, strategies: str | Sequence[str] | None = None,
             limit: int | None = None, resume: str | None = None, db_url: str | None = None,
             backend: str | None = None, model: str | None = None, base_url: str | None = None,
             api_key: str | None = None, threads: int | None = None, llm_timeout: float | None = None,
             llm_retries: int | None = None, cache: bool = False, workers: int = 1, executor: str = "thread",
             ray_address: str | None = None, item_timeout_s: float = 1800.0, strict: bool = False,
             llm_factory: Callable[[], Any] | None = None, on_result: Callable[..., None] | None = None,
             progress: ProgressFactory | None = None, **settings: Any) -> EvalResult:
    """Evaluate ``strategies`` (names or ``"pot,agent"``; default ``agent``) on ``dataset`` (gsm8k | math).

    ``data``: the benchmark file in its published format (None with ``resume``: the recorded path).
    ``settings``: further :class:`~mathagent.eval.spec.EvalSpec` fields (``samples``, ``temperature``, ``seed``,
    ``max_samples``, ``order``, ``subjects``, ``levels``, ...); None means "not given": the default for a new
    run, the stored value on resume, where every given setting must match the run's (a larger ``limit``
    extends it).  ``threads``, ``llm_timeout`` (seconds per request), ``llm_retries``, ``cache``: the model
    connection (:class:`~mathagent.agent.session.SessionSettings`); ``workers``, ``executor`` (thread | ray),
    ``ray_address``, ``item_timeout_s``: how items run.  ``llm_factory`` builds the chat model instead of the
    configured backend.  ``on_result(outcome, finished, remaining)`` is called after each attempt;
    ``progress(plan, finished_rows)`` is called once the run is planned and returns a context manager around
    the work that yields an :class:`EvalProgress` (or None).
    Returns :class:`~mathagent.eval.runner.EvalResult` (``status`` "finished" when every item has a row).
    Raises :class:`~mathagent.errors.InputError` for bad input (unknown dataset, strategy, executor or setting,
    missing file, contradicting resume).
    """
    from mathagent.agent.session import SessionSettings
    from mathagent.config import default_db_url
    from mathagent.eval import runner, runs
    from mathagent.errors import InputError
    from mathagent.traces.db import open_database

    data = Path(data) if data is not None else None
    if executor not in runner.EXECUTORS:  # before a run row is created
        raise InputError(f"unknown executor {executor!r}", "use --executor thread or --executor ray")
    if isinstance(strategies, str):
        strategies = parse_strategies(strategies)
    elif strategies is not None:
        strategies = parse_strategies(",".join(strategies))
    given = {"strategies": strategies, "limit": limit, "backend": backend, "model": model, **settings}
    check_request(dataset, data, resume, given)  # refused before the database is opened (nothing created)
    url = db_url or default_db_url()
    with open_database(url) as factory:
        plan = plan_run(factory, dataset, data=data, given=given, resume=resume, strict=strict)
        spec = plan.spec
        session = SessionSettings.build(backend=spec.backend, model=spec.model, base_url=base_url, api_key=api_key,
                                        threads=threads, llm_timeout=llm_timeout, llm_retries=llm_retries,
                                        cache=cache, db=url, prefill=spec.prefill)
        execution = runner.Execution(session=session, workers=workers, executor=executor, ray_address=ray_address,
                                     llm_factory=llm_factory, item_timeout_s=item_timeout_s)
        display = (progress(plan, runs.result_rows(factory, plan.info.id)) if progress is not None
                   else contextlib.nullcontext(None))
        with display as shown:
            def result(outcome: Any, finished: int, remaining: int) -> None:
                if shown is not None:
                    shown.update(outcome, finished, remaining)
                if on_result is not None:
                    on_result(outcome, finished, remaining)

            return runner.run_items(factory, plan.info, spec, plan.problems, execution, on_result=result,
                                    on_plan=shown.plan if shown is not None else None)
