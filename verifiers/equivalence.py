"""The one equivalence judgement: do two answers denote the same mathematical object?

Everything that compares answers calls this module: gold grading (:func:`mathagent.eval.grading.grade`),
the agent's cross-checks and tie-break (:func:`mathagent.verifiers.checks.compare_answers`), majority
votes, synthetic-data checks and export filters.  A fix here lands everywhere at once.

``equivalent(a, b, *, timeout_s=2.0) -> bool | None`` is the short form; :func:`judge` returns a
:class:`Judgement` that also says which rule decided and, when undecided, why (a side nobody could read,
or the deadline).  The judgement is symmetric.

How (cheapest first; each stage decides only when it knows):

1. In process, no SymPy (microseconds, so a vote over many samples costs milliseconds): both answers are
   cleaned (:func:`~mathagent.verifiers.reading.clean_answer`: delimiters, boxes, ``Answer:`` labels,
   quotes); an equation or chain against a value is reduced to its last side (``m+n = 148+29 = 177`` vs
   ``177``); the forms of :mod:`~mathagent.verifiers.reading` are compared: numbers with exact arithmetic
   (floats with a relative tolerance from the digits they show), words ignoring case, choice letters, the
   empty set; tuples, intervals, sets and lists element by element (a two-element ``[a, b]``, ``[a, b)``,
   ``(a, b]`` is an interval, never equal to a set or list of its endpoints; see :func:`_bracket_kind`).
2. In a killable worker with a deadline (:func:`~mathagent.verifiers.isolation.run_isolated`, never
   SIGALRM): both sides parsed by ``latex2sympy2_extended`` after :func:`~mathagent.verifiers.reading.parser_latex`
   and compared by :func:`_same` -- exactly for exact values (:func:`_exact_same`: equal only when proved,
   different when a guaranteed-precision evaluation of the difference is nonzero, else undecided; never a
   tolerance), relative tolerance when a float is involved,
   exact rational probes for expressions, equations as proportional, an inequality against an interval
   as sets; then math-verify (``parse``/``verify`` with its signal timeouts off, in both directions, sets
   and relations comparable) for what our reading missed.  math-verify's "equal" is vetoed when both
   values are numeric and differ under our exact rule (it rounds floats to 6 places and chops tiny
   values: ``10^{-20}`` vs ``2\\cdot 10^{-20}``).

Sources: math-verify (huggingface/Math-Verify) for parsing and its comparison heuristics;
``latex2sympy2_extended`` for LaTeX; the MATH grading conventions of Hendrycks et al. (answers such as
``x<3`` for ``(-\\infty, 3)``, ``\\text{}`` words, units).
"""

from __future__ import annotations

import logging
import random
import re
import time
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from mathagent.verifiers.deadline import Finished, Raised, TimedOut
from mathagent.verifiers.isolation import run_isolated
from mathagent.verifiers.reading import (
    MAX_READ_CHARS,
    Choice,
    EmptySet,
    Number,
    Text,
    clean_answer,
    equation_sides,
    float_tolerance,
    numbers_equal,
    parser_latex,
    read_form,
    read_number,
    text_content as _text_content,
    top_level_split,
)

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


def equivalent(a: str, b: str, *, timeout_s: float = 2.0) -> bool | None:
    """Whether answers ``a`` and ``b`` denote the same object: True/False when decided, ``None`` when a
    side cannot be read or ``timeout_s`` seconds passed.  See :func:`judge`."""
    return judge(a, b, timeout_s=timeout_s).same


def judge(a: str, b: str, *, timeout_s: float = 2.0) -> Judgement:
    """Judge answers ``a`` and ``b`` (model text already reduced to its final answer, or a bare answer).

    Never raises; bounded by ``timeout_s`` (plus process start-up the first time a worker is needed).
    Plain numbers, words, choices, the empty set and collections of them are decided in process.
    """
    deadline = time.monotonic() + max(0.0, float(timeout_s))
    try:
        return _judge(a, b, deadline, 0)
    except RecursionError:
        return Judgement(None, "answer nested too deeply")


# ------------------------------------------------------------------------------------------- in process

_COMPACT = re.compile(r"\s+|\\[!,;: ]|\\quad|\\qquad|\\(?:left|right)(?![A-Za-z])\.?|\\displaystyle")


def _compact(s: str) -> str:
    s = re.sub(r"(?<=\d)\s+(?=\d)", "\x00", s)  # `2 2/3` is not `22/3`
    s = _COMPACT.sub("", s)
    return re.sub(r"\\[dtc]frac(?![A-Za-z])", r"\\frac", s)


