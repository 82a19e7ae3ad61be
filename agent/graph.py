"""The orchestrator: a LangGraph ``StateGraph`` per strategy.

``agent`` (the adaptive decision procedure)::

    START ─route_start─> formal ─> END
       └──────────────> draw ─> vote ─route_after_vote─> verify ─> END
                         ^  ^       │   │
                         │  └───────┘   └─> repair ─> vote
                         (unsettled: draw the next round)

* ``draw`` takes the next round of the schedule (``AgentConfig.schedule``:
  program samples decoded in one batch, a chain of thought for an independent
  view, ...) and turns each sample into a :class:`Derivation`: programs run in
  the sandboxed calculator, every answer is checked against the problem's
  wording (an implausible value is kept but does not vote).
* ``vote`` clusters the valid answers under the grader's equivalence and
  decides: ``settled`` (adaptive consistency: more samples would not change the
  winner), ``unsettled`` (draw more) or ``exhausted`` (``max_samples`` or the
  wall-clock budget spent); ``confirm`` when ``verify`` is on, no valid
  derivation disagrees with the winner, and one method settled it or the
  winner lacks a method the consensus level needs (``consensus_needs``: a
  chain of thought): one derivation by that method is drawn, then it votes
  again (at most ``max(1, len(consensus_needs))`` confirmations).
* ``repair`` feeds a failed or rejected program back once (``max_repairs``)
  when a round gave no valid answer.
* ``verify`` fixes the answer (the winner's representative, as the model or the
  sandbox wrote it), runs the formal claim checks, and sets the level
  (formal / consensus / unverified) and the confidence.

A formal statement (Lean ``theorem ... :=``, or ``--formal``) goes to
``formal``: the SMT backend's verdict is the answer.  The single-method
strategies ``pot``, ``cot`` and ``tir`` are ``draw`` (one derivation at the
configured temperature) then ``vote``, whose answer is that derivation's answer
as written, accepted or not: the plain baselines, run side by side in eval.
Routers are small pure functions of state; the state's trace parts use
reducers, so every node returns only what it adds.
"""

from __future__ import annotations

import re
import time
from typing import Any, get_args

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from mathagent.agent import methods, vote as voting
from mathagent.agent.methods import Plan
from mathagent.agent.state import STRATEGIES, AgentConfig, AgentContext, AgentState
from mathagent.traces.records import Check, Method, Step
from mathagent.verifiers.equivalence import equivalent
from mathagent.verifiers.claims import check_claims
from mathagent.verifiers.plausibility import expectation

EQUIVALENCE_TIMEOUT_S = 2.0


def _same(a: str, b: str) -> bool | None:
    return equivalent(a, b, timeout_s=EQUIVALENCE_TIMEOUT_S)


# ---------------------------------------------------------------- plans (pure)


def next_plan(state: AgentState, cfg: AgentConfig) -> Plan:
    """The next round: the schedule's entry for this round, or the verifying cross-method derivation."""
    drawn = len(state.get("derivations", []))
    remaining = max(1, cfg.max_samples - drawn)
    v = state.get("vote")
    used = {d.method for d in state.get("derivations", [])}
    if state.get("decision") == "confirm" and v is not None and v.winner is not None:
        missing = voting.missing_methods(v, cfg.consensus_needs)
        untried = tuple(m for m in missing if m not in used)
        other = next(m for m in (*untried, *missing, *cfg.confirm_methods, *get_args(Method))
                     if m not in v.winner.methods)
        return Plan(other, 1, greedy_first=other not in used, why=f"an independent {other} view of "
                                                                   f"{v.winner.answer}", confirm=True)
    rounds = state.get("rounds", 0)
    method, n = cfg.schedule[min(rounds, len(cfg.schedule) - 1)]
    return Plan(method, min(n, remaining), greedy_first=method not in used, why=f"round {rounds + 1}")


