"""Formal verdicts: a closed union of frozen dataclasses.

Every verdict names the backend that produced it and carries a label that
never overstates: the SMT backend says "SMT-checked", only a Lean kernel check
may say "Lean-verified", and a refusal (`Unsupported`) always says "not checked":
nothing was checked.  `Unknown.stopped_by` records what stopped a check that ran
out of budget: the deterministic z3 resource limit ("rlimit"), a deterministic
translation work budget ("work budget"), z3's memory cap ("memory", so a hard check cannot
exhaust the machine: the check's process reached its memory cap, or died) or the wall clock, the outer safety bound ("wall clock"); it is "" when
z3 gave up for another reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union

SMT_BACKEND = "z3"
SMT_LABEL = "SMT-checked"
LEAN_LABEL = "Lean-verified"
UNCHECKED_LABEL = "not checked"
Label = Literal["SMT-checked", "Lean-verified", "not checked"]
StoppedBy = Literal["", "rlimit", "work budget", "memory", "wall clock"]


@dataclass(frozen=True)
class Proved:
    backend: str
    label: Label
    elapsed_ms: float = 0.0
    note: str = ""
    kind: Literal["proved"] = "proved"

    @property
    def reason(self) -> str:
        return self.note or "the goal follows from the hypotheses"


@dataclass(frozen=True)
class Refuted:
    """The negated goal is satisfiable together with the hypotheses: a counterexample."""

    backend: str
    label: Label
    counterexample: dict[str, str] = field(default_factory=dict)
    elapsed_ms: float = 0.0
    kind: Literal["refuted"] = "refuted"

    @property
    def reason(self) -> str:
        if not self.counterexample:
            return "false as written (the goal fails for every choice of variables)"
        shown = ", ".join(f"{k} = {v}" for k, v in list(self.counterexample.items())[:8])
        return f"false as written: counterexample {shown}"


@dataclass(frozen=True)
class Vacuous:
    """The hypotheses alone are unsatisfiable, so any goal 'follows'."""

    backend: str
    label: Label
    reason: str
    contradictory: tuple[str, ...] = ()
    elapsed_ms: float = 0.0
    kind: Literal["vacuous"] = "vacuous"


@dataclass(frozen=True)
class Unknown:
    backend: str
    label: Label
    reason: str
    elapsed_ms: float = 0.0
    stopped_by: StoppedBy = ""
    kind: Literal["unknown"] = "unknown"


@dataclass(frozen=True)
class Unsupported:
    """A refusal: the statement uses `construct` (e.g. "Real.log", "notation ⊤"), which the backend does not model.

    `reason` reads "unsupported: <construct> (<detail>)"; the label is always "not checked".
    """

    backend: str
    construct: str
    detail: str = ""
    elapsed_ms: float = 0.0
    kind: Literal["unsupported"] = "unsupported"

    @property
    def label(self) -> Label:
        return UNCHECKED_LABEL

    @property
    def reason(self) -> str:
        return f"unsupported: {self.construct}" + (f" ({self.detail})" if self.detail else "")


Verdict = Union[Proved, Refuted, Vacuous, Unknown, Unsupported]
VERDICT_KINDS = ("proved", "refuted", "vacuous", "unknown", "unsupported")


def verdict_to_dict(v: Verdict) -> dict[str, Any]:
    """JSON-ready form (stable keys: kind, backend, label, reason, elapsed_ms; plus counterexample for
    `Refuted`, contradictory for `Vacuous`, stopped_by for `Unknown`, construct for `Unsupported`)."""
    d: dict[str, Any] = {"kind": v.kind, "backend": v.backend, "label": v.label, "reason": v.reason,
                         "elapsed_ms": round(v.elapsed_ms, 2)}
    if isinstance(v, Refuted):
        d["counterexample"] = dict(v.counterexample)
    if isinstance(v, Vacuous):
        d["contradictory"] = list(v.contradictory)
    if isinstance(v, Unknown):
        d["stopped_by"] = v.stopped_by
    if isinstance(v, Unsupported):
        d["construct"] = v.construct
    return d