def _judge(a: Any, b: Any, deadline: float, depth: int) -> Judgement:
    if not isinstance(a, str) or not isinstance(b, str):
        return Judgement(None, "an answer is not text", _sides(not isinstance(a, str), not isinstance(b, str)))
    ca, cb = clean_answer(a), clean_answer(b)
    if not ca or not cb:
        return Judgement(None, "empty answer", _sides(not ca, not cb))
    if len(ca) > MAX_READ_CHARS or len(cb) > MAX_READ_CHARS:
        return Judgement(None, f"answer longer than {MAX_READ_CHARS} characters",
                         _sides(len(ca) > MAX_READ_CHARS, len(cb) > MAX_READ_CHARS))
    if ca == cb or _compact(ca) == _compact(cb):
        return Judgement(True, "same text")
    ea, eb = equation_sides(ca), equation_sides(cb)
    if (ea is None) != (eb is None) and depth < 4:
        # an equation or chain against a value: the value is its last side (``x = 5`` / ``5``)
        got = _judge(ea[-1] if ea else ca, eb[-1] if eb else cb, deadline, depth + 1)
        return replace(got, how=f"last side of the equation; {got.how}")
    fa, fb = read_form(ca), read_form(cb)
    decided = _forms(fa, fb, ca, cb)
    if decided is not None:
        return decided
    if depth < 4:
        collections = _collections(ca, cb, fa, fb, deadline, depth)
        if collections is not None:
            return collections
    return _in_worker(ca, cb, deadline)


def _sides(a: bool, b: bool) -> tuple[str, ...]:
    return tuple(name for name, flag in (("a", a), ("b", b)) if flag)


def _forms(fa: Any, fb: Any, ca: str, cb: str) -> Judgement | None:
    if isinstance(fa, Number) and isinstance(fb, Number):
        same = numbers_equal(fa, fb)
        if fa.exact and fb.exact:
            return Judgement(same, "exact arithmetic: " + ("equal" if same else "different numbers"))
        tol = max(float_tolerance(n.value, n.digits) for n in (fa, fb) if not n.exact)
        return Judgement(same, ("a decimal within" if same else "a decimal off by more than") +
                         f" relative {float(tol):.0e} (the precision it shows)")
    if isinstance(fa, Text) and isinstance(fb, Text):
        return Judgement(fa.words == fb.words, "words, ignoring case")
    if isinstance(fa, Choice) or isinstance(fb, Choice):
        la = fa.letter if isinstance(fa, Choice) else _bare_letter(ca)
        lb = fb.letter if isinstance(fb, Choice) else _bare_letter(cb)
        if la is not None and lb is not None:
            return Judgement(la == lb, "choice letters")
    if isinstance(fa, EmptySet) and isinstance(fb, EmptySet):
        return Judgement(True, "both the empty set")
    kinds = {type(f) for f in (fa, fb) if f is not None}
    if fa is not None and fb is not None and len(kinds) == 2:
        names = " and ".join(sorted(k.__name__.lower() for k in kinds))
        return Judgement(False, f"different kinds of answer ({names})")
    return None


def _bare_letter(s: str) -> str | None:
    return s.upper() if re.fullmatch(r"[A-Ea-e]", s.strip()) else None


_LIST_TEXT = re.compile(r",?\s*\\(?:text|mathrm|textrm)\s*\{\s*,?\s*(?:and|or)?\s*\}\s*(?=\S)")
_LIST_WORD = re.compile(r"^\s*(?:\\(?:text|mathrm|textrm)\s*\{\s*(?:and|or)\s*\}|(?:and|or)(?![A-Za-z]))\s*")


def _collection(s: str) -> tuple[str, list[str], str] | None:
    """``(a,b]`` -> ``("(", ["a", "b"], "]")``; ``\\{1,2\\}`` -> ``("{", ...)``; a bare ``a, b`` -> ``("", ...)``.
    ``None`` unless ``s`` is a collection of at least two comma-separated items."""
    inner = _text_content(s)
    if inner is not None and "," in inner:
        s = inner  # \\text{B, E, G}
    s = _LIST_TEXT.sub(",", s)  # `6, 8\\text{, and }10`
    s = _COMPACT.sub("", s) if len(s) < MAX_READ_CHARS else s
    s = re.sub(r"\\lbrace(?![A-Za-z])", r"\\{", re.sub(r"\\rbrace(?![A-Za-z])", r"\\}", s))
    opener, closer, body = "", "", s
    if s.startswith("\\{") and s.endswith("\\}"):
        opener, closer, body = "{", "}", s[2:-2]
    elif len(s) >= 2 and s[0] in "([{" and s[-1] in ")]}" and _outer_pair(s):
        opener, closer, body = s[0], s[-1], s[1:-1]
        if (opener == "{") != (closer == "}"):
            return None
    parts = top_level_split(body, ",")
    if parts is None or len(parts) < 2 or len(parts) > MAX_ELEMENTS or any(not p.strip() for p in parts):
        return None
    # "19, 46, and 82": the conjunction before the last element is English, not part of it
    parts = [_LIST_WORD.sub("", p).strip() for p in parts]
    if any(not p for p in parts):
        return None
    return opener, parts, closer


