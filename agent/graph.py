"""The orchestrator: a LangGraph ``StateGraph``.

::

    solve ──route_after_solve──> calc ──route_after_calc──> finalize ──> verify ──route_after_verify──> END
      ^   \\                      │                           ^                        │           ^
      │    └──(no code, answer)──┼──────────────────────────>┤                        v           │
      │                          v                           │                    tie_break ──────┘
      └──────────── repair <─────┘        reason ────────────┘
                                   (fallback: chain of thought, no tools)

A formal statement (Lean ``theorem ... :=``, or ``--formal``) is routed to
``formal`` instead: the SMT backend checks it and its verdict is the answer.
``solve`` asks the model for a program (its comments decompose the problem
into steps); ``calc`` runs it in the sandboxed calculator; a failure is fed
back to the model by ``repair`` at most ``max_repairs`` times; if no program
works, ``reason`` answers by chain of thought; ``verify`` re-derives the
answer by the *other* route and compares with SymPy equivalence; when a
program's answer is not confirmed by chain of thought, ``tie_break`` asks for
a third derivation (an independent program) and the majority decides.  The
runner (:mod:`mathagent.agent.runner`) then hands the whole trace to the
recorder from the runtime context, which writes it in one transaction.
Routers are small pure functions of state.  Why this prompting: see :mod:`mathagent.agent.prompts`.
"""

from __future__ import annotations

import re
import time
from typing import Any

from langgraph.graph import END, START, StateGraph
from langgraph.runtime import Runtime

from mathagent.agent import prompts
from mathagent.agent.llm import GenerationParams
from mathagent.agent.parsing import answer_from_output, extract_code
from mathagent.agent.state import AgentContext, AgentState
from mathagent.verifiers.answers import extract_final_answer, normalize_answer
from mathagent.verifiers.checks import CheckResult, compare_answers, judged
from mathagent.verifiers.claims import check_equation_claim

# ---------------------------------------------------------------- helpers


def _call_llm(ctx: AgentContext, state: AgentState, messages: list[dict], purpose: str,
              max_tokens: int) -> tuple[str, dict]:
    cfg = ctx.config
    comp = ctx.llm.complete(messages, GenerationParams(max_tokens=max_tokens, temperature=cfg.temperature,
                                                       seed=cfg.seed))
    call = {"step_index": len(state.get("steps", [])), "purpose": purpose, "messages": list(messages),
            "response": comp.text, "prompt_tokens": comp.prompt_tokens,
            "completion_tokens": comp.completion_tokens, "finish_reason": comp.finish_reason, "ms": comp.ms,
            "cached": comp.cached}
    return comp.text, call


