"""Drawing new values for a problem's input numbers, within ranges that keep it sensible.

Design decisions (the number-perturbation idea of GSM-Ranges, InfinityMATH
and ReasonAgain, kept deliberately simple):

* Work in *units* of the number's last written decimal, so every value keeps
  its type: integers stay integers, ``$1.50`` stays a two-decimal amount.
* Keep the sign (inputs are positive) and the magnitude: a new value lies in
  ``[n/2, 2n]``; small numbers (under 6 units) move by a few units instead
  (``[max(1, n-2), n+4]``); a year (1900-2100) moves by at most 10.
* Keep roundness: a value that is a multiple of 5, 10, 50, 100... moves in
  steps of that size (``200`` -> ``100, 300, 400``), since round numbers in
  word problems are usually round on purpose.
* Percentages stay at or below 100; a number word stays at or below twenty
  so it can still be written as a word.
* Ordering: with ``keep_order`` every pair of inputs keeps its order
  (a part stays smaller than its whole).  Draws that break it are redrawn a
  bounded number of times.  Everything semantic beyond that is left to the
  checks on the program's new output and to the agent's independent solve.
* All randomness comes from the caller's :class:`random.Random`, so a run is
  reproducible with a seed.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass
from fractions import Fraction

from mathagent.datasets.synth.numbers import InputNumber

MAX_DRAWS = 64  # draws per perturbation before giving up on keeping the order
WORD_CAP = 20


@dataclass(frozen=True)
class ValueRange:
    """New values ``lo, lo+step, ..., hi`` (in units of ``1/scale``) other than ``current``."""

    lo: int
    hi: int
    step: int
    scale: int
    current: int

    @property
    def choices(self) -> int:
        return (self.hi - self.lo) // self.step  # candidates minus the current value

    def draw(self, rng: random.Random) -> Fraction:
        v = self.lo + rng.randrange(self.choices) * self.step
        if v >= self.current:
            v += self.step
        return Fraction(v, self.scale)


def granularity(n: int) -> int:
    """The largest of 1, 5, 10, 50, 100, ... that divides ``n`` at least twice over."""
    best, g = 1, 5
    while g * 2 <= n:
        if n % g == 0:
            best = g
        g = g * 2 if str(g).startswith("5") else g * 5
    return best


def value_range(inp: InputNumber) -> ValueRange | None:
    """Where ``inp`` may move; ``None`` when it cannot move (or is not a positive number)."""
    scale = 10 ** inp.decimals
    units = inp.value * scale
    if units.denominator != 1 or units <= 0:
        return None
    n = int(units)
    if n == 1 and scale == 1:
        return None  # "1 hour" -> "3 hour": a singular noun does not take a new count
    if inp.looks_like_year():
        lo, hi, step = n - 10, n + 10, 1
    else:
        step = granularity(n)
        if step == 1 and n < 6:
            lo, hi = max(2, n - 2), n + 4
        else:
            lo, hi = math.ceil(Fraction(n, 2) / step) * step, 2 * n
        if inp.percent and n <= 100 * scale:
            hi = min(hi, 100 * scale)
        if inp.words_only and n <= WORD_CAP:
            hi = min(hi, WORD_CAP)
        hi -= (hi - lo) % step
    rng = ValueRange(lo, hi, step, scale, n)
    return rng if lo <= n <= hi and rng.choices >= 1 else None


def _order_kept(old: list[Fraction], new: list[Fraction]) -> bool:
    pairs = sorted(zip(old, new, strict=True))
    return all(a[1] < b[1] for a, b in itertools.pairwise(pairs))


def draw_perturbation(ranges: dict[Fraction, ValueRange], rng: random.Random, *,
                      keep_order: bool = True) -> dict[Fraction, Fraction] | None:
    """New values for every input in ``ranges`` (old value -> new); ``None`` if the order could not be kept."""
    old = list(ranges)
    for _ in range(MAX_DRAWS):
        new = {v: ranges[v].draw(rng) for v in old}
        if not keep_order or _order_kept(old, [new[v] for v in old]):
            return new
    return None