def _outer_pair(s: str) -> bool:
    """Whether the bracket opening ``s`` closes exactly at its last character."""
    depth = 0
    for i, ch in enumerate(s):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def _collections(ca: str, cb: str, fa: Any, fb: Any, deadline: float, depth: int) -> Judgement | None:
    da, db = _collection(ca), _collection(cb)
    if da is None and db is None:
        return None
    if da is None or db is None:
        single = fa if da is None else fb
        if isinstance(single, (Number, Text, Choice)):
            return Judgement(False, "a collection against a single value")
        return None  # e.g. an interval against an inequality: SymPy decides
    (oa, pa, ca_), (ob, pb, cb_) = da, db
    if len(pa) != len(pb):
        return Judgement(False, f"{len(pa)} elements against {len(pb)}")
    ka, kb = _bracket_kind(oa, ca_, len(pa)), _bracket_kind(ob, cb_, len(pb))
    kinds = {ka, kb}
    if len(kinds) == 1:
        ordered = ka not in _UNORDERED
    elif kinds <= _UNORDERED:
        ordered = False  # a set, a bare list of solutions, a program's printed list of 3 or more
    elif kinds == {"list", "pair"}:
        ordered = True  # `3, 4` against the point `(3, 4)`
    elif sum(k.startswith("interval") for k in (ka, kb)) == 1:
        other = kb if ka.startswith("interval") else ka
        return Judgement(False, f"an interval against {_KIND_NAMES.get(other, 'another bracket')} "
                                f"({_shown(oa, ca_)} vs {_shown(ob, cb_)})")
    else:
        return Judgement(False, f"different brackets ({_shown(oa, ca_)} vs {_shown(ob, cb_)})")
    if ordered:
        return _elementwise(pa, pb, deadline, depth)
    return _unordered(pa, pb, deadline, depth)


_UNORDERED = {"set", "list", "bracket list"}
_KIND_NAMES = {"set": "a set", "list": "a list", "bracket list": "a list", "pair": "a pair or open interval"}


def _bracket_kind(opener: str, closer: str, n: int) -> str:
    """What a collection's brackets make it (MATH conventions).

    ``\\{…\\}``: a set; bare ``a, b``: a list of answers (order free); ``(a, b)``: an ordered pair (or the
    open interval -- the same text, compared in order either way); ``[a, b]``, ``[a, b)``, ``(a, b]`` with two
    elements: an interval, equal only to an interval with the same endpoints and the same closedness (or, in
    SymPy, the same set written as an inequality); ``[a, b, c]`` with other than two elements cannot be an
    interval: a list (a program's printout).  So ``[0, 1]`` never equals ``\\{0, 1\\}`` or ``0, 1``, the
    ambiguous two-element ``[a, b]`` taking the interval reading that MATH answers use.
    """
    if (opener, closer) == ("{", "}"):
        return "set"
    if (opener, closer) == ("", ""):
        return "list"
    if (opener, closer) == ("(", ")"):
        return "pair"
    if (opener, closer) == ("[", "]") and n != 2:
        return "bracket list"
    if n == 2:
        return "interval" + opener + closer
    return opener + closer  # `(1, 2, 3]`: a bracket pair nothing else uses


def _shown(opener: str, closer: str) -> str:
    return ("\\{" if opener == "{" else opener) + "…" + ("\\}" if closer == "}" else closer)


def _elementwise(pa: list[str], pb: list[str], deadline: float, depth: int) -> Judgement:
    undecided: Judgement | None = None
    for k, (x, y) in enumerate(zip(pa, pb, strict=True)):
        got = _judge(x, y, deadline, depth + 1)
        if got.same is False:
            return Judgement(False, f"element {k + 1} differs: {got.how}")
        if got.same is None and undecided is None:
            undecided = replace(got, how=f"element {k + 1} undecided: {got.how}")
    return undecided or Judgement(True, "every element equal")


def _unordered(pa: list[str], pb: list[str], deadline: float, depth: int) -> Judgement:
    remaining = list(pb)
    undecided: Judgement | None = None
    for x in pa:
        hit = None
        for j, y in enumerate(remaining):
            got = _judge(x, y, deadline, depth + 1)
            if got.same is True:
                hit = j
                break
            if got.same is None and undecided is None:
                undecided = got
        if hit is None:
            if undecided is not None:
                return replace(undecided, how=f"no match decided for {x!r}: {undecided.how}")
            return Judgement(False, f"{x!r} has no equal on the other side")
        remaining.pop(hit)
    return Judgement(True, "the same elements, in any order")


