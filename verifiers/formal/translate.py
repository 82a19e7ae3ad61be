"""Translate elaborated Lean terms to z3 with Lean's semantics.

The translator folds constants exactly (so ground statements are decided by
evaluation, not by the solver), keeps side conditions for auxiliary symbols
(`Real.sqrt` is an uninterpreted function with its defining facts instantiated
at each use, ℕ-valued function applications are non-negative), and refuses
anything it cannot model faithfully.  `inexact` collects reasons why a model of
the translation may not be a model of the Lean statement (e.g. π bounded by an
interval); a counterexample is only reported when it is empty.

Work is bounded deterministically: every translated node costs one unit of
`MAX_WORK` (`OutOfBudget(stopped_by="work budget")`); the wall clock is only the
outer safety bound (`OutOfBudget(stopped_by="wall clock")`).
"""


from __future__ import annotations

import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.elaborate import ARITH_OPS, Elaborator, canon
from mathagent.verifiers.formal.errors import OutOfBudget, Refusal
from mathagent.verifiers.formal.functions import LeanFunctions
from mathagent.verifiers.formal.propositions import Propositions
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Collection, Expr, Ident, Lambda, Num, Proj, Quant, SetBuilder, UnOp, show,
)
from mathagent.verifiers.formal.terms import MAX_WORK, TRANSCENDENTAL, FnBinding, free_names_of, is_tree, takes_expected
from mathagent.verifiers.formal.types import INTEGRAL, NNR, PN, C, FnType, N, Q, R, Z, join, lower_bound, zmod_modulus
from mathagent.verifiers.formal.values import Val


