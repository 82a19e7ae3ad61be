"""The shapes of problems the claim builder reads: :class:`Claim` and the templates of main sentences.

:func:`mathagent.verifiers.claims.read.read_claim` reads a problem whose wording is exactly one of these shapes.

This is the text half of the claim builder (:mod:`mathagent.verifiers.claims`): plain Python and
regular expressions, no SymPy, so it runs in the caller's process in microseconds.  A problem is
read only when *all* of its text is accounted for by a template: a main sentence
(``What is the remainder when $2^{100}$ is divided by $7$?``) and optional instruction sentences
that change nothing about the value (``Express your answer as a common fraction.``) or that
change it in a known way (``... to the nearest tenth.``).  Any other word could carry a condition
the template does not read, so the problem is refused (``None``): soundness over coverage.

Shapes (``Claim.shape``):

* ``value``: ``Compute / Evaluate / Simplify / Find / What is $E$`` (``E`` closed, or a rational
  expression to simplify);
* ``residue``: the remainder of an integer expression divided by ``n``, ``E \\pmod n``, the units digit;
* ``equations``: ``If $e_1$ and $e_2$, what is $T$?``, ``Solve for $x$: $e$``, ``Find all solutions
  to $e$`` (equations and inequalities over the reals);
* ``roots``: the sum/product/largest/smallest/positive difference of the solutions of a polynomial equation;
* ``count`` / ``int_extreme`` / ``int_sum``: how many integers satisfy a condition, the greatest or
  least integer satisfying it, the sum of the integers satisfying it;
* ``numtheory``: gcd, lcm, number and sum of positive divisors, prime factors of literal numbers.

Math segments are kept as LaTeX text; :mod:`mathagent.verifiers.claims.parse` parses them and
:mod:`mathagent.verifiers.claims.decide` checks them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """What a problem asks, read completely from its text.

    ``shape``: one of the shapes listed in the module docstring; ``template``: the name of the
    template that matched (for coverage statistics); ``math``: the LaTeX segments the shape needs
    (their meaning depends on ``shape``, see :func:`~mathagent.verifiers.claims.read.read_claim`); ``op``: the operation asked
    (``"sum"``, ``"max"``, ``"gcd"``...); ``var``: the unknown named by the problem, if any;
    ``domain``: extra conditions on it from words (``"positive"``, ``"negative"``,
    ``"nonnegative"``, or ``""``); ``all_solutions``: the problem asks for every solution;
    ``rounding``: decimal places of a "to the nearest ..." instruction (``0`` for a whole
    number), ``None`` without one; ``modulus``: for ``residue``; ``real``: the problem says the
    unknowns are real (otherwise equations alone may be meant over the complex numbers).
    """

    shape: str
    template: str
    math: tuple[str, ...]
    op: str = ""
    var: str = ""
    domain: str = ""
    all_solutions: bool = False
    rounding: int | None = None
    modulus: str = ""
    real: bool = False


@dataclass(frozen=True)
class Tail:
    """What the instruction sentences after the question ask: rounding to 10^-k, a list of all solutions, a residue
    range (see :mod:`mathagent.verifiers.claims.read`)."""

    rounding: int | None = None
    list_wanted: bool = False
    residue_range: tuple[int, int] | None = None


# ---------------------------------------------------------------------------
# Templates
# ---------------------------------------------------------------------------

_M = r"\$(?P<{0}>[^$]+)\$"            # one math segment
_V = r"\$(?P<var>[A-Za-z])\$"          # a one-letter unknown
_NUM = r"(?P<{0}>\d{{1,3}}(?:,\d{{3}})+|\d+)"  # a plain number in words (1,234,567 or 2007)


def _m(name: str) -> str:
    return _M.format(name)


def _num_or_math(name: str) -> str:
    return rf"(?:{_m(name)}|{_NUM.format(name + '_n')})"


_WHAT = r"(?:What is|Find|Compute|Calculate|Determine|Evaluate)"
_Q = r"[?.]"

_VALUE = [
    ("compute", re.compile(rf"(?:Compute|Evaluate|Simplify|Calculate|Find|What is|What's|Determine) (?:the value of )?"
                           rf"{_m('e')}\s*{_Q}")),
    ("what_is_value", re.compile(rf"What is the value of {_m('e')}\s*{_Q}")),
]

_RESIDUE = [
    ("remainder", re.compile(rf"(?:What is|Find|Compute|Determine|Calculate) the (?:whole number )?remainder when "
                             rf"(?:the (?:sum|product|number) )?{_num_or_math('e')} is divided by "
                             rf"{_num_or_math('n')}\s*{_Q}")),
    ("pmod", re.compile(r"(?:What is|Find|Compute|Determine|Evaluate) (?:the residue of )?"
                        r"\$(?P<e>[^$]+?)\s*\\pmod\s*\{?\s*(?P<n>\d+)\s*\}?\s*\$\s*[?.]")),
    ("units_digit", re.compile(rf"(?:What is|Find|Determine) the (?:units|ones) digit of "
                               rf"(?:the (?:sum|product|number) )?{_num_or_math('e')}\s*{_Q}")),
]

_ADJ = r"(?:(?P<adj>positive|negative|nonnegative|non-negative) )?"
_SOLVE_TARGET = [
    # one unknown named by the problem
    ("solve_for", re.compile(rf"Solve for {_V}\s*[:,]?\s*{_m('h')}\s*[.]?")),
    ("solve_eq_for", re.compile(rf"Solve {_m('h')} for {_V}\s*[.]")),
    ("solve_for_in", re.compile(rf"Solve for {_V} in (?:the equation )?{_m('h')}\s*[.]")),
    ("find_var_such", re.compile(rf"(?:Find|Determine|Compute) (?:the value of )?{_V},? (?:such that|if|so that|given that) "
                                 rf"{_m('h')}\s*[.]")),
    ("what_var_if", re.compile(rf"What is the value of {_V} (?:if|such that|for which|given that) {_m('h')}\s*[?]")),
    ("if_what_var", re.compile(rf"(?:If|Given that|Suppose that|Suppose) {_m('h')},? (?:then )?"
                               rf"(?:what is|find|compute|what is the value of) {_V}\s*[?.]")),
]
_SYSTEM = [
    ("if_what_t", re.compile(rf"(?:If|Given that|Suppose that|Given) (?P<hyps>.+?),? (?:then )?"
                             rf"(?:what is|find|compute|evaluate|what is the value of|determine) (?:the value of )?"
                             rf"{_m('t')}\s*[?.]")),
    ("what_t_if", re.compile(rf"(?:What is|Find|Compute|Evaluate|Determine) (?:the value of )?{_m('t')},? "
                             rf"(?:if|given that|when|where) (?P<hyps>.+?)\s*[?.]")),
]
_ALL_SOLUTIONS = [
    ("find_all", re.compile(rf"(?:Find|Solve|Determine|What are) (?:all )?(?:the )?(?:real )?(?:solutions|roots|values of {_V})"
                            rf" (?:to|of|for|such that|that satisfy|satisfying) (?:the equation )?{_m('h')}\s*[.?]")),
    ("find_all_x", re.compile(rf"Find all (?:real )?(?:numbers |values )?{_V} (?:such that|that satisfy|satisfying|for which) "
                              rf"{_m('h')}\s*[.?]")),
    ("solve_all", re.compile(rf"Solve {_m('h')}\s*[.]")),
]
_ROOTS = [
    ("roots_sumprod", re.compile(rf"(?:What is|Find|Compute|Determine) the (?P<op>sum|product) of (?:all )?(?:of )?(?:the )?"
                                 rf"(?:real )?(?:roots|solutions|(?:possible )?values of {_V}) "
                                 rf"(?:of|to|that satisfy|which satisfy|satisfying|for|such that|in) "
                                 rf"(?:the equation )?{_m('h')}\s*[?.]")),
    ("roots_extreme", re.compile(rf"(?:What is|Find|Compute|Determine) the (?P<op>largest|greatest|smallest|least) "
                                 rf"(?:possible )?(?:real )?(?:(?:value of )?{_V}|solution|root) "
                                 rf"(?:such that|for which|that satisfies|which satisfies|satisfying|of|to|"
                                 rf"if|so that) (?:the equation )?{_m('h')}\s*[?.]")),
    ("roots_diff", re.compile(rf"(?:What is|Find|Compute) the positive difference between the (?:two )?"
                              rf"(?:solutions|roots) (?:of|to) (?:the equation )?{_m('h')}\s*[?.]")),
]
_INTEGERS = r"(?:(?P<adj>positive|negative|nonnegative|non-negative) )?integer(?:s| values of| solutions)?"
_COUNT = [
    ("count_satisfy", re.compile(rf"How many {_INTEGERS},? (?:{_V},? )?(?:satisfy|are solutions to|are there that satisfy|"
                                 rf"are in the solution set of|satisfy both) (?:the inequality )?(?P<hyps>.+?)\s*\?")),
    ("count_for_how_many", re.compile(rf"For how many {_INTEGERS} (?:{_V} )?is (?P<hyps>\$[^$]+\$)\s*\?")),
    ("count_are_there", re.compile(rf"How many {_INTEGERS} {_V} are there such that (?P<hyps>.+?)\s*\?")),
]
_INT_EXTREME = [
    ("int_extreme", re.compile(rf"(?:What is|Find|Determine) the (?P<op>greatest|largest|smallest|least) "
                               rf"{_INTEGERS.replace('integer(?:s| values of| solutions)?', 'integer(?: value of)?')} "
                               rf"{_V},? (?:such that|for which|satisfying|that satisfies|so that) (?P<hyps>.+?)\s*[?.]")),
]
_INT_SUM = [
    ("int_sum", re.compile(rf"(?:What is|Find) the (?P<op>sum|product) of all (?:the )?{_INTEGERS} "
                           rf"(?:of )?{_V} (?:such that|for which|satisfying|that satisfy) (?P<hyps>.+?)\s*[?.]")),
]

_LIT = r"\$?(?:\d+|\d{1,3}(?:,\d{3})+)\$?"
_LIT_OR_MATH = r"(?:\$[^$]+\$|\d{1,3}(?:,\d{3})+|\d+!?)"
_NT = [
    ("gcd_lcm", re.compile(rf"(?:What is|Find|Compute|Determine) the (?P<op>greatest common divisor|greatest common factor|"
                           rf"least common multiple|GCD|LCM|gcd|lcm) of (?P<list>{_LIT_OR_MATH}(?:,? {_LIT_OR_MATH})*,? and "
                           rf"{_LIT_OR_MATH})\s*[?.]")),
    ("divisor_count", re.compile(rf"How many (?:distinct )?(?:positive|positive whole-number|positive integer|natural-number|"
                                 rf"distinct, natural-number|distinct positive|positive, whole-number|whole-number) "
                                 rf"(?:divisors|factors) does (?:the number )?(?P<n>{_LIT_OR_MATH}) have\s*\?")),
    ("divisor_sum", re.compile(rf"(?:What is|Find) the sum of (?:all )?(?:of )?the (?:positive|positive integer|positive whole "
                               rf"number|positive whole-number) (?:divisors|factors) of (?P<n>{_LIT_OR_MATH})\s*[?.]")),
    ("divisor_sum2", re.compile(rf"(?:What is|Find) the sum of all (?:of the )?(?:positive|positive integer) "
                                rf"(?:divisors|factors) of (?P<n>{_LIT_OR_MATH})\s*[?.]")),
    ("prime_factor", re.compile(rf"(?:What is|Find) the (?P<op>largest|greatest|smallest|least) prime (?:factor|divisor) of "
                                rf"(?:the number )?(?P<n>{_LIT_OR_MATH})\s*[?.]")),
    ("prime_factor_sum", re.compile(rf"(?:What is|Find) the sum of the (?:distinct )?prime (?:factors|divisors) of "
                                    rf"(?P<n>{_LIT_OR_MATH})\s*[?.]")),
    ("prime_factor_count", re.compile(rf"How many (?:distinct|different) prime (?:factors|divisors) does "
                                      rf"(?P<n>{_LIT_OR_MATH}) have\s*\?")),
]

_MATH_SEG = re.compile(r"\$([^$]+)\$")
_HYP_SEP = re.compile(r",? and |, ")


def _split_hyps(text: str) -> tuple[str, ...] | None:
    """``$a$ and $b$`` / ``$a$, $b$, and $c$`` -> ("a", "b", "c"); None if anything else is in between."""
    parts = []
    pos = 0
    for _ in range(8):
        m = _MATH_SEG.match(text, pos)
        if m is None:
            return None
        parts.append(m.group(1).strip())
        pos = m.end()
        if pos == len(text):
            return tuple(parts)
        sep = _HYP_SEP.match(text, pos)
        if sep is None:
            return None
        pos = sep.end()
    return None


def _split_hyps_both(text: str) -> tuple[str, ...] | None:
    if text.startswith("both "):
        text = text[5:]
    return _split_hyps(text)


def _strip_trailing_punct(s: str) -> str:
    return s.strip().rstrip(",.;").strip()


def _domain(adj: str | None) -> str:
    return {"non-negative": "nonnegative"}.get(adj or "", adj or "")


def _number_words(m: re.Match[str], name: str) -> str | None:
    """The math segment or the plain number captured as ``name``."""
    got = m.groupdict().get(name)
    if got is not None:
        return got.strip()
    lit = m.groupdict().get(name + "_n")
    return lit.replace(",", "") if lit is not None else None


def _lit(s: str) -> str:
    s = s.strip()
    if s.startswith("$") and s.endswith("$"):
        return s[1:-1].strip()
    return s.replace(",", "")


def _residue(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    e = _number_words(m, "e")
    n = "10" if name == "units_digit" else _number_words(m, "n")
    if e is None or n is None:
        return None
    n = _lit("$" + n + "$") if not n.isdigit() else n
    if not n.isdigit() or int(n) < 2:
        return None
    return Claim("residue", name, (_strip_trailing_punct(e),), op="mod", modulus=n)


def _numtheory(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    if name == "gcd_lcm":
        items = re.findall(_LIT_OR_MATH, m.group("list"))
        op = "gcd" if m.group("op").lower() in ("greatest common divisor", "greatest common factor", "gcd") else "lcm"
        return Claim("numtheory", name, tuple(_lit(x) for x in items), op=op)
    op = {"divisor_count": "ndiv", "divisor_sum": "sigma", "divisor_sum2": "sigma",
          "prime_factor_sum": "sum_primes", "prime_factor_count": "nprimes"}.get(name)
    if name == "prime_factor":
        op = "max_prime" if m.group("op") in ("largest", "greatest") else "min_prime"
    return Claim("numtheory", name, (_lit(m.group("n")),), op=op or "")


def _roots(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    op = {"largest": "max", "greatest": "max", "smallest": "min", "least": "min"}.get(
        m.groupdict().get("op") or "", m.groupdict().get("op") or "diff")
    return Claim("roots", name, (_strip_trailing_punct(m.group("h")),), op=op,
                 var=m.groupdict().get("var") or "", rounding=tail.rounding)


def _count(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    hyps = _split_hyps_both(m.group("hyps"))
    if not hyps:
        return None
    return Claim("count", name, tuple(_strip_trailing_punct(h) for h in hyps), op="count",
                 var=m.groupdict().get("var") or "", domain=_domain(m.group("adj")))


def _int_extreme(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    hyps = _split_hyps(m.group("hyps"))
    if not hyps:
        return None
    op = "max" if m.group("op") in ("greatest", "largest") else "min"
    return Claim("int_extreme", name, tuple(_strip_trailing_punct(h) for h in hyps), op=op,
                 var=m.group("var"), domain=_domain(m.group("adj")))


def _int_sum(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    hyps = _split_hyps(m.group("hyps"))
    if not hyps:
        return None
    return Claim("int_sum", name, tuple(_strip_trailing_punct(h) for h in hyps), op=m.group("op"),
                 var=m.group("var"), domain=_domain(m.group("adj")))


def _all_solutions(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    var = m.groupdict().get("var") or ""
    return Claim("equations", name, (var, _strip_trailing_punct(m.group("h"))), var=var,
                 all_solutions=True, rounding=tail.rounding)


def _solve_target(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    var = m.group("var")
    return Claim("equations", name, (var, _strip_trailing_punct(m.group("h"))), var=var,
                 all_solutions=tail.list_wanted, rounding=tail.rounding)


def _system(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    hyps = _split_hyps(m.group("hyps").strip())
    if not hyps:
        return None
    return Claim("equations", name, (m.group("t").strip(),) + tuple(_strip_trailing_punct(h) for h in hyps),
                 rounding=tail.rounding)


def _value(name: str, m: re.Match[str], tail: Tail) -> Claim | None:
    op = "simplify" if m.string.startswith("Simplify ") else ""
    return Claim("value", name, (_strip_trailing_punct(m.group("e")),), op=op, rounding=tail.rounding)


# The templates in the order they are tried, each with the reader of its match; the first template that matches
# the whole sentence decides (its reader may still refuse with None).
_READERS: list[tuple[list[tuple[str, re.Pattern[str]]], Callable[[str, re.Match[str], Tail], Claim | None]]] = [
    (_RESIDUE, _residue), (_NT, _numtheory), (_ROOTS, _roots), (_COUNT, _count), (_INT_EXTREME, _int_extreme),
    (_INT_SUM, _int_sum), (_ALL_SOLUTIONS, _all_solutions), (_SOLVE_TARGET, _solve_target), (_SYSTEM, _system),
    (_VALUE, _value),
]


def read_shape(main: str, tail: Tail) -> Claim | None:
    """The claim the main sentence ``main`` states under the instructions ``tail``, or None (no template, or refused)."""
    for templates, reader in _READERS:
        for name, pat in templates:
            m = pat.fullmatch(main)
            if m:
                return reader(name, m, tail)
    return None
