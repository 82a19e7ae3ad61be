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
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.elaborate import (
    ARITH_OPS, Elaborator, canon, infer_binder_type, is_list_term,
)
from mathagent.verifiers.formal.errors import OutOfBudget, Refusal
from mathagent.verifiers.formal.primes import IsPrime, NotPrime, primality
from mathagent.verifiers.formal.scope import free_names
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Binder, Collection, Expr, Ident, Lambda, ModEq, Num, Proj, Quant,
    SetBuilder, UnOp, show,
)
from mathagent.verifiers.formal.types import (
    C, FnType, INTEGRAL, N, NNR, PN, Q, R, Z, classify_binder_type, join, le, lower_bound, zmod_modulus,
)
from mathagent.verifiers.formal.values import Val

MAX_UNROLL = 20_000
MAX_WORK = 400_000  # translated nodes per statement (deterministic budget)
MAX_DIGITS_VALUE = 10**4000
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

    # -- environment ------------------------------------------------------
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

    # -- propositions -----------------------------------------------------
    def prop(self, e: Expr) -> Any:
        """A Python bool (folded) or a z3 BoolRef."""
        self.tick()
        if isinstance(e, Ident) and e.name in ("True", "False"):
            return e.name == "True"
        if isinstance(e, (Ident, Proj)):
            call = self.el.dot_call(e, ())
            if call is not None:  # `p.Prime`
                return self.pred_app(call)
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
            if e.op in ("=", "≠") and _is_tuple(e.left) and _is_tuple(e.right):
                return self.tuple_eq(e.op, e.left, e.right)  # type: ignore[arg-type]
            if e.op in ("=", "≠") and (is_list_term(e.left) or is_list_term(e.right)):
                r = self.list_eq(e.left, e.right)
                return r if e.op == "=" else _not(r)
            if e.op in REL_OPS:
                t = self.el.tree_type([e.left, e.right])
                return V.compare(e.op, self.arith(e.left, t), self.arith(e.right, t))
            if e.op == "∣":
                t = self.same_type(e.left, e.right, "∣")
                if t not in INTEGRAL:
                    raise Refusal(f"divisibility over {t}")
                a, b = self.arith(e.left, t), self.arith(e.right, t)
                if a.is_const and a.const != 0:
                    return V.eq(V.mod(b, a), V.const(t, 0))
                if a.is_const:
                    return V.eq(b, V.const(t, 0))
                return z3.If(V.z(a) == 0, V.z(b) == 0, V.z(b) % V.z(a) == 0)
            if e.op in ("∈", "∉"):
                r = self.membership(e.left, e.right)
                return r if e.op == "∈" else _not(r)
            raise Refusal(f"operator {e.op}", "in a proposition")
        if isinstance(e, ModEq):
            t = N if e.kind == "MOD" else Z
            n = self.elab(e.modulus, t)
            return V.eq(V.mod(self.elab(e.left, t), n), V.mod(self.elab(e.right, t), n))
        if isinstance(e, Quant):
            return self.quant(e)
        if isinstance(e, App):
            call = self.el.dot_call(e.fn, e.args)
            if call is not None:
                return self.pred_app(call)
            if isinstance(e.fn, Ident):
                return self.pred_app(e)
        raise Refusal("proposition", show(e)[:60])

    def same_type(self, a: Expr, b: Expr, what: str) -> str:
        """One type for both arguments of a relation that is a plain function (`∣`): refuse if they differ."""
        ta, tb = self.el.known_type([a]), self.el.known_type([b])
        if ta is not None and tb is not None and ta != tb:
            raise Refusal("ill-typed term", f"{what} between {ta} and {tb}")
        return ta or tb or N

    def tuple_eq(self, op: str, a: Collection, b: Collection) -> Any:
        """`(p, q, r) = (2, 3, 5)` is componentwise equality (Prod.ext_iff); component types must agree."""
        if len(a.items) != len(b.items):
            raise Refusal("ill-typed term", "tuples of different lengths")
        parts = []
        for x, y in zip(a.items, b.items):
            tx, ty = self.el.known_type([x]), self.el.known_type([y])
            if tx is not None and ty is not None and tx != ty:
                raise Refusal("ill-typed term", f"tuple components of types {tx} and {ty}")
            t = tx or ty or N
            parts.append(V.eq(self.elab(x, t), self.elab(y, t)))
        r = _and(parts)
        return r if op == "=" else _not(r)

    def pred_app(self, e: App) -> Any:
        name = canon(e.fn.name)  # type: ignore[union-attr]
        if name in ("Even", "Odd") and len(e.args) == 1:
            t = self.el.tree_type(e.args)
            if t not in INTEGRAL:
                raise Refusal(f"{name} over {t}")
            r = V.eq(V.mod(self.arith(e.args[0], t), V.const(t, 2)), V.const(t, 0 if name == "Even" else 1))
            return r
        if name in ("Nat.Prime", "Prime") and len(e.args) == 1:
            if name == "Prime" and self.el.known_type(e.args) not in (None, N):
                raise Refusal("Prime", f"over {self.el.known_type(e.args)}")
            return self.is_prime(self.elab(e.args[0], N))
        if name in ("IsLeast", "IsGreatest") and len(e.args) == 2 and isinstance(e.args[0], SetBuilder):
            return self.extremum(name, e.args[0], e.args[1])
        if name == "List.Pairwise" and len(e.args) == 2 and isinstance(e.args[1], Collection):
            return self.pairwise(e.args[0], e.args[1])
        raise Refusal(name)

    def is_prime(self, v: Val) -> Any:
        """`Nat.Prime n`: decided for constants only by a method proven for their size (primes.py);
        for a variable, the definition itself: n ≥ 2 and no d with 2 ≤ d < n divides n."""
        if not v.is_const:
            d = z3.Int(self.fresh_name("d"))
            n = v.term
            return z3.And(n >= 2, z3.ForAll([d], z3.Implies(z3.And(d >= 2, d < n), n % d != 0)))
        r = primality(v.const)
        if isinstance(r, IsPrime):
            return True
        if isinstance(r, NotPrime):
            self.notes[f"Nat.Prime {v.const}"] = f"false ({r.proof})"
            return False
        b = z3.Bool(self.fresh_name(f"Nat.Prime {v.const}"))  # undecided: any truth value, never a guess
        self.inexact.append(f"primality of {v.const} is not established ({r.reason})")
        return b

    def pairwise(self, rel: Expr, lst: Collection) -> Any:
        """`List.Pairwise R [a, b, c]`: R a b ∧ R a c ∧ R b c, the items bound as values (no substitution)."""
        if not (isinstance(rel, Lambda) and len(rel.params) == 2):
            raise Refusal("List.Pairwise", "with a relation that is not a two-argument fun")
        t = self.same_types(lst.items)
        vals = [self.elab(x, t) for x in lst.items]
        out = []
        for i in range(len(vals)):
            for j in range(i + 1, len(vals)):
                with self.bound({rel.params[0]: vals[i], rel.params[1]: vals[j]}):
                    out.append(self.prop(rel.body))
        return _and(out)

    def same_types(self, items: tuple[Expr, ...]) -> str:
        """Element type of a list literal: the first known item type; a conflicting item is refused."""
        t = None
        for x in items:
            tx = self.el.known_type([x])
            if tx is not None and t is not None and not le(tx, t):
                raise Refusal("ill-typed term", f"list items of types {t} and {tx}")
            t = t or tx
        return t or N

    def extremum(self, name: str, s: SetBuilder, c: Expr) -> Any:
        """`IsLeast {x | P x} c` is `P c ∧ ∀ x, P x → c ≤ x` (IsGreatest: `x ≤ c`)."""
        binder = Binder(s.var, s.type)
        ty = self.binder_type(binder, Quant("∀", (binder,), s.body))
        if isinstance(ty, FnType) or ty == C:
            raise Refusal(f"{name} over {ty}")
        cv = self.elab(c, ty)
        with self.bound({s.var: cv}):
            member = self.prop(s.body)
        rel = BinOp("≤", c, Ident(s.var)) if name == "IsLeast" else BinOp("≤", Ident(s.var), c)
        if s.var in _idents(c):  # cannot happen after scope.fresh_bound_names; kept as a guard
            raise Refusal(name, "the set variable also occurs in the element")
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
        raise Refusal("membership in this set", show(s)[:40])

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
            if isinstance(ty, FnType):
                raise Refusal("quantifier over functions", str(ty))
            if ty == C:
                raise Refusal("quantifier over ℂ")
            if ty == Q:
                # ℚ is modelled by ℝ; a nested quantifier over ℚ could flip soundness.
                raise Refusal("nested quantifier over ℚ", "ℚ is modelled by ℝ")
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
                if lower_bound(v.ty) is not None:
                    guards.append(v.term >= lower_bound(v.ty))
                if zmod_modulus(v.ty) is not None:
                    guards.append(v.term < zmod_modulus(v.ty))
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
            ty = classify_binder_type(b.type)
            if isinstance(ty, (str, FnType)):
                return ty
            raise Refusal(f"bound variable of type {show(b.type)}", b.name)
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
        if _is_tree(e):
            t = self.el.tree_type([e], expected)
            if t != expected:
                raise Refusal("ill-typed term", f"{show(e)[:40]} has type {t}, expected {expected}")
            return self.arith(e, expected)
        if _takes_expected(e):
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
            return [V.const(N, d) for d in _digits(b.const, n.const)]
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
                    return _and(facts)
        xs, ys = self.digits(a), self.digits(b)
        if len(xs) != len(ys):
            return False
        t = None
        for v in xs + ys:
            t = join(t, v.ty)
        return _and([V.eq(V.cast(x, t), V.cast(y, t)) for x, y in zip(xs, ys)])

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

    # -- finite sums, products, cardinalities ------------------------------
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
                divs = _divisors(n)
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


