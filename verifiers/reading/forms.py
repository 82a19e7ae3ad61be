"""The forms an answer is read into (:class:`Number`, :class:`Text`, :class:`Choice`, :class:`EmptySet`), the
reading bounds, and the comparison of numbers (exact, or with a relative tolerance from the digits a float shows)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

MAX_READ_CHARS = 2_000
MAX_NUMBER_CHARS = 400
MAX_POWER_DIGITS = 2_000
MAX_TOKENS = 200
# A float matches a value within half a unit of its last shown digit, relatively, clamped to these bounds:
# never looser than 1e-6 (3.14 is not pi, 0.333 is not 1/3) and never tighter than 1e-9 (a program's
# float arithmetic: 0.30000000000000004 is 3/10, a numeric solver's 1.9999999999 is 2).
FLOAT_REL_TOL_MAX = Fraction(1, 10**6)
FLOAT_REL_TOL_MIN = Fraction(1, 10**9)


# --------------------------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class Number:
    """A numeric answer: its exact value and, for a float, the fewest significant digits it showed.

    ``digits is None``: written exactly (integers, fractions, powers, repeating decimals).
    """

    value: Fraction
    digits: int | None = None

    @property
    def exact(self) -> bool:
        return self.digits is None


@dataclass(frozen=True)
class Text:
    """A word answer, case-folded with single spaces (``\\text{North}`` -> ``north``)."""

    words: str


@dataclass(frozen=True)
class Choice:
    """A multiple-choice letter, upper case (``(b)`` -> ``B``)."""

    letter: str


@dataclass(frozen=True)
class EmptySet:
    """The empty set, however it is written."""


Form = Number | Text | Choice | EmptySet


def float_tolerance(value: Fraction, digits: int | None) -> Fraction:
    """The relative tolerance of a float ``value`` shown with ``digits`` significant digits: half a unit of
    its last digit, relative to the value (``999999.9``: 5e-8; ``1.5707963``: 3.2e-8), clamped to
    [``FLOAT_REL_TOL_MIN``, ``FLOAT_REL_TOL_MAX``].  ``digits is None`` (exact): 0."""
    if digits is None:
        return Fraction(0)
    digits = min(max(digits, 1), 40)
    magnitude = abs(value)
    if magnitude == 0:
        return FLOAT_REL_TOL_MAX
    # the mantissa m in [1, 10): value = m * 10^e; the last shown digit is worth 10^(e - digits + 1)
    exponent = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    if magnitude < Fraction(10) ** exponent:
        exponent -= 1
    mantissa = magnitude / Fraction(10) ** exponent
    tol = Fraction(1, 2) / Fraction(10) ** (digits - 1) / mantissa
    return min(FLOAT_REL_TOL_MAX, max(FLOAT_REL_TOL_MIN, tol))


def numbers_equal(a: Number, b: Number) -> bool:
    """Exact equality when both are exact; else a relative difference within the float's tolerance (the
    less precise float's, so ``0.30000000000000004`` equals ``0.3``)."""
    if a.exact and b.exact:
        return a.value == b.value
    scale = max(abs(a.value), abs(b.value))
    if scale == 0:
        return True
    tol = max(float_tolerance(n.value, n.digits) for n in (a, b) if not n.exact)
    return abs(a.value - b.value) <= tol * scale
