"""The records of one solve attempt: the one definition of a trace's parts.

Each part (:class:`Step`, :class:`LLMCall`, :class:`ToolCall`, :class:`Check`,
:class:`Derivation`) is a frozen dataclass defined here and nowhere else:

* the agent's graph state holds them in lists with LangGraph reducers
  (``Annotated[list[Step], operator.add]``): a node returns only the new ones;
* the database tables of the parts are generated from these fields
  (:func:`mathagent.traces.models.record_table`), the store maps a record to a
  row and a row to JSON with the same fields (:func:`as_json`);
* the report and exports read the JSON.

Adding a field to a part is a one-place change here (give it a default) plus an
Alembic migration that adds the column.  A field's SQL type follows its Python
type (``str`` -> text, ``int``, ``float``, ``bool``, ``list``/``dict`` -> JSON); a
``Literal`` or a ``metadata={"sql_length": n}`` field is a short string column.

The agent builds a :class:`TraceRecord` in memory while it works and the store
writes it in one transaction at the end, so a crash or a bad input never leaves
a half-written trace in the database.  Rows written by older versions may hold
values outside today's ``Literal`` sets (``LEGACY_ROUTES``, ``LEGACY_STATUSES``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

Method = Literal["pot", "cot", "tir"]
"""How an answer is derived: program of thought, chain of thought, tool-integrated reasoning."""

Route = Literal["pot", "cot", "tir", "repair", "vote", "check", "formal"]
"""What a step did: a derivation by one method, a repaired program, a vote, a check, a formal statement."""

CalcStatus = Literal["ok", "error", "timeout", "signal", "output_limit"]
StepStatus = Literal[
    "ok", "error", "timeout", "signal", "output_limit",     # a program ran (the calculator's status)
    "no_code", "answer", "no_answer", "rejected",           # a derivation: no program, answered, none, implausible
    "settled", "confirm", "unsettled", "exhausted",         # a vote: decided, check by another method, draw
                                                            # more, budget spent
    "pass", "fail", "inconclusive",                         # a check
    "proved", "refuted", "vacuous", "unknown", "unsupported",  # a formal statement
]
Purpose = Literal["pot", "cot", "tir", "repair"]
CheckVerdict = Literal["pass", "fail", "inconclusive", "error"]
Level = Literal["gold", "formal", "consensus", "unverified"]
"""How an answer is verified, strongest first: graded against a known answer; a claim about it checked by a
formal backend; independent derivations of two methods, a chain of thought among them, agree with no dissent;
nothing of those."""

LEVELS: tuple[str, ...] = get_args(Level)
VERIFIED_LEVELS: tuple[str, ...] = ("gold", "formal", "consensus")
"""What ``verified`` means: the level is consensus or stronger."""
LEGACY_ROUTES = ("calc", "reason", "verify")
LEGACY_STATUSES = ("kept", "changed", "no_majority")


def new_trace_id() -> str:
    return uuid.uuid4().hex


def problem_hash(text: str) -> str:
    """Hash of the problem text with whitespace and case normalized."""
    norm = " ".join(text.lower().split())
    return hashlib.sha256(norm.encode("utf-8")).hexdigest()


def _short(n: int = 32) -> dict[str, int]:
    return {"sql_length": n}


@dataclass(frozen=True)
class Step:
    """One thing the agent did, in order (``index``)."""

    index: int
    route: Route
    input: str
    output: str
    status: StepStatus
    ms: float = 0.0


@dataclass(frozen=True)
class ToolCall:
    """One sandboxed calculator run, belonging to step ``step_index``."""

    step_index: int
    tool: str = field(metadata=_short())
    code: str
    stdout: str
    stderr: str
    status: CalcStatus
    ms: float = 0.0
    echoed: bool = False  # the code printed nothing; the calculator printed its final expression's value
    #                       (a notebook cell's echo, Calculator.run)


@dataclass(frozen=True)
class LLMCall:
    """One completion: the messages sent and the reply.  ``batch``: sequences decoded together with it
    (its ``ms`` is its share of the batch's time; the prompt's tokens are counted on the batch's first)."""

    step_index: int
    purpose: Purpose
    messages: list[dict[str, Any]]
    response: str
    prompt_tokens: int
    completion_tokens: int
    finish_reason: str | None = field(default=None, metadata=_short())
    ms: float = 0.0
    cached: bool = False
    batch: int = 1
    prompt: str = field(default="", metadata=_short(64))  # the named prompt (agent/prompts.py) it used


@dataclass(frozen=True)
class Check:
    """A verdict about the final answer.  ``independent``: the check re-derived or checked the answer by
    another route (only those can raise the level); ``formal``: a formal backend decided it."""

    name: str = field(metadata=_short(64))
    verdict: CheckVerdict
    detail: str = ""
    independent: bool = True
    formal: bool = False

    @property
    def same(self) -> bool | None:
        """The equivalence a comparison check decided: True (pass), False (fail), None (undecided)."""
        return {"pass": True, "fail": False}.get(self.verdict)


@dataclass(frozen=True)
class Derivation:
    """One independent attempt at the answer, as the vote saw it.

    ``answer`` is the final answer as written (a program's printed value, a boxed answer), ``valid`` whether it
    passed the answer checks (``reason`` says why not), ``cluster`` the index of its equivalence class in the
    vote (-1: not in the vote), ``step_index`` the step that produced it.
    """

    index: int
    method: Method
    prompt: str = field(metadata=_short(64))
    answer: str | None
    valid: bool
    reason: str = ""
    cluster: int = -1
    step_index: int = 0


@dataclass
class TraceRecord:
    problem: str
    model: str
    backend: str
    status: str  # answered | no_answer | error
    answer: str | None = None
    verified: bool = False         # level is consensus or stronger
    level: Level = "unverified"    # after grading, when there is a gold answer (see eval.items.apply_gold)
    agent_level: Level = "unverified"  # the agent's own, gold-free level
    confidence: float | None = None
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
    steps: list[Step] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    llm_calls: list[LLMCall] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    derivations: list[Derivation] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


PARTS: dict[str, type] = {"steps": Step, "tool_calls": ToolCall, "llm_calls": LLMCall, "checks": Check,
                          "derivations": Derivation}
"""A trace's child lists and their record types (the store, the models and the JSON walk this)."""


def as_json(obj: Any) -> dict[str, Any]:
    """A part (record or ORM row) as a JSON object with exactly the record's fields."""
    cls = PARTS_BY_TYPE.get(type(obj)) or getattr(obj, "__record__", None) or type(obj)
    return {f.name: getattr(obj, f.name) for f in dataclasses.fields(cls)}


PARTS_BY_TYPE: dict[type, type] = {cls: cls for cls in PARTS.values()}
