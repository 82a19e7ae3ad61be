"""Solving one problem: validate, run the graph, assemble and record the trace."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from langgraph.errors import GraphRecursionError

from mathagent.agent.graph import build_graph
from mathagent.agent.prompts import PROMPTS_VERSION
from mathagent.agent.problem import validate_problem
from mathagent.agent.state import AgentContext, AgentState
from mathagent.errors import LLMError, ModelUnavailable
from mathagent.traces.records import (LLMCallRecord, StepRecord, ToolCallRecord, TraceRecord,
                                      VerificationRecord)
from mathagent.verifiers.checks import CheckResult, is_verified


@dataclass
class SolveResult:
    answer: str | None
    verified: bool
    status: str  # answered | no_answer | error
    verification: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    trace_id: str
    model: str
    backend: str
    usage: dict[str, int]
    seconds: float
    error: str | None = None
    stop_reason: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.lru_cache(maxsize=8)
def _graph(max_turns: int, max_repairs: int, strategy: str, formal: bool, tie_break: bool):
    return build_graph(max_turns, max_repairs, strategy, formal, tie_break)


def solve_problem(problem: str, ctx: AgentContext, *, strategy: str = "agent", examples: list | tuple = (),
                  **trace_fields: Any) -> SolveResult:
    """Solve ``problem``; record the trace through ``ctx.recorder`` if set.

    Expected failures (no answer, an LLM server that keeps failing) come back
    as a result with a status; they are recorded too.  Bad input raises
    :class:`InputError` before anything is written.
    """
    problem = validate_problem(problem)
    if examples:  # few-shot examples (agent.fewshot.Example) go into the solver prompt
        from mathagent.agent.fewshot import fewshot_messages

        ctx = dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, fewshot=fewshot_messages(examples)))
    cfg = ctx.config
    graph = _graph(cfg.max_turns, cfg.max_repairs, strategy, cfg.formal, cfg.tie_break)
    t0 = time.perf_counter()
    state: AgentState = {"problem": problem}
    error: str | None = None
    stop_reason: str | None = None
    recursion_hit = False
    try:
        for snapshot in graph.stream({"problem": problem}, {"recursion_limit": cfg.recursion_limit()},
                                     context=ctx, stream_mode="values"):
            state = snapshot
    except GraphRecursionError:
        recursion_hit = True
        stop_reason = f"recursion limit ({cfg.recursion_limit()}) reached"
    except (LLMError, ModelUnavailable) as exc:
        error = exc.message
    seconds = time.perf_counter() - t0

    checks = [CheckResult(**v) for v in state.get("verifications", [])]
    answer = state.get("answer") if error is None else None
    verified = bool(answer) and is_verified(checks)
    status = "error" if error else ("answered" if answer else "no_answer")
    stop_reason = stop_reason or state.get("stop_reason")
    llm_calls = state.get("llm_calls", [])
    usage = {"prompt_tokens": sum(c["prompt_tokens"] for c in llm_calls),
             "completion_tokens": sum(c["completion_tokens"] for c in llm_calls)}
    meta = {"prompts_version": PROMPTS_VERSION, "turns": state.get("turns", 0), "repairs": state.get("repairs", 0),
            "limits_hit": limits_hit(state, cfg, recursion=recursion_hit),
            "answer_route": state.get("answer_route"), "stop_reason": stop_reason,
            "fewshot_ids": [e.trace_id for e in examples],
            "tie_break": cfg.tie_break,
            "limits": {"max_turns": cfg.max_turns, "max_repairs": cfg.max_repairs,
                       "recursion_limit": cfg.recursion_limit(), "calc_timeout_s": cfg.calc_timeout_s}}
    meta.update(trace_fields.pop("meta", {}) or {})
    rec = TraceRecord(
        problem=problem, model=ctx.llm.name, backend=ctx.llm.backend, status=status, answer=answer,
        verified=verified, error=error, prompt_tokens=usage["prompt_tokens"],
        completion_tokens=usage["completion_tokens"], seconds=seconds, meta=meta,
        steps=[StepRecord(**s) for s in state.get("steps", [])],
        tool_calls=[ToolCallRecord(**t) for t in state.get("tool_calls", [])],
        llm_calls=[LLMCallRecord(**c) for c in llm_calls],
        verifications=[VerificationRecord(name=c.name, verdict=c.verdict, detail=c.detail) for c in checks],
        strategy=strategy, **trace_fields,
    )
    if ctx.recorder is not None:
        ctx.recorder(rec)
    return SolveResult(
        answer=answer, verified=verified, status=status,
        verification=[{"name": c.name, "verdict": c.verdict, "detail": c.detail} for c in checks],
        steps=state.get("steps", []), trace_id=rec.id, model=rec.model, backend=rec.backend, usage=usage,
        seconds=round(seconds, 3), error=error, stop_reason=stop_reason, meta=meta)


def limits_hit(state: dict[str, Any], cfg, *, recursion: bool = False) -> list[str]:
    """Which configured bounds this attempt ran into (recorded in the trace's meta)."""
    hits = []
    if recursion:
        hits.append("recursion_limit")
    if state.get("turns", 0) >= cfg.max_turns:
        hits.append("max_turns")
    last_calc = state.get("last_calc") or {}
    if state.get("repairs", 0) >= cfg.max_repairs and last_calc and last_calc.get("status") != "ok":
        hits.append("max_repairs")
    if any(t.get("status") == "timeout" for t in state.get("tool_calls", [])):
        hits.append("calc_timeout")
    reasons = {c.get("finish_reason") for c in state.get("llm_calls", [])}
    if "timeout" in reasons:
        hits.append("llm_timeout")
    if "length" in reasons:
        hits.append("max_tokens")
    return hits