class Translator(Propositions, LeanFunctions):
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
        self._num_den: dict[str, tuple[Any, Any]] = {}
        self.macros: dict[str, tuple[list[str], Expr]] = {}
        self.app_log: list[tuple[str, tuple[Val, ...], Any]] = []
        self.quant_depth = 0
        self._expanding: list[str] = []
        self.deadline = float("inf")  # wall clock: the outer safety bound only
        self.work = 0
        self.notes: dict[str, str] = {}  # shown with counterexamples (a composite's factor)
        self.locals: list[set[str]] = []  # names bound by enclosing binders (for capture checks)
        # Facts true of every interpretation we intend (ℕ-valued functions are ≥ 0, sqrt's
        # definition) as ∀-axioms: only needed when the query itself has quantifiers.
        self.global_axioms: list[Any] = []

    def _lookup(self, name: str) -> str | FnType | None:
        return self.types.get(name)

    def tick(self) -> None:
        """One unit of translation work; deterministic budget, wall clock as the outer bound."""
        self.work += 1
        if self.work > MAX_WORK:
            raise OutOfBudget(f"translation work budget ({MAX_WORK} terms) exhausted", "work budget")
        if self.work % 1024 == 0 and time.monotonic() > self.deadline:
            raise OutOfBudget("wall-clock limit reached while translating", "wall clock")

    def fresh_name(self, base: str) -> str:
        self._fresh += 1
        return f"{base}!{self._fresh}"

    def declare(self, name: str, ty: str | FnType, *, z3name: str | None = None) -> None:
        zn = z3name or name
        self.types[name] = ty
        if isinstance(ty, FnType):
            if any(t == C for t in (*ty.args, ty.ret)):
                raise Refusal("function over ℂ", name)
            decl = z3.Function(zn, *[V.sort_of(t) for t in ty.args], V.sort_of(ty.ret))
            self.funcs[name] = FnBinding(ty, decl)
            if lower_bound(ty.ret) is not None:
                xs = [z3.Const(f"{zn}!x{i}", V.sort_of(t)) for i, t in enumerate(ty.args)]
                self.global_axioms.append(z3.ForAll(xs, decl(*xs) >= lower_bound(ty.ret)))
            return
        if ty == C:
            self.vars[name] = Val(C, term=(z3.Real(zn + ".re"), z3.Real(zn + ".im")))
            return
        term = z3.Const(zn, V.sort_of(ty))
        self.vars[name] = Val(ty, term=term)
        if lower_bound(ty) is not None:
            self.side(term >= lower_bound(ty))
        if zmod_modulus(ty) is not None:
            self.side(term < zmod_modulus(ty))

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
        self.locals.append(set(binders))
        try:
            yield
        finally:
            self.locals.pop()
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

    def arith(self, e: Expr, t: str) -> Val:
        """Translate `e` as an arithmetic tree elaborated at type `t` (leaves keep their own type, then cast)."""
        self.tick()
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
        return self.coerce(e, self.leaf(e, leaf_t or t), t)

    def coerce(self, e: Expr, v: Val, t: str) -> Val:
        if v.ty == t:
            return v
        if join(v.ty, t) != t:
            raise Refusal("ill-typed term", f"{show(e)[:40]} has type {v.ty}, which does not coerce to {t}")
        return V.cast(v, t)

    def elab(self, e: Expr, expected: str) -> Val:
        """Translate `e` elaborated *against* an expected type, as Lean does for the body of `(e : T)` and the
        argument of a function with a known domain: a tree takes the expected type into its maximum; `|·|`,
        `min`/`max`, `⁻¹` and big operators pass it inside (their arguments/bodies are elaborated at it);
        any other leaf keeps its own type and is cast."""
        if is_tree(e):
            t = self.el.tree_type([e], expected)
            if t != expected:
                raise Refusal("ill-typed term", f"{show(e)[:40]} has type {t}, expected {expected}")
            return self.arith(e, expected)
        if takes_expected(e):
            self.tick()
            return self.coerce(e, self.leaf(e, expected), expected)
        return self.arith(e, expected)

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
            if ty is None:
                raise Refusal(f"type {show(e.type)}", "in a type ascription")
            return self.elab(e.expr, ty)
        if isinstance(e, UnOp):
            return self.unop(e, t)
        if isinstance(e, BigOp):
            return self.bigop(e.kind, e.var, e.domain, e.body, t)
        if isinstance(e, App):
            return self.app(e, t)
        if isinstance(e, Proj):
            call = self.el.dot_call(e, ())
            if call is not None:
                return self.app(call, t)
            raise Refusal(f"projection .{e.field}", show(e)[:40])
        if isinstance(e, SetBuilder):
            raise Refusal("set-builder used as a number", show(e)[:40])
        if isinstance(e, Collection):
            raise Refusal(f"{e.kind} used as a number", show(e)[:40])
        if isinstance(e, Lambda):
            raise Refusal("fun used as a number", show(e)[:40])
        if isinstance(e, Quant):
            raise Refusal("proposition used as a number", show(e)[:40])
        raise Refusal("term", show(e)[:40])

    def ident(self, e: Ident, t: str) -> Val:
        if e.name in self.vars:
            return self.vars[e.name]
        if "." in e.name:
            proj = self.el.as_projection(e)
            if proj is not None:
                return self.leaf(proj, t)
        if e.name in self.funcs:
            raise Refusal("function used as a value", e.name)
        name = canon(e.name)
        if name == "Real.pi":
            return self.pi()
        if name == "Complex.I":
            return V.const(C, (0, 1))
        raise Refusal(name, "an identifier the translation does not know")

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
            v = self.elab(e.arg, N)
            if not v.is_const:
                raise Refusal("factorial of a variable")
            if v.const > 5000:
                raise Refusal("huge constant", f"{v.const}!")
            return V.const(N, math.factorial(v.const))
        if e.op == "⁻¹":
            if t in INTEGRAL:
                raise Refusal("ill-typed term", f"⁻¹ on {t} does not exist in Lean")
            v = self.elab(e.arg, t)
            if zmod_modulus(t) is not None:
                return V.inv_zmod(v)
            return V.div(V.const(v.ty, 1), v)
        if e.op == "abs":
            return self.fn_abs(e.arg, t)
        if e.op == "norm":
            return self.fn_norm(e.arg)
        if e.op in ("floor", "ceil", "nfloor", "nceil"):
            return self.fn_floor(e.op, e.arg)
        if e.op == "sqrt":
            return self.fn_sqrt(self.elab(e.arg, R))
        raise Refusal(f"operator {e.op}")

    def app(self, e: App, t: str) -> Val:
        """Length: the translation's dispatch, one branch per Lean function applied (each branch
        calls a method of :class:`~mathagent.verifiers.formal.functions.LeanFunctions`)."""
        call = self.el.dot_call(e.fn, e.args)
        if call is not None:
            e = call
        if not isinstance(e.fn, Ident):
            raise Refusal("application of a non-name", show(e.fn)[:30])
        raw = e.fn.name
        if raw in self.funcs:
            return self.apply_fn(raw, e.args)
        name = canon(raw)
        args = e.args
        if name in TRANSCENDENTAL:
            raise Refusal(name, "transcendental")
        if name in ("Real.sqrt", "NNReal.sqrt") and len(args) == 1:
            v = self.fn_sqrt(self.elab(args[0], R if name == "Real.sqrt" else NNR))
            return Val(NNR, v.const, v.term) if name == "NNReal.sqrt" else v
        if name == "abs" and len(args) == 1:
            return self.fn_abs(args[0], t)
        if name == "id" and len(args) == 1:
            return self.elab(args[0], t)
        if name in ("Int.floor", "Int.ceil", "Nat.floor", "Nat.ceil", "Int.fract") and len(args) == 1:
            op = {"Int.floor": "floor", "Int.ceil": "ceil", "Nat.floor": "nfloor", "Nat.ceil": "nceil",
                  "Int.fract": "fract"}[name]
            return self.fn_floor(op, args[0])
        if name in ("max", "min") and len(args) == 2:
            if t == C:
                raise Refusal(f"{name} on ℂ")
            a, b = self.elab(args[0], t), self.elab(args[1], t)
            if a.is_const and b.is_const:
                return Val(t, max(a.const, b.const) if name == "max" else min(a.const, b.const))
            za, zb = V.z(a), V.z(b)
            return Val(t, term=z3.If(za >= zb, za, zb) if name == "max" else z3.If(za <= zb, za, zb))
        if name == "Nat.sqrt" and len(args) == 1:
            return self.fn_nat_sqrt(self.elab(args[0], N))
        if name == "PNat.val" and len(args) == 1:
            return V.cast(self.elab(args[0], PN), N)
        if name == "ZMod.val" and len(args) == 1:
            v = self.arith(args[0], self.el.tree_type(args))
            if zmod_modulus(v.ty) is None:
                raise Refusal("ZMod.val", f"of a {v.ty}")
            return Val(N, v.const, v.term)
        if name in ("Nat.succ", "Nat.pred") and len(args) == 1:
            v = self.elab(args[0], N)
            return V.add(v, V.const(N, 1)) if name == "Nat.succ" else V.sub(v, V.const(N, 1))
        if name in ("Nat.gcd", "Nat.lcm", "Int.gcd", "Int.lcm") and len(args) == 2:
            at = Z if name.startswith("Int") else N
            return self.fn_gcd_lcm(name, self.elab(args[0], at), self.elab(args[1], at))
        if name == "Nat.choose" and len(args) == 2:
            a, b = self.elab(args[0], N), self.elab(args[1], N)
            if not (a.is_const and b.is_const):
                raise Refusal("Nat.choose of variables")
            return V.const(N, math.comb(a.const, b.const) if b.const <= a.const else 0)
        if name == "Nat.factorial" and len(args) == 1:
            return self.unop(UnOp("!", args[0]), t)
        if name in ("Int.natAbs", "Int.toNat") and len(args) == 1:
            v = self.elab(args[0], Z)
            if v.is_const:
                return V.const(N, abs(v.const) if name == "Int.natAbs" else max(v.const, 0))
            zt = v.term
            return Val(N, term=z3.If(zt >= 0, zt, -zt if name == "Int.natAbs" else z3.IntVal(0)))
        if name in ("Rat.num", "Rat.den") and len(args) == 1:
            return self.fn_num_den(name, self.elab(args[0], Q))
        if name in ("Complex.re", "Complex.im", "Complex.normSq", "Complex.abs") and len(args) == 1:
            return self.fn_complex(name, self.elab(args[0], C))
        if name == "Nat.ofDigits" and len(args) == 2:
            return self.fn_of_digits(args[0], args[1], t)
        if name in ("List.sum", "List.prod", "List.length") and len(args) == 1:
            return self.fn_list(name, args[0], t)
        if name == "Finset.card" and len(args) == 1:
            return self.bigop("card", "_x", args[0], None, N)
        if name in ("Finset.sum", "Finset.prod") and len(args) == 2:
            f = args[1]
            if isinstance(f, Lambda) and len(f.params) == 1:
                var, body = f.params[0], f.body
            else:  # `Finset.sum s g`: the body is `g k` for a fresh k
                var = self.fresh_name("_k")
                body = App(f, (Ident(var),))
            return self.bigop("∑" if name == "Finset.sum" else "∏", var, args[0], body, t)
        raise Refusal(name)

    def apply_fn(self, name: str, args: tuple[Expr, ...]) -> Val:
        fb = self.funcs[name]
        if len(args) != len(fb.type.args):
            raise Refusal("partial application", name)
        vals = [self.elab(a, at) for a, at in zip(args, fb.type.args)]
        if name in self.macros:
            return self.expand(name, fb, vals)
        zargs = [V.z(v) if v.is_const else z3.simplify(v.term) for v in vals]
        term = fb.decl(*zargs)
        if lower_bound(fb.type.ret) is not None:
            self.side(term >= lower_bound(fb.type.ret))
        if self.quant_depth == 0:
            self.app_log.append((name, tuple(vals), term))
        return Val(fb.type.ret, term=term)

    def expand(self, name: str, fb: FnBinding, vals: list[Val]) -> Val:
        """Inline a total definition `∀ x, f x = e` (exact, and constant args fold).

        The right side is read in the definition's scope: its free names are theorem-level names, which no
        enclosing binder may capture (bound names are unique after `scope.fresh_bound_names`; checked here).
        """
        params, rhs = self.macros[name]
        if self._expanding.count(name) > 8 or len(self._expanding) > 64:
            raise Refusal("recursive definition", name)
        enclosing = set().union(*self.locals) if self.locals else set()
        captured = (free_names_of(rhs) - set(params)) & enclosing
        if captured:
            raise Refusal("variable capture", f"expanding {name} under a binder of {', '.join(sorted(captured))}")
        self._expanding.append(name)
        try:
            with self.bound(dict(zip(params, vals))):
                ty = self.el.tree_type([rhs], fb.type.ret)
                if ty != fb.type.ret:
                    raise Refusal("ill-typed term", f"definition of {name} does not have type {fb.type.ret}")
                return self.arith(rhs, ty)
        finally:
            self._expanding.pop()
