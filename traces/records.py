"""Plain, serializable records of one solve attempt.

The agent builds a :class:`TraceRecord` in memory while it works and the store
writes it in one transaction at the end, so a crash or a bad input never
leaves a half-written trace in the database.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any


def new_trace_id() -> str:
    return uuid.uuid4().hex


def problem_hash(text: str) -> str:
    """Hash of the problem text with whitespace and case normalized."""
    norm = " ".join(text.lower().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


@dataclass
class StepRecord:
    index: int
    route: str  # calc | reason | verify | formal
    input: str
    output: str
    status: str  # ok | error | timeout | signal | output_limit | no_code | answer
    ms: float = 0.0


@dataclass
class ToolCallRecord:
    step_index: int
    tool: str
    code: str
    stdout: str
    stderr: str
    status: str
    ms: float


@dataclass
class LLMCallRecord:
    step_index: int
    purpose: str
    messages: list[dict[str, Any]]
    response: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None
    ms: float
    cached: bool = False


@dataclass
class VerificationRecord:
    name: str
    verdict: str  # pass | fail | inconclusive | error
    detail: str = ""


@dataclass
class TraceRecord:
    problem: str
    model: str
    backend: str
    status: str  # answered | no_answer | error
    answer: str | None = None
    verified: bool = False
    id: str = field(default_factory=new_trace_id)
    source: str = "solve"
    run_id: str | None = None
    dataset: str | None = None
    problem_id: str | None = None
    strategy: str = "agent"
    sample_index: int = 0
    gold: str | None = None
    correct: bool | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    seconds: float = 0.0
    meta: dict[str, Any] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    llm_calls: list[LLMCallRecord] = field(default_factory=list)
    verifications: list[VerificationRecord] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
