"""Lean functions the translation models (|·|, ‖·‖, complex parts, gcd/lcm, num/den, digits, lists, floor and
ceil, square roots) and big operators over finite domains.  :class:`LeanFunctions` is mixed into
:class:`~mathagent.verifiers.formal.translate.Translator` and uses its state; a function added to the translation
is a method here and a branch of ``Translator.app``."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.elaborate import canon
from mathagent.verifiers.formal.errors import OutOfBudget, Refusal
from mathagent.verifiers.formal.syntax import App, Collection, Expr, Ident, Lambda, Proj, show
from mathagent.verifiers.formal.terms import MAX_DIGITS_VALUE, MAX_UNROLL, divisors, lean_digits, z_and
from mathagent.verifiers.formal.types import INTEGRAL, NNR, PN, C, N, Q, R, Z, join
from mathagent.verifiers.formal.values import Val


class LeanFunctions:
    """The Lean functions of :class:`~mathagent.verifiers.formal.translate.Translator` (a mixin)."""

    def fn_abs(self, arg: Expr, t: str) -> Val:
        """`|e|` at type t (the expected or own type): e is elaborated against t; no |·| on ℕ (not a group)."""
        if t == C:
            raise Refusal("Complex.abs", "use ‖z‖")
        if t in (N, NNR, PN):
            raise Refusal("ill-typed term", f"|·| on {t} (not an additive group)")
        v = self.elab(arg, t)
        if v.is_const:
            return Val(t, abs(v.const))
        return Val(t, term=z3.If(v.term >= 0, v.term, -v.term))

    def fn_norm(self, arg: Expr) -> Val:
        """`‖e‖ : ℝ`: |e| on ℤ, ℚ, ℝ; √(re² + im²) on ℂ."""
        ty = self.el.tree_type([arg])
        if ty == C:
            return self.fn_complex("Complex.abs", self.arith(arg, C))
        if ty not in (Z, Q, R):
            raise Refusal(f"‖·‖ on {ty}")
        v = V.cast(self.arith(arg, ty), R)
        if v.is_const:
            return Val(R, abs(v.const))
        return Val(R, term=z3.If(v.term >= 0, v.term, -v.term))

    def fn_complex(self, name: str, v: Val) -> Val:
        """`z.re`, `z.im`, `Complex.normSq z = re² + im²`, `Complex.abs z = √(normSq z)` (all ℝ)."""
        if v.is_const:
            re, im = v.const
            parts = (Val(R, re), Val(R, im))
        else:
            parts = (Val(R, term=v.term[0]), Val(R, term=v.term[1]))
        if name == "Complex.re":
            return parts[0]
        if name == "Complex.im":
            return parts[1]
        nsq = V.add(V.mul(parts[0], parts[0]), V.mul(parts[1], parts[1]))
        return nsq if name == "Complex.normSq" else self.fn_sqrt(nsq)

    def top_level_only(self, what: str) -> None:
        if self.quant_depth or self.locals:
            raise Refusal(what, "under a binder (its definition needs fresh witnesses)")

    def fn_gcd_lcm(self, name: str, a: Val, b: Val) -> Val:
        """gcd/lcm: exact for constants; for variables g ≥ 0, g ∣ a, g ∣ b and g = u·a + v·b (Bézout), which
        characterises gcd exactly; lcm is l ≥ 0 with g·l = |a·b| (gcd · lcm = |a · b|, and lcm 0 _ = 0)."""
        if a.is_const and b.is_const:
            g = math.gcd(a.const, b.const)
            if name.endswith("gcd"):
                return V.const(N, g)
            return V.const(N, abs(a.const * b.const) // g if g else 0)
        self.top_level_only(f"{name} of variables")
        za, zb = V.z(V.cast(a, Z)), V.z(V.cast(b, Z))
        g, k1, k2, u, w = (z3.Int(self.fresh_name(x)) for x in (f"gcd({za},{zb})", "k", "k", "u", "v"))
        self.side(z3.And(g >= 0, za == g * k1, zb == g * k2, g == u * za + w * zb))
        if name.endswith("gcd"):
            return Val(N, term=g)
        lcm = z3.Int(self.fresh_name(f"lcm({za},{zb})"))
        prod = za * zb
        self.side(z3.And(lcm >= 0, g * lcm == z3.If(prod >= 0, prod, -prod), z3.Implies(g == 0, lcm == 0)))
        return Val(N, term=lcm)

    def fn_num_den(self, name: str, q: Val) -> Val:
        """`q.num`, `q.den`: exact for constants; for a variable, n = q·d with d ≥ 1 and u·n + v·d = 1
        (coprime, Bézout): exactly Lean's normalised numerator and denominator (this also makes q rational)."""
        if q.is_const:
            f = Fraction(q.const)
            return V.const(Z, f.numerator) if name == "Rat.num" else V.const(N, f.denominator)
        self.top_level_only(name)
        key = str(q.term)
        if key not in self._num_den:
            n, d, u, w = (z3.Int(self.fresh_name(x)) for x in (f"({key}).num", f"({key}).den", "u", "v"))
            self.side(z3.And(d >= 1, z3.ToReal(n) == q.term * z3.ToReal(d), u * n + w * d == 1))
            self._num_den[key] = (n, d)
        n, d = self._num_den[key]
        return Val(Z, term=n) if name == "Rat.num" else Val(N, term=d)

    def digits(self, e: Expr) -> list[Val]:
        """A list term as values: a literal, or `Nat.digits b n` of constants (little-endian, Lean's order)."""
        if isinstance(e, Collection) and e.kind == "list":
            t = self.same_types(e.items)
            return [self.elab(x, t) for x in e.items]
        if isinstance(e, App) and isinstance(e.fn, Ident) and canon(e.fn.name) == "Nat.digits" and len(e.args) == 2:
            b, n = self.elab(e.args[0], N), self.elab(e.args[1], N)
            if not (b.is_const and n.is_const):
                raise Refusal("Nat.digits of a variable")
            if n.const > MAX_DIGITS_VALUE:
                raise Refusal("huge constant", "Nat.digits of a number over 4000 digits")
            return [V.const(N, d) for d in lean_digits(b.const, n.const)]
        raise Refusal("list term", show(e)[:40])

    def list_eq(self, a: Expr, b: Expr) -> Any:
        """Equality of lists; `Nat.digits b n = [d₀, …]` with n a variable is n = Σ dᵢ bⁱ, dᵢ < b, last ≠ 0."""
        for x, y in ((a, b), (b, a)):
            if (isinstance(x, App) and isinstance(x.fn, Ident) and canon(x.fn.name) == "Nat.digits"
                    and len(x.args) == 2 and isinstance(y, Collection) and y.kind == "list"):
                base, n = self.elab(x.args[0], N), self.elab(x.args[1], N)
                if not n.is_const:
                    if not base.is_const or base.const < 2:
                        raise Refusal("Nat.digits", "with a variable base or a base below 2")
                    ds = [self.elab(i, N) for i in y.items]
                    total: Val = V.const(N, 0)
                    for i, d in enumerate(ds):
                        total = V.add(total, V.mul(d, V.const(N, base.const**i)))
                    facts = [V.eq(n, total)] + [V.compare("<", d, base) for d in ds]
                    if ds:
                        facts.append(V.compare("≠", ds[-1], V.const(N, 0)))
                    return z_and(facts)
        xs, ys = self.digits(a), self.digits(b)
        if len(xs) != len(ys):
            return False
        t = None
        for v in xs + ys:
            t = join(t, v.ty)
        return z_and([V.eq(V.cast(x, t), V.cast(y, t)) for x, y in zip(xs, ys)])

    def fn_list(self, name: str, lst: Expr, t: str) -> Val:
        vals = self.digits(lst)
        if name == "List.length":
            return V.const(N, len(vals))
        ty = vals[0].ty if vals else t
        acc = V.const(ty, 0 if name == "List.sum" else 1)
        for v in vals:
            v = self.coerce(lst, v, ty)
            acc = V.add(acc, v) if name == "List.sum" else V.mul(acc, v)
        return acc

    def fn_of_digits(self, base: Expr, lst: Expr, t: str) -> Val:
        """`Nat.ofDigits b L = Σ L[i] · b^i` at the type of b (L : List ℕ)."""
        bt = self.el.known_type([base]) or t
        b = self.elab(base, bt)
        acc = V.const(bt, 0)
        power = V.const(bt, 1)
        for d in self.digits(lst):
            acc = V.add(acc, V.mul(self.coerce(lst, V.cast(d, N) if d.ty == N else d, bt), power))
            power = V.mul(power, b)
        return acc

    def fn_floor(self, op: str, arg: Expr) -> Val:
        ty = self.el.tree_type([arg])
        if ty == C:
            raise Refusal("floor on ℂ")
        v = self.arith(arg, ty)
        if v.ty in INTEGRAL:
            fl: Val = V.cast(v, Z)
            if op == "fract":
                return V.const(v.ty, 0)
            if op in ("floor", "ceil"):
                return fl
            if fl.is_const:
                return V.const(N, max(fl.const, 0))
            return Val(N, term=z3.If(fl.term >= 0, fl.term, 0))
        if v.is_const:
            c = v.const
            r = {"floor": math.floor(c), "ceil": math.ceil(c), "nfloor": max(0, math.floor(c)),
                 "nceil": max(0, math.ceil(c))}.get(op)
            if op == "fract":
                return Val(ty, c - math.floor(c))
            return V.const(N if op.startswith("n") else Z, r)
        x = v.term
        fl_t = z3.ToInt(x) if op in ("floor", "nfloor") else -z3.ToInt(-x)
        if op == "fract":
            return Val(ty, term=x - z3.ToReal(z3.ToInt(x)))
        if op.startswith("n"):
            return Val(N, term=z3.If(fl_t >= 0, fl_t, 0))
        return Val(Z, term=fl_t)

    def fn_sqrt(self, v: Val) -> Val:
        if v.ty not in (R, NNR, Q):
            raise Refusal(f"sqrt on {v.ty}")
        if v.is_const:
            c = v.const
            if c <= 0:
                return V.const(R, 0)
            n, d = math.isqrt(c.numerator), math.isqrt(c.denominator)
            if n * n == c.numerator and d * d == c.denominator:
                return V.const(R, Fraction(n, d))
        if self._sqrt is None:
            self._sqrt = z3.Function("Real.sqrt", z3.RealSort(), z3.RealSort())
            y = z3.Real("sqrt!x")
            sy = self._sqrt(y)
            self.global_axioms.append(z3.ForAll([y], z3.And(sy >= 0, z3.Implies(y >= 0, sy * sy == y),
                                                            z3.Implies(y < 0, sy == 0))))
        x = V.z(v)
        s = self._sqrt(x)
        self.side(z3.And(s >= 0, z3.Implies(x >= 0, s * s == x), z3.Implies(x < 0, s == 0)))
        return Val(R, term=s)

    def fn_nat_sqrt(self, v: Val) -> Val:
        if v.is_const:
            return V.const(N, math.isqrt(v.const))
        if self._nsqrt is None:
            self._nsqrt = z3.Function("Nat.sqrt", z3.IntSort(), z3.IntSort())
            y = z3.Int("nsqrt!x")
            sy = self._nsqrt(y)
            self.global_axioms.append(z3.ForAll([y], z3.Implies(y >= 0, z3.And(sy >= 0, sy * sy <= y,
                                                                              y < (sy + 1) * (sy + 1)))))
        s = self._nsqrt(v.term)
        self.side(z3.And(s >= 0, s * s <= v.term, v.term < (s + 1) * (s + 1)))
        return Val(N, term=s)

    def domain(self, d: Expr | None) -> tuple[str, list[int]]:
        if d is None:
            raise Refusal("big operator over a whole type")
        ety = self.el.domain_elem_type(d)
        if isinstance(d, Proj) and d.field in ("divisors", "properDivisors"):
            d = App(Ident(f"Nat.{d.field}"), (d.expr,))
        if isinstance(d, App) and isinstance(d.fn, Ident):
            name, args = d.fn.name, d.args
            if name in ("Finset.range", "range") and len(args) == 1:
                n = self._const_int(args[0], N)
                return N, list(range(n)) if n <= MAX_UNROLL else self._too_long()
            if name in ("Finset.Icc", "Finset.Ico", "Finset.Ioc", "Finset.Ioo") and len(args) == 2:
                a, b = self._const_int(args[0], ety), self._const_int(args[1], ety)
                lo = a if name in ("Finset.Icc", "Finset.Ico") else a + 1
                hi = b if name in ("Finset.Icc", "Finset.Ioc") else b - 1
                return ety, list(range(lo, hi + 1)) if hi - lo < MAX_UNROLL else self._too_long()
            if name in ("Nat.divisors", "Nat.properDivisors") and len(args) == 1:
                n = self._const_int(args[0], N)
                if n > 10**12:
                    raise OutOfBudget(f"divisors of {n} (over 10^12) are not enumerated", "work budget")
                divs = divisors(n)
                return N, [x for x in divs if name == "Nat.divisors" or x != n]
            if name == "Finset.filter" and len(args) == 2:
                ety2, items = self.domain(args[1])
                pred = args[0]
                if not (isinstance(pred, Lambda) and len(pred.params) == 1):
                    raise Refusal("Finset.filter", "with a predicate that is not a fun")
                kept = []
                for k in items:
                    with self.bound({pred.params[0]: V.const(ety2, k)}):
                        r = self.prop(pred.body)
                    if not isinstance(r, bool):
                        raise Refusal("Finset.filter", "with a predicate that depends on variables")
                    if r:
                        kept.append(k)
                return ety2, kept
        raise Refusal("big operator over this set", show(d)[:40])

    def _too_long(self) -> list[int]:
        raise OutOfBudget(f"a finite set with more than {MAX_UNROLL} elements is not unrolled", "work budget")

    def _const_int(self, e: Expr, t: str) -> int:
        v = self.elab(e, t)
        if not v.is_const or v.ty not in INTEGRAL:
            raise Refusal("sum with a variable bound", f"{show(e)[:30]} (needs induction)")
        return v.const

    def bigop(self, kind: str, var: str, domain: Expr | None, body: Expr | None, t: str) -> Val:
        """∑/∏/card over a constant finite set; the body is elaborated against t, the big operator's type."""
        ety, items = self.domain(domain)
        if kind == "card":
            return V.const(N, len(items))
        if body is None:
            raise Refusal("big operator without a body")
        acc = V.const(t, 0 if kind == "∑" else 1)
        for k in items:
            with self.bound({var: V.const(ety, k)}):
                v = self.elab(body, t)
            acc = V.add(acc, v) if kind == "∑" else V.mul(acc, v)
        return acc