_DECIMAL = re.compile(r"(?<![\d\\.])(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d{1,4})?(?![\d.])|"
                      r"(?<![\w.\\])\d+[eE][-+]?\d{1,4}(?![\w.])")


def _float_tolerance(*texts: str) -> float | None:
    """The relative tolerance for the decimals written in ``texts`` (the least precise one's), or ``None``
    when every number is written exactly."""
    widest: Fraction | None = None
    for text in texts:
        for m in list(_DECIMAL.finditer(text))[:64]:
            literal = read_number(m.group(0))
            if literal is None or literal.exact:
                continue
            tol = float_tolerance(literal.value, literal.digits)
            widest = tol if widest is None else max(widest, tol)
    return None if widest is None else float(widest)


def _in_worker(ca: str, cb: str, deadline: float) -> Judgement:
    left = deadline - time.monotonic()
    if left <= 0:
        return Judgement(None, "no time left to compare", timed_out=True)
    pa, pb = parser_latex(ca), parser_latex(cb)
    outcome = run_isolated(f"{__name__}:_judge_parsed", (pa, pb, _float_tolerance(ca, cb)), left)
    if isinstance(outcome, Finished):
        same, how, (a_ok, b_ok) = outcome.value
        return Judgement(same, how, () if same is not None else _sides(not a_ok, not b_ok))
    if isinstance(outcome, TimedOut):
        return Judgement(None, "timed out" if not outcome.refused else "no verifier worker free", timed_out=True)
    error = outcome.error if isinstance(outcome, Raised) else "unknown outcome"
    return Judgement(None, f"comparison failed: {str(error)[:200]}")


# ------------------------------------------------------------------------------------- in the worker


def _parse(s: str) -> Any | None:
    """A SymPy object for the parser-ready LaTeX ``s``, or ``None`` (runs in a worker)."""
    import sympy
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.math_normalization import NormalizationConfig

    config = NormalizationConfig(basic_latex=True, units=True, malformed_operators=True, nits=False,
                                 boxed="all", equations=False)
    try:
        value = latex2sympy(s, normalization_config=config)
    except Exception:  # noqa: BLE001 - the grammar raises many kinds; all mean "not read"
        return None
    if isinstance(value, sympy.Basic):
        i = [x for x in value.free_symbols if isinstance(x, sympy.Symbol) and x.name == "i"]
        if i:
            value = value.xreplace({i[0]: sympy.I})
    elif not isinstance(value, sympy.MatrixBase):
        return None
    return value


def _judge_parsed(a: str, b: str, tol: float | None) -> tuple[bool | None, str, tuple[bool, bool]]:
    """Compare two parser-ready answers with our SymPy rules, then math-verify (runs in a worker).
    Returns ``(same, how, (a_read, b_read))``."""
    import sympy

    xa, xb = _parse(a), _parse(b)
    ours: bool | None = None
    if xa is not None and xb is not None:
        try:
            ours = _same(xa, xb, tol)
        except Exception:  # noqa: BLE001 - SymPy raises on odd mixes (a symbol minus an interval): undecided
            ours = None
        if ours is True:
            return True, "sympy: equal", (True, True)
        if ours is False and _numeric(xa) and _numeric(xb):
            return False, "sympy: the values differ", (True, True)
        if ours is None and _exact_number(xa) and _exact_number(xb):
            # math-verify could only round them (its "equal" would be vetoed below): undecided
            return None, "two exact numbers, neither proved equal nor shown to differ", (True, True)
    mv = _math_verify(a, b)
    if mv is not None:
        verdict, ga, gb, a_ok, b_ok = mv
        fragment = (xa is None and not _covers(a, ga)) or (xb is None and not _covers(b, gb))
        if verdict and fragment:
            return None, "math-verify read only part of an answer", (xa is not None, xb is not None)
        if verdict:
            if ga is not None and gb is not None and _numeric(ga) and _numeric(gb):
                try:
                    ours_mv = _same(ga, gb, tol)
                except Exception:  # noqa: BLE001 - as above: an odd mix is undecided
                    ours_mv = None
                if ours_mv is False:
                    return False, "math-verify matched, but the values differ (exact check)", (True, True)
                if ours_mv is None and isinstance(ga, sympy.Expr) and isinstance(gb, sympy.Expr) \
                        and not (ga.has(sympy.Float) or gb.has(sympy.Float)):
                    # math-verify compares numbers by rounding; two exact numbers need a proof
                    return None, "math-verify matched, but equality of the exact values is not proved", (
                        True, True)
            return True, "math-verify: equal", (True, True)
    else:
        a_ok = b_ok = False
    a_read, b_read = xa is not None or a_ok, xb is not None or b_ok
    if ours is False:
        return False, "sympy: not equal", (a_read, b_read)
    if mv is not None and a_ok and b_ok:
        return False, "math-verify: not equal", (True, True)
    if a_read and b_read:
        return None, "undecided", (True, True)
    return None, "could not read " + " and ".join(n for n, ok in (("a", a_read), ("b", b_read)) if not ok), (
        a_read, b_read)


