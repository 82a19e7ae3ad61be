"""Stage 2 of the equivalence judgement, run in a killable verifier worker: both sides parsed by
``latex2sympy2_extended`` and compared by :func:`values_same` (numbers, relations, sets, equations, expressions by exact
rational probes), then math-verify for what our reading missed (its "equal" vetoed for numbers that differ)."""

from __future__ import annotations

import logging
import random
import re
from typing import Any

from mathagent.verifiers.equivalence.exact import expr_same, numbers_same
from mathagent.verifiers.equivalence.judgement import PROBES



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


def judge_parsed(a: str, b: str, tol: float | None) -> tuple[bool | None, str, tuple[bool, bool]]:
    """Compare two parser-ready answers with our SymPy rules, then math-verify (runs in a worker).
    Returns ``(same, how, (a_read, b_read))``."""
    import sympy

    xa, xb = _parse(a), _parse(b)
    ours: bool | None = None
    if xa is not None and xb is not None:
        try:
            ours = values_same(xa, xb, tol)
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
                    ours_mv = values_same(ga, gb, tol)
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
    judge_parsed("x<1", "(-\\infty,1)", None)


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


def values_same(x: Any, y: Any, tol: float | None) -> bool | None:
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
            return values_same(x.rhs, y.rhs, tol)  # D = (0, 1) against D = (0, 1.5)
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
    return expr_same(x, y, tol)


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
        got = values_same(p, q, tol)
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
            hit = next((k for k, f in enumerate(remaining) if values_same(e, f, tol) is True), None)
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
    return all(numbers_same(v, first, None) is True for v in values[1:])
