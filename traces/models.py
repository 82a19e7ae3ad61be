"""SQLAlchemy 2.0 models of the trace database.

A *trace* is one attempt at one problem: the problem, the model and backend,
every step the agent took (with its route), every calculator call, every LLM
prompt and response, every verification verdict, the final answer, tokens and
timings.  An *eval run* groups traces of a batch evaluation; its unique key
(run, problem, strategy, sample) is what makes ``--resume`` exact.

Schema changes go through Alembic migrations in ``traces/migrations`` (named,
append-only); never edit an applied migration.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

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
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    gold: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    meta: Mapped[dict[str, Any]] = mapped_column(StoredJSON(dict), default=dict)

    run: Mapped[EvalRun | None] = relationship(back_populates="traces")
    steps: Mapped[list[Step]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="Step.index")
    tool_calls: Mapped[list[ToolCall]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="ToolCall.id")
    llm_calls: Mapped[list[LLMCall]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="LLMCall.id")
    verifications: Mapped[list[Verification]] = relationship(
        back_populates="trace", cascade="all, delete-orphan", order_by="Verification.id")


class Step(Base):
    __tablename__ = "steps"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("traces.id", ondelete="CASCADE"), index=True)
    index: Mapped[int] = mapped_column(Integer)
    route: Mapped[str] = mapped_column(String(32))
    input: Mapped[str] = mapped_column(Text, default="")
    output: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32))
    ms: Mapped[float] = mapped_column(Float, default=0.0)

    trace: Mapped[Trace] = relationship(back_populates="steps")


class ToolCall(Base):
    __tablename__ = "tool_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("traces.id", ondelete="CASCADE"), index=True)
    step_index: Mapped[int] = mapped_column(Integer)
    tool: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(Text)
    stdout: Mapped[str] = mapped_column(Text, default="")
    stderr: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(32))
    ms: Mapped[float] = mapped_column(Float, default=0.0)

    trace: Mapped[Trace] = relationship(back_populates="tool_calls")


class LLMCall(Base):
    __tablename__ = "llm_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("traces.id", ondelete="CASCADE"), index=True)
    step_index: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(String(32))
    messages: Mapped[list[dict[str, Any]]] = mapped_column(StoredJSON(list))
    response: Mapped[str] = mapped_column(Text)
    prompt_tokens: Mapped[int] = mapped_column(Integer, default=0)
    completion_tokens: Mapped[int] = mapped_column(Integer, default=0)
    finish_reason: Mapped[str | None] = mapped_column(String(32))
    ms: Mapped[float] = mapped_column(Float, default=0.0)
    cached: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())

    trace: Mapped[Trace] = relationship(back_populates="llm_calls")


class Verification(Base):
    __tablename__ = "verifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    trace_id: Mapped[str] = mapped_column(ForeignKey("traces.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    verdict: Mapped[str] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")

    trace: Mapped[Trace] = relationship(back_populates="verifications")
