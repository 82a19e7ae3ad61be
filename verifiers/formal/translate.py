"""Translate elaborated Lean terms to z3 with Lean's semantics.

The translator folds constants exactly (so ground statements are decided by
evaluation, not by the solver), keeps side conditions for auxiliary symbols
(`Real.sqrt` is an uninterpreted function with its defining facts instantiated
at each use, ℕ-valued function applications are non-negative), and refuses
anything it cannot model faithfully.  `inexact` collects reasons why a model of
the translation may not be a model of the Lean statement (e.g. π bounded by an
interval); a counterexample is only reported when it is empty.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.elaborate import (
    ARITH_OPS, Elaborator, canon, infer_binder_type,
)
from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Binder, Collection, Expr, Ident, Lambda, ModEq, Num, Proj, Quant,
    SetBuilder, UnOp, show,
)
from mathagent.verifiers.formal.types import C, FnType, INTEGRAL, N, NNR, Q, R, TYPE_NAMES, Z, join
from mathagent.verifiers.formal.values import Val

MAX_UNROLL = 20_000
REL_OPS = {"=", "≠", "<", ">", "≤", "≥"}
TRANSCENDENTAL = {"Real.log", "Real.exp", "Real.sin", "Real.cos", "Real.tan", "Real.logb", "Real.arctan",
                  "Real.cosh", "Real.sinh", "Real.rpow", "Complex.exp", "Complex.log"}


@dataclass
class FnBinding:
    type: FnType
    decl: Any  # z3 FuncDecl


class Translator:
    def __init__(self) -> None:
        self.vars: dict[str, Val] = {}
        self.types: dict[str, str | FnType] = {}
        self.funcs: dict[str, FnBinding] = {}
        self.sides: list[list[Any]] = [[]]
        self.inexact: list[str] = []
        self.el = Elaborator(self._lookup)
        self._fresh = 0
        self._sqrt: Any = None
        self._nsqrt: Any = None
        self._pi: Val | None = None
        self.macros: dict[str, tuple[list[str], Expr]] = {}
        self.app_log: list[tuple[str, tuple[Val, ...], Any]] = []
        self.quant_depth = 0
        self._expanding: list[str] = []
        self.deadline = float("inf")
        # Facts true of every interpretation we intend (ℕ-valued functions are ≥ 0, sqrt's
        # definition) as ∀-axioms: only needed when the query itself has quantifiers.
        self.global_axioms: list[Any] = []

    # -- environment ------------------------------------------------------
    def _lookup(self, name: str) -> str | FnType | None:
        return self.types.get(name)

    def fresh_name(self, base: str) -> str:
        self._fresh += 1
        return f"{base}!{self._fresh}"

    def declare(self, name: str, ty: str | FnType, *, z3name: str | None = None) -> None:
        zn = z3name or name
        self.types[name] = ty
        if isinstance(ty, FnType):
            if any(t == C for t in (*ty.args, ty.ret)):
                raise Refusal(f"functions involving ℂ ({name}) are outside the fragment")
            decl = z3.Function(zn, *[V.sort_of(t) for t in ty.args], V.sort_of(ty.ret))
            self.funcs[name] = FnBinding(ty, decl)
            if ty.ret in (N, NNR):
                xs = [z3.Const(f"{zn}!x{i}", V.sort_of(t)) for i, t in enumerate(ty.args)]
                self.global_axioms.append(z3.ForAll(xs, decl(*xs) >= 0))
            return
        if ty == C:
            self.vars[name] = Val(C, term=(z3.Real(zn + ".re"), z3.Real(zn + ".im")))
            return
        term = z3.Const(zn, V.sort_of(ty))
        self.vars[name] = Val(ty, term=term)
        if ty in (N, NNR):
            self.side(term >= 0)

    def bind_const(self, name: str, v: Val) -> None:
        self.vars[name] = v

    def side(self, fact: Any) -> None:
        if fact is True:
            return
        self.sides[-1].append(fact)

    @contextmanager
    def bound(self, binders: dict[str, Val | str]) -> Iterator[None]:
        saved_v = {k: self.vars.get(k) for k in binders}
        saved_t = {k: self.types.get(k) for k in binders}
        saved_f = {k: self.funcs.pop(k, None) for k in binders}
        for k, v in binders.items():
            if isinstance(v, Val):
                self.vars[k] = v
                self.types[k] = v.ty
        try:
            yield
        finally:
            for k in binders:
                if saved_v[k] is None:
                    self.vars.pop(k, None)
                else:
                    self.vars[k] = saved_v[k]  # type: ignore[assignment]
                if saved_t[k] is None:
                    self.types.pop(k, None)
                else:
                    self.types[k] = saved_t[k]  # type: ignore[assignment]
                if saved_f[k] is not None:
                    self.funcs[k] = saved_f[k]  # type: ignore[assignment]

    # -- propositions -----------------------------------------------------
    def prop(self, e: Expr) -> Any:
        """A Python bool (folded) or a z3 BoolRef."""
        if isinstance(e, Ident) and e.name in ("True", "False"):
            return e.name == "True"
        if isinstance(e, UnOp) and e.op == "¬":
            return _not(self.prop(e.arg))
        if isinstance(e, BinOp):
            if e.op == "∧":
                return _and([self.prop(e.left), self.prop(e.right)])
            if e.op == "∨":
                return _or([self.prop(e.left), self.prop(e.right)])
            if e.op == "→":
                return _or([_not(self.prop(e.left)), self.prop(e.right)])
            if e.op == "↔":
                a, b = self.prop(e.left), self.prop(e.right)
                if isinstance(a, bool) and isinstance(b, bool):
                    return a == b
                return _zb(a) == _zb(b)
            if e.op in REL_OPS:
                t = self.el.tree_type([e.left, e.right])
                return V.compare(e.op, self.arith(e.left, t), self.arith(e.right, t))
            if e.op == "∣":
                t = self.el.tree_type([e.left, e.right])
                if t not in INTEGRAL:
                    raise Refusal(f"divisibility over {t} is outside the fragment")
                a, b = self.arith(e.left, t), self.arith(e.right, t)
                if a.is_const and a.const != 0:
                    return V.eq(V.mod(b, a), V.const(t, 0))
                if a.is_const:
                    return V.eq(b, V.const(t, 0))
                return z3.If(V.z(a) == 0, V.z(b) == 0, V.z(b) % V.z(a) == 0)
            if e.op in ("∈", "∉"):
                r = self.membership(e.left, e.right)
                return r if e.op == "∈" else _not(r)
            raise Refusal(f"operator {e.op} in a proposition is outside the fragment")
        if isinstance(e, ModEq):
            t = N if e.kind == "MOD" else Z
            n = self.arith(e.modulus, t)
            return V.eq(V.mod(self.arith(e.left, t), n), V.mod(self.arith(e.right, t), n))
        if isinstance(e, Quant):
            return self.quant(e)
        if isinstance(e, App) and isinstance(e.fn, Ident):
            return self.pred_app(e)
        raise Refusal(f"proposition {show(e)[:60]} is outside the fragment")

    def pred_app(self, e: App) -> Any:
        name = canon(e.fn.name)  # type: ignore[union-attr]
        if name in ("Even", "Odd") and len(e.args) == 1:
            t = self.el.tree_type(e.args)
            if t not in INTEGRAL:
                raise Refusal(f"{name} over {t}")
            r = V.eq(V.mod(self.arith(e.args[0], t), V.const(t, 2)), V.const(t, 0 if name == "Even" else 1))
            return r
        if name in ("Nat.Prime", "Prime") and len(e.args) == 1:
            v = self.arith(e.args[0], N)
            if not v.is_const:
                raise Refusal("Nat.Prime of a non-constant is outside the fragment")
            return _is_prime(v.const)
        if name in ("IsLeast", "IsGreatest") and len(e.args) == 2 and isinstance(e.args[0], SetBuilder):
            return self.extremum(name, e.args[0], e.args[1])
        if name == "List.Pairwise" and len(e.args) == 2 and isinstance(e.args[1], Collection):
            rel, items = e.args[0], e.args[1].items
            if not (isinstance(rel, Lambda) and len(rel.params) == 2):
                raise Refusal("List.Pairwise with this relation is outside the fragment")
            out = []
            for i in range(len(items)):
                for j in range(i + 1, len(items)):
                    out.append(self.prop(_subst(rel.body, {rel.params[0]: items[i], rel.params[1]: items[j]})))
            return _and(out)
        raise Refusal(f"{name} is outside the SMT fragment")

    def extremum(self, name: str, s: SetBuilder, c: Expr) -> Any:
        """`IsLeast {x | P x} c` is `P c ∧ ∀ x, P x → c ≤ x` (IsGreatest: `x ≤ c`)."""
        binder = Binder(s.var, s.type)
        ty = self.binder_type(binder, Quant("∀", (binder,), s.body))
        if isinstance(ty, FnType) or ty == C:
            raise Refusal(f"{name} over {ty}")
        cv = self.arith(c, self.el.tree_type([c], ty))
        if cv.ty != ty:
            raise Refusal(f"{name}: element has type {cv.ty}, set has {ty}")
        with self.bound({s.var: cv}):
            member = self.prop(s.body)
        rel = BinOp("≤", c, Ident(s.var)) if name == "IsLeast" else BinOp("≤", Ident(s.var), c)
        if s.var in _idents(c):
            raise Refusal(f"{name}: name clash between the set variable and the element")
        bound_all = self.quant(Quant("∀", (Binder(s.var, Ident(ty)),), BinOp("→", s.body, rel)))
        return _and([member, bound_all])

    def membership(self, x: Expr, s: Expr) -> Any:
        if isinstance(s, App) and isinstance(s.fn, Ident):
            name = s.fn.name
            bounds = {"Finset.Icc": ("≤", "≤"), "Set.Icc": ("≤", "≤"), "Finset.Ico": ("≤", "<"),
                      "Set.Ico": ("≤", "<"), "Finset.Ioc": ("<", "≤"), "Set.Ioc": ("<", "≤"),
                      "Finset.Ioo": ("<", "<"), "Set.Ioo": ("<", "<")}
            if name in bounds and len(s.args) == 2:
                lo, hi = bounds[name]
                return self.prop(BinOp("∧", BinOp(lo, s.args[0], x), BinOp(hi, x, s.args[1])))
            if name == "Finset.range" and len(s.args) == 1:
                return self.prop(BinOp("<", x, s.args[0]))
        if isinstance(s, Collection) and s.kind == "set":
            return _or([self.prop(BinOp("=", x, item)) for item in s.items])
        raise Refusal(f"membership in {show(s)[:40]} is outside the fragment")

    def quant(self, e: Quant) -> Any:
        """A quantifier inside a formula becomes a z3 quantifier over bound constants."""
        binders = list(e.binders)
        consts: list[Any] = []
        guards: list[Any] = []
        scope: dict[str, Val | str] = {}
        self.sides.append([])
        self.quant_depth += 1
        try:
            return self._quant_rec(e, binders, consts, guards, scope)
        finally:
            self.quant_depth -= 1
            self.sides.pop()

    def _quant_rec(self, e: Quant, binders: list[Binder], consts: list[Any], guards: list[Any],
                   scope: dict[str, Val | str]) -> Any:
        local: dict[str, Val | str] = {}
        for b in binders:
            if b.pred_op == "hyp":
                continue
            ty = self.binder_type(b, e)
            if isinstance(ty, FnType) or ty == C:
                raise Refusal(f"quantifier over {ty} is outside the fragment")
            if ty == Q:
                # ℚ is modelled by ℝ; a nested quantifier over ℚ could flip soundness.
                raise Refusal("a nested quantifier over ℚ is outside the fragment (ℚ is modelled by ℝ)")
            c = z3.Const(self.fresh_name(b.name), V.sort_of(ty))
            consts.append(c)
            local[b.name] = Val(ty, term=c)
        with self.bound(local):
            for b in binders:
                if b.pred_op == "hyp" and b.pred_rhs is not None:
                    guards.append(_zb(self.prop(b.pred_rhs)))
                    continue
                v = local[b.name]
                assert isinstance(v, Val)
                if v.ty in (N, NNR):
                    guards.append(v.term >= 0)
                if b.pred_op is not None and b.pred_rhs is not None:
                    guards.append(_zb(self.prop(BinOp(b.pred_op, Ident(b.name), b.pred_rhs))))
            body = self.prop(e.body)
        sides = self.sides[-1]
        if e.kind == "∀":
            return z3.ForAll(consts, z3.Implies(z3.And(*guards, *sides), _zb(body)))
        if e.kind == "∃":
            return z3.Exists(consts, z3.And(*guards, *sides, _zb(body)))
        if e.kind == "∃!":
            if len(consts) != 1:
                raise Refusal("∃! over several variables")
            c = consts[0]
            c2 = z3.Const(self.fresh_name("u"), c.sort())
            body2 = z3.substitute(z3.And(*guards, *sides, _zb(body)), (c, c2))
            return z3.Exists([c], z3.And(*guards, *sides, _zb(body), z3.ForAll([c2], z3.Implies(body2, c2 == c))))
        raise Refusal(f"quantifier {e.kind}")

    def binder_type(self, b: Binder, q: Expr) -> str | FnType:
        if b.type is not None:
            if isinstance(b.type, Ident) and b.type.name in TYPE_NAMES:
                return TYPE_NAMES[b.type.name]
            raise Refusal(f"bound variable {b.name} : {show(b.type)} is outside the fragment")
        exprs: list[Expr] = [q]
        if b.pred_rhs is not None:
            exprs.append(BinOp(b.pred_op or "=", Ident(b.name), b.pred_rhs))
        # The name itself must not resolve to an outer variable while inferring.
        saved = self.types.pop(b.name, None)
        try:
            return infer_binder_type(self.el, b.name, exprs)
        finally:
            if saved is not None:
                self.types[b.name] = saved

    # -- arithmetic -------------------------------------------------------
    def arith(self, e: Expr, t: str) -> Val:
        """Translate `e` as an arithmetic tree elaborated at type `t`."""
        if isinstance(e, BinOp) and e.op == "%":
            b = self.arith(e.right, t)
            try:
                a = self.arith(e.left, t)
            except V.TooBig:
                if b.is_const and b.ty in INTEGRAL and b.const > 0:
                    return V.const(t, self.mod_eval(e.left, b.const, t))
                raise
            return V.mod(a, b)
        if isinstance(e, BinOp) and e.op in ARITH_OPS:
            a, b = self.arith(e.left, t), self.arith(e.right, t)
            return {"+": V.add, "-": V.sub, "*": V.mul, "/": V.div}[e.op](a, b)
        if isinstance(e, BinOp) and e.op == "^":
            base = self.arith(e.left, t)
            et = self.el.tree_type([e.right])
            return V.pow_val(base, self.arith(e.right, et))
        if isinstance(e, UnOp) and e.op == "-":
            return V.neg(self.arith(e.arg, t))
        leaf_t = self.el.leaf_type(e)
        v = self.leaf(e, leaf_t or t)
        if v.ty != t:
            if join(v.ty, t) != t:
                raise Refusal(f"{show(e)[:40]} has type {v.ty}, which does not coerce to {t}")
            v = V.cast(v, t)
        return v

    def mod_eval(self, e: Expr, m: int, t: str) -> int:
        """Evaluate a ground ℕ/ℤ expression modulo m (for huge constant powers)."""
        if isinstance(e, BinOp) and e.op in ("+", "*"):
            a, b = self.mod_eval(e.left, m, t), self.mod_eval(e.right, m, t)
            return (a + b) % m if e.op == "+" else (a * b) % m
        if isinstance(e, BinOp) and e.op == "^":
            base = self.mod_eval(e.left, m, t)
            ex = self.arith(e.right, self.el.tree_type([e.right]))
            if not ex.is_const or ex.ty not in INTEGRAL or ex.const < 0:
                raise Refusal("modular power with a non-constant exponent")
            return pow(base, ex.const, m)
        v = self.arith(e, t)
        if not v.is_const:
            raise Refusal("non-constant inside a huge power")
        return v.const % m

    def leaf(self, e: Expr, t: str) -> Val:
        if isinstance(e, Num):
            return V.const(t, e.value)
        if isinstance(e, Ident):
            return self.ident(e, t)
        if isinstance(e, Ascribe):
            ty = self.el.leaf_type(e)
            assert ty is not None
            inner_t = self.el.tree_type([e.expr], ty)
            if inner_t != ty:
                raise Refusal(f"{show(e)[:40]}: type mismatch")
            return self.arith(e.expr, ty)
        if isinstance(e, UnOp):
            return self.unop(e, t)
        if isinstance(e, BigOp):
            return self.bigop(e.kind, e.var, e.domain, e.body, t)
        if isinstance(e, App):
            return self.app(e, t)
        if isinstance(e, Proj):
            if e.field == "card":
                return self.app(App(Ident("Finset.card"), (e.expr,)), t)
            raise Refusal(f"projection .{e.field} is outside the fragment")
        if isinstance(e, (SetBuilder, Collection, Lambda, Quant)):
            raise Refusal(f"{show(e)[:40]} used as a number")
        raise Refusal(f"{show(e)[:40]} is outside the fragment")

    def ident(self, e: Ident, t: str) -> Val:
        if e.name in self.vars:
            return self.vars[e.name]
        head, _, field = e.name.partition(".")
        if field and (head in self.vars or head in self.funcs):
            return self.leaf(Proj(Ident(head), field), t)
        if e.name in self.funcs:
            raise Refusal(f"function {e.name} used without arguments")
        name = canon(e.name)
        if name == "Real.pi":
            return self.pi()
        if name == "Complex.I":
            return V.const(C, (0, 1))
        raise Refusal(f"unknown identifier {e.name}")

    def pi(self) -> Val:
        if self._pi is None:
            p = z3.Real("π")
            self.sides[0].append(z3.And(p > Fraction(314159265358979, 10**14), p < Fraction(314159265358980, 10**14)))
            self._pi = Val(R, term=p)
            self.inexact.append("π is bounded by an interval")
        return self._pi

    def unop(self, e: UnOp, t: str) -> Val:
        if e.op == "↑":
            inner_t = self.el.tree_type([e.arg])
            return self.arith(e.arg, inner_t)
        if e.op == "!":
            v = self.arith(e.arg, N)
            if not v.is_const or v.const > 5000:
                raise Refusal("factorial of a non-constant is outside the fragment")
            return V.const(N, math.factorial(v.const))
        if e.op == "⁻¹":
            v = self.arith(e.arg, self.el.tree_type([e.arg], t if t in (Q, R, C, NNR) else None))
            if v.ty in INTEGRAL:
                raise Refusal(f"⁻¹ on {v.ty} does not exist in Lean")
            return V.div(V.const(v.ty, 1), v)
        if e.op == "abs":
            return self.fn_abs(e.arg)
        if e.op in ("floor", "ceil", "nfloor", "nceil"):
            return self.fn_floor(e.op, e.arg)
        if e.op == "sqrt":
            return self.fn_sqrt(self.arith(e.arg, self.el.tree_type([e.arg], R)))
        raise Refusal(f"operator {e.op} is outside the fragment")

    def app(self, e: App, t: str) -> Val:
        if not isinstance(e.fn, Ident):
            raise Refusal(f"application of {show(e.fn)[:30]} is outside the fragment")
        raw = e.fn.name
        if raw in self.funcs:
            return self.apply_fn(raw, e.args)
        name = canon(raw)
        args = e.args
        if name in TRANSCENDENTAL:
            raise Refusal(f"{name} (transcendental) is outside the SMT fragment")
        if name in ("Real.sqrt", "NNReal.sqrt") and len(args) == 1:
            v = self.fn_sqrt(self.arith(args[0], self.el.tree_type(args, R if name == "Real.sqrt" else NNR)))
            return Val(NNR, v.const, v.term) if name == "NNReal.sqrt" else v
        if name == "abs" and len(args) == 1:
            return self.fn_abs(args[0])
        if name in ("Int.floor", "Int.ceil", "Nat.floor", "Nat.ceil", "Int.fract") and len(args) == 1:
            op = {"Int.floor": "floor", "Int.ceil": "ceil", "Nat.floor": "nfloor", "Nat.ceil": "nceil",
                  "Int.fract": "fract"}[name]
            return self.fn_floor(op, args[0])
        if name in ("max", "min") and len(args) == 2:
            ty = self.el.tree_type(args)
            a, b = self.arith(args[0], ty), self.arith(args[1], ty)
            if ty == C:
                raise Refusal("max/min on ℂ")
            if a.is_const and b.is_const:
                return Val(ty, max(a.const, b.const) if name == "max" else min(a.const, b.const))
            za, zb = V.z(a), V.z(b)
            return Val(ty, term=z3.If(za >= zb, za, zb) if name == "max" else z3.If(za <= zb, za, zb))
        if name == "Nat.sqrt" and len(args) == 1:
            return self.fn_nat_sqrt(self.arith(args[0], N))
        if name in ("Nat.gcd", "Nat.lcm", "Nat.choose", "Int.gcd", "Int.lcm") and len(args) == 2:
            at = Z if name.startswith("Int") else N
            a, b = self.arith(args[0], at), self.arith(args[1], at)
            if not (a.is_const and b.is_const):
                raise Refusal(f"{name} of non-constants is outside the fragment")
            if name.endswith("gcd"):
                return V.const(N, math.gcd(a.const, b.const))
            if name.endswith("lcm"):
                return V.const(N, abs(a.const * b.const) // math.gcd(a.const, b.const) if a.const and b.const else 0)
            return V.const(N, math.comb(a.const, b.const) if b.const <= a.const else 0)
        if name == "Nat.factorial" and len(args) == 1:
            return self.unop(UnOp("!", args[0]), t)
        if name in ("Int.natAbs", "Int.toNat") and len(args) == 1:
            v = self.arith(args[0], Z)
            if v.is_const:
                return V.const(N, abs(v.const) if name == "Int.natAbs" else max(v.const, 0))
            zt = v.term
            return Val(N, term=z3.If(zt >= 0, zt, -zt if name == "Int.natAbs" else z3.IntVal(0)))
        if name == "Finset.card" and len(args) == 1:
            return self.bigop("card", "_x", args[0], None, N)
        if name in ("Finset.sum", "Finset.prod") and len(args) == 2:
            f = args[1]
            var = "_k"
            body = App(f, (Ident(var),)) if not isinstance(f, Lambda) else f.body
            if isinstance(f, Lambda):
                var = f.params[0]
            return self.bigop("∑" if name == "Finset.sum" else "∏", var, args[0], body, t)
        raise Refusal(f"{name} is outside the SMT fragment")

    def apply_fn(self, name: str, args: tuple[Expr, ...]) -> Val:
        fb = self.funcs[name]
        if len(args) != len(fb.type.args):
            raise Refusal(f"partial or over-application of {name}")
        vals: list[Val] = []
        for a, at in zip(args, fb.type.args):
            ty = self.el.tree_type([a], at)
            if ty != at:
                raise Refusal(f"argument {show(a)[:30]} of {name} has type {ty}, expected {at}")
            vals.append(self.arith(a, at))
        if name in self.macros:
            return self.expand(name, fb, vals)
        zargs = [V.z(v) if v.is_const else z3.simplify(v.term) for v in vals]
        term = fb.decl(*zargs)
        if fb.type.ret in (N, NNR):
            self.side(term >= 0)
        if self.quant_depth == 0:
            self.app_log.append((name, tuple(vals), term))
        return Val(fb.type.ret, term=term)

    def expand(self, name: str, fb: FnBinding, vals: list[Val]) -> Val:
        """Inline a total definition `∀ x, f x = e` (exact, and constant args fold)."""
        params, rhs = self.macros[name]
        if self._expanding.count(name) > 8 or len(self._expanding) > 64:
            raise Refusal(f"definition of {name} is recursive")
        self._expanding.append(name)
        try:
            with self.bound(dict(zip(params, vals))):
                ty = self.el.tree_type([rhs], fb.type.ret)
                if ty != fb.type.ret:
                    raise Refusal(f"definition of {name} does not have type {fb.type.ret}")
                return self.arith(rhs, ty)
        finally:
            self._expanding.pop()

    def fn_abs(self, arg: Expr) -> Val:
        ty = self.el.tree_type([arg])
        v = self.arith(arg, ty)
        if ty == C:
            raise Refusal("Complex.abs is outside the fragment")
        if v.is_const:
            return Val(ty, abs(v.const))
        return Val(ty, term=z3.If(v.term >= 0, v.term, -v.term))

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

    def check_deadline(self) -> None:
        import time

        if time.monotonic() > self.deadline:
            raise Refusal("translation exceeded the time budget (too many terms)")

    # -- finite sums, products, cardinalities ------------------------------
    def domain(self, d: Expr | None) -> tuple[str, list[int]]:
        if d is None:
            raise Refusal("sums over a whole type are outside the fragment")
        ety = self.el.domain_elem_type(d)
        if isinstance(d, Proj) and d.field in ("divisors", "properDivisors"):
            d = App(Ident(f"Nat.{d.field}"), (d.expr,))
        if isinstance(d, App) and isinstance(d.fn, Ident):
            name, args = d.fn.name, d.args
            if name in ("Finset.range", "range") and len(args) == 1:
                return N, list(range(self._const_int(args[0], N)))
            if name in ("Finset.Icc", "Finset.Ico", "Finset.Ioc", "Finset.Ioo") and len(args) == 2:
                a, b = self._const_int(args[0], ety), self._const_int(args[1], ety)
                lo = a if name in ("Finset.Icc", "Finset.Ico") else a + 1
                hi = b if name in ("Finset.Icc", "Finset.Ioc") else b - 1
                return ety, list(range(lo, hi + 1)) if hi - lo < MAX_UNROLL else self._too_long()
            if name in ("Nat.divisors", "Nat.properDivisors") and len(args) == 1:
                n = self._const_int(args[0], N)
                if n > 10**12:
                    raise Refusal("divisors of a huge number")
                divs = _divisors(n)
                return N, [x for x in divs if name == "Nat.divisors" or x != n]
            if name == "Finset.filter" and len(args) == 2:
                ety2, items = self.domain(args[1])
                pred = args[0]
                if not (isinstance(pred, Lambda) and len(pred.params) == 1):
                    raise Refusal("Finset.filter with a non-lambda predicate")
                kept = []
                for k in items:
                    with self.bound({pred.params[0]: V.const(ety2, k)}):
                        r = self.prop(pred.body)
                    if not isinstance(r, bool):
                        raise Refusal("Finset.filter with a non-constant predicate")
                    if r:
                        kept.append(k)
                return ety2, kept
        raise Refusal(f"finite set {show(d)[:40]} is outside the fragment")

    def _too_long(self) -> list[int]:
        raise Refusal(f"sum with more than {MAX_UNROLL} terms")

    def _const_int(self, e: Expr, t: str) -> int:
        v = self.arith(e, self.el.tree_type([e], t))
        if not v.is_const or v.ty not in INTEGRAL:
            raise Refusal(f"bound {show(e)[:30]} is not a constant (needs induction)")
        return v.const

    def bigop(self, kind: str, var: str, domain: Expr | None, body: Expr | None, t: str) -> Val:
        ety, items = self.domain(domain)
        if kind == "card":
            return V.const(N, len(items))
        assert body is not None
        bt = self.el.with_bound({var: ety}, lambda: self.el.known_type([body])) or t
        acc = V.const(bt, 0 if kind == "∑" else 1)
        for i, k in enumerate(items):
            if i % 256 == 255:
                self.check_deadline()
            with self.bound({var: V.const(ety, k)}):
                v = self.arith(body, bt)
            acc = V.add(acc, v) if kind == "∑" else V.mul(acc, v)
        return acc


def _zb(b: Any) -> Any:
    return z3.BoolVal(b) if isinstance(b, bool) else b


def _not(b: Any) -> Any:
    return (not b) if isinstance(b, bool) else z3.Not(b)


def _and(bs: list[Any]) -> Any:
    if any(b is False for b in bs):
        return False
    rest = [b for b in bs if b is not True]
    return True if not rest else rest[0] if len(rest) == 1 else z3.And(*rest)


def _or(bs: list[Any]) -> Any:
    if any(b is True for b in bs):
        return True
    rest = [b for b in bs if b is not False]
    return False if not rest else rest[0] if len(rest) == 1 else z3.Or(*rest)


def _is_prime(n: int) -> bool:
    if n < 2:
        return False
    small = [2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37]
    for p in small:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for a in small:
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _divisors(n: int) -> list[int]:
    if n == 0:
        return []
    out = set()
    for i in range(1, math.isqrt(n) + 1):
        if n % i == 0:
            out.update((i, n // i))
    return sorted(out)


def _idents(e: Expr) -> set[str]:
    from mathagent.verifiers.formal.elaborate import free_idents

    return free_idents(e)


def _subst(e: Expr, m: dict[str, Expr]) -> Expr:
    if isinstance(e, Ident):
        return m.get(e.name, e)
    if isinstance(e, BinOp):
        return BinOp(e.op, _subst(e.left, m), _subst(e.right, m))
    if isinstance(e, UnOp):
        return UnOp(e.op, _subst(e.arg, m))
    if isinstance(e, App):
        return App(_subst(e.fn, m), tuple(_subst(a, m) for a in e.args))
    if isinstance(e, Ascribe):
        return Ascribe(_subst(e.expr, m), e.type)
    return e
