"""Exact comparison of two exact SymPy values: equal only when proved, different when a guaranteed-precision
evaluation of the difference is nonzero, else undecided (never a tolerance); huge powers and factorials are
never expanded."""

from __future__ import annotations

import random
from typing import Any

from mathagent.verifiers.equivalence.judgement import EXACT_DIGITS, EXACT_REL, PROBES


def numbers_same(a: Any, b: Any, tol: float | None, *, prove: bool = True) -> bool | None:
    """Two SymPy numbers.  With a float involved: within ``tol`` relatively (``EXACT_REL`` when no decimal
    was written).  Both exact: decided exactly (:func:`exact_same`), never by a tolerance.  ``prove=False``
    (a probe of an expression at a random point, itself only evidence): exact values the cheap checks
    cannot tell apart count as agreeing when they agree to 40 digits (``EXACT_REL``)."""
    import sympy

    if a == b:
        return True
    if a.has(sympy.Float) or b.has(sympy.Float):
        return _close(a, b, EXACT_REL if tol is None else tol)
    got = exact_same(a, b, prove=prove)
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


def exact_same(a: Any, b: Any, *, prove: bool = True) -> bool | None:
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


def expr_same(a: Any, b: Any, tol: float | None) -> bool | None:
    import sympy

    if a == b:
        return True
    if a.is_number and b.is_number:
        return numbers_same(a, b, tol)
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
        got = numbers_same(va, vb, tol, prove=False)
        if got is False:
            return False
        if got is True:
            agree += 1
    return True if agree >= 3 else None
