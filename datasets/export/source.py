"""Streaming the traces to export out of the database, in constant memory.

One query selects the matching traces (filters in SQL, ordered by problem hash
so duplicates of a problem arrive together and deduplication needs no set of
seen problems); it is read through a server-side cursor on PostgreSQL
(``stream_results``) and in partitions of ``batch`` rows.  For each partition
the children the exporters need (calculator calls, the derivations' replies,
the derivations, check verdicts) are fetched with one ``IN`` query per table,
as plain rows: no ORM identity map grows while a 100k-trace export runs.  The
prompts stored with the LLM calls are not read (the exporters rebuild the
conversation), except the last two messages of a repair call, which say which
program it repaired.

Every trace reaches the exporters in one shape, :class:`TraceView` with its
:class:`DerivationView` list.  Traces written before derivations existed
(routes ``calc``/``reason``, purposes ``solve``/``reason``) are mapped to that
shape by :func:`legacy_shape`, so they export as they always did.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.engine import Connection

from mathagent.datasets.selection import parse_level
from mathagent.traces.models import CheckRow, DerivationRow, LLMCallRow, ToolCallRow, Trace
from mathagent.traces.records import LEVELS, VERIFIED_LEVELS

MIN_LEVELS = VERIFIED_LEVELS
"""The values of ``--min-level``; each keeps its level and the stronger ones."""
PROGRAM_PURPOSES = ("pot", "repair", "solve")      # a reply whose program became a tool call (solve: old rows)
REASONING_PURPOSES = ("cot", "reason", "solve")    # a reply that reasons to an answer (reason, solve: old rows)
EXPORT_PURPOSES = ("pot", "cot", "tir", "repair", "solve", "reason")  # never the old verifier's calls
FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n.*?(?:```|\Z)", re.DOTALL | re.IGNORECASE)
"""A fenced program in a reply (an unterminated final fence counts)."""


def levels_at_least(level: str) -> tuple[str, ...]:
    """``level`` and every stronger one (``consensus`` -> gold, formal, consensus)."""
    return LEVELS[:LEVELS.index(level) + 1]


@dataclass(frozen=True)
class ExportFilters:
    """Which traces to export; ``None`` / ``False`` / 0 means "no filter".

    ``verified_only``: level consensus or stronger; ``min_level``: gold | formal | consensus (that level or a
    stronger one); ``math_level``: the MATH difficulty 1..5 from the trace's ``meta["level"]``.
    """

    verified_only: bool = False
    min_level: str | None = None
    correct_only: bool = False
    min_checks: int = 0
    dataset: str | None = None
    strategy: str | None = None
    model: str | None = None
    since: datetime | None = None   # inclusive, UTC
    until: datetime | None = None   # exclusive, UTC
    math_level: int | None = None
    run: str | None = None

    def levels(self) -> tuple[str, ...] | None:
        """The verification levels a row may have, or ``None`` for any."""
        allowed = set(LEVELS)
        if self.verified_only:
            allowed &= set(VERIFIED_LEVELS)
        if self.min_level is not None:
            allowed &= set(levels_at_least(self.min_level))
        return None if allowed == set(LEVELS) else tuple(lv for lv in LEVELS if lv in allowed)

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
    echoed: bool = False


@dataclass(frozen=True, slots=True)
class ReplyView:
    step_index: int
    purpose: str
    response: str


@dataclass(frozen=True, slots=True)
class DerivationView:
    """One derivation as the exporters need it (see :class:`mathagent.traces.records.Derivation`).

    ``repairs``: the index of the derivation whose failed program this one repaired, or ``None``.
    """

    index: int
    method: str            # pot | cot | tir
    prompt: str
    answer: str | None
    valid: bool
    cluster: int           # 0: the winning answer's equivalence class; -1: did not vote
    step_index: int
    repairs: int | None = None


@dataclass(frozen=True, slots=True)
class TraceView:
    """What the exporters need of one trace (answered traces only).

    ``level``: the trace's verification level (gold | formal | consensus | unverified, after grading);
    ``agent_level``: the agent's own gold-free level; ``confidence``: its gold-free confidence (0..1) or None.
    """

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
    level: str = "unverified"
    agent_level: str = "unverified"
    confidence: float | None = None
    tool_calls: tuple[ToolView, ...] = ()
    replies: tuple[ReplyView, ...] = ()
    derivations: tuple[DerivationView, ...] = ()
    checks: tuple[tuple[str, str], ...] = ()

    @property
    def math_level(self) -> int | None:
        """The MATH difficulty (1..5) the dataset gave the problem, if any."""
        return parse_level((self.meta or {}).get("level"))


def legacy_shape(t: TraceView) -> TraceView:
    """A trace written before derivations existed, as derivations (the shape every exporter reads).

    The old agent answered by one of three routes (``meta.answer_route``; without it, ``calc`` when a program
    ran): ``calc``: each solver reply (purpose ``solve``) with a program run becomes a ``pot`` derivation that
    repairs the one before it, and the last successful run is the winner (cluster 0); ``reason``: the last
    reasoning reply without a program is the winning ``cot`` derivation; ``vote`` (a tie-break among three
    derivations) and ``formal`` get no winner, since no single transcript produced their answer.  A trace
    that already has derivations is returned unchanged.
    """
    if t.derivations:
        return t
    route = (t.meta or {}).get("answer_route") or ("calc" if t.tool_calls else "reason")
    derivations: list[DerivationView] = []
    if route == "calc":
        ran = {c.step_index: c for c in t.tool_calls}
        programs = [r for r in t.replies if r.purpose in ("solve", "repair") and r.step_index in ran]
        for i, r in enumerate(programs):
            derivations.append(DerivationView(i, "pot", "legacy" if i == 0 else "repair", None,
                                              ran[r.step_index].status == "ok", -1, r.step_index,
                                              i - 1 if i else None))
        won = max((d.index for d in derivations if d.valid), default=None)
        if won is not None:  # the answer came from the last successful run
            derivations = derivations[:won] + [replace(derivations[won], cluster=0, answer=t.answer)]
    elif route == "reason":
        reasoned = [r for r in t.replies if r.purpose in ("solve", "reason") and r.response.strip()
                    and (r.purpose == "reason" or not FENCE.search(r.response))]
        if reasoned:
            derivations.append(DerivationView(0, "cot", "legacy", t.answer, True, 0, reasoned[-1].step_index))
    return replace(t, derivations=tuple(derivations))


def to_utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _checks_passed():
    return (select(func.count(CheckRow.id))
            .where(CheckRow.trace_id == Trace.id, CheckRow.verdict == "pass")
            .correlate(Trace).scalar_subquery())


def _level_rank():
    """0 for gold, 1 formal, 2 consensus, 3 unverified (anything else): strongest first."""
    return case(*((Trace.level == lv, i) for i, lv in enumerate(LEVELS)), else_=len(LEVELS))


def build_query(f: ExportFilters):
    """The SELECT of matching traces, best first within each problem (strongest level, then most confident)."""
    checks = _checks_passed().label("checks_passed")
    stmt = select(Trace.id, Trace.created_at, Trace.run_id, Trace.dataset, Trace.problem_id, Trace.strategy,
                  Trace.sample_index, Trace.problem, Trace.problem_hash, Trace.model, Trace.answer, Trace.verified,
                  Trace.gold, Trace.correct, Trace.meta, Trace.level, Trace.agent_level, Trace.confidence, checks)
    stmt = stmt.where(Trace.status == "answered", Trace.answer.is_not(None))
    levels = f.levels()
    if levels is not None:
        stmt = stmt.where(Trace.level.in_(levels))
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
    best_first = (_level_rank(), case((Trace.correct.is_(True), 1), else_=0).desc(),
                  func.coalesce(Trace.confidence, -1.0).desc(), _checks_passed().desc(), Trace.created_at.desc(),
                  Trace.id)
    return stmt.order_by(Trace.problem_hash, *best_first)


def count_matching(conn: Connection, f: ExportFilters) -> int:
    """Rows the query will return (before the MATH-level filter), for the progress bar."""
    return conn.execute(select(func.count()).select_from(build_query(f).order_by(None).subquery())).scalar_one()


def _repaired(messages: Any) -> str | None:
    """The failed reply a repair call answered: the assistant message before its feedback."""
    if isinstance(messages, list) and len(messages) >= 2 and isinstance(messages[-2], dict) \
            and messages[-2].get("role") == "assistant":
        content = messages[-2].get("content")
        return content if isinstance(content, str) else None
    return None


def _derivations(rows: list[Any], replies: list[ReplyView], repaired: dict[int, str]) -> tuple[DerivationView, ...]:
    """The stored derivations, each repair linked to the program it repaired (matched by that reply's text)."""
    by_step = {r.step_index: r.response for r in replies if r.purpose in PROGRAM_PURPOSES}
    out: list[DerivationView] = []
    for r in rows:
        link = None
        failed = repaired.get(r.step_index) if r.prompt == "repair" else None
        if failed is not None:
            link = next((d.index for d in reversed(out) if d.method == "pot" and by_step.get(d.step_index) == failed),
                        None)
        out.append(DerivationView(r.index, r.method, r.prompt, r.answer, bool(r.valid), r.cluster, r.step_index, link))
    return tuple(out)


def stream_traces(conn: Connection, f: ExportFilters, *, batch: int = 500) -> Iterator[TraceView]:
    """Matching traces with their children, ``batch`` at a time (memory bounded by ``batch``); old traces
    mapped through :func:`legacy_shape`."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(build_query(f))
    for part in result.partitions():
        rows = [r for r in part if f.math_level is None or parse_level((r.meta or {}).get("level")) == f.math_level]
        if not rows:
            continue
        ids = [r.id for r in rows]
        tools: dict[str, list[ToolView]] = defaultdict(list)
        for r in conn.execute(select(ToolCallRow.trace_id, ToolCallRow.step_index, ToolCallRow.code, ToolCallRow.stdout,
                                     ToolCallRow.stderr, ToolCallRow.status, ToolCallRow.echoed)
                              .where(ToolCallRow.trace_id.in_(ids)).order_by(ToolCallRow.trace_id, ToolCallRow.id)):
            tools[r.trace_id].append(ToolView(r.step_index, r.code, r.stdout, r.stderr, r.status, bool(r.echoed)))
        replies: dict[str, list[ReplyView]] = defaultdict(list)
        for r in conn.execute(select(LLMCallRow.trace_id, LLMCallRow.step_index, LLMCallRow.purpose,
                                     LLMCallRow.response)
                              .where(LLMCallRow.trace_id.in_(ids), LLMCallRow.purpose.in_(EXPORT_PURPOSES))
                              .order_by(LLMCallRow.trace_id, LLMCallRow.id)):
            replies[r.trace_id].append(ReplyView(r.step_index, r.purpose, r.response))
        repaired: dict[str, dict[int, str]] = defaultdict(dict)
        for r in conn.execute(select(LLMCallRow.trace_id, LLMCallRow.step_index, LLMCallRow.messages)
                              .where(LLMCallRow.trace_id.in_(ids), LLMCallRow.purpose == "repair")):
            failed = _repaired(r.messages)
            if failed is not None:
                repaired[r.trace_id][r.step_index] = failed
        derivations: dict[str, list[Any]] = defaultdict(list)
        for r in conn.execute(select(DerivationRow.trace_id, DerivationRow.index, DerivationRow.method,
                                     DerivationRow.prompt, DerivationRow.answer, DerivationRow.valid,
                                     DerivationRow.cluster, DerivationRow.step_index)
                              .where(DerivationRow.trace_id.in_(ids))
                              .order_by(DerivationRow.trace_id, DerivationRow.index)):
            derivations[r.trace_id].append(r)
        checks: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in conn.execute(select(CheckRow.trace_id, CheckRow.name, CheckRow.verdict)
                              .where(CheckRow.trace_id.in_(ids))
                              .order_by(CheckRow.trace_id, CheckRow.id)):
            checks[r.trace_id].append((r.name, r.verdict))
        for r in rows:
            said = tuple(replies.pop(r.id, ()))
            yield legacy_shape(TraceView(
                id=r.id, created_at=r.created_at, run_id=r.run_id, dataset=r.dataset, problem_id=r.problem_id,
                strategy=r.strategy, sample_index=r.sample_index, problem=r.problem, problem_hash=r.problem_hash,
                model=r.model, answer=r.answer, verified=bool(r.verified), gold=r.gold, correct=r.correct,
                meta=dict(r.meta or {}), checks_passed=int(r.checks_passed or 0), level=r.level or "unverified",
                agent_level=r.agent_level or "unverified", confidence=r.confidence,
                tool_calls=tuple(tools.pop(r.id, ())), replies=said,
                derivations=_derivations(derivations.pop(r.id, []), list(said), repaired.pop(r.id, {})),
                checks=tuple(checks.pop(r.id, ()))))
