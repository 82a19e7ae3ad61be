"""One trace as a tool-using conversation, independent of any export format.

The agent talks to its calculator through fenced code blocks; a training set
should teach the same behaviour through the *tool-calling* interface every
chat format has.  So a trace whose answer came from the calculator becomes::

    system (the tool-use instruction) · user (the problem)
    assistant → calculator(code)  ·  tool (what it printed)      [one pair per program run]
    assistant (the final answer in \\boxed{})

built from the solver's replies (llm_calls with purpose solve/repair) and the
calculator calls of the same step; the verifier's own calls and programs are
never part of it.  Repair prompts are dropped: the tool result (the error)
is what the next call answers.  ``attempts="last"`` keeps only the program
that produced the answer.  A trace answered by chain of thought (the fallback
route) becomes system · user · assistant (the reasoning).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from mathagent.datasets.export_source import TraceView

TOOL_NAME = "calculator"

TOOL_SYSTEM = (
    "You are a careful mathematician. Solve the problem by calling the calculator tool with a Python program "
    "(SymPy and fractions are available) that prints the answer; compute every intermediate quantity in the "
    "program, never in your head. When the calculator has printed the answer, state it alone in \\boxed{}."
)
REASON_SYSTEM = ("You are a careful mathematician. Solve the problem step by step, showing your reasoning briefly. "
                 "Write the final answer alone in \\boxed{}.")

TOOL_SCHEMA = {
    "type": "function",
    "function": {
        "name": TOOL_NAME,
        "description": "Run a Python 3 program in a sandbox (SymPy, fractions and math are importable; "
                       "no network, no files) and return what it prints.",
        "parameters": {
            "type": "object",
            "properties": {"code": {"type": "string", "description": "The complete program; it must print "
                                                                     "the result."}},
            "required": ["code"],
            "additionalProperties": False,
        },
    },
}

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n.*?(?:```|\Z)", re.DOTALL | re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ToolUse:
    call_id: str
    code: str
    output: str
    ok: bool


@dataclass(frozen=True, slots=True)
class Turn:
    """One message: ``role`` is system | user | assistant | tool."""

    role: str
    content: str | None
    tool_use: ToolUse | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    trace_id: str
    route: Literal["calc", "reason"]
    turns: tuple[Turn, ...]

    @property
    def programs(self) -> tuple[str, ...]:
        return tuple(t.tool_use.code for t in self.turns if t.role == "assistant" and t.tool_use is not None)

    @property
    def solution_text(self) -> str:
        """The model-written part (programs or reasoning): what near-duplicate detection compares."""
        if self.route == "calc":
            return "\n".join(self.programs)
        return "\n".join(t.content or "" for t in self.turns if t.role == "assistant")


def final_message(answer: str) -> str:
    return f"The final answer is $\\boxed{{{answer}}}$."


def tool_output(stdout: str, stderr: str, status: str) -> str:
    if status == "ok":
        return stdout
    detail = (stderr or stdout).strip()
    return f"[{status}]\n{detail}" if detail else f"[{status}]"


def text_outside_code(response: str) -> str | None:
    rest = _FENCE.sub("", response or "").strip()
    return rest or None


def build_conversation(t: TraceView, *, attempts: Literal["all", "last"] = "all") -> Conversation | None:
    """The conversation of trace ``t``, or ``None`` when it has nothing a model could learn from."""
    route = (t.meta or {}).get("answer_route") or ("calc" if t.tool_calls else "reason")
    if route == "calc":
        return _calc_conversation(t, attempts)
    if route == "vote":
        return None  # a tie-break vote among three derivations: no one conversation produced the answer
    return _reason_conversation(t)


def _calc_conversation(t: TraceView, attempts: str) -> Conversation | None:
    tools_by_step = {c.step_index: c for c in t.tool_calls}
    pairs: list[tuple[str | None, ToolUse]] = []
    for reply in t.replies:
        if reply.purpose not in ("solve", "repair"):
            continue
        call = tools_by_step.get(reply.step_index)
        if call is None:
            continue  # a solver turn without a program (the agent nudged it): not a tool call
        use = ToolUse(f"call_{t.id[:12]}_{len(pairs)}", call.code, tool_output(call.stdout, call.stderr, call.status),
                      call.status == "ok")
        pairs.append((text_outside_code(reply.response), use))
    while pairs and not pairs[-1][1].ok:  # the answer came from the last successful run
        pairs.pop()
    if not pairs:
        return None
    if attempts == "last":
        pairs = pairs[-1:]
    turns = [Turn("system", TOOL_SYSTEM), Turn("user", t.problem)]
    for text, use in pairs:
        turns.append(Turn("assistant", text, use))
        turns.append(Turn("tool", use.output, use))
    turns.append(Turn("assistant", final_message(t.answer)))
    return Conversation(t.id, "calc", tuple(turns))


def _reason_conversation(t: TraceView) -> Conversation | None:
    replies = [r for r in t.replies if r.purpose in ("solve", "reason") and r.response.strip()]
    replies = [r for r in replies if r.purpose == "reason" or text_outside_code(r.response) == r.response.strip()]
    if not replies:
        return None
    text = replies[-1].response.strip()
    return Conversation(t.id, "reason", (Turn("system", REASON_SYSTEM), Turn("user", t.problem),
                                         Turn("assistant", text)))
