"""Eval runs in the trace database: create, load, progress, rows.

The run's traces are its results: one row per (problem, strategy, sample),
unique in the schema, so "what is done" is a query and a crash can lose at
most the items in flight (each trace is written in one transaction).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from mathagent.eval.metrics import Row
from mathagent.traces.db import session_scope
from mathagent.traces.models import EvalRun, Trace
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mathagent.errors import InputError

ItemKey = tuple[str, str, int]  # (problem_id, strategy, sample_index)


def new_run_id(dataset: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{dataset}-{stamp}-{uuid.uuid4().hex[:6]}"


@dataclass(frozen=True)
class RunInfo:
    id: str
    dataset: str
    status: str
    config: dict[str, Any]
    created_at: datetime | None
    finished_at: datetime | None

    # The stored config is read defensively: a row written by hand or another tool may hold anything.
    @property
    def strategies(self) -> list[str]:
        """The run's configured strategies (names only; a malformed value reads as none)."""
        value = self.config.get("strategies")
        return [s for s in value if isinstance(s, str)] if isinstance(value, list) else []

    @property
    def samples(self) -> int:
        """Samples per problem and strategy; 1 when the stored value is missing or not a positive integer."""
        value = self.config.get("samples")
        return value if isinstance(value, int) and not isinstance(value, bool) and value >= 1 else 1


def _info(run: EvalRun) -> RunInfo:
    config = run.config if isinstance(run.config, dict) else {}
    return RunInfo(run.id, run.dataset, run.status, dict(config), run.created_at, run.finished_at)


def create_run(factory: sessionmaker[Session], dataset: str, config: dict[str, Any]) -> RunInfo:
    run = EvalRun(id=new_run_id(dataset), dataset=dataset, status="running", config=config)
    with session_scope(factory) as s:
        s.add(run)
        s.flush()
        return _info(run)


def load_run(factory: sessionmaker[Session], run_id: str) -> RunInfo:
    with session_scope(factory) as s:
        run = s.get(EvalRun, run_id)
        if run is None:
            raise InputError(f"no eval run with id {run_id!r} in this database",
                             "check --db / MATHAGENT_DB_URL; run ids are printed when a run starts")
        return _info(run)


def set_status(factory: sessionmaker[Session], run_id: str, status: str, *, finished: bool = False,
               note: dict[str, Any] | None = None) -> None:
    with session_scope(factory) as s:
        run = s.get(EvalRun, run_id)
        if run is None:
            return
        run.status = status
        run.finished_at = datetime.now(UTC) if finished else None
        if note:
            record_history(run, note)


def record_history(run: EvalRun, note: dict[str, Any], **changes: Any) -> None:
    """Append ``note`` to the run's history (and apply ``changes`` to its config); a new dict so the JSON column saves."""
    config = {**(run.config if isinstance(run.config, dict) else {}), **changes}
    history = config.get("history")
    config["history"] = [*(history if isinstance(history, list) else []), note]
    run.config = config


def set_limit(factory: sessionmaker[Session], run_id: str, limit: int, *, previous: int | None) -> None:
    """Raise a run's recorded ``limit`` (extending it to more problems of the same file)."""
    with session_scope(factory) as s:
        run = s.get(EvalRun, run_id)
        if run is None:
            return
        record_history(run, {"event": "extended", "limit": limit, "previous_limit": previous,
                      "at": datetime.now(UTC).isoformat()}, limit=limit)


def done_keys(factory: sessionmaker[Session], run_id: str) -> set[ItemKey]:
    with session_scope(factory) as s:
        stmt = select(Trace.problem_id, Trace.strategy, Trace.sample_index).where(Trace.run_id == run_id)
        return {(p, st, i) for p, st, i in s.execute(stmt)}


AGENT_VERIFIED = ("formal", "consensus")


def result_rows(factory: sessionmaker[Session], run_id: str) -> list[Row]:
    """One row per attempt; ``verified`` is the agent's own, gold-free judgement (its ``agent_level`` is formal or
    consensus), which is what verified precision measures."""
    cols = (Trace.problem_id, Trace.strategy, Trace.sample_index, Trace.answer, Trace.correct, Trace.agent_level,
            Trace.seconds, Trace.prompt_tokens, Trace.completion_tokens, Trace.confidence)
    with session_scope(factory) as s:
        rows = s.execute(select(*cols).where(Trace.run_id == run_id))
        return [Row(problem_id=p, strategy=st, sample_index=i, answer=a, correct=bool(c),
                    verified=lvl in AGENT_VERIFIED, seconds=float(sec or 0.0), tokens=int(pt or 0) + int(ct or 0),
                    level=lvl or "unverified", confidence=conf)
                for p, st, i, a, c, lvl, sec, pt, ct, conf in rows]
