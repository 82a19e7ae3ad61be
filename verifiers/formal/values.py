"""Typed values with Lean's arithmetic semantics, folded exactly when constant.

A `Val` holds either an exact Python constant (int, Fraction, or a pair of
Fractions for ℂ) or a z3 term (a pair of real terms for ℂ).  Every operation
implements Lean's definition, not the solver's:

* ℕ and NNReal subtraction truncate at 0; ℕ+ subtraction is `a - b` if b < a, else 1
  (Mathlib's `PNat.sub_coe`); ℕ+ has no `/`, `%` or numeral 0 here;
* `ZMod n` values are the canonical residues 0 ≤ x < n: `+ - *` and powers reduce mod n,
  `x⁻¹` is the inverse of a unit and `0⁻¹ = 0` (a non-unit constant, or a variable when n is
  not prime, is refused), and there is no order, `/` or `%`;
* `/` and `%` on ℕ/ℤ are Euclidean (`Int.ediv`/`Int.emod`, which SMT-LIB `div`/`mod`
  match) except `x / 0 = 0` and `x % 0 = x`; field division has `x / 0 = 0`;
* powers of constants are computed exactly, refusing results too large to hold.

ℚ is modelled by the reals; the checker treats that as an over-approximation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.types import (
    C, FIELDS, INTEGRAL, N, NNR, PN, Q, R, Z, is_integer_sorted, zmod_modulus,
)

MAX_CONST_BITS = 200_000


class TooBig(Refusal):
    """A constant power too large to compute exactly (callers may retry modulo m)."""


@dataclass(frozen=True)
class Val:
    ty: str
    const: Any = None  # int | Fraction | tuple[Fraction, Fraction]
    term: Any = None  # z3 ArithRef | tuple[z3 ArithRef, z3 ArithRef]

    @property
    def is_const(self) -> bool:
        return self.term is None


def sort_of(ty: str) -> z3.SortRef:
    return z3.IntSort() if is_integer_sorted(ty) else z3.RealSort()


def _zred(v: Val) -> Val:
    """Reduce a ZMod value to its canonical residue."""
    n = zmod_modulus(v.ty)
    if n is None:
        return v
    return Val(v.ty, v.const % n) if v.is_const else Val(v.ty, term=v.term % n)


def const(ty: str, value: Any) -> Val:
    n = zmod_modulus(ty)
    if n is not None:
        if Fraction(value).denominator != 1:
            raise Refusal("ill-typed term", f"non-integer literal {value} at type {ty}")
        return Val(ty, int(value) % n)
    if ty == C:
        if isinstance(value, tuple):
            return Val(C, (Fraction(value[0]), Fraction(value[1])))
        return Val(C, (Fraction(value), Fraction(0)))
    if ty in INTEGRAL:
        if Fraction(value).denominator != 1:
            raise Refusal("ill-typed term", f"non-integer literal {value} at type {ty}")
        if ty == PN and value < 1:
            raise Refusal("ill-typed term", f"{value} is not a positive natural (ℕ+)")
        return Val(ty, int(value))
    return Val(ty, Fraction(value))


def z(v: Val) -> Any:
    """The z3 term of a value (constants become numerals)."""
    if v.term is not None:
        return v.term
    if v.ty == C:
        return (z3.RealVal(v.const[0]), z3.RealVal(v.const[1]))
    if is_integer_sorted(v.ty):
        return z3.IntVal(v.const)
    return z3.RealVal(v.const)


def ediv(a: int, b: int) -> int:
    if b == 0:
        return 0
    r = a % abs(b)
    return (a - r) // b


def emod(a: int, b: int) -> int:
    return a if b == 0 else a % abs(b)


def add(a: Val, b: Val) -> Val:
    if zmod_modulus(a.ty) is not None:
        return _zred(_add(a, b))
    return _add(a, b)


def _add(a: Val, b: Val) -> Val:
    if a.ty == C:
        return _c2(a, b, lambda x, y: (x[0] + y[0], x[1] + y[1]))
    if a.is_const and b.is_const:
        return Val(a.ty, a.const + b.const)
    return Val(a.ty, term=z(a) + z(b))


def sub(a: Val, b: Val) -> Val:
    if zmod_modulus(a.ty) is not None:
        return _zred(Val(a.ty, a.const - b.const) if a.is_const and b.is_const else Val(a.ty, term=z(a) - z(b)))
    if a.ty == C:
        return _c2(a, b, lambda x, y: (x[0] - y[0], x[1] - y[1]))
    if a.ty == PN:
        if a.is_const and b.is_const:
            return Val(PN, a.const - b.const if b.const < a.const else 1)
        return Val(PN, term=z3.If(z(b) < z(a), z(a) - z(b), z3.IntVal(1)))
    if a.is_const and b.is_const:
        d = a.const - b.const
        return Val(a.ty, max(d, 0) if a.ty in (N, NNR) else d)
    if a.ty in (N, NNR):
        return Val(a.ty, term=z3.If(z(a) >= z(b), z(a) - z(b), _zero(a.ty)))
    return Val(a.ty, term=z(a) - z(b))


def mul(a: Val, b: Val) -> Val:
    if zmod_modulus(a.ty) is not None:
        return _zred(_mul(a, b))
    return _mul(a, b)


def _mul(a: Val, b: Val) -> Val:
    if a.ty == C:
        return _c2(a, b, lambda x, y: (x[0] * y[0] - x[1] * y[1], x[0] * y[1] + x[1] * y[0]))
    if a.is_const and b.is_const:
        return Val(a.ty, a.const * b.const)
    return Val(a.ty, term=z(a) * z(b))


def div(a: Val, b: Val) -> Val:
    if a.ty == C:
        if a.is_const and b.is_const:
            (p, q), (r, s) = a.const, b.const
            den = r * r + s * s
            if den == 0:
                return const(C, 0)
            return Val(C, ((p * r + q * s) / den, (q * r - p * s) / den))
        (p, q), (r, s) = z(a), z(b)
        den = r * r + s * s
        zero = z3.RealVal(0)
        return Val(C, term=(z3.If(den == 0, zero, (p * r + q * s) / den), z3.If(den == 0, zero, (q * r - p * s) / den)))
    if a.ty == PN:
        raise Refusal("/ on ℕ+")
    if zmod_modulus(a.ty) is not None:
        raise Refusal(f"/ on {a.ty}", "a field only for prime n, with an instance Lean must be given")
    if a.is_const and b.is_const:
        if a.ty in INTEGRAL:
            return Val(a.ty, ediv(a.const, b.const))
        return Val(a.ty, Fraction(0) if b.const == 0 else a.const / b.const)
    if b.is_const and b.const != 0:
        return Val(a.ty, term=z(a) / z(b))
    return Val(a.ty, term=z3.If(z(b) == 0, _zero(a.ty), z(a) / z(b)))


def inv_zmod(a: Val) -> Val:
    """`a⁻¹` in ZMod n: the inverse of a unit, 0⁻¹ = 0.  A variable is handled only for a prime n ≤ 64 (every
    x ≠ 0 is a unit), as a case split over the residues, which stays exact under binders."""
    n = zmod_modulus(a.ty) or 1
    if a.is_const:
        if a.const == 0:
            return a
        if math.gcd(a.const, n) != 1:
            raise Refusal(f"⁻¹ of a non-unit in {a.ty}", f"{a.const} shares a factor with {n}")
        return Val(a.ty, pow(a.const, -1, n))
    from mathagent.verifiers.formal.primes import IsPrime, primality

    if n > 64 or not isinstance(primality(n), IsPrime):
        raise Refusal(f"⁻¹ of a variable in {a.ty}", "only for a prime modulus up to 64")
    out: Any = z3.IntVal(0)
    for k in range(n - 1, 0, -1):
        out = z3.If(a.term == k, z3.IntVal(pow(k, -1, n)), out)
    return Val(a.ty, term=out)


def mod(a: Val, b: Val) -> Val:
    if a.ty not in INTEGRAL or a.ty == PN:
        raise Refusal(f"% on {a.ty}")
    if a.is_const and b.is_const:
        return Val(a.ty, emod(a.const, b.const))
    if b.is_const and b.const != 0:
        return Val(a.ty, term=z(a) % z(b))
    return Val(a.ty, term=z3.If(z(b) == 0, z(a), z(a) % z(b)))


def neg(a: Val) -> Val:
    if zmod_modulus(a.ty) is not None:
        return _zred(Val(a.ty, -a.const) if a.is_const else Val(a.ty, term=-z(a)))
    if a.ty in (N, NNR, PN):
        raise Refusal("ill-typed term", f"negation on {a.ty} does not exist in Lean")
    if a.ty == C:
        return _c2(a, a, lambda x, _y: (-x[0], -x[1]))
    if a.is_const:
        return Val(a.ty, -a.const)
    return Val(a.ty, term=-z(a))


def pow_nat(a: Val, n: int) -> Val:
    """`a ^ n` for a constant natural exponent."""
    if a.ty == C:
        result, base, k = const(C, 1), a, n
        if n > 16 and not a.is_const:
            raise Refusal("large power of a complex variable", f"exponent {n}")
        for _ in range(64):
            if k == 0:
                break
            if k & 1:
                result = mul(result, base)
            k >>= 1
            if k:
                base = mul(base, base)
        return result
    n_mod = zmod_modulus(a.ty)
    if n_mod is not None:
        if a.is_const:
            return Val(a.ty, pow(a.const, n, n_mod))
        result = const(a.ty, 1)
        for _ in range(min(n, 64)):
            result = mul(result, a)
        if n > 64:
            raise Refusal("large power of a variable", f"exponent {n}")
        return result
    if a.is_const:
        c = a.const
        fc = Fraction(c)
        bits = max(abs(fc.numerator).bit_length(), fc.denominator.bit_length())
        if abs(c) > 1 and n * bits > MAX_CONST_BITS:
            raise TooBig("huge constant", f"power with exponent {n}")
        return Val(a.ty, c**n)
    if n == 0:
        return const(a.ty, 1)
    if n == 1:
        return a
    if n > 64:
        raise Refusal("large power of a variable", f"exponent {n}")
    return Val(a.ty, term=z(a) ** n)


def pow_val(a: Val, e: Val) -> Val:
    """`a ^ e` following Lean's instances: Monoid.npow (ℕ), zpow (ℤ on fields), rpow (ℝ)."""
    if e.ty == N:
        if e.is_const:
            return pow_nat(a, e.const)
        if a.is_const and a.ty != C and a.const in (0, 1, -1):
            one, zero = _one(a.ty), _zero(a.ty)
            if a.const == 1:
                return const(a.ty, 1)
            if a.const == 0:
                return Val(a.ty, term=z3.If(e.term == 0, one, zero))
            return Val(a.ty, term=z3.If(e.term % 2 == 0, one, -one))
        raise Refusal("variable exponent")
    if e.ty == Z:
        if a.ty not in FIELDS:
            raise Refusal("ill-typed term", f"integer power on {a.ty}")
        if not e.is_const:
            raise Refusal("variable exponent")
        p = pow_nat(a, abs(e.const))
        return p if e.const >= 0 else div(const(a.ty, 1), p)
    if e.ty in (R, NNR, Q) and e.is_const:
        ex = e.const
        if ex.denominator == 1 and ex >= 0:
            return pow_nat(a, int(ex))
        if a.is_const and a.ty in (R, NNR) and a.const > 0:
            root = _exact_root(a.const, ex)
            if root is not None:
                return Val(a.ty, root)
        raise Refusal("real exponent", "non-integer exponent")
    raise Refusal("real exponent", f"exponent of type {e.ty}")


