"""SQLAlchemy 2.0 models of the trace database.

A *trace* is one attempt at one problem: the problem, the model and backend,
every step the agent took (with its route), every calculator call, every LLM
prompt and response, every derivation the vote counted, every check, the final
answer with its verification level, tokens and timings.  The tables of those
parts are generated from the record types in :mod:`mathagent.traces.records`
(one definition of each part).  An *eval run* groups traces of a batch evaluation; its unique key
(run, problem, strategy, sample) is what makes ``--resume`` exact.

Schema changes go through Alembic migrations in ``traces/migrations`` (named,
append-only); never edit an applied migration.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (Boolean, Column, DateTime, Float, ForeignKey, Integer, String, Table, Text,
                        UniqueConstraint, false, true)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from mathagent.traces import records
from mathagent.traces.coltypes import StoredJSON  # a non-object (or malformed) JSON value reads as {} / []


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class EvalRun(Base):
    __tablename__ = "eval_runs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    dataset: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32), default="running")
    config: Mapped[dict[str, Any]] = mapped_column(StoredJSON(dict), default=dict)

    traces: Mapped[list[Trace]] = relationship(back_populates="run")


class Trace(Base):
    __tablename__ = "traces"
    __table_args__ = (UniqueConstraint("run_id", "problem_id", "strategy", "sample_index", name="uq_trace_run_item"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    source: Mapped[str] = mapped_column(String(16), default="solve")
    run_id: Mapped[str | None] = mapped_column(ForeignKey("eval_runs.id", ondelete="CASCADE"), index=True)
    dataset: Mapped[str | None] = mapped_column(String(64), index=True)
    problem_id: Mapped[str | None] = mapped_column(String(256))
    strategy: Mapped[str] = mapped_column(String(32), default="agent")
    sample_index: Mapped[int] = mapped_column(Integer, default=0)
    problem: Mapped[str] = mapped_column(Text)
    problem_hash: Mapped[str] = mapped_column(String(64), index=True)
    model: Mapped[str] = mapped_column(String(256))
    backend: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    answer: Mapped[str | None] = mapped_column(Text)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)  # level is consensus or stronger
    level: Mapped[str] = mapped_column(String(16), default="unverified", server_default="unverified", index=True)
    agent_level: Mapped[str] = mapped_column(String(16), default="unverified", server_default="unverified")
    confidence: Mapped[float | None] = mapped_column(Float)  # the gold-free confidence of the answer (0..1)
    gold: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict[str, Any]] = mapped_column(StoredJSON(dict), default=dict)

    run: Mapped[EvalRun | None] = relationship(back_populates="traces")
    steps: Mapped[list[StepRow]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="StepRow.index")
    tool_calls: Mapped[list[ToolCallRow]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="ToolCallRow.id")
    llm_calls: Mapped[list[LLMCallRow]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="LLMCallRow.id")
    checks: Mapped[list[CheckRow]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="CheckRow.id")
    derivations: Mapped[list[DerivationRow]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="DerivationRow.index")


def _sql_type(f: dataclasses.Field, hint: Any) -> tuple[Any, bool]:
    """The column type and nullability for a record field (see :mod:`mathagent.traces.records`)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    nullable = typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in typing.get_args(hint)
    if nullable and len(args) == 1:
        hint = args[0]
    origin = typing.get_origin(hint) or hint
    if "sql_length" in f.metadata or origin is typing.Literal:
        return String(f.metadata.get("sql_length", 32)), nullable
    if hint is bool:
        return Boolean(), nullable
    if hint is int:
        return Integer(), nullable
    if hint is float:
        return Float(), nullable
    if hint is str:
        return Text(), nullable
    if origin in (list, dict):
        return StoredJSON(origin), nullable
    raise TypeError(f"no column type for field {f.name}: {hint!r}")


def record_table(name: str, record: type) -> Table:
    """The table of one trace part: an id, the owning trace, then one column per field of ``record``."""
    hints = typing.get_type_hints(record)
    columns = [Column("id", Integer, primary_key=True, autoincrement=True),
               Column("trace_id", ForeignKey("traces.id", ondelete="CASCADE"), index=True, nullable=False)]
    for f in dataclasses.fields(record):
        sql_type, nullable = _sql_type(f, hints[f.name])
        kwargs: dict[str, Any] = {}
        if f.default is not dataclasses.MISSING and f.default is not None:
            kwargs["default"] = f.default
            if isinstance(f.default, bool):
                kwargs["server_default"] = true() if f.default else false()
        columns.append(Column(f.name, sql_type, nullable=nullable, **kwargs))
    return Table(name, Base.metadata, *columns)


class StepRow(Base):
    __table__ = record_table("steps", records.Step)
    __record__ = records.Step
    trace: Mapped[Trace] = relationship(back_populates="steps")


class ToolCallRow(Base):
    __table__ = record_table("tool_calls", records.ToolCall)
    __record__ = records.ToolCall
    trace: Mapped[Trace] = relationship(back_populates="tool_calls")


class LLMCallRow(Base):
    __table__ = record_table("llm_calls", records.LLMCall)
    __record__ = records.LLMCall
    trace: Mapped[Trace] = relationship(back_populates="llm_calls")


class CheckRow(Base):
    __table__ = record_table("verifications", records.Check)  # the table's name predates "check"
    __record__ = records.Check
    trace: Mapped[Trace] = relationship(back_populates="checks")


class DerivationRow(Base):
    __table__ = record_table("derivations", records.Derivation)
    __record__ = records.Derivation
    trace: Mapped[Trace] = relationship(back_populates="derivations")


ROWS: dict[str, type[Base]] = {"steps": StepRow, "tool_calls": ToolCallRow, "llm_calls": LLMCallRow,
                               "checks": CheckRow, "derivations": DerivationRow}
"""The row class of each part list of :data:`mathagent.traces.records.PARTS`."""
