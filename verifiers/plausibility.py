"""Is an answer an answer?  General checks of a derived answer against the problem's own wording.

A small model's program can print ``None``, an error message, a list of
candidates, a polynomial where a number was asked, 3.5 people or a negative
length.  Counted in a vote, such values crowd out the real answer; kept as the
final answer, they are certainly wrong.  :func:`reject_reason` says why an
answer is not acceptable (``None`` when it is), by rules that read only the
problem text and the answer, never a dataset:

* **form**: the answer must be short, contain a digit or a mathematical
  symbol, and not be a Python non-value (``None``, ``nan``, ``[]``...), an
  error, a sentence, or a fragment (``\\[``, an unclosed brace);
* **counts**: "how many <things>" (things that are not a unit of measure:
  dollars, hours, miles, ...) asks for one whole number >= 0, not a list;
* **non-negative quantities**: "how many/much/long/far/old", area, perimeter,
  length, distance, volume, cost, price, speed, time ask for a value >= 0;
* **probability**: a value in [0, 1];
* **a value, not an expression**: unless the problem asks for an expression
  (expand, simplify, factor, "in terms of", an equation, a function, a
  polynomial...), an answer with a free variable is not a value.

:func:`expectation` also says whether the problem asks for a vector or a matrix, so that a program's
vector printout (numpy, SymPy ``Matrix``) is read as one (``agent.parsing.answer_from_output``).

The rules are deliberately conservative: they reject only what the wording
excludes; whatever they cannot read (a non-numeric answer to a count) passes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from mathagent.verifiers.answers import normalize_answer, numeric_value

MAX_ANSWER_CHARS = 200

_NON_VALUES = {"none", "nan", "-nan", "inf", "-inf", "true", "false", "[]", "{}", "()", "null", "undefined",
               "error", "nosolution", "no solution", "emptyset()", "set()"}
_MATH_WORDS = re.compile(
    r"\\?(?:sqrt|frac|dfrac|tfrac|pi|infty|sin|cos|tan|cot|sec|csc|arcsin|arccos|arctan|log|ln|exp|cdot|times|"
    r"left|right|begin|end|pmatrix|bmatrix|matrix|cup|cap|emptyset|varnothing|leq?|geq?|neq|circ|degrees?|"
    r"text|mathrm|mathbf|operatorname|Rational|Abs|oo|Matrix|Interval|Union|FiniteSet|binom|choose|mod|pmod|"
    r"gcd|lcm|max|min|boxed|dots|ldots|cdots|in|notin|and|or|to|mbox|quad|qquad|displaystyle|Integer|Float|"
    r"sympy|pm|mp|angle|triangle|overline|hat|vec|theta|alpha|beta|gamma|delta|phi|omega|lambda|mu|sigma|tau)")
_UNIT_NOUNS = (
    "dollar|cent|euro|pound|penn(?:y|ies)|hour|minute|second|day|week|month|year|decade|mile|kilomet|km|meter|"
    "metre|feet|foot|inch|yard|ounce|gram|kilogram|kg|liter|litre|gallon|cup|quart|pint|ton|percent|degree|unit|"
    "square|cubic|calorie|mph|times|fold|more|fewer|less|money|time|pages? per|words? per")
_COUNT = re.compile(rf"\bhow\s+many\s+(?!(?:{_UNIT_NOUNS}))([a-z]+)", re.IGNORECASE)
_NONNEG = re.compile(
    r"\bhow\s+(?:many|much|long|far|old|tall|wide|high|deep|fast)\b|\b(?:area|perimeter|length|distance|volume|"
    r"radius|diameter|circumference|cost|price|speed|weight|height|width|age)\s+(?:of|is|was|will|in)\b",
    re.IGNORECASE)
_PROBABILITY = re.compile(r"\bprobability\b", re.IGNORECASE)
_EXPRESSION = re.compile(
    r"\b(?:expand|simplif|factor|in terms of|expression|polynomial|function|equation|formula|inverse|rewrite|"
    r"quotient|remainder|express|write\s+.+\s+(?:as|in)|general form|standard form|vertex form|"
    r"in the form|interval|range|domain|solutions?\s+to\s+the\s+inequality|for what values|which values|"
    r"all\s+(?:real\s+)?(?:values|numbers|x|solutions)|set of|asymptote|matrix|vector|parametri|line)\b",
    re.IGNORECASE)
_MATRIX = re.compile(r"\\begin\{[pbBvV]?matrix\}|\b(?:vectors?|matri(?:x|ces))\b", re.IGNORECASE)
_NOT_MATRIX = re.compile(  # an ordered tuple, or several scalars (the roots of a determinant)
    r"\bordered\s+(?:pair|triple|quadruple|tuple|list)|\b(?:triple|tuple)\b|"
    r"\ball\s+(?:possible\s+|the\s+)?(?:real\s+|complex\s+)?(?:values|numbers|solutions|roots)|\bvalues\s+of\b|"
    r"\bfind\s+all\s+\$|separated\s+by\s+commas|\b(?:the|a|an)\s+pair\b",
    re.IGNORECASE)
_FREE_VARIABLE = re.compile(r"(?<![\\A-Za-z])([a-hj-zA-DF-HJ-Z])(?![A-Za-z])")  # a lone letter (not i, e, I, E)


@dataclass(frozen=True)
class Expectation:
    """What the problem's wording says its answer is."""

    count: bool = False          # a whole number >= 0 ("how many people")
    nonnegative: bool = False    # a size, an amount, a duration
    probability: bool = False    # in [0, 1]
    expression: bool = False     # may contain variables
    matrix: bool = False         # a vector or a matrix (MATH writes \begin{pmatrix}), not a tuple