def _exact_root(c: Fraction, ex: Fraction) -> Fraction | None:
    q = ex.denominator
    num = _iroot(c.numerator, q)
    den = _iroot(c.denominator, q)
    if num is None or den is None:
        return None
    base = Fraction(num, den)
    return base**ex.numerator if ex.numerator >= 0 else 1 / base ** (-ex.numerator)


def _iroot(n: int, q: int) -> int | None:
    if n < 0 or q > 64:
        return None
    r = round(n ** (1.0 / q)) if n < 2**1000 else None
    if r is None:
        return None
    for cand in (r - 1, r, r + 1):
        if cand >= 0 and cand**q == n:
            return cand
    return None


def cast(v: Val, to: str) -> Val:
    """Lean's coercion `↑` from v.ty to `to` (ℚ is modelled by the reals)."""
    if v.ty == to:
        return v
    if zmod_modulus(to) is not None and v.ty in (N, Z, PN):
        return _zred(Val(to, v.const, v.term))
    if zmod_modulus(v.ty) is not None:
        raise Refusal("ill-typed term", f"no coercion from {v.ty} to {to} (use .val)")
    if to == C:
        if v.is_const:
            return Val(C, (Fraction(v.const), Fraction(0)))
        re = z3.ToReal(v.term) if v.ty in INTEGRAL else v.term
        return Val(C, term=(re, z3.RealVal(0)))
    if v.ty in INTEGRAL and to in (Q, R, NNR):
        if to == NNR and v.ty == Z:
            raise Refusal("ill-typed term", "no coercion ℤ → NNReal")
        return Val(to, Fraction(v.const)) if v.is_const else Val(to, term=z3.ToReal(v.term))
    if v.ty in (N, PN) and to in (N, Z):
        return Val(to, v.const, v.term)
    if v.ty in (Q, NNR) and to == R:
        return Val(R, v.const, v.term)
    raise Refusal("ill-typed term", f"no coercion from {v.ty} to {to}")


