"""The verdict of the equivalence judgement (:class:`Judgement`) and the bounds the judgement works within."""

from __future__ import annotations

from dataclasses import dataclass

MAX_ELEMENTS = 64
PROBES = 6
EXACT_DIGITS = 50
EXACT_REL = 10 ** -40  # floats with no written precision, and probes at random points: agreement to 40 digits


@dataclass(frozen=True)
class Judgement:
    """The verdict on two answers.

    ``same``: True/False when decided, ``None`` when not.  ``how``: the rule that decided, or why not.
    ``unread``: the sides (``"a"``, ``"b"``) that no reader understood.  ``timed_out``: the deadline
    passed before a decision.
    """

    same: bool | None
    how: str
    unread: tuple[str, ...] = ()
    timed_out: bool = False