def _run_calc(ctx: AgentContext, code: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = ctx.calculator.run(code, timeout_s=ctx.config.calc_timeout_s)
    return {"status": res.status, "stdout": res.stdout, "stderr": res.stderr,
            "ms": getattr(res, "ms", (time.perf_counter() - t0) * 1000)}


def _step(index: int, route: str, input_: str, output: str, status: str, ms: float) -> dict[str, Any]:
    return {"index": index, "route": route, "input": input_, "output": output, "status": status, "ms": ms}


def _solver_messages(ctx: AgentContext, problem: str) -> list[dict]:
    msgs = [{"role": "system", "content": prompts.PROGRAM_SYSTEM}]
    msgs.extend(ctx.config.fewshot)
    msgs.append(prompts.problem_message(problem))
    return msgs


# ---------------------------------------------------------------- nodes


def solve(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    messages = state.get("messages") or _solver_messages(ctx, state["problem"])
    text, call = _call_llm(ctx, state, messages, "solve", ctx.config.program_max_tokens)
    code = extract_code(text)
    answer = None if code else extract_final_answer(text)
    out: dict[str, Any] = {
        "messages": messages + [{"role": "assistant", "content": text}],
        "llm_calls": state.get("llm_calls", []) + [call],
        "turns": state.get("turns", 0) + 1,
        "last_reply": {"code": code, "answer": answer},
    }
    if code is None:
        steps = state.get("steps", [])
        out["steps"] = steps + [_step(len(steps), "reason", "(solver turn without a program)", text,
                                      "answer" if answer else "no_code", call["ms"])]
        if answer:
            out["candidate"] = answer
            out["answer_route"] = "reason"
    return out


def calc(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    ctx = runtime.context
    code = state["last_reply"]["code"]
    res = _run_calc(ctx, code)
    steps = state.get("steps", [])
    index = len(steps)
    shown = res["stdout"] if res["status"] == "ok" else (res["stderr"] or res["stdout"])
    out: dict[str, Any] = {
        "last_calc": res,
        "steps": steps + [_step(index, "calc", code, shown, res["status"], res["ms"])],
        "tool_calls": state.get("tool_calls", []) + [
            {"step_index": index, "tool": "calculator", "code": code, "stdout": res["stdout"],
             "stderr": res["stderr"], "status": res["status"], "ms": res["ms"]}],
    }
    answer = answer_from_output(res["stdout"]) if res["status"] == "ok" else None
    if answer:
        out["candidate"] = answer
        out["answer_route"] = "calc"
    return out


def repair(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    res = state["last_calc"]
    return {"messages": state["messages"] + [prompts.repair_message(res["status"], res["stdout"], res["stderr"])],
            "repairs": state.get("repairs", 0) + 1}


def nudge(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    return {"messages": state["messages"] + [prompts.NO_CODE_NUDGE]}


def reason(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Fallback: chain of thought without tools."""
    ctx = runtime.context
    messages = [{"role": "system", "content": prompts.REASON_SYSTEM}, prompts.problem_message(state["problem"])]
    text, call = _call_llm(ctx, state, messages, "reason", ctx.config.reason_max_tokens)
    answer = extract_final_answer(text)
    steps = state.get("steps", [])
    out: dict[str, Any] = {
        "llm_calls": state.get("llm_calls", []) + [call],
        "steps": steps + [_step(len(steps), "reason", "chain of thought (no tools)", text,
                                "answer" if answer else "no_answer", call["ms"])],
    }
    if answer:
        out["candidate"] = answer
        out["answer_route"] = "reason"
    return out


def finalize(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    cand = state.get("candidate")
    if cand:
        return {"answer": normalize_answer(cand) or cand}
    return {"answer": None, "stop_reason": state.get("stop_reason") or "no answer found"}


def verify(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Re-derive the answer by the other route and compare (gold-free)."""
    ctx = runtime.context
    answer = state.get("answer")
    if not answer or not ctx.config.verify:
        return {}
    steps = list(state.get("steps", []))
    llm_calls = list(state.get("llm_calls", []))
    tool_calls = list(state.get("tool_calls", []))
    checks: list[CheckResult] = []
    problem_msg = prompts.problem_message(state["problem"])
    out: dict[str, Any] = {}
    if state.get("answer_route") == "calc":
        msgs = [{"role": "system", "content": prompts.REASON_SYSTEM}, problem_msg]
        text, call = _call_llm(ctx, {"steps": steps}, msgs, "verify", ctx.config.reason_max_tokens)
        llm_calls.append(call)
        other = extract_final_answer(text)
        steps.append(_step(len(steps), "reason", "verification: independent chain of thought", text,
                           "answer" if other else "no_answer", call["ms"]))
        checks.append(compare_answers("cot_cross_check", answer, other, how="chain of thought (no tools)"))
        out["cross_answer"] = other
    else:
        other = _check_program(ctx, state["problem"], steps, llm_calls, tool_calls, "verification")
        checks.append(compare_answers("program_cross_check", answer, other, how="an independent program"))
    checks.extend(_claim_check(ctx, state["problem"], answer, steps))
    return {**out, "steps": steps, "llm_calls": llm_calls, "tool_calls": tool_calls,
            "verifications": state.get("verifications", []) + [c.to_dict() for c in checks]}


def _claim_check(ctx: AgentContext, problem: str, answer: str, steps: list) -> list[CheckResult]:
    """The formal check of "``answer`` solves the problem's equation" when there is one (a step is appended)."""
    claim = check_equation_claim(problem, answer, timeout_s=ctx.config.smt_timeout_s)
    if claim is None:
        return []
    steps.append(_step(len(steps), "formal", f"claim: {answer} is the solution", claim.detail, claim.verdict, 0.0))
    return [claim]


def _check_program(ctx: AgentContext, problem: str, steps: list, llm_calls: list, tool_calls: list,
                   label: str) -> str | None:
    """One independent program (a different method if the model can) run in the sandbox; its answer or None.
    Appends its LLM call, step and tool call to the given lists."""
    msgs = [{"role": "system", "content": prompts.CHECK_PROGRAM_SYSTEM}, prompts.problem_message(problem)]
    text, call = _call_llm(ctx, {"steps": steps}, msgs, "verify", ctx.config.program_max_tokens)
    llm_calls.append(call)
    code = extract_code(text)
    if not code:
        steps.append(_step(len(steps), "reason", f"{label}: independent program", text, "no_code", call["ms"]))
        return None
    res = _run_calc(ctx, code)
    index = len(steps)
    steps.append(_step(index, "calc", code, res["stdout"] if res["status"] == "ok" else res["stderr"],
                       res["status"], res["ms"]))
    tool_calls.append({"step_index": index, "tool": "calculator", "code": code, "stdout": res["stdout"],
                       "stderr": res["stderr"], "status": res["status"], "ms": res["ms"]})
    return answer_from_output(res["stdout"]) if res["status"] == "ok" else None


def tie_break_node(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """Program and chain of thought did not agree: a third derivation (an independent program) votes.

    * it agrees with the first program: the answer stands (two programs against the chain of thought);
    * it agrees with the chain of thought: the answer becomes the value both reached, *computed by the
      sandbox* (the model's arithmetic never decides alone), route ``vote``;
    * no two agree: the first program's answer stands.
    The checks are restated against the final answer, so a voted answer is never ``verified`` (one of the
    three derivations disagrees with it): the vote improves the answer, not the claim about it.
    """
    ctx = runtime.context
    problem = state["problem"]
    first = state["answer"]
    cot = state.get("cross_answer")
    steps = list(state.get("steps", []))
    llm_calls = list(state.get("llm_calls", []))
    tool_calls = list(state.get("tool_calls", []))
    third = _check_program(ctx, problem, steps, llm_calls, tool_calls, "tie-break")
    with_first = compare_answers("program_cross_check", first, third, how="a tie-break program")
    with_cot = compare_answers("tie_break_vs_cot", cot, third, how="a tie-break program") if cot else None
    out: dict[str, Any] = {"steps": steps, "llm_calls": llm_calls, "tool_calls": tool_calls}
    if with_first.verdict != "pass" and with_cot is not None and with_cot.verdict == "pass":
        final = normalize_answer(third) or third
        # final is the third program's answer, so all three comparisons are already decided: no new ones.
        checks = [judged("cot_cross_check", final, cot, with_cot.same, how="chain of thought (no tools)"),
                  judged("program_cross_check", final, third, True, how="a tie-break program"),
                  judged("first_program", final, first, with_first.same, how="the first program")]
        checks.extend(_claim_check(ctx, problem, final, steps))
        steps.append(_step(len(steps), "verify", "tie-break vote", f"{final} (chain of thought and tie-break "
                           f"program) over {first} (first program)", "changed", 0.0))
        out.update(answer=final, answer_route="vote", verifications=[c.to_dict() for c in checks])
        return out
    outcome = "kept" if with_first.verdict == "pass" else "no_majority"
    steps.append(_step(len(steps), "verify", "tie-break vote", f"{first} (first program) stands", outcome, 0.0))
    out["verifications"] = state.get("verifications", []) + [with_first.to_dict()]
    return out


def formal(state: AgentState, runtime: Runtime[AgentContext]) -> dict[str, Any]:
    """A formal statement goes to the SMT backend; the verdict is the answer."""
    from mathagent.verifiers.formal.api import check_statement

    t0 = time.perf_counter()
    verdict = check_statement(state["problem"], timeout_s=runtime.context.config.smt_timeout_s)
    ms = (time.perf_counter() - t0) * 1000
    steps = state.get("steps", [])
    detail = f"{verdict.label} by {verdict.backend}: {verdict.reason}"
    check = CheckResult("smt_statement", {"proved": "pass", "refuted": "fail", "vacuous": "fail"}.get(
        verdict.kind, "inconclusive"), detail)
    return {"steps": steps + [_step(len(steps), "formal", state["problem"], detail, verdict.kind, ms)],
            "answer": verdict.kind, "answer_route": "formal",
            "verifications": state.get("verifications", []) + [check.to_dict()]}


# ---------------------------------------------------------------- routers (pure)


_LEAN_DECL = re.compile(r"^\s*(theorem|lemma|example)\b.*:=", re.DOTALL)


def route_start(state: AgentState, force_formal: bool) -> str:
    return "formal" if force_formal or _LEAN_DECL.match(state["problem"]) else "solve"



def route_after_solve(state: AgentState, max_turns: int) -> str:
    reply = state.get("last_reply") or {}
    if reply.get("code"):
        return "calc"
    if reply.get("answer"):
        return "finalize"
    if state.get("turns", 0) < max_turns:
        return "nudge"
    return "reason"


def route_after_calc(state: AgentState, max_repairs: int, max_turns: int) -> str:
    res = state.get("last_calc") or {}
    if res.get("status") == "ok" and state.get("answer_route") == "calc" and state.get("candidate"):
        return "finalize"
    if state.get("repairs", 0) < max_repairs and state.get("turns", 0) < max_turns:
        return "repair"
    return "reason"


def route_after_finalize(state: AgentState) -> str:
    return "verify" if state.get("answer") else END


def route_after_verify(state: AgentState, tie_break: bool) -> str:
    """A program's answer that chain of thought did not confirm gets a third derivation (when enabled)."""
    if not tie_break or state.get("answer_route") != "calc":
        return END
    cot = [v for v in state.get("verifications", []) if v["name"] == "cot_cross_check"]
    return "tie_break" if cot and cot[-1]["verdict"] != "pass" else END


# ---------------------------------------------------------------- build


STRATEGIES = ("agent", "cot", "pot")


def build_graph(max_turns: int, max_repairs: int, strategy: str = "agent", force_formal: bool = False,
                tie_break: bool = True):
    """The full agent, or one of the single-route baselines run side by side with it in evaluation:
    ``cot`` (chain of thought, no tools) and ``pot`` (one program, run once: the PAL-style baseline).
    All three share the same prompts, decoding and model."""
    if strategy == "cot":
        g = StateGraph(AgentState, context_schema=AgentContext)
        g.add_node("reason", reason)
        g.add_node("finalize", finalize)
        g.add_edge(START, "reason")
        g.add_edge("reason", "finalize")
        g.add_edge("finalize", END)
        return g.compile()
    if strategy == "pot":
        g = StateGraph(AgentState, context_schema=AgentContext)
        g.add_node("solve", solve)
        g.add_node("calc", calc)
        g.add_node("finalize", finalize)
        g.add_edge(START, "solve")
        g.add_conditional_edges("solve", lambda s: "calc" if (s.get("last_reply") or {}).get("code") else "finalize",
                                ["calc", "finalize"])
        g.add_edge("calc", "finalize")
        g.add_edge("finalize", END)
        return g.compile()
    if strategy != "agent":
        raise ValueError(f"unknown strategy {strategy!r}; expected one of {STRATEGIES}")
    g = StateGraph(AgentState, context_schema=AgentContext)
    for name, fn in (("solve", solve), ("calc", calc), ("repair", repair), ("nudge", nudge),
                     ("reason", reason), ("finalize", finalize), ("verify", verify), ("formal", formal),
                     ("tie_break", tie_break_node)):
        g.add_node(name, fn)
    g.add_conditional_edges(START, lambda s: route_start(s, force_formal), ["solve", "formal"])
    g.add_edge("formal", END)
    g.add_conditional_edges("solve", lambda s: route_after_solve(s, max_turns),
                            ["calc", "finalize", "nudge", "reason"])
    g.add_conditional_edges("calc", lambda s: route_after_calc(s, max_repairs, max_turns),
                            ["finalize", "repair", "reason"])
    g.add_edge("repair", "solve")
    g.add_edge("nudge", "solve")
    g.add_edge("reason", "finalize")
    g.add_conditional_edges("finalize", route_after_finalize, ["verify", END])
    g.add_conditional_edges("verify", lambda s: route_after_verify(s, tie_break), ["tie_break", END])
    g.add_edge("tie_break", END)
    return g.compile()