def eq(a: Val, b: Val) -> Any:
    if a.ty == C:
        if a.is_const and b.is_const:
            return a.const == b.const
        (p, q), (r, s) = z(a), z(b)
        return z3.And(p == r, q == s)
    if a.is_const and b.is_const:
        return a.const == b.const
    return z(a) == z(b)


def compare(op: str, a: Val, b: Val) -> Any:
    if op == "=":
        return eq(a, b)
    if op == "≠":
        r = eq(a, b)
        return (not r) if isinstance(r, bool) else z3.Not(r)
    if a.ty == C:
        raise Refusal("order on ℂ")
    if zmod_modulus(a.ty) is not None:
        raise Refusal(f"order on {a.ty}")
    if a.is_const and b.is_const:
        x, y = a.const, b.const
        return {"<": x < y, "≤": x <= y, ">": x > y, "≥": x >= y}[op]
    x, y = z(a), z(b)
    return {"<": x < y, "≤": x <= y, ">": x > y, "≥": x >= y}[op]


def _zero(ty: str) -> Any:
    return z3.IntVal(0) if ty in INTEGRAL else z3.RealVal(0)


def _one(ty: str) -> Any:
    return z3.IntVal(1) if ty in INTEGRAL else z3.RealVal(1)


def _c2(a: Val, b: Val, f: Any) -> Val:
    if a.is_const and b.is_const:
        return Val(C, f(a.const, b.const))
    return Val(C, term=f(z(a), z(b)))
