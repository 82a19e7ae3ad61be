"""TraceRecords shaped like the agent writes them (see agent/graph.py), for export tests and the benchmark."""

from __future__ import annotations

from datetime import datetime, timezone

from mathagent.traces.records import (LLMCallRecord, StepRecord, ToolCallRecord, TraceRecord,
                                      VerificationRecord)

SOLVE_MSGS = [{"role": "system", "content": "write a program"}, {"role": "user", "content": "Problem:\n..."}]


def fence(code: str) -> str:
    return f"```python\n{code}\n```"


def calc_trace(problem: str, code: str, answer: str, *, stdout: str | None = None, failed_first: str | None = None,
               checks: tuple[str, ...] = ("pass",), verified: bool | None = None, verify_code: str | None = None,
               **kw) -> TraceRecord:
    """solve -> calc (-> repair -> solve -> calc) -> verify; a failed first program when ``failed_first``."""
    steps, tools, calls = [], [], []
    if failed_first is not None:
        calls.append(LLMCallRecord(len(steps), "solve", SOLVE_MSGS, fence(failed_first), 10, 5, "stop", 1.0))
        tools.append(ToolCallRecord(len(steps), "calculator", failed_first, "",
                                    "Traceback (most recent call last):\nNameError: name 'q' is not defined",
                                    "error", 3.0))
        steps.append(StepRecord(len(steps), "calc", failed_first, "NameError", "error", 3.0))
    calls.append(LLMCallRecord(len(steps), "solve", SOLVE_MSGS, "Let me compute.\n" + fence(code), 10, 5, "stop", 1.0))
    out = stdout if stdout is not None else answer + "\n"
    tools.append(ToolCallRecord(len(steps), "calculator", code, out, "", "ok", 3.0))
    steps.append(StepRecord(len(steps), "calc", code, out, "ok", 3.0))
    if verify_code is not None:  # the check-program route: its own LLM call and calculator call
        calls.append(LLMCallRecord(len(steps), "verify", SOLVE_MSGS, fence(verify_code), 10, 5, "stop", 1.0))
        tools.append(ToolCallRecord(len(steps), "calculator", verify_code, out, "", "ok", 3.0))
        steps.append(StepRecord(len(steps), "calc", verify_code, out, "ok", 3.0))
    else:
        calls.append(LLMCallRecord(len(steps), "verify", SOLVE_MSGS, f"so \\boxed{{{answer}}}", 10, 5, "stop", 1.0))
        steps.append(StepRecord(len(steps), "reason", "verification", f"\\boxed{{{answer}}}", "answer", 1.0))
    verifs = [VerificationRecord(f"check{i}", v, "") for i, v in enumerate(checks)]
    if verified is None:
        verified = bool(checks) and all(v == "pass" for v in checks)
    meta = {"answer_route": "calc", **kw.pop("meta", {})}
    return TraceRecord(problem=problem, model=kw.pop("model", "m1"), backend="local", status="answered",
                       answer=answer, verified=verified, steps=steps, tool_calls=tools, llm_calls=calls,
                       verifications=verifs, meta=meta, **kw)


def reason_trace(problem: str, text: str, answer: str, **kw) -> TraceRecord:
    calls = [LLMCallRecord(0, "reason", SOLVE_MSGS, text, 10, 5, "stop", 1.0)]
    meta = {"answer_route": "reason", **kw.pop("meta", {})}
    return TraceRecord(problem=problem, model=kw.pop("model", "m1"), backend="local", status="answered",
                       answer=answer, verified=kw.pop("verified", True),
                       steps=[StepRecord(0, "reason", "cot", text, "answer", 1.0)], llm_calls=calls,
                       verifications=[VerificationRecord("program_cross_check", "pass", "")], meta=meta, **kw)


def at(day: int) -> datetime:
    return datetime(2026, 1, day, 12, 0, tzinfo=timezone.utc)