def _repairable(state: AgentState) -> tuple[int, int, int] | None:
    """(derivation, step, llm call) indexes of the last failed or rejected program of the last round, if any."""
    derivs = state.get("derivations", [])
    steps = state.get("steps", [])
    calls = state.get("llm_calls", [])
    last_round = state.get("last_round", 0)
    for d in reversed(derivs[last_round:]):
        if d.method == "pot" and not d.valid:
            step = steps[d.step_index] if d.step_index < len(steps) else None
            call = next((i for i, c in enumerate(calls) if c.step_index == d.step_index), None)
            if step is not None and call is not None and step.status not in ("no_code",):
                return d.index, d.step_index, call
    return None


# ---------------------------------------------------------------- nodes


def draw(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    single = state.get("strategy", "agent") != "agent"
    plan = Plan(state["strategy"], 1) if single else next_plan(state, ctx.config)
    first = len(state.get("derivations", []))
    drawn = methods.draw(ctx, state["problem"], expectation(state["problem"]), plan,
                         first_step=len(state.get("steps", [])), first_derivation=first, sampled=not single)
    out = {**drawn.updates(), "last_round": first}
    if plan.confirm:
        out["confirms"] = state.get("confirms", 0) + 1
    else:
        out["rounds"] = state.get("rounds", 0) + 1
    return out


def repair(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    found = _repairable(state)
    if found is None:  # the router only comes here when there is one
        return {"repairs": state.get("repairs", 0) + 1}
    d, s, c = found
    drawn = methods.repair(ctx, state["problem"], expectation(state["problem"]), state["derivations"][d],
                           state["steps"][s], state["llm_calls"][c], first_step=len(state.get("steps", [])),
                           first_derivation=len(state.get("derivations", [])))
    return {**drawn.updates(), "repairs": state.get("repairs", 0) + 1,
            "last_round": len(state.get("derivations", []))}


def vote(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    cfg = ctx.config
    derivations = state.get("derivations", [])
    steps = state.get("steps", [])
    if state.get("strategy", "agent") != "agent":  # a single derivation: its answer as written
        d = derivations[-1] if derivations else None
        return {"vote": voting.cluster(derivations, _same), "decision": "settled",
                "answer": d.answer if d is not None else None,
                "stop_reason": None if d is not None and d.answer else "no answer found"}
    ctx.report(f"voting over {len(derivations)} derivations")
    t0 = time.perf_counter()
    v = voting.cluster(derivations, _same)
    remaining = cfg.max_samples - len(derivations)
    limits: list[str] = []
    over_time = cfg.time_budget_s is not None and time.monotonic() - state.get("started", 0.0) > cfg.time_budget_s
    if voting.settled(v, remaining, threshold=cfg.stop_threshold, min_agree=cfg.min_agree):
        confirm = (cfg.verify and remaining > 0 and not over_time
                   and state.get("confirms", 0) < max(1, len(cfg.consensus_needs))
                   and v.winner is not None and v.top == v.valid  # a valid dissent: consensus is out of reach
                   and (len(v.winner.methods) == 1 or bool(voting.missing_methods(v, cfg.consensus_needs))))
        decision = "confirm" if confirm else "settled"
    elif remaining <= 0 or over_time:
        decision = "exhausted"
        limits.append("time_budget" if over_time and remaining > 0 else "max_samples")
    else:
        decision = "unsettled"
    step = Step(len(steps), "vote", f"{len(derivations)} derivations", v.summary(), decision,
                (time.perf_counter() - t0) * 1000)
    return {"vote": v, "decision": decision, "steps": [step], "limits_hit": limits}


def verify(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Fix the answer, run the formal claim checks, set the level and the confidence."""
    ctx = runtime.context
    cfg = ctx.config
    v = state.get("vote")
    if v is None or v.winner is None:
        return {"answer": None, "level": "unverified", "confidence": 0.0,
                "stop_reason": f"no valid answer among {len(state.get('derivations', []))} derivations"}
    answer = v.winner.answer
    steps = state.get("steps", [])
    checks: list[Check] = []
    new_steps: list[Step] = []
    agree = voting.consensus(v, min_agree=cfg.consensus_min, threshold=cfg.consensus_threshold,
                             needs=cfg.consensus_needs)
    conf = voting.confidence(v)
    missing = voting.missing_methods(v, cfg.consensus_needs)
    lacking = f"; no {'/'.join(missing)} derivation among the agreeing ones" if missing else ""
    checks.append(Check("consensus", "pass" if agree else ("fail" if v.top < v.valid else "inconclusive"),
                        f"{v.summary()}; confidence {conf:.2f}{lacking}", independent=True))
    ctx.report("checking the answer formally")
    claims = check_claims(state["problem"], answer, timeout_s=cfg.smt_timeout_s)
    for claim in claims:
        checks.append(claim)
        new_steps.append(Step(len(steps) + len(new_steps), "check", f"claim: {answer} is the answer", claim.detail,
                              claim.verdict, 0.0))
    failed = any(c.verdict == "fail" and c.name != "consensus" for c in checks)
    if failed:
        level = "unverified"
    elif any(c.formal and c.verdict == "pass" for c in claims):
        level = "formal"
    elif agree:
        level = "consensus"
    else:
        level = "unverified"
    return {"answer": answer, "checks": checks, "steps": new_steps, "level": level, "confidence": conf}


def formal(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """A formal statement goes to the SMT backend; the verdict is the answer."""
    from mathagent.verifiers.formal.api import check_statement

    t0 = time.perf_counter()
    runtime.context.report("checking the statement with the SMT backend")
    verdict = check_statement(state["problem"], timeout_s=runtime.context.config.smt_timeout_s)
    ms = (time.perf_counter() - t0) * 1000
    detail = f"{verdict.label} by {verdict.backend}: {verdict.reason}"
    outcome = {"proved": "pass", "refuted": "fail", "vacuous": "fail"}.get(verdict.kind, "inconclusive")
    check = Check("smt_statement", outcome, detail, formal=True)
    return {"steps": [Step(len(state.get("steps", [])), "formal", state["problem"], detail, verdict.kind, ms)],
            "answer": verdict.kind, "checks": [check],
            "level": "formal" if verdict.kind == "proved" else "unverified"}


# ---------------------------------------------------------------- routers (pure)


_LEAN_DECL = re.compile(r"^\s*(theorem|lemma|example)\b.*:=", re.DOTALL)


def route_start(state: AgentState, force_formal: bool) -> str:
    return "formal" if force_formal or _LEAN_DECL.match(state["problem"]) else "draw"


def route_after_vote(state: AgentState, cfg: AgentConfig) -> str:
    """settled or exhausted -> verify; confirm (no valid dissent, and one method settled it or the winner lacks a
    method consensus needs; see ``vote``) -> draw one derivation by that method;
    unsettled -> draw the next round, or repair when the last round gave no valid answer."""
    decision = state.get("decision")
    if decision in ("settled", "exhausted"):
        return "verify"
    if decision == "confirm":
        return "draw"
    last = state.get("derivations", [])[state.get("last_round", 0):]
    if (last and not any(d.valid for d in last) and state.get("repairs", 0) < cfg.max_repairs
            and _repairable(state) is not None):
        return "repair"
    return "draw"


# ---------------------------------------------------------------- build


def build_graph(strategy: str = "agent", cfg: AgentConfig | None = None):
    """The compiled graph of ``strategy``: ``agent``, or one of the single-method baselines ``cot``, ``pot``,
    ``tir`` (one derivation at ``config.temperature``; eval's ``--samples`` gives maj@k over several)."""
    cfg = cfg or AgentConfig()
    if strategy not in STRATEGIES:
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    g = StateGraph(AgentState, context_schema=AgentContext)
    g.add_node("draw", draw)
    g.add_node("vote", vote)
    if strategy != "agent":
        g.add_edge(START, "draw")
        g.add_edge("draw", "vote")
        g.add_edge("vote", END)
        return g.compile()
    for name, fn in (("repair", repair), ("verify", verify), ("formal", formal)):
        g.add_node(name, fn)
    g.add_conditional_edges(START, lambda s: route_start(s, cfg.formal), ["draw", "formal"])
    g.add_edge("formal", END)
    g.add_edge("draw", "vote")
    g.add_edge("repair", "vote")
    g.add_conditional_edges("vote", lambda s: route_after_vote(s, cfg), ["draw", "repair", "verify"])
    g.add_edge("verify", END)
    return g.compile()