def warm_up() -> None:
    """One small comparison of each kind, so a fresh worker's first real call is not the slow one."""
    _judge_parsed("x<1", "(-\\infty,1)", None)


class _DropTimeoutDisabledWarning(logging.Filter):
    """math-verify warns once that its timeout is off; we disable it on purpose (the worker has a deadline)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "Timeout is disabled" not in record.getMessage()


_filter_installed = False


def _math_verify(a: str, b: str) -> tuple[bool, Any, Any, bool, bool] | None:
    """math-verify on both sides, its signal-based timeouts off: ``(verdict, a_value, b_value, a_read,
    b_read)``, or ``None`` when it raised."""
    global _filter_installed
    import sympy
    from math_verify import parse, verify

    if not _filter_installed:
        for name in ("math_verify.parser", "math_verify.grader"):
            logging.getLogger(name).addFilter(_DropTimeoutDisabledWarning())
        _filter_installed = True
    try:
        pa = parse("\\boxed{" + a + "}", parsing_timeout=None)
        pb = parse("\\boxed{" + b + "}", parsing_timeout=None)
        a_ok = any(isinstance(x, (sympy.Basic, sympy.MatrixBase)) for x in pa)
        b_ok = any(isinstance(x, (sympy.Basic, sympy.MatrixBase)) for x in pb)
        verdict = bool(pa and pb) and (
            verify(pb, pa, timeout_seconds=None, allow_set_relation_comp=True)
            or verify(pa, pb, timeout_seconds=None, allow_set_relation_comp=True))
    except Exception:  # noqa: BLE001 - a library failure is "not decided", never a crash
        return None
    first = (lambda p: next((x for x in p if isinstance(x, (sympy.Basic, sympy.MatrixBase))), None))
    return bool(verdict), first(pa), first(pb), a_ok, b_ok


def _covers(text: str, value: Any) -> bool:
    """Whether math-verify's reading of ``text`` kept every number written in it.  It falls back to a
    fragment when its LaTeX fixes mangle an answer (``2007 + \\frac\\pi 2`` read as ``2``); a verdict
    on a fragment is no verdict."""
    shown = str(value)
    return all(run.lstrip("0") in shown for run in re.findall(r"\d+", text)[:32])


def _numeric(x: Any) -> bool:
    """A number, or a tuple/set/interval/matrix of numbers (the objects an exact check can veto on)."""
    import sympy

    if isinstance(x, sympy.MatrixBase):
        return all(_numeric(e) for e in x)
    if isinstance(x, (sympy.Tuple, sympy.FiniteSet)):
        return len(x.args) > 0 and all(_numeric(e) for e in x.args)
    if isinstance(x, sympy.Interval):
        return _numeric(x.start) and _numeric(x.end)
    return isinstance(x, sympy.Expr) and x.is_number and not x.has(sympy.zoo, sympy.nan)


def _exact_number(x: Any) -> bool:
    """A number with no float in it (``\\sqrt{2}``, ``\\binom{200}{100}``), not a set or tuple."""
    import sympy

    return isinstance(x, sympy.Expr) and x.is_number and not x.has(sympy.Float, sympy.zoo, sympy.nan)


def _undefined(x: Any) -> bool:
    import sympy

    return isinstance(x, sympy.Basic) and x.has(sympy.zoo, sympy.nan)


def _relation_set(x: Any) -> Any | None:
    """The real solution set of a one-variable inequality (or ``and``/``or`` of them); ``None`` otherwise."""
    import sympy

    if isinstance(x, sympy.FiniteSet) and x.args and all(isinstance(e, sympy.Rel) for e in x.args):
        x = sympy.Or(*x.args)  # latex2sympy reads "x<2 or x>5" as a set of relations
    if not isinstance(x, (sympy.Rel, sympy.And, sympy.Or)) or isinstance(x, sympy.Eq):
        return None
    syms = x.free_symbols
    if len(syms) != 1:
        return None
    try:
        return x.as_set()
    except Exception:  # noqa: BLE001 - SymPy cannot solve it
        return None


def _same(x: Any, y: Any, tol: float | None) -> bool | None:
    """Our comparison of two SymPy objects (runs in a worker): True/False when decided, else ``None``."""
    import sympy

    if _undefined(x) or _undefined(y):
        return None
    if isinstance(x, sympy.MatrixBase) or isinstance(y, sympy.MatrixBase):
        if not (isinstance(x, sympy.MatrixBase) and isinstance(y, sympy.MatrixBase)):
            return None
        if x.shape != y.shape:
            return False
        return _all_same(list(x), list(y), tol)
    x, y = _assignment_value(x, y), _assignment_value(y, x)
    x, y = _relations_of(x), _relations_of(y)
    if isinstance(y, sympy.Set) and not isinstance(x, sympy.Set):
        x = _relation_set(x) or x
    if isinstance(x, sympy.Set) and not isinstance(y, sympy.Set):
        y = _relation_set(y) or y
    if isinstance(x, sympy.Set) and isinstance(y, sympy.Set):
        return _sets_same(x, y, tol)
    if isinstance(x, sympy.Set) or isinstance(y, sympy.Set):
        return None
    if isinstance(x, sympy.Eq) and isinstance(y, sympy.Eq):
        if x.lhs == y.lhs and not (isinstance(x.rhs, sympy.Expr) and isinstance(y.rhs, sympy.Expr)):
            return _same(x.rhs, y.rhs, tol)  # D = (0, 1) against D = (0, 1.5)
        if not all(isinstance(side, sympy.Expr) for side in (x.lhs, x.rhs, y.lhs, y.rhs)):
            return None
        return _equations_same(x, y)
    rx, ry = _relation_set(x), _relation_set(y)
    if rx is not None and ry is not None:
        return _sets_same(rx, ry, tol)
    if isinstance(x, (sympy.Rel, sympy.And, sympy.Or)) or isinstance(y, (sympy.Rel, sympy.And, sympy.Or)):
        return True if x == y else None
    if isinstance(x, sympy.Tuple) and isinstance(y, sympy.Tuple):
        return False if len(x) != len(y) else _all_same(list(x), list(y), tol)
    if not isinstance(x, sympy.Expr) or not isinstance(y, sympy.Expr):
        return True if x == y else None
    return _expr_same(x, y, tol)


def _relations_of(x: Any) -> Any:
    """``x<2 \\text{ or } x>5`` arrives as a set of relations: it means their union, ``Or``."""
    import sympy

    if isinstance(x, sympy.FiniteSet) and x.args and all(isinstance(e, sympy.Rel) and not isinstance(e, sympy.Eq)
                                                          for e in x.args):
        return sympy.Or(*x.args)
    return x


def _assignment_value(x: Any, other: Any) -> Any:
    """``x = 5`` against a non-equation is ``5`` (the last right side of a chain)."""
    import sympy

    if isinstance(other, (sympy.Eq, sympy.And)):
        return x
    if isinstance(x, sympy.And) and x.args and all(isinstance(e, sympy.Eq) for e in x.args):
        x = getattr(x, "_unsorted_args", x.args)[-1]  # latex2sympy keeps a chain's written order
    if isinstance(x, sympy.Eq):
        return x.rhs
    return x


def _all_same(xs: list, ys: list, tol: float | None) -> bool | None:
    undecided = False
    for p, q in zip(xs, ys, strict=True):
        got = _same(p, q, tol)
        if got is False:
            return False
        if got is None:
            undecided = True
    return None if undecided else True


def _sets_same(x: Any, y: Any, tol: float | None) -> bool | None:
    import sympy

    if x == y:
        return True
    if isinstance(x, sympy.FiniteSet) and isinstance(y, sympy.FiniteSet):
        if len(x) != len(y):
            return False
        remaining = list(y.args)
        for e in x.args:
            hit = next((k for k, f in enumerate(remaining) if _same(e, f, tol) is True), None)
            if hit is None:
                return False if all(_numeric(f) for f in remaining) and _numeric(e) else None
            remaining.pop(hit)
        return True
    if isinstance(x, sympy.Interval) and isinstance(y, sympy.Interval):
        if (x.left_open, x.right_open) != (y.left_open, y.right_open):
            return False
        return _all_same([x.start, x.end], [y.start, y.end], tol)
    try:
        diff = x.symmetric_difference(y)
        if diff == sympy.S.EmptySet or diff.is_empty is True:
            return True
        if diff.is_empty is False:
            return False
    except Exception:  # noqa: BLE001
        return None
    return None


def _equations_same(x: Any, y: Any) -> bool | None:
    """Two equations are the same when ``lhs - rhs`` of one is a nonzero constant times the other's."""
    import sympy

    dx, dy = x.lhs - x.rhs, y.lhs - y.rhs
    if dx == 0 or dy == 0:
        return dx == dy
    ratio = dx / dy
    syms = sorted(ratio.free_symbols | dx.free_symbols | dy.free_symbols, key=str)
    rng = random.Random(4321)
    values = []
    for _ in range(PROBES):
        subs = {s: sympy.Rational(rng.randint(1, 97), rng.randint(1, 13)) for s in syms}
        try:
            v = sympy.nsimplify(ratio.subs(subs)) if syms else ratio
        except Exception:  # noqa: BLE001
            continue
        if v.is_number and v.is_finite and v != 0:
            values.append(v)
    if len(values) < 2:
        return None
    first = values[0]
    return all(_numbers_same(v, first, None) is True for v in values[1:])


