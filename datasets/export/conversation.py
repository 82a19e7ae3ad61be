"""One trace as a training conversation, independent of any export format.

The conversation is built from the *winning derivation*: the one the answer
came from (the first valid member of the vote's winning cluster, cluster 0;
for a single-method strategy its only derivation).  Its method decides the
shape:

* ``pot`` (a program): the agent talks to its calculator through fenced code
  blocks; a training set should teach the same behaviour through the
  *tool-calling* interface every chat format has::

      system (the tool-use instruction) · user (the problem)
      assistant → calculator(code)  ·  tool (what it printed)      [one pair per program run]
      assistant (the final answer in \\boxed{})

  A repaired program comes after the program it repaired and that program's
  error (the repair prompt itself is dropped: the tool result is what the next
  call answers); ``attempts="last"`` keeps only the program that produced the
  answer.
* ``tir`` (tool-integrated reasoning): the same tool conversation with one
  turn per model turn: the prose the model wrote, its program as a calculator
  call, the output it was shown, and its final reasoning with the boxed answer.
* ``cot`` (chain of thought): system · user · assistant (the reasoning).

The other derivations the vote counted, and any check, are never part of it.
Traces written before derivations existed are read through
:func:`mathagent.datasets.export.source.legacy_shape` and come out as they
always did.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from mathagent.datasets.export.source import (FENCE, PROGRAM_PURPOSES, REASONING_PURPOSES, DerivationView, ReplyView,
                                              ToolView, TraceView)

TOOL_NAME = "calculator"

TOOL_SYSTEM = (
    "You are a careful mathematician. Solve the problem by calling the calculator tool with a Python program "
    "(SymPy and fractions are available) that prints the answer; compute every intermediate quantity in the "
    "program, never in your head. When the calculator has printed the answer, state it alone in \\boxed{}."
)
CELL_TOOL_SYSTEM = (
    "You are a careful mathematician. Solve the problem by calling the calculator tool with a Python program "
    "(SymPy and fractions are available) that prints the answer or ends with it; compute every intermediate "
    "quantity in the program, never in your head. When the calculator has shown the answer, state it alone in "
    "\\boxed{}."
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
CELL_TOOL_SCHEMA = {
    "type": "function",
    "function": {
        **TOOL_SCHEMA["function"],
        "description": "Run a Python 3 program in a sandbox (SymPy, fractions and math are importable; "
                       "no network, no files) as a notebook cell and return what it prints; when it prints "
                       "nothing and ends with an expression, the value of that expression.",
        "parameters": {
            **TOOL_SCHEMA["function"]["parameters"],
            "properties": {"code": {"type": "string", "description": "The complete program; it prints the "
                                                                     "result or ends with it."}},
        },
    },
}
"""The calculator as a notebook cell (``Calculator.run(..., echo=True)``): used for a conversation whose
programs relied on it."""


@dataclass(frozen=True, slots=True)
class ToolUse:
    call_id: str
    code: str
    output: str
    ok: bool
    echoed: bool = False  # the output ends with the program's final expression, printed by the calculator


@dataclass(frozen=True, slots=True)
class Turn:
    """One message: ``role`` is system | user | assistant | tool."""

    role: str
    content: str | None
    tool_use: ToolUse | None = None


@dataclass(frozen=True, slots=True)
class Conversation:
    """``method``: pot | tir (tool conversations, exported with the calculator tool) | cot (reasoning)."""

    trace_id: str
    method: Literal["pot", "cot", "tir"]
    turns: tuple[Turn, ...]

    @property
    def uses_tools(self) -> bool:
        return self.method in ("pot", "tir")

    @property
    def tool_schema(self) -> dict[str, Any]:
        """The calculator as this conversation used it: :data:`TOOL_SCHEMA`, or :data:`CELL_TOOL_SCHEMA` when
        a program printed nothing and the calculator showed its final expression."""
        echoed = any(t.tool_use is not None and t.tool_use.echoed for t in self.turns)
        return CELL_TOOL_SCHEMA if echoed else TOOL_SCHEMA

    @property
    def programs(self) -> tuple[str, ...]:
        return tuple(t.tool_use.code for t in self.turns if t.role == "assistant" and t.tool_use is not None)

    @property
    def solution_text(self) -> str:
        """The model-written part (programs or reasoning): what near-duplicate detection compares."""
        if self.method == "pot":
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
    rest = FENCE.sub("", response or "").strip()
    return rest or None


def winner(t: TraceView) -> DerivationView | None:
    """The derivation the answer came from: the first valid member of cluster 0; for a single-method strategy
    (pot, cot, tir) whose one derivation did not vote, that derivation (its answer is the trace's, as written)."""
    won = [d for d in t.derivations if d.cluster == 0 and d.valid]
    if won:
        return min(won, key=lambda d: d.index)
    if t.strategy != "agent" and len(t.derivations) == 1:
        return t.derivations[0]
    return None


def build_conversation(t: TraceView, *, attempts: Literal["all", "last"] = "all") -> Conversation | None:
    """The conversation of trace ``t`` (in the shape :func:`legacy_shape` gives), or ``None`` when it has nothing
    a model could learn from (no winning derivation, or its reply is missing)."""
    d = winner(t)
    if d is None:
        return None
    if d.method == "pot":
        return _program_conversation(t, d, attempts)
    if d.method == "tir":
        return _tir_conversation(t, d)
    return _reasoning_conversation(t, d)


def _reply(t: TraceView, step: int, purposes: tuple[str, ...]) -> ReplyView | None:
    return next((r for r in t.replies if r.step_index == step and r.purpose in purposes), None)


def _tool(t: TraceView, step: int) -> ToolView | None:
    return next((c for c in t.tool_calls if c.step_index == step), None)


def _program_conversation(t: TraceView, d: DerivationView, attempts: str) -> Conversation | None:
    chain = [d]
    by_index = {x.index: x for x in t.derivations}
    while attempts == "all" and chain[0].repairs is not None and len(chain) <= len(t.derivations):
        before = by_index.get(chain[0].repairs)
        if before is None:
            break
        chain.insert(0, before)
    pairs: list[tuple[str | None, ToolUse]] = []
    for x in chain:
        reply, call = _reply(t, x.step_index, PROGRAM_PURPOSES), _tool(t, x.step_index)
        if reply is None or call is None:
            continue  # a reply without a program: not a tool call
        use = ToolUse(f"call_{t.id[:12]}_{len(pairs)}", call.code, tool_output(call.stdout, call.stderr, call.status),
                      call.status == "ok", call.echoed)
        pairs.append((text_outside_code(reply.response), use))
    while pairs and not pairs[-1][1].ok:  # the answer came from the last successful run
        pairs.pop()
    if not pairs:
        return None
    turns = [Turn("system", TOOL_SYSTEM), Turn("user", t.problem)]
    for text, use in pairs:
        turns.append(Turn("assistant", text, use))
        turns.append(Turn("tool", use.output, use))
    turns.append(Turn("assistant", final_message(t.answer)))
    return _tool_conversation(t.id, "pot", turns)


def _tir_conversation(t: TraceView, d: DerivationView) -> Conversation | None:
    """The turns of one tool-integrated derivation: its replies from the step after the previous derivation's
    to its own, each program with the calculator run of the same step."""
    from mathagent.agent.parsing import split_tir_turn

    start = max((x.step_index for x in t.derivations if x.step_index < d.step_index), default=-1)
    replies = [r for r in t.replies if r.purpose == "tir" and start < r.step_index <= d.step_index]
    if not replies or replies[-1].step_index != d.step_index:
        return None
    turns = [Turn("system", TOOL_SYSTEM), Turn("user", t.problem)]
    uses = 0
    for r in replies[:-1]:
        text, code = split_tir_turn(r.response)
        call = _tool(t, r.step_index)
        if code is None or call is None:
            return None  # a turn that ran nothing is not part of a finished derivation
        use = ToolUse(f"call_{t.id[:12]}_{uses}", call.code, tool_output(call.stdout, call.stderr, call.status),
                      call.status == "ok", call.echoed)
        uses += 1
        turns.append(Turn("assistant", text_outside_code(text), use))
        turns.append(Turn("tool", use.output, use))
    text, code = split_tir_turn(replies[-1].response)
    last = (text_outside_code(text) if code is not None else text.strip()) or ""
    if "\\boxed" not in last:  # the answer was the last program's output (or the turn limit stopped it)
        last = f"{last}\n\n{final_message(t.answer)}".strip()
    turns.append(Turn("assistant", last))
    return _tool_conversation(t.id, "tir", turns)


def _tool_conversation(trace_id: str, method: Literal["pot", "tir"], turns: list[Turn]) -> Conversation:
    """``turns`` open with the system turn; where a program relied on the calculator's echo, the system text
    says the calculator shows a final expression (as :attr:`Conversation.tool_schema` does)."""
    if any(t.tool_use is not None and t.tool_use.echoed for t in turns):
        turns = [Turn("system", CELL_TOOL_SYSTEM), *turns[1:]]
    return Conversation(trace_id, method, tuple(turns))


def _reasoning_conversation(t: TraceView, d: DerivationView) -> Conversation | None:
    reply = _reply(t, d.step_index, REASONING_PURPOSES)
    if reply is None or not reply.response.strip():
        return None
    return Conversation(t.id, "cot", (Turn("system", REASON_SYSTEM), Turn("user", t.problem),
                                      Turn("assistant", reply.response.strip())))
