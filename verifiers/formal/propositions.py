"""Propositions of the Lean-to-z3 translation: relations, predicates, membership, quantifiers with scoped
binders, pairwise and extremum statements.  :class:`Propositions` is mixed into
:class:`~mathagent.verifiers.formal.translate.Translator` and uses its state (variables, budget, side facts)."""

from __future__ import annotations

from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.binders import infer_binder_types
from mathagent.verifiers.formal.elaborate import canon, is_list_term
from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.primes import IsPrime, NotPrime, primality
from mathagent.verifiers.formal.syntax import (
    App, Binder, BinOp, Collection, Expr, Ident, Lambda, ModEq, Proj, Quant, SetBuilder, UnOp, show,
)
from mathagent.verifiers.formal.terms import REL_OPS, idents, is_tuple, z_and, z_not, z_or, zbool
from mathagent.verifiers.formal.types import (
    INTEGRAL, C, FnType, N, Q, Z, classify_binder_type, le, lower_bound, zmod_modulus,
)
from mathagent.verifiers.formal.values import Val


class Propositions:
    """The propositional half of :class:`~mathagent.verifiers.formal.translate.Translator` (a mixin)."""

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
            return z_not(self.prop(e.arg))
        if isinstance(e, BinOp):
            if e.op == "∧":
                return z_and([self.prop(e.left), self.prop(e.right)])
            if e.op == "∨":
                return z_or([self.prop(e.left), self.prop(e.right)])
            if e.op == "→":
                return z_or([z_not(self.prop(e.left)), self.prop(e.right)])
            if e.op == "↔":
                a, b = self.prop(e.left), self.prop(e.right)
                if isinstance(a, bool) and isinstance(b, bool):
                    return a == b
                return zbool(a) == zbool(b)
            if e.op in ("=", "≠") and is_tuple(e.left) and is_tuple(e.right):
                return self.tuple_eq(e.op, e.left, e.right)  # type: ignore[arg-type]
            if e.op in ("=", "≠") and (is_list_term(e.left) or is_list_term(e.right)):
                r = self.list_eq(e.left, e.right)
                return r if e.op == "=" else z_not(r)
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
                return r if e.op == "∈" else z_not(r)
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
        r = z_and(parts)
        return r if op == "=" else z_not(r)

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
        return z_and(out)

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
        ty = self.set_elem_type(binder, Quant("∀", (binder,), s.body), c)
        if isinstance(ty, FnType) or ty == C:
            raise Refusal(f"{name} over {ty}")
        cv = self.elab(c, ty)
        with self.bound({s.var: cv}):
            member = self.prop(s.body)
        rel = BinOp("≤", c, Ident(s.var)) if name == "IsLeast" else BinOp("≤", Ident(s.var), c)
        if s.var in idents(c):  # cannot happen after scope.fresh_bound_names; kept as a guard
            raise Refusal(name, "the set variable also occurs in the element")
        bound_all = self.quant(Quant("∀", (Binder(s.var, Ident(ty)),), BinOp("→", s.body, rel)))
        return z_and([member, bound_all])

    def set_elem_type(self, b: Binder, q: Quant, c: Expr) -> str | FnType:
        """Element type of `IsLeast {x | P x} c`: written, or fixed by P's first use of x, or by c.  Which of P
        and c Lean elaborates first is not modelled, so both must agree when both give a type."""
        if b.type is not None:
            return self.binder_type(b, q)
        from_body = infer_binder_types(self.el, q).get(b.name)
        from_elem = self.el.known_type([c])
        if from_body is not None and from_elem is not None and from_body != from_elem:
            raise Refusal("untyped bound variable",
                          f"{b.name} is used as {from_body} in the set and the element has type {from_elem}")
        ty = from_body or from_elem
        if ty is None:
            raise Refusal("untyped bound variable", f"cannot infer the type of {b.name}")
        return ty

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
            return z_or([self.prop(BinOp("=", x, item)) for item in s.items])
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
                    guards.append(zbool(self.prop(b.pred_rhs)))
                    continue
                v = local[b.name]
                assert isinstance(v, Val)
                if lower_bound(v.ty) is not None:
                    guards.append(v.term >= lower_bound(v.ty))
                if zmod_modulus(v.ty) is not None:
                    guards.append(v.term < zmod_modulus(v.ty))
                if b.pred_op is not None and b.pred_rhs is not None:
                    guards.append(zbool(self.prop(BinOp(b.pred_op, Ident(b.name), b.pred_rhs))))
            body = self.prop(e.body)
        sides = self.sides[-1]
        if e.kind == "∀":
            return z3.ForAll(consts, z3.Implies(z3.And(*guards, *sides), zbool(body)))
        if e.kind == "∃":
            return z3.Exists(consts, z3.And(*guards, *sides, zbool(body)))
        if e.kind == "∃!":
            if len(consts) != 1:
                raise Refusal("∃! over several variables")
            c = consts[0]
            c2 = z3.Const(self.fresh_name("u"), c.sort())
            body2 = z3.substitute(z3.And(*guards, *sides, zbool(body)), (c, c2))
            return z3.Exists([c], z3.And(*guards, *sides, zbool(body), z3.ForAll([c2], z3.Implies(body2, c2 == c))))
        raise Refusal(f"quantifier {e.kind}")

    def binder_type(self, b: Binder, q: Expr) -> str | FnType:
        """The type of binder `b` of the quantifier `q`: its written type, else the type Lean fixes at the first
        use in elaboration order (`binders.infer_binder_types`, which all untyped binders of q share)."""
        if b.type is not None:
            ty = classify_binder_type(b.type)
            if isinstance(ty, (str, FnType)):
                return ty
            raise Refusal(f"bound variable of type {show(b.type)}", b.name)
        if not (isinstance(q, Quant) and b in q.binders):
            raise Refusal("untyped bound variable", f"{b.name} outside its quantifier")
        found = infer_binder_types(self.el, q)
        if b.name not in found:
            raise Refusal("untyped bound variable", f"cannot infer the type of {b.name}")
        return found[b.name]
