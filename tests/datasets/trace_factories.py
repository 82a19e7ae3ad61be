"""TraceRecords shaped like the agent writes them (see agent/graph.py and agent/methods.py), for export tests.

* :func:`pot_trace`, :func:`cot_trace`, :func:`tir_trace`: traces of today's agent (a vote over derivations),
  whose winning derivation (the first valid member of cluster 0) is a program, a chain of thought or a
  tool-integrated derivation;
* :func:`legacy_calc_trace`, :func:`legacy_reason_trace`: traces as the agent wrote them before derivations
  existed (routes ``calc``/``reason``, purposes ``solve``/``reason``/``verify``, ``meta.answer_route``, no
  derivations): the old-style fixture that must export as it always did.
"""

from __future__ import annotations

from datetime import datetime, timezone

from mathagent.traces.records import VERIFIED_LEVELS, Check, Derivation, LLMCall, Step, ToolCall, TraceRecord

SOLVE_MSGS = [{"role": "system", "content": "write a program"}, {"role": "user", "content": "the problem"}]
COT_MSGS = [{"role": "system", "content": "reason step by step"}, {"role": "user", "content": "the problem"}]
ERROR = "Traceback (most recent call last):\nNameError: name 'q' is not defined"


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


class _Builder:
    """Appends steps, calls and derivations with consistent indexes (a derivation's step is its last step)."""

    def __init__(self):
        self.steps: list[Step] = []
        self.tools: list[ToolCall] = []
        self.calls: list[LLMCall] = []
        self.derivations: list[Derivation] = []

    @property
    def step(self) -> int:
        return len(self.steps)

    def program(self, code: str, stdout: str, status: str, answer: str | None, *, purpose: str = "pot",
                messages: list | None = None, text: str = "Let me compute.\n", cluster: int = -1) -> None:
        i = self.step
        self.calls.append(LLMCall(i, purpose, messages or SOLVE_MSGS, text + fence(code), 10, 5, "stop", 1.0,
                                  prompt="pot-plain@1"))
        self.tools.append(ToolCall(i, "calculator", code, stdout if status == "ok" else "",
                                   "" if status == "ok" else stdout, status, 3.0))
        valid = status == "ok" and answer is not None
        self.derivations.append(Derivation(len(self.derivations), "pot", "repair" if purpose == "repair" else
                                           "pot-plain@1", answer if valid else None, valid,
                                           "" if valid else f"the program ended with {status}",
                                           cluster if valid else -1, i))
        self.steps.append(Step(i, purpose, code, stdout, status, 4.0))

    def chain(self, text: str, answer: str, cluster: int) -> None:
        i = self.step
        self.calls.append(LLMCall(i, "cot", COT_MSGS, text, 10, 5, "stop", 1.0, prompt="cot-plain@1"))
        self.derivations.append(Derivation(len(self.derivations), "cot", "cot-plain@1", answer, True, "", cluster, i))
        self.steps.append(Step(i, "cot", "chain of thought", text, "answer", 1.0))

    def vote(self, summary: str) -> None:
        self.steps.append(Step(self.step, "vote", f"{len(self.derivations)} derivations", summary, "settled", 0.1))


def _record(b: _Builder, problem: str, answer: str, level: str, checks: tuple[str, ...], kw: dict) -> TraceRecord:
    strategy = kw.pop("strategy", "agent")
    agent_level = kw.pop("agent_level", level if level != "gold" else "consensus")
    return TraceRecord(problem=problem, model=kw.pop("model", "m1"), backend="local", status="answered",
                       answer=answer, verified=level in VERIFIED_LEVELS, level=level, agent_level=agent_level,
                       confidence=kw.pop("confidence", 0.95 if strategy == "agent" else None), strategy=strategy,
                       steps=b.steps, tool_calls=b.tools, llm_calls=b.calls, derivations=b.derivations,
                       checks=[Check(f"check{i}", v, "") for i, v in enumerate(checks)], **kw)


def pot_trace(problem: str, code: str, answer: str, *, stdout: str | None = None, failed_first: str | None = None,
              level: str = "consensus", checks: tuple[str, ...] = ("pass",), losers: tuple[str, ...] = (),
              **kw) -> TraceRecord:
    """An agent trace whose winner is a program: (a failed program and its repair when ``failed_first``), a
    chain of thought that agrees, programs for other answers that lost (``losers``), a vote."""
    b = _Builder()
    out = stdout if stdout is not None else answer + "\n"
    if kw.get("strategy") in ("pot",):  # the single-method baseline: one derivation
        b.program(code, out, "ok", answer, cluster=0)
        return _record(b, problem, answer, level, checks, kw)
    if failed_first is not None:
        b.program(failed_first, ERROR, "error", None)
        failed = b.calls[-1]
        feedback = {"role": "user", "content": "The program failed. Fix the error."}
        b.program(code, out, "ok", answer, purpose="repair", cluster=0,
                  messages=[*failed.messages, {"role": "assistant", "content": failed.response}, feedback])
    else:
        b.program(code, out, "ok", answer, cluster=0)
    for wrong in losers:
        b.program(f"print({wrong})", f"{wrong}\n", "ok", wrong, cluster=1)
    b.chain(f"Step by step ... so \\boxed{{{answer}}}", answer, 0)
    b.vote(f"{answer} ×2 (pot+cot)")
    return _record(b, problem, answer, level, checks, kw)


def cot_trace(problem: str, text: str, answer: str, *, level: str = "consensus", checks: tuple[str, ...] = ("pass",),
              **kw) -> TraceRecord:
    """A trace whose winner is a chain of thought (the agent's, with an agreeing program, or the cot strategy's)."""
    b = _Builder()
    b.chain(text, answer, 0)
    if kw.get("strategy", "agent") == "agent":
        b.program(f"print({answer})", f"{answer}\n", "ok", answer, cluster=0)
        b.vote(f"{answer} ×2 (cot+pot)")
    return _record(b, problem, answer, level, checks, kw)


