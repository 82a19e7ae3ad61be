"""Formal verdicts: a closed union of frozen dataclasses.

Every verdict names the backend that produced it and carries a label that
never overstates: the SMT backend says "SMT-checked", only a Lean kernel check
may say "Lean-verified".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Union

SMT_LABEL = "SMT-checked"
LEAN_LABEL = "Lean-verified"
Label = Literal["SMT-checked", "Lean-verified"]


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
    kind: Literal["unknown"] = "unknown"


@dataclass(frozen=True)
class Unsupported:
    backend: str
    label: Label
    reason: str
    elapsed_ms: float = 0.0
    kind: Literal["unsupported"] = "unsupported"


Verdict = Union[Proved, Refuted, Vacuous, Unknown, Unsupported]
VERDICT_KINDS = ("proved", "refuted", "vacuous", "unknown", "unsupported")


def verdict_to_dict(v: Verdict) -> dict[str, Any]:
    """JSON-ready form (stable keys: kind, backend, label, reason, elapsed_ms, ...)."""
    d: dict[str, Any] = {"kind": v.kind, "backend": v.backend, "label": v.label, "reason": v.reason,
                         "elapsed_ms": round(v.elapsed_ms, 2)}
    if isinstance(v, Refuted):
        d["counterexample"] = dict(v.counterexample)
    if isinstance(v, Vacuous):
        d["contradictory"] = list(v.contradictory)
    return d
