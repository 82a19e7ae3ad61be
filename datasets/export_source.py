"""Streaming the traces to export out of the database, in constant memory.

One query selects the matching traces (filters in SQL, ordered by problem hash
so duplicates of a problem arrive together and deduplication needs no set of
seen problems); it is read through a server-side cursor on PostgreSQL
(``stream_results``) and in partitions of ``batch`` rows.  For each partition
the children the exporters need (calculator calls, the solver's replies,
verdicts) are fetched with one ``IN`` query per table, as plain rows: no ORM
identity map grows while a 100k-trace export runs.  The prompts stored with
every LLM call are never read (the exporters rebuild the conversation).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from mathagent.traces.models import CheckRow, LLMCallRow, ToolCallRow, Trace

EXPORT_PURPOSES = ("solve", "repair", "reason")


@dataclass(frozen=True)
class ExportFilters:
    """Which traces to export; ``None`` / ``False`` / 0 means "no filter"."""

    verified_only: bool = False
    correct_only: bool = False
    min_checks: int = 0
    dataset: str | None = None
    strategy: str | None = None
    model: str | None = None
    since: datetime | None = None   # inclusive, UTC
    until: datetime | None = None   # exclusive, UTC
    level: int | None = None        # MATH difficulty 1..5, from the trace's meta["level"]
    run: str | None = None

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in self.__dict__.items():
            if value in (None, False, 0):
                continue
            out[key] = value.isoformat() if isinstance(value, datetime) else value
        return out


@dataclass(frozen=True, slots=True)
class ToolView:
    step_index: int
    code: str
    stdout: str
    stderr: str
    status: str


@dataclass(frozen=True, slots=True)
class ReplyView:
    step_index: int
    purpose: str
    response: str


@dataclass(frozen=True, slots=True)
class TraceView:
    """What the exporters need of one trace (answered traces only)."""

    id: str
    created_at: datetime | None
    run_id: str | None
    dataset: str | None
    problem_id: str | None
    strategy: str
    sample_index: int
    problem: str
    problem_hash: str
    model: str
    answer: str
    verified: bool
    gold: str | None
    correct: bool | None
    meta: dict[str, Any]
    checks_passed: int
    tool_calls: tuple[ToolView, ...] = ()
    replies: tuple[ReplyView, ...] = ()
    verifications: tuple[tuple[str, str], ...] = ()

    @property
    def level(self) -> int | None:
        return parse_level((self.meta or {}).get("level"))


_LEVEL = re.compile(r"(\d+)")


def parse_level(value: Any) -> int | None:
    """MATH levels are stored as ``"Level 5"`` (the dataset's own spelling) or as an int."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        m = _LEVEL.search(value)
        return int(m.group(1)) if m else None
    return None


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _checks_passed():
    return (select(func.count(CheckRow.id))
            .where(CheckRow.trace_id == Trace.id, CheckRow.verdict == "pass")
            .correlate(Trace).scalar_subquery())


def build_query(f: ExportFilters):
    """The SELECT of matching traces, best first within each problem."""
    checks = _checks_passed().label("checks_passed")
    stmt = select(Trace.id, Trace.created_at, Trace.run_id, Trace.dataset, Trace.problem_id, Trace.strategy,
                  Trace.sample_index, Trace.problem, Trace.problem_hash, Trace.model, Trace.answer, Trace.verified,
                  Trace.gold, Trace.correct, Trace.meta, checks)
    stmt = stmt.where(Trace.status == "answered", Trace.answer.is_not(None))
    if f.verified_only:
        stmt = stmt.where(Trace.verified.is_(True))
    if f.correct_only:
        stmt = stmt.where(Trace.correct.is_(True))
    if f.min_checks > 0:
        stmt = stmt.where(_checks_passed() >= f.min_checks)
    for column, value in ((Trace.dataset, f.dataset), (Trace.strategy, f.strategy), (Trace.model, f.model),
                          (Trace.run_id, f.run)):
        if value is not None:
            stmt = stmt.where(column == value)
    if f.since is not None:
        stmt = stmt.where(Trace.created_at >= to_utc(f.since))
    if f.until is not None:
        stmt = stmt.where(Trace.created_at < to_utc(f.until))
    best_first = (case((Trace.correct.is_(True), 1), else_=0).desc(), Trace.verified.desc(),
                  _checks_passed().desc(), Trace.created_at.desc(), Trace.id)
    return stmt.order_by(Trace.problem_hash, *best_first)


def count_matching(conn: Connection, f: ExportFilters) -> int:
    """Rows the query will return (before the level filter), for the progress bar."""
    return conn.execute(select(func.count()).select_from(build_query(f).order_by(None).subquery())).scalar_one()


def stream_traces(conn: Connection, f: ExportFilters, *, batch: int = 500) -> Iterator[TraceView]:
    """Matching traces with their children, ``batch`` at a time (memory bounded by ``batch``)."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(build_query(f))
    for part in result.partitions():
        rows = [r for r in part if f.level is None or parse_level((r.meta or {}).get("level")) == f.level]
        if not rows:
            continue
        ids = [r.id for r in rows]
        tools: dict[str, list[ToolView]] = defaultdict(list)
        for r in conn.execute(select(ToolCallRow.trace_id, ToolCallRow.step_index, ToolCallRow.code, ToolCallRow.stdout,
                                     ToolCallRow.stderr, ToolCallRow.status)
                              .where(ToolCallRow.trace_id.in_(ids)).order_by(ToolCallRow.trace_id, ToolCallRow.id)):
            tools[r.trace_id].append(ToolView(r.step_index, r.code, r.stdout, r.stderr, r.status))
        replies: dict[str, list[ReplyView]] = defaultdict(list)
        for r in conn.execute(select(LLMCallRow.trace_id, LLMCallRow.step_index, LLMCallRow.purpose, LLMCallRow.response)
                              .where(LLMCallRow.trace_id.in_(ids), LLMCallRow.purpose.in_(EXPORT_PURPOSES))
                              .order_by(LLMCallRow.trace_id, LLMCallRow.id)):
            replies[r.trace_id].append(ReplyView(r.step_index, r.purpose, r.response))
        checks: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in conn.execute(select(CheckRow.trace_id, CheckRow.name, CheckRow.verdict)
                              .where(CheckRow.trace_id.in_(ids))
                              .order_by(CheckRow.trace_id, CheckRow.id)):
            checks[r.trace_id].append((r.name, r.verdict))
        for r in rows:
            yield TraceView(
                id=r.id, created_at=r.created_at, run_id=r.run_id, dataset=r.dataset, problem_id=r.problem_id,
                strategy=r.strategy, sample_index=r.sample_index, problem=r.problem, problem_hash=r.problem_hash,
                model=r.model, answer=r.answer, verified=bool(r.verified), gold=r.gold, correct=r.correct,
                meta=dict(r.meta or {}), checks_passed=int(r.checks_passed or 0),
                tool_calls=tuple(tools.pop(r.id, ())), replies=tuple(replies.pop(r.id, ())),
                verifications=tuple(checks.pop(r.id, ())))