def tir_trace(problem: str, turns: list[tuple[str, str, str]], final: str, answer: str, *,
              level: str = "consensus", checks: tuple[str, ...] = ("pass",), **kw) -> TraceRecord:
    """A trace whose winner is tool-integrated reasoning: ``turns`` of (prose, program, output), then ``final``
    (the last reply); a program derivation drawn before it lost the vote, so the tir steps start later."""
    b = _Builder()
    b.program("print(0)", "0\n", "ok", "0", cluster=1)
    convo = list(SOLVE_MSGS)
    for text, code, output in turns:
        i = b.step
        reply = f"{text}\n{fence(code)}"
        b.calls.append(LLMCall(i, "tir", list(convo), reply + "\nImagined output", 10, 5, "stop", 1.0,
                               prompt="tir-qwen25-math@1"))
        b.tools.append(ToolCall(i, "calculator", code, output, "", "ok", 3.0))
        b.steps.append(Step(i, "tir", reply, output, "ok", 4.0))
        convo += [{"role": "assistant", "content": reply}, {"role": "user", "content": f"```output\n{output}\n```"}]
    i = b.step
    b.calls.append(LLMCall(i, "tir", list(convo), final, 10, 5, "stop", 1.0, prompt="tir-qwen25-math@1"))
    b.derivations.append(Derivation(len(b.derivations), "tir", "tir-qwen25-math@1", answer, True, "", 0, i))
    b.steps.append(Step(i, "tir", final, answer, "answer", 1.0))
    b.chain(f"so \\boxed{{{answer}}}", answer, 0)
    b.vote(f"{answer} ×2 (tir+cot)")
    return _record(b, problem, answer, level, checks, kw)


# ---------------------------------------------------------------- traces written before derivations existed


def legacy_calc_trace(problem: str, code: str, answer: str, *, stdout: str | None = None,
                      failed_first: str | None = None, verified: bool = True, verify_code: str | None = None,
                      **kw) -> TraceRecord:
    """The old agent: solve -> calc (-> repair -> solve -> calc) -> verify (a chain of thought, or a check
    program with its own LLM and calculator calls when ``verify_code``)."""
    steps, tools, calls = [], [], []
    if failed_first is not None:
        calls.append(LLMCall(len(steps), "solve", SOLVE_MSGS, fence(failed_first), 10, 5, "stop", 1.0))
        tools.append(ToolCall(len(steps), "calculator", failed_first, "", ERROR, "error", 3.0))
        steps.append(Step(len(steps), "calc", failed_first, "NameError", "error", 3.0))
    calls.append(LLMCall(len(steps), "solve", SOLVE_MSGS, "Let me compute.\n" + fence(code), 10, 5, "stop", 1.0))
    out = stdout if stdout is not None else answer + "\n"
    tools.append(ToolCall(len(steps), "calculator", code, out, "", "ok", 3.0))
    steps.append(Step(len(steps), "calc", code, out, "ok", 3.0))
    if verify_code is not None:
        calls.append(LLMCall(len(steps), "verify", SOLVE_MSGS, fence(verify_code), 10, 5, "stop", 1.0))
        tools.append(ToolCall(len(steps), "calculator", verify_code, out, "", "ok", 3.0))
        steps.append(Step(len(steps), "calc", verify_code, out, "ok", 3.0))
    else:
        calls.append(LLMCall(len(steps), "verify", SOLVE_MSGS, f"so \\boxed{{{answer}}}", 10, 5, "stop", 1.0))
        steps.append(Step(len(steps), "reason", "verification", f"\\boxed{{{answer}}}", "answer", 1.0))
    meta = {"answer_route": "calc", **kw.pop("meta", {})}
    return TraceRecord(problem=problem, model=kw.pop("model", "m1"), backend="local", status="answered",
                       answer=answer, verified=verified, level="consensus" if verified else "unverified",
                       agent_level="consensus" if verified else "unverified", steps=steps, tool_calls=tools,
                       llm_calls=calls, checks=[Check("cot_cross_check", "pass" if verified else "fail", "")],
                       meta=meta, **kw)


def legacy_reason_trace(problem: str, text: str, answer: str, **kw) -> TraceRecord:
    calls = [LLMCall(0, "solve", SOLVE_MSGS, "I cannot write a program for this.", 10, 5, "stop", 1.0),
             LLMCall(1, "reason", COT_MSGS, text, 10, 5, "stop", 1.0),
             LLMCall(2, "verify", SOLVE_MSGS, fence(f"print({answer})"), 10, 5, "stop", 1.0)]
    meta = {"answer_route": "reason", **kw.pop("meta", {})}
    return TraceRecord(problem=problem, model=kw.pop("model", "m1"), backend="local", status="answered",
                       answer=answer, verified=True, level="consensus", agent_level="consensus",
                       steps=[Step(0, "reason", "(solver turn without a program)", calls[0].response, "no_code", 1.0),
                              Step(1, "reason", "chain of thought (no tools)", text, "answer", 1.0),
                              Step(2, "calc", f"print({answer})", f"{answer}\n", "ok", 1.0)],
                       tool_calls=[ToolCall(2, "calculator", f"print({answer})", f"{answer}\n", "", "ok", 1.0)],
                       llm_calls=calls, checks=[Check("program_cross_check", "pass", "")], meta=meta, **kw)


def at(day: int) -> datetime:
    return datetime(2026, 1, day, 12, 0, tzinfo=timezone.utc)
