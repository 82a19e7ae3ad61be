"""Re-grade a run's stored answers with the current grader, without running the model again.

After a grader fix, the rows of an old run still carry the old verdicts.  ``regrade_run`` grades every
stored answer that has a gold answer again and, in one transaction, updates ``correct``, ``meta.grade`` and
the level that follows from the grade (``gold`` / ``unverified``, :func:`mathagent.eval.items.graded_level`;
the agent's own ``agent_level`` never changes) where the verdict changed (keeping the old verdict in
``meta.regraded``) and appends a ``regraded`` event to the run's history.  Answers, traces and everything else
stay as they were.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mathagent.eval.items import GRADE_TIMEOUT_S, grade_attempt, graded_level
from mathagent.eval.runs import load_run, record_history
from mathagent.eval.spec import code_version
from mathagent.traces.db import session_scope
from mathagent.traces.models import EvalRun, Trace
from mathagent.traces.records import VERIFIED_LEVELS


@dataclass(frozen=True)
class GradeChange:
    problem_id: str | None
    strategy: str
    sample_index: int
    answer: str | None
    gold: str
    was_correct: bool | None
    now_correct: bool
    was_status: str | None
    now_status: str
    was_level: str | None = None
    now_level: str | None = None


@dataclass(frozen=True)
class RegradeResult:
    run_id: str
    graded: int
    changes: list[GradeChange] = field(default_factory=list)
    written: bool = False

    def to_dict(self) -> dict:
        flips = [c for c in self.changes if c.was_correct != c.now_correct]
        return {"run_id": self.run_id, "graded": self.graded, "changed": len(self.changes),
                "correctness_changed": len(flips), "written": self.written,
                "changes": [c.__dict__ for c in self.changes]}


def regrade_run(factory: sessionmaker[Session], run_id: str, *, dry_run: bool = False,
                timeout_s: float = GRADE_TIMEOUT_S) -> RegradeResult:
    """Grade run ``run_id``'s stored answers again; write the changed verdicts unless ``dry_run``."""
    load_run(factory, run_id)  # a clear error for an unknown id
    changes: list[GradeChange] = []
    now = datetime.now(UTC).isoformat()
    with session_scope(factory) as s:
        traces = s.scalars(select(Trace).where(Trace.run_id == run_id, Trace.gold.is_not(None))
                           .order_by(Trace.problem_id, Trace.strategy, Trace.sample_index)).all()
        for t in traces:
            verdict = grade_attempt(t.answer, t.gold, timeout_s=timeout_s)
            old = (t.meta or {}).get("grade") or {}
            if verdict.correct == t.correct and verdict.status == old.get("status"):
                continue
            level = graded_level(verdict.correct, t.level)
            changes.append(GradeChange(t.problem_id, t.strategy, t.sample_index, t.answer, t.gold, t.correct,
                                       verdict.correct, old.get("status"), verdict.status, t.level, level))
            if not dry_run:
                t.meta = {**(t.meta or {}), "grade": verdict.as_meta(),
                          "regraded": {"at": now, "was_correct": t.correct, "was": old, "was_level": t.level}}
                t.correct = verdict.correct
                t.level = level
                t.verified = level in VERIFIED_LEVELS
        if changes and not dry_run:
            record_history(s.get(EvalRun, run_id), {"event": "regraded", "changed": len(changes), "at": now,
                                             "code_version": code_version()})
    return RegradeResult(run_id, len(traces), changes, written=bool(changes) and not dry_run)