def _numbers_same(a: Any, b: Any, tol: float | None, *, prove: bool = True) -> bool | None:
    """Two SymPy numbers.  With a float involved: within ``tol`` relatively (``EXACT_REL`` when no decimal
    was written).  Both exact: decided exactly (:func:`_exact_same`), never by a tolerance.  ``prove=False``
    (a probe of an expression at a random point, itself only evidence): exact values the cheap checks
    cannot tell apart count as agreeing when they agree to 40 digits (``EXACT_REL``)."""
    import sympy

    if a == b:
        return True
    if a.has(sympy.Float) or b.has(sympy.Float):
        return _close(a, b, EXACT_REL if tol is None else tol)
    got = _exact_same(a, b, prove=prove)
    if got is None and not prove:
        return _close(a, b, EXACT_REL)
    return got


def _close(a: Any, b: Any, tol: float) -> bool | None:
    """``|a - b| <= tol * max(|a|, |b|)`` at ``EXACT_DIGITS`` digits."""
    import sympy

    try:
        va, vb = sympy.N(a, EXACT_DIGITS), sympy.N(b, EXACT_DIGITS)
        if va.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo) or vb.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            return None
        diff = abs(va - vb)  # not N(a - b): SymPy's a - b would expand an unevaluated 10^{10000000000}
        scale = max(abs(va), abs(vb))
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None
    if not (diff.is_number and scale.is_number):
        return None
    if scale == 0:
        return bool(diff == 0)
    return bool(diff <= sympy.Float(tol) * scale)