def expectation(problem: str) -> Expectation:
    """Read what kind of answer ``problem`` asks for (only its last two sentences carry the question)."""
    text = problem[-600:]
    return Expectation(count=bool(_COUNT.search(text)), nonnegative=bool(_NONNEG.search(text)),
                       probability=bool(_PROBABILITY.search(text)), expression=bool(_EXPRESSION.search(problem)),
                       matrix=bool(_MATRIX.search(problem)) and not _NOT_MATRIX.search(text))


def reject_reason(answer: str | None, expect: Expectation) -> str | None:
    """Why ``answer`` cannot be the answer to a problem with ``expect``; ``None`` when it is acceptable."""
    if answer is None or not answer.strip():
        return "it is empty"
    raw = answer.strip()
    if len(raw) > MAX_ANSWER_CHARS:
        return f"it is {len(raw)} characters long, not a final answer"
    norm = normalize_answer(raw)
    if not norm or norm.lower().replace(" ", "") in _NON_VALUES or raw.lower() in _NON_VALUES:
        return f"{raw!r} is not a value"
    if re.search(r"Error\b|Traceback|exception", raw):
        return "it is an error message"
    if raw.count("{") != raw.count("}") or raw.count("(") < raw.count(")") or norm in ("\\[", "\\]", "\\(", "\\)"):
        return f"{raw!r} is a fragment"
    letters_only = _MATH_WORDS.sub(" ", norm)
    if not re.search(r"[\d∞]", norm) and re.search(r"[A-Za-z]{4,}", letters_only):
        return f"{raw!r} is words, not a value"
    if not re.search(r"[\dA-Za-z∞∅]", norm):
        return f"{raw!r} has no value in it"
    value = numeric_value(norm)
    if value is not None:
        if expect.count and (value < 0 or not _whole(value)):
            return f"the problem asks for a count (a whole number), and {raw} is not one"
        if (expect.nonnegative or expect.count) and value < 0:
            return f"the problem asks for a size or an amount, and {raw} is negative"
        if expect.probability and not 0 <= value <= 1:
            return f"a probability is between 0 and 1, and {raw} is not"
        return None
    if (expect.count or expect.probability) and re.fullmatch(r"[\[(]?[^,]+(?:,[^,]+)+[\])]?", norm):
        return f"the problem asks for one value, and {raw} lists several"
    if not expect.expression:
        free = _FREE_VARIABLE.findall(_MATH_WORDS.sub(" ", norm))
        if free and re.search(r"\d", norm) is not None or len(set(free)) >= 2:
            return f"the problem asks for a value, and {raw} contains the variable {free[0]}"
    return None


def _whole(value: Fraction | float) -> bool:
    if isinstance(value, Fraction):
        return value.denominator == 1
    return abs(value - round(value)) <= 1e-9 * max(1.0, abs(value))
