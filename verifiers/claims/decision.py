"""What the claim worker decides: candidate :class:`Outcome` s with their SMT :class:`Obligation` s, or why
nothing was decided (:class:`Decision`); :class:`Refuse` when a claim cannot be built or decided soundly."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

class Refuse(Exception):
    """The claim cannot be built or decided soundly; the message says why."""


@dataclass(frozen=True)
class Obligation:
    """``hyps ⊢ goal`` over variables of type ``domain`` (ℝ or ℂ), for ``check_claim``; ``want``: "proved"/"refuted"."""

    hyps: tuple[str, ...]
    goal: str
    variables: tuple[str, ...]
    want: str
    domain: str = "ℝ"


@dataclass(frozen=True)
class Outcome:
    """``verdict`` ("pass"/"fail") with ``detail``, valid when all ``needs`` come back as wanted."""

    verdict: str
    detail: str
    needs: tuple[Obligation, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What the worker decided: candidate outcomes (first valid one wins), or why nothing was decided."""

    outcomes: tuple[Outcome, ...] = ()
    undecided: str = ""
    statement: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
