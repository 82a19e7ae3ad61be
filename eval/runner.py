"""An evaluation run end to end: create or resume, plan, execute, summarize.

The command layer loads the dataset and builds the :class:`EvalSpec`; this
module owns the run's life cycle in the trace database:

* new run: an ``eval_runs`` row with the spec as its config, status ``running``;
* resume: the stored spec is authoritative; the dataset file must hash the
  same; items already in the database are skipped; the prompts are the ones
  the run recorded (``prompts_version``), even if a default changed since;
* end: ``finished`` when every item has a row, ``incomplete`` otherwise, and
  ``interrupted`` on Ctrl-C or a broken worker (a ``kill -9`` leaves
  ``running``, and ``--resume`` picks it up the same way).

The summary is always computed from the database rows, never from what this
process happened to see, so an interrupted-and-resumed run and an
uninterrupted one report the same table.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from mathagent.eval import runs
from mathagent.eval.executors import RayExecutor, ThreadExecutor, WorkerSpec, build_solver_session
from mathagent.eval.items import ItemOutcome, plan_items
from mathagent.eval.metrics import strategy_pairs, summarize
from mathagent.eval.spec import CONFIG_SCHEMA, EvalSpec, code_version

from mathagent.errors import InputError

EXECUTORS = ("thread", "ray")


@dataclass(frozen=True)
class Execution:
    """How to run (not part of the stored spec).

    ``session`` is a :class:`~mathagent.agent.session.SessionSettings` (DB URL,
    backend connection, cache dir); ``llm_factory`` builds the LLM instead of
    the configured backend (used by tests and embedding code).
    """

    session: Any
    workers: int = 1
    executor: str = "thread"
    ray_address: str | None = None
    llm_factory: Callable[[], Any] | None = None
    ray_init: dict[str, Any] = field(default_factory=dict)
    item_timeout_s: float = 1800.0  # ray executor: an item past this is stopped and recorded as a timeout


@dataclass(frozen=True)
class EvalResult:
    run_id: str
    dataset: str
    status: str
    total: int
    done: int
    ran: int
    summary: dict[str, dict]
    paired: list[dict] = field(default_factory=list)  # every pair of strategies: counts and exact McNemar p


def start_run(factory, spec: EvalSpec) -> runs.RunInfo:
    return runs.create_run(factory, spec.dataset, spec.to_config())


def resume_spec(info: runs.RunInfo, dataset: str, dataset_sha256: str | None) -> EvalSpec:
    """The stored spec of run ``info``, checked against the dataset the user points at and this code's agent."""
    if info.config.get("schema", 1) < CONFIG_SCHEMA:
        raise InputError(f"run {info.id} was made by an earlier agent (programs with a tie-break, no vote); "
                         "this version cannot continue it",
                         "start a new run; the old run's rows stay readable (report, compare, export)")
    spec = EvalSpec.from_config(info.config)
    if dataset != info.dataset:
        raise InputError(f"run {info.id} evaluated {info.dataset!r}, not {dataset!r}",
                         f"resume it with `mathagent eval {info.dataset} --resume {info.id}`")
    if dataset_sha256 is not None and dataset_sha256 != spec.dataset_sha256:
        raise InputError(f"the dataset file differs from the one run {info.id} started with "
                         f"(sha256 {dataset_sha256[:12]}..., recorded {spec.dataset_sha256[:12]}...)",
                         "pass the original file with --data, or start a new run without --resume")
    return _pinned_prompts(info.id, spec)


def _pinned_prompts(run_id: str, spec: EvalSpec) -> EvalSpec:
    """``spec`` with the prompts its run started with, when a default prompt has changed since (its recorded
    ``prompts_version`` names them); a run whose prompts this code no longer has cannot continue."""
    from mathagent.agent.prompts import PromptError, prompts_version, recorded_prompts, resolve_prompts

    try:
        now = prompts_version(resolve_prompts(spec.prompts))
    except PromptError as exc:
        raise InputError(f"run {run_id} cannot continue: {exc}", "start a new run") from None
    if not spec.prompts_version or now == spec.prompts_version:
        return spec
    names = recorded_prompts(spec.prompts_version)
    if names is None:
        raise InputError(f"run {run_id} used prompts {spec.prompts_version} that this version does not have "
                         f"(now: {now})", "start a new run; the old run's rows stay readable (report, compare)")
    return replace(spec, prompts=names)


def _calc_workers(workers: int) -> int:
    return max(1, min(workers, os.cpu_count() or 1))


def run_items(factory, info: runs.RunInfo, spec: EvalSpec, problems: list[Any], execution: Execution,
              on_result: Callable[[ItemOutcome, int, int], None] | None = None,
              on_plan: Callable[[int, int], None] | None = None) -> EvalResult:
    """Execute what is left of run ``info`` and return its summary from the database.

    ``on_plan(total, already_done)`` is called once before work starts;
    ``on_result(outcome, finished_so_far, remaining_at_start)`` after each item.
    """
    if execution.executor not in EXECUTORS:
        raise InputError(f"unknown executor {execution.executor!r}", "use --executor thread or --executor ray")
    items, total = plan_items(problems, spec.strategies, spec.samples, runs.done_keys(factory, info.id))
    if on_plan:
        on_plan(total, total - len(items))
    runs.set_status(factory, info.id, "running",
                    note={"at": datetime.now(UTC).isoformat(), "event": "start", "remaining": len(items),
                          "workers": execution.workers, "executor": execution.executor,
                          "code_version": code_version()})
    finished = 0

    def handle(outcome: ItemOutcome) -> None:
        nonlocal finished
        finished += 1
        if on_result:
            on_result(outcome, finished, len(items))

    try:
        if items:
            _execute(info, spec, items, execution, handle)
    except BaseException:
        runs.set_status(factory, info.id, "interrupted")
        raise
    done = len(runs.done_keys(factory, info.id))
    status = "finished" if done >= total else "incomplete"
    runs.set_status(factory, info.id, status, finished=status == "finished")
    rows = runs.result_rows(factory, info.id)
    summary = summarize(rows, spec.strategies, spec.samples)
    paired = [p.as_dict(ids=False) for p in strategy_pairs(rows, spec.strategies, spec.samples)]
    return EvalResult(info.id, spec.dataset, status, total, done, finished, summary, paired)


def _execute(info, spec, items, execution: Execution, handle) -> None:
    calc_workers = 1 if execution.executor == "ray" else _calc_workers(execution.workers)
    session_settings = _with_calc_workers(execution.session, calc_workers)
    ws = WorkerSpec(session=session_settings, spec=spec, run_id=info.id, llm_factory=execution.llm_factory)
    if execution.executor == "ray":
        from mathagent.eval.items import timed_out_item, trace_writer
        from mathagent.traces.db import open_database

        with open_database(session_settings.db_url) as factory:
            write = trace_writer(factory)
            limit = execution.item_timeout_s
            RayExecutor(ws, execution.workers, execution.ray_address, execution.ray_init, item_timeout_s=limit,
                        on_timeout=lambda item, secs: timed_out_item(item, spec, info.id, secs, limit, write),
                        ).run(items, handle)
        return
    session, solver = build_solver_session(ws)
    try:
        ThreadExecutor(solver, execution.workers).run(items, handle)
    finally:
        session.__exit__(None, None, None)


def _with_calc_workers(settings, n: int):
    import dataclasses

    return dataclasses.replace(settings, calc_workers=n)
