"""Solving one problem: validate, run the graph, assemble and record the trace."""

from __future__ import annotations

import dataclasses
import functools
import time
from dataclasses import asdict, dataclass, field
from typing import Any

from langgraph.errors import GraphRecursionError

from mathagent.agent.graph import build_graph
from mathagent.agent.problem import validate_problem
from mathagent.agent.prompts import prompts_version
from mathagent.agent.state import AgentConfig, AgentContext, AgentState
from mathagent.errors import LLMError, ModelUnavailable
from mathagent.traces.records import TraceRecord, as_json

VERIFIED_LEVELS = ("gold", "formal", "consensus")


@dataclass
class SolveResult:
    """What ``solve`` returns (and ``solve --json`` prints).

    ``level``: gold | formal | consensus | unverified (``verified`` means consensus or stronger);
    ``confidence``: the gold-free confidence of the answer in [0, 1]; ``checks``, ``steps``, ``derivations``:
    the trace's parts as JSON objects.
    """

    answer: str | None
    verified: bool
    level: str
    confidence: float | None
    status: str  # answered | no_answer | error
    checks: list[dict[str, Any]]
    steps: list[dict[str, Any]]
    derivations: list[dict[str, Any]]
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


@functools.lru_cache(maxsize=16)
def _graph(strategy: str, cfg: AgentConfig):
    return build_graph(strategy, cfg)


def solve_problem(problem: str, ctx: AgentContext, *, strategy: str = "agent", examples: list | tuple = (),
                  **trace_fields: Any) -> SolveResult:
    """Solve ``problem``; record the trace through ``ctx.recorder`` if set.

    Expected failures (no answer, an LLM server that keeps failing) come back
    as a result with a status; they are recorded too.  Bad input raises
    :class:`InputError` before anything is written.
    """
    problem = validate_problem(problem)
    if examples:  # few-shot examples (agent.fewshot.Example) go into the program prompt
        from mathagent.agent.fewshot import fewshot_messages

        ctx = dataclasses.replace(ctx, config=dataclasses.replace(ctx.config, fewshot=fewshot_messages(examples)))
    cfg = ctx.config
    state, error, stop_reason, limits, seconds = _run_graph(problem, strategy, ctx)
    answer = state.get("answer") if error is None else None
    level = state.get("level", "unverified") if answer else "unverified"
    status = "error" if error else ("answered" if answer else "no_answer")
    stop_reason = stop_reason or state.get("stop_reason")
    llm_calls = state.get("llm_calls", [])
    usage = {"prompt_tokens": sum(c.prompt_tokens for c in llm_calls),
             "completion_tokens": sum(c.completion_tokens for c in llm_calls)}
    vote = state.get("vote")
    clusters = vote.cluster_of() if vote is not None else {}
    derivations = [dataclasses.replace(d, cluster=clusters.get(d.index, -1)) for d in state.get("derivations", [])]
    meta = _meta(state, cfg, strategy, examples, limits=list(dict.fromkeys([*state.get("limits_hit", []), *limits])),
                 stop_reason=stop_reason)
    prefill = getattr(ctx.llm, "prefill", None)
    if prefill is not None:  # an OpenAI-compatible server: whether the prompts' reply starts were sent, and how
        meta["prefill"] = prefill
    meta.update(trace_fields.pop("meta", {}) or {})
    confidence = state.get("confidence")
    rec = TraceRecord(
        problem=problem, model=ctx.llm.name, backend=ctx.llm.backend, status=status, answer=answer,
        verified=level in VERIFIED_LEVELS, level=level, agent_level=level, confidence=None if confidence is None else round(confidence, 4),
        error=error, prompt_tokens=usage["prompt_tokens"], completion_tokens=usage["completion_tokens"],
        seconds=seconds, meta=meta, steps=list(state.get("steps", [])), tool_calls=list(state.get("tool_calls", [])),
        llm_calls=list(llm_calls), checks=list(state.get("checks", [])), derivations=derivations,
        strategy=strategy, **trace_fields,
    )
    if ctx.recorder is not None:
        ctx.recorder(rec)
    return SolveResult(
        answer=answer, verified=rec.verified, level=rec.level, confidence=rec.confidence, status=status,
        checks=[as_json(c) for c in rec.checks], steps=[as_json(s) for s in rec.steps],
        derivations=[as_json(d) for d in rec.derivations], trace_id=rec.id, model=rec.model, backend=rec.backend,
        usage=usage, seconds=round(seconds, 3), error=error, stop_reason=stop_reason, meta=rec.meta)


def _run_graph(problem: str, strategy: str, ctx: AgentContext) -> tuple[AgentState, str | None, str | None,
                                                                         list[str], float]:
    """Run the strategy's graph to its end: (final state, LLM error, stop reason, limits hit, seconds)."""
    cfg = ctx.config
    graph = _graph(strategy, dataclasses.replace(cfg, fewshot=()))
    t0 = time.perf_counter()
    state: AgentState = {"problem": problem, "strategy": strategy}
    error: str | None = None
    stop_reason: str | None = None
    limits: list[str] = []
    try:
        for snapshot in graph.stream({"problem": problem, "strategy": strategy, "started": time.monotonic()},
                                     {"recursion_limit": cfg.recursion_limit()}, context=ctx,
                                     stream_mode="values"):
            state = snapshot
    except GraphRecursionError:
        limits.append("recursion_limit")
        stop_reason = f"recursion limit ({cfg.recursion_limit()}) reached"
    except (LLMError, ModelUnavailable) as exc:
        error = exc.message
    return state, error, stop_reason, limits, time.perf_counter() - t0


def _meta(state: AgentState, cfg: Any, strategy: str, examples: list | tuple, *, limits: list[str],
          stop_reason: str | None) -> dict[str, Any]:
    """The trace's ``meta``: prompts version, rounds and repairs, the bounds and which were hit, the vote."""
    meta = {"prompts_version": prompts_version(dict(cfg.prompts)), "rounds": state.get("rounds", 0),
            "repairs": state.get("repairs", 0), "limits_hit": limits, "stop_reason": stop_reason,
            "decision": state.get("decision"),
            "fewshot_ids": [e.trace_id for e in examples],
            "limits": {"max_samples": cfg.max_samples, "max_repairs": cfg.max_repairs,
                       "tir_rounds": cfg.tir_rounds, "time_budget_s": cfg.time_budget_s,
                       "recursion_limit": cfg.recursion_limit(), "calc_timeout_s": cfg.calc_timeout_s}}
    vote = state.get("vote")
    if vote is not None and strategy == "agent":
        meta["vote"] = {"clusters": [{"answer": c.answer, "size": len(c.members), "methods": list(c.methods)}
                                     for c in vote.clusters], "valid": vote.valid, "total": vote.total}
    return meta
