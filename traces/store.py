"""Writing and reading traces.  Sessions are opened by the caller.

Text is stored the same way on every backend: PostgreSQL cannot hold NUL
characters in ``text`` columns and neither backend accepts lone surrogates, so
:func:`clean_text` replaces both with U+FFFD before a write (a calculator
program can print anything).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload, sessionmaker

from mathagent.traces.models import ROWS, Trace
from mathagent.traces.records import VERIFIED_LEVELS, TraceRecord, as_json, problem_hash

MIN_ID_PREFIX = 6


def clean_text(value: str) -> str:
    """``value`` without NUL characters or lone surrogates (each becomes U+FFFD)."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value


def clean_json(value: Any) -> Any:
    """:func:`clean_text` applied to every string (keys too) inside a JSON value."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(str(k)): clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_json(v) for v in value]
    return value


def _opt(value: str | None) -> str | None:
    return None if value is None else clean_text(value)


def _row(row_cls, part: Any):
    """The ORM row of one part record, its text cleaned (same fields, one mapping for every part)."""
    return row_cls(**{k: clean_json(v) for k, v in as_json(part).items()})


def add_trace(session: Session, rec: TraceRecord) -> Trace:
    """Add ``rec`` with all its parts to ``session`` (flushes, does not commit)."""
    c = clean_text
    trace = Trace(
        id=rec.id, source=rec.source, run_id=rec.run_id, dataset=_opt(rec.dataset), problem_id=_opt(rec.problem_id),
        strategy=rec.strategy, sample_index=rec.sample_index, problem=c(rec.problem),
        problem_hash=problem_hash(c(rec.problem)), model=c(rec.model), backend=rec.backend, status=rec.status,
        answer=_opt(rec.answer), verified=rec.verified, level=rec.level, agent_level=rec.agent_level,
        confidence=rec.confidence,
        gold=_opt(rec.gold), correct=rec.correct, error=_opt(rec.error), prompt_tokens=rec.prompt_tokens,
        completion_tokens=rec.completion_tokens, seconds=rec.seconds, meta=clean_json(rec.meta),
    )
    for name, row_cls in ROWS.items():
        setattr(trace, name, [_row(row_cls, part) for part in getattr(rec, name)])
    session.add(trace)
    session.flush()
    return trace


def add_trace_once(factory: sessionmaker[Session], rec: TraceRecord) -> bool:
    """Write ``rec`` in its own transaction; ``False`` when its (run, problem, strategy, sample) key exists.

    The unique constraint decides between concurrent writers (threads, processes, eval workers on several
    machines): exactly one insert wins, the others see an IntegrityError, which means "already done".
    """
    from mathagent.traces.db import session_scope

    try:
        with session_scope(factory) as s:
            add_trace(s, rec)
    except IntegrityError:
        return False
    return True


def _with_children():
    return tuple(selectinload(getattr(Trace, name)) for name in ROWS)


def find_trace(session: Session, id_or_prefix: str) -> Trace | list[str] | None:
    """The trace with this id, or a unique id prefix (>= 6 chars).

    Returns the trace, ``None`` if nothing matches, or the list of matching
    ids when a prefix is ambiguous.
    """
    trace = session.get(Trace, id_or_prefix, options=_with_children())
    if trace is not None or len(id_or_prefix) < MIN_ID_PREFIX:
        return trace
    escaped = id_or_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    ids = session.scalars(select(Trace.id).where(Trace.id.like(escaped + "%", escape="\\")).limit(10)).all()
    if len(ids) == 1:
        return session.get(Trace, ids[0], options=_with_children())
    return list(ids) or None


def list_traces(session: Session, *, limit: int = 20, run_id: str | None = None,
                verified_only: bool = False) -> list[Trace]:
    stmt = select(Trace).order_by(Trace.created_at.desc(), Trace.id).limit(limit)
    if run_id:
        stmt = stmt.where(Trace.run_id == run_id)
    if verified_only:
        stmt = stmt.where(Trace.level.in_(VERIFIED_LEVELS))
    return list(session.scalars(stmt))


def trace_summary(t: Trace) -> dict[str, Any]:
    return {
        "id": t.id, "created_at": t.created_at.isoformat() if t.created_at else None, "source": t.source,
        "status": t.status, "answer": t.answer, "verified": t.verified, "level": t.level,
        "agent_level": t.agent_level,
        "confidence": t.confidence, "model": t.model, "backend": t.backend, "strategy": t.strategy,
        "dataset": t.dataset, "problem_id": t.problem_id, "run_id": t.run_id, "problem": t.problem,
        "seconds": t.seconds,
    }


def trace_to_dict(t: Trace) -> dict[str, Any]:
    """A stored trace as JSON: its summary, usage, meta and every part list (each part with its record's fields)."""
    d = trace_summary(t)
    d.update({"gold": t.gold, "correct": t.correct, "error": t.error, "sample_index": t.sample_index,
              "usage": {"prompt_tokens": t.prompt_tokens, "completion_tokens": t.completion_tokens},
              "meta": t.meta})
    for name in ROWS:
        d[name] = [as_json(row) for row in getattr(t, name)]
    return d


# ------------------------------------------------------------------ solved programs (few-shot examples)


@dataclass(frozen=True)
class SolvedProgram:
    """A verified trace's problem and the program whose output became its answer."""

    trace_id: str
    problem: str
    problem_hash: str
    problem_id: str | None
    program: str


def _final_program(trace: Trace) -> str | None:
    """A program whose output became the answer: the first valid program derivation in the winning cluster."""
    steps = {d.step_index for d in trace.derivations if d.cluster == 0 and d.valid and d.method == "pot"}
    ok = [c for c in trace.tool_calls if c.status == "ok" and c.step_index in steps]
    return ok[0].code if ok else None


def solved_programs(session: Session, *, limit: int, dataset: str | None = None,
                    exclude_run: str | None = None) -> list[SolvedProgram]:
    """The programs of the ``limit`` most recent answered agent traces that the agent verified and no gold answer
    contradicts (eval rows are graded; solve rows are not), one per problem text (the most recent);
    ``dataset`` keeps one dataset's, ``exclude_run`` leaves one eval run's out."""
    stmt = (select(Trace).where(Trace.verified.is_(True), Trace.strategy == "agent", Trace.status == "answered",
                                Trace.correct.is_not(False))
            .options(selectinload(Trace.tool_calls), selectinload(Trace.derivations))
            .order_by(Trace.created_at.desc()).limit(limit))
    if dataset:
        stmt = stmt.where(Trace.dataset == dataset)
    if exclude_run:
        stmt = stmt.where((Trace.run_id.is_(None)) | (Trace.run_id != exclude_run))
    out, seen = [], set()
    for t in session.scalars(stmt):
        program = _final_program(t)
        if program and t.problem_hash not in seen:
            seen.add(t.problem_hash)
            out.append(SolvedProgram(t.id, t.problem, t.problem_hash, t.problem_id, program))
    return out
