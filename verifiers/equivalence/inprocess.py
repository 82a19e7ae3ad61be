"""Stage 1 of the equivalence judgement, in process and without SymPy: cleaned answers, their forms
(numbers, words, choices, the empty set), equations reduced to their last side, and collections (tuples, intervals,
sets, lists) element by element; what it cannot decide goes to the worker (:func:`in_worker`)."""

from __future__ import annotations

import re
import time
from dataclasses import replace
from fractions import Fraction
from typing import Any

from mathagent.verifiers.deadline import Finished, Raised, TimedOut
from mathagent.verifiers.equivalence.judgement import MAX_ELEMENTS, Judgement
from mathagent.verifiers.isolation import run_isolated
from mathagent.verifiers.reading import (
    MAX_READ_CHARS, Choice, EmptySet, Number, Text, clean_answer, equation_sides, float_tolerance, numbers_equal,
    parser_latex, read_form, read_number, top_level_split,
)
from mathagent.verifiers.reading import text_content as _text_content


_COMPACT = re.compile(r"\s+|\\[!,;: ]|\\quad|\\qquad|\\(?:left|right)(?![A-Za-z])\.?|\\displaystyle")


def _compact(s: str) -> str:
    s = re.sub(r"(?<=\d)\s+(?=\d)", "\x00", s)  # `2 2/3` is not `22/3`
    s = _COMPACT.sub("", s)
    return re.sub(r"\\[dtc]frac(?![A-Za-z])", r"\\frac", s)


def judge_texts(a: Any, b: Any, deadline: float, depth: int) -> Judgement:
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
        got = judge_texts(ea[-1] if ea else ca, eb[-1] if eb else cb, deadline, depth + 1)
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
    ka, kb = bracket_kind(oa, ca_, len(pa)), bracket_kind(ob, cb_, len(pb))
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


def bracket_kind(opener: str, closer: str, n: int) -> str:
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
        got = judge_texts(x, y, deadline, depth + 1)
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
            got = judge_texts(x, y, deadline, depth + 1)
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
    outcome = run_isolated("mathagent.verifiers.equivalence.symbolic:judge_parsed", (pa, pb, _float_tolerance(ca, cb)), left)
    if isinstance(outcome, Finished):
        same, how, (a_ok, b_ok) = outcome.value
        return Judgement(same, how, () if same is not None else _sides(not a_ok, not b_ok))
    if isinstance(outcome, TimedOut):
        return Judgement(None, "timed out" if not outcome.refused else "no verifier worker free", timed_out=True)
    error = outcome.error if isinstance(outcome, Raised) else "unknown outcome"
    return Judgement(None, f"comparison failed: {str(error)[:200]}")
