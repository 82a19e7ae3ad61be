"""`evaluate`: run (or resume) a benchmark evaluation from Python, as ``mathagent eval`` does.

    from mathagent import evaluate
    result = evaluate("gsm8k", "gsm8k/dev.jsonl", strategies=("pot", "agent"), limit=20)
    result.summary["agent"]["accuracy"], result.paired   # per-strategy metrics, paired McNemar tests

Every attempt is a row in the trace database (``db_url``; default: ``MATHAGENT_DB_URL`` or the user's
SQLite file), so an interrupted call is continued with ``evaluate(..., resume=result.run_id)``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from mathagent.eval.plan import PlannedRun, parse_strategies, plan_run
from mathagent.eval.runner import EvalResult


def evaluate(dataset: str, data: str | Path | None = None, *, strategies: str | Sequence[str] | None = None,
             limit: int | None = None, resume: str | None = None, db_url: str | None = None,
             backend: str | None = None, model: str | None = None, base_url: str | None = None,
             api_key: str | None = None, threads: int | None = None, cache: bool = False, workers: int = 1,
             executor: str = "thread", strict: bool = False, llm_factory: Callable[[], Any] | None = None,
             on_result: Callable[..., None] | None = None, **settings: Any) -> EvalResult:
    """Evaluate ``strategies`` (names or ``"pot,agent"``; default ``agent``) on ``dataset`` (gsm8k | math).

    ``data``: the benchmark file in its published format (None with ``resume``: the recorded path).
    ``settings``: further :class:`~mathagent.eval.spec.EvalSpec` fields (``samples``, ``temperature``, ``seed``,
    ``max_samples``, ``order``, ``subjects``, ``levels``, ...); on resume every given setting must match the
    run's stored one (a larger ``limit`` extends the run).  ``llm_factory`` builds the chat model instead of the
    configured backend.  ``on_result(outcome, finished, remaining)`` is called after each attempt.
    Returns :class:`~mathagent.eval.runner.EvalResult` (``status`` "finished" when every item has a row).
    Raises :class:`~mathagent.errors.InputError` for bad input (unknown dataset, strategy or setting,
    missing file, contradicting resume).
    """
    from mathagent.agent.session import SessionSettings
    from mathagent.config import default_db_url
    from mathagent.eval import runner
    from mathagent.traces.db import open_database

    if isinstance(strategies, str):
        strategies = parse_strategies(strategies)
    elif strategies is not None:
        strategies = parse_strategies(",".join(strategies))
    given = {"strategies": strategies, "limit": limit, "backend": backend, "model": model, **settings}
    url = db_url or default_db_url()
    with open_database(url) as factory:
        plan: PlannedRun = plan_run(factory, dataset, data=Path(data) if data is not None else None, given=given,
                                    resume=resume, strict=strict)
        spec = plan.spec
        session = SessionSettings.build(backend=spec.backend, model=spec.model, base_url=base_url, api_key=api_key,
                                        threads=threads, cache=cache, db=url)
        execution = runner.Execution(session=session, workers=workers, executor=executor, llm_factory=llm_factory)
        return runner.run_items(factory, plan.info, spec, plan.problems, execution, on_result=on_result)