def _is_tree(e: Expr) -> bool:
    """A node of Lean's `binop%` tree (its leaves are elaborated with no expected type)."""
    return (isinstance(e, BinOp) and (e.op in ARITH_OPS or e.op == "^")) or (isinstance(e, UnOp) and e.op == "-")


def _takes_expected(e: Expr) -> bool:
    """Leaves whose result type is their argument's: elaborated against an expected type, they pass it inside."""
    if isinstance(e, BigOp):
        return True
    if isinstance(e, UnOp):
        return e.op in ("abs", "⁻¹")
    if isinstance(e, App) and isinstance(e.fn, Ident):
        return canon(e.fn.name) in ("abs", "min", "max", "id", "Finset.sum", "Finset.prod")
    return False


def _is_tuple(e: Expr) -> bool:
    return isinstance(e, Collection) and e.kind == "tuple"


def _digits(b: int, n: int) -> list[int]:
    """Lean's `Nat.digits`: little-endian; base 0 gives [n], base 1 gives n ones, 0 has no digits."""
    if n == 0:
        return []
    if b == 0:
        return [n]
    if b == 1:
        if n > MAX_UNROLL:
            raise OutOfBudget("Nat.digits 1 of a large number", "work budget")
        return [1] * n
    out = []
    for _ in range(n.bit_length() + 1):
        if n == 0:
            break
        out.append(n % b)
        n //= b
    return out


def free_names_of(e: Expr) -> set[str]:
    """Free identifiers of e (heads of dotted names included)."""
    out: set[str] = set()
    free_names(e, out)
    return out


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