SEPARATING_DIGITS = (30, 120, 480)  # evaluation precisions tried to show two exact values differ
MAX_EXACT_DIGITS = 10_000  # a power with more digits than this is not expanded to prove equality
MAX_EXACT_FACTORIAL = 3_000  # nor a factorial of more (3000! has 9131 digits)


def _exact_same(a: Any, b: Any, *, prove: bool = True) -> bool | None:
    """Whether two exact SymPy numbers are equal, decided exactly; ``None`` when undecided.

    "Different" is shown by the difference ``a - b``: a nonzero rational, or a nonzero value from SymPy's
    evaluation at ``SEPARATING_DIGITS`` digits with ``strict=True`` (it raises unless every returned digit is
    guaranteed, so a value it returns is bounded away from 0).  "Equal" needs a proof: the difference is 0
    as SymPy builds it, its assumptions say zero, ``simplify`` reduces it to 0, or (an algebraic number) its
    minimal polynomial is ``x``.  No tolerance ever makes two exact values equal: ``\\binom{200}{100}`` and
    ``\\binom{200}{100}+1`` differ by 1, ``\\sqrt{2}+10^{-50}`` and ``\\sqrt{2}`` by ``10^{-50}``.  Values
    too large to expand (``10^{10^{10}}``) are equal only when SymPy's arithmetic cancels them; otherwise
    undecided.  Bounded by the worker's deadline like every SymPy call here.  ``prove=False``: only the
    cheap checks (exact arithmetic, the first evaluation), no proof of equality.
    """
    import sympy
    from sympy.core.evalf import PrecisionExhausted

    if _huge_power(a) or _huge_power(b):
        return _far_apart(a, b)
    try:
        d = a - b
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None
    if not isinstance(d, sympy.Expr) or d.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        return None
    if d == 0:
        return True
    if d.is_Rational:
        return False
    for k, digits in enumerate(SEPARATING_DIGITS if prove else SEPARATING_DIGITS[:1]):
        if k == 1:  # the proofs of equality, after the cheap evaluation and before the costly ones
            same = _proved_zero(d)
            if same is not None:
                return same
        try:
            value = d.evalf(digits, strict=True, maxn=4 * digits)
        except PrecisionExhausted:
            continue
        except (TypeError, ValueError, ArithmeticError, AttributeError, RecursionError):
            return None
        if isinstance(value, sympy.Expr) and value.is_number and not value.free_symbols \
                and any(f != 0 for f in value.atoms(sympy.Float)):
            return False  # a guaranteed nonzero digit: the values differ
    return None


