"""Graph state, configuration and runtime context.

State is a plain, JSON-serializable TypedDict: the transcript, the steps taken,
counters and the answer.  Dependencies (the LLM, the calculator pool, the
trace recorder) live in :class:`AgentContext`, passed as LangGraph's runtime
context, never in state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypedDict

from mathagent.agent.llm import LLM


class CalcOutcome(Protocol):
    status: str
    stdout: str
    stderr: str
    ms: float


class CalculatorLike(Protocol):
    def run(self, code: str, timeout_s: float | None = None) -> CalcOutcome: ...


class AgentState(TypedDict, total=False):
    problem: str
    messages: list[dict[str, Any]]      # the solver conversation (OpenAI chat format)
    steps: list[dict[str, Any]]         # StepRecord fields
    tool_calls: list[dict[str, Any]]    # ToolCallRecord fields
    llm_calls: list[dict[str, Any]]     # LLMCallRecord fields
    verifications: list[dict[str, Any]]  # VerificationRecord fields
    last_reply: dict[str, Any]          # {"code": str|None, "answer": str|None} of the latest solver turn
    last_calc: dict[str, Any]           # status/stdout/stderr of the latest calculator call
    candidate: str | None               # answer read from a program's output
    answer: str | None
    answer_route: str | None            # calc | reason | vote | formal
    cross_answer: str | None            # the chain-of-thought cross-check's answer (read by the tie-break)
    turns: int                          # solver LLM turns taken
    repairs: int                        # repair rounds taken
    stop_reason: str | None             # why the agent stopped without an answer, or hit a bound


@dataclass(frozen=True)
class AgentConfig:
    """Bounds and decoding.  Every loop in the graph is bounded by one of these."""

    max_turns: int = 4            # solver turns (first program + repairs + nudges)
    max_repairs: int = 2          # repair rounds after a failed program
    calc_timeout_s: float = 10.0
    program_max_tokens: int = 512
    reason_max_tokens: int = 640
    temperature: float = 0.0
    seed: int | None = 0
    verify: bool = True
    tie_break: bool = True        # a third derivation votes when program and chain of thought disagree
    formal: bool = False          # treat the problem as a formal (Lean) statement even if it does not look like one
    smt_timeout_s: float = 5.0
    fewshot: tuple[dict[str, Any], ...] = ()  # extra (user, assistant) example messages

    def recursion_limit(self) -> int:
        # solve+calc(+repair) per turn, plus reason fallback, finalize, verify, tie-break, record; doubled for headroom.
        return 2 * (3 * self.max_turns + 9)


@dataclass
class AgentContext:
    llm: LLM
    calculator: CalculatorLike
    config: AgentConfig = field(default_factory=AgentConfig)
    recorder: Callable[[Any], None] | None = None  # receives the finished TraceRecord
