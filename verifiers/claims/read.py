"""Read a problem into a :class:`~mathagent.verifiers.claims.shapes.Claim`: :func:`read_claim`.

The text is normalized to one line with ``$...$`` as the only math delimiter, the trailing instruction
sentences are split off (those that change nothing about the value, a rounding instruction, a list of all
solutions, a residue range), and the main sentence must be one of the templates of
:mod:`mathagent.verifiers.claims.shapes` in full; anything else is refused (None).
"""

from __future__ import annotations

import re

from mathagent.verifiers.claims.shapes import Claim, Tail, read_shape

MAX_PROBLEM_CHARS = 600
"""Longer problems are never read: the templates describe one or two sentences."""


# ---------------------------------------------------------------------------
# Text normalization
# ---------------------------------------------------------------------------

_DISPLAY = [
    (re.compile(r"\$\$(.+?)\$\$", re.S), r"$\1$"),
    (re.compile(r"\\\[(.+?)\\\]", re.S), r" $\1$ "),
    (re.compile(r"\\\((.+?)\\\)", re.S), r"$\1$"),
]


def normalize_text(problem: str) -> str | None:
    """One-line form of ``problem`` with ``$...$`` as the only math delimiter; None if too long or odd."""
    if not isinstance(problem, str) or len(problem) > MAX_PROBLEM_CHARS:
        return None
    text = problem.replace("\u2212", "-").replace("\u00a0", " ")
    for pattern, repl in _DISPLAY:
        text = pattern.sub(repl, text)
    text = text.replace("\\displaystyle", "").replace("\\textstyle", "")
    text = re.sub(r"\s+", " ", text).strip()
    parts = text.split("$")
    if len(parts) % 2 == 0:
        return None
    for i in range(1, len(parts), 2):  # "$3x+7=25.$" -> "$3x+7=25$.": trailing punctuation leaves the math
        math = parts[i].strip()
        m = re.search(r"\s*~?\s*([.,;?!])$", math)
        if m is not None:
            math = math[:m.start()].strip()
            parts[i + 1] = m.group(1) + parts[i + 1]
        if not math:
            return None
        parts[i] = math
    return "$".join(parts)


# ---------------------------------------------------------------------------
# Instruction sentences that do not change the value (or change it in a known way)
# ---------------------------------------------------------------------------

_FORMAT_NEUTRAL = [
    r"Express your answer (?:as an? |in )?(?:common fraction|fraction|improper fraction|mixed number|integer|"
    r"simplest form|simplest radical form|lowest terms|reduced fraction|whole number)"
    r"(?: in (?:simplest|lowest) (?:form|terms))?\.",
    r"Express your answer as a common fraction in (?:simplest|lowest) (?:form|terms)\.",
    r"Express your answer as a fraction in simplest form\.",
    r"Express your answer in simplest radical form\.",
    r"Express your answer as a common fraction\.",
    r"Simplify your answer as much as possible\.",
    r"Your answer should be a common fraction\.",
]
_LIST = [
    r"Enter (?:all )?(?:the |all the )?(?:solutions|roots)(?:, separated by commas)?\.",
    r"Enter all (?:the )?solutions, separated by commas\.",
    r"Enter your answers? as a list of numbers separated by commas\.",
    r"If there (?:is|are) more than one solution, (?:separate them with commas|enter them, separated by commas)\.",
]
_ROUND_WORDS = {"whole number": 0, "integer": 0, "tenth": 1, "hundredth": 2, "thousandth": 3}
_ROUND = re.compile(
    r"(?:Express your answer as a decimal (?:rounded )?to the nearest|Round your answer to the nearest|"
    r"Express your answer to the nearest) (whole number|integer|tenth|hundredth|thousandth)\.")
_RESIDUE_RANGE = [
    re.compile(r"\(?(?:Express your answer as an integer from|Express your answer as a residue from|"
               r"Give (?:a number|an answer|your answer as an integer) between) \$?(-?\d+)\$? (?:to|and) "
               r"\$?(-?\d+)\$?, inclusive\.\)?"),
    re.compile(r"\(?Your answer should be an integer in the range \$?(-?\d+)\$? to \$?(-?\d+)\$?\.\)?"),
]
_NEUTRAL_RE = [re.compile(p) for p in _FORMAT_NEUTRAL]
_LIST_RE = [re.compile(p) for p in _LIST]


def _strip_tail(text: str) -> tuple[str, Tail] | None:
    """Split off trailing instruction sentences; None when one contradicts another."""
    rounding, list_wanted, rng = None, False, None
    for _ in range(4):  # at most a few instruction sentences follow the question
        changed = False
        for pat in _NEUTRAL_RE:
            m = _search_tail(pat, text)
            if m is not None:
                text, changed = text[:m].rstrip(), True
        for pat in _LIST_RE:
            m = _search_tail(pat, text)
            if m is not None:
                text, changed, list_wanted = text[:m].rstrip(), True, True
        m = _ROUND_TAIL.search(text)
        if m is not None:
            if rounding is not None:
                return None
            rounding = _ROUND_WORDS[m.group(1)]
            text, changed = text[:m.start()].rstrip(), True
        for pat in _RESIDUE_RANGE:
            m2 = re.search(r"(?:^|(?<=[.?!$)]) )" + pat.pattern + r"$", text)
            if m2 is not None:
                if rng is not None:
                    return None
                rng = (int(m2.group(1)), int(m2.group(2)))
                text, changed = text[:m2.start()].rstrip(), True
        if not changed:
            break
    return text, Tail(rounding, list_wanted, rng)


_ROUND_TAIL = re.compile(r"(?:^|(?<=[.?!$)]) )" + _ROUND.pattern + r"$")


def _search_tail(pat: re.Pattern[str], text: str) -> int | None:
    m = re.search(r"(?:^|(?<=[.?!$)]) )(?:" + pat.pattern + r")$", text)
    return None if m is None else m.start()


def read_claim(problem: str) -> Claim | None:
    """The :class:`Claim` a problem states, or None when its wording is not exactly a known shape.

    Never raises; bounded time (a few anchored regular expressions over at most
    ``MAX_PROBLEM_CHARS`` characters).  ``math`` holds, per shape: ``value``: (E,); ``residue``:
    (E,) with ``modulus``; ``equations``: (target, hyp, hyp, ...); ``roots``: (equation,);
    ``count``/``int_extreme``/``int_sum``: the conditions; ``numtheory``: the numbers.
    """
    text = normalize_text(problem)
    if not text:
        return None
    split = _strip_tail(text)
    if split is None:
        return None
    main, tail = split
    claim = _read_main(main, tail)
    if claim is None:
        return None
    if tail.residue_range is not None:
        if claim.shape != "residue" or not claim.modulus.isdigit() or tail.residue_range != (0, int(claim.modulus) - 1):
            return None
    if tail.list_wanted and not claim.all_solutions:
        return None
    if tail.rounding is not None and claim.shape not in ("value", "equations", "roots"):
        return None
    return claim


def _read_main(main: str, tail: Tail) -> Claim | None:
    claim = read_shape(main, tail)
    if claim is not None and claim.shape == "equations" and re.search(r"\breal\b", main):
        from dataclasses import replace

        claim = replace(claim, real=True)
    return claim