def _huge_power(x: Any) -> bool:
    """Whether ``x`` holds a rational to an integer power of more than ``MAX_EXACT_DIGITS`` digits
    (``10^{10000000000}``, left unevaluated by the parser): SymPy's arithmetic on it (``a - b``) would expand it."""
    import math

    import sympy

    for p in x.atoms(sympy.Pow):
        base, exp = p.base, p.exp
        if base.is_Rational and exp.is_Integer and abs(base) not in (0, 1):
            size = max(abs(base.p), base.q)
            if abs(int(exp)) * math.log10(size) > MAX_EXACT_DIGITS:
                return True
    return False


def _far_apart(a: Any, b: Any) -> bool | None:
    """Two exact numbers too large for exact arithmetic: ``False`` when their values, each evaluated to
    ``SEPARATING_DIGITS[0]`` guaranteed digits, differ beyond those digits; else undecided."""
    import sympy
    from sympy.core.evalf import PrecisionExhausted

    digits = SEPARATING_DIGITS[0]
    try:
        va, vb = a.evalf(digits, strict=True), b.evalf(digits, strict=True)
        if not (va.is_Float and vb.is_Float):
            return None
        scale = max(abs(va), abs(vb))
        if scale != 0 and abs(va - vb) > sympy.Float(10) ** (3 - digits) * scale:
            return False
    except (PrecisionExhausted, TypeError, ValueError, ArithmeticError, AttributeError):
        return None
    return None


def _proved_zero(d: Any) -> bool | None:
    """A proof that the exact number ``d`` is 0 (True), or that it is not (False, from its minimal
    polynomial); ``None`` when neither is found."""
    import sympy

    if _too_big(d):
        return None
    try:
        if d.is_zero is True:
            return True
        d = d.doit()  # the parser leaves `100!` and `\\binom{}{}` unevaluated; evaluated, often a rational
        if d.is_Rational:
            return d == 0
        if sympy.simplify(d) == 0:
            return True
        if d.is_algebraic:
            x = sympy.Dummy("x")
            return bool(sympy.minimal_polynomial(d, x) == x)
    except Exception:  # noqa: BLE001 - SymPy raises many kinds (NotAlgebraic, NotImplementedError, ...)
        return None
    return None


def _too_big(d: Any) -> bool:
    """Whether ``d`` holds a numeric power of more than ``MAX_EXACT_DIGITS`` digits (``10^{10^{10}}``) or a
    factorial or binomial coefficient of an argument above ``MAX_EXACT_FACTORIAL``, which evaluating or
    ``simplify`` would try to expand."""
    import math

    import sympy

    for f in d.atoms(sympy.factorial, sympy.binomial, sympy.gamma, sympy.factorial2, sympy.RisingFactorial,
                     sympy.FallingFactorial):
        for arg in f.args:
            try:
                if not arg.is_number or abs(float(sympy.N(arg, 15))) > MAX_EXACT_FACTORIAL:
                    return True
            except (TypeError, ValueError, OverflowError, ArithmeticError):
                return True
    for p in d.atoms(sympy.Pow):
        base, exp = p.base, p.exp
        if not (base.is_number and exp.is_number):
            continue
        try:
            magnitude = sympy.N(abs(base), 15)
            if magnitude == 0:
                continue
            size = abs(float(sympy.N(exp, 15))) * abs(float(sympy.log(magnitude))) / math.log(10)  # digits
        except (TypeError, ValueError, OverflowError, ArithmeticError):
            return True
        if not math.isfinite(size) or size > MAX_EXACT_DIGITS:
            return True
    return False


def _expr_same(a: Any, b: Any, tol: float | None) -> bool | None:
    import sympy

    if a == b:
        return True
    if a.is_number and b.is_number:
        return _numbers_same(a, b, tol)
    try:
        if sympy.simplify(a - b) == 0:
            return True
    except Exception:  # noqa: BLE001 - simplify can fail on odd input
        pass
    # Exact rational probes decide "different" (and catch what simplify missed).
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(1234)
    agree = 0
    for _ in range(PROBES):
        subs = {s: sympy.Rational(rng.randint(1, 97), rng.randint(1, 13)) for s in syms}
        try:
            va, vb = a.subs(subs), b.subs(subs)
        except Exception:  # noqa: BLE001
            continue
        if not (isinstance(va, sympy.Expr) and isinstance(vb, sympy.Expr) and va.is_number and vb.is_number):
            continue
        got = _numbers_same(va, vb, tol, prove=False)
        if got is False:
            return False
        if got is True:
            agree += 1
    return True if agree >= 3 else None


__all__ = ["Judgement", "equivalent", "judge"]
