"""Lean-style type elaboration of arithmetic trees (no solver involved).

Mirrors Lean 4's `binop%`/`binrel%` elaborator: the leaves of a tree of
`+ - * / %`, unary minus and the *base* of `^` are typed on their own; the
tree gets the maximum of the known leaf types and the expected type, numerals
and `↑e` leaves take that maximum, and the rest is cast at the leaves.
Exponents are separate trees (numerals there default to ℕ).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Expr, Ident, Lambda, Num, Proj, Quant, UnOp, show,
)
from mathagent.verifiers.formal.types import C, FnType, N, NNR, R, TYPE_NAMES, Z, join

ARITH_OPS = {"+", "-", "*", "/", "%"}

# Builtin functions: name -> result type (None: same as the joint type of its arguments).
NAT_FUNS = {
    "Nat.gcd", "Nat.lcm", "Nat.choose", "Nat.factorial", "Nat.sqrt", "Finset.card", "Nat.floor",
    "Nat.ceil", "Int.natAbs", "Int.toNat", "Int.gcd", "Nat.totient", "Nat.succ", "Nat.pred",
    "Nat.fib", "Nat.digits", "Nat.divisors",
}
REAL_FUNS = {"Real.sqrt", "Real.pi", "Real.log", "Real.exp", "Real.sin", "Real.cos", "Real.tan",
             "Real.logb", "Real.arctan", "Real.cosh", "Real.sinh", "Real.rpow"}
INT_FUNS = {"Int.floor", "Int.ceil", "Int.fract_", "Int.emod", "Int.ediv", "Int.toNat_"}
SAME_FUNS = {"abs", "max", "min", "Int.fract", "id"}

ALIASES = {
    "sqrt": "Real.sqrt", "π": "Real.pi", "pi": "Real.pi", "gcd": "Nat.gcd", "lcm": "Nat.lcm",
    "choose": "Nat.choose", "factorial": "Nat.factorial", "log": "Real.log", "exp": "Real.exp",
    "sin": "Real.sin", "cos": "Real.cos", "tan": "Real.tan", "logb": "Real.logb", "|": "abs",
    "floor": "Int.floor", "ceil": "Int.ceil", "Int.fract": "Int.fract", "Complex.abs": "Complex.abs",
    "Finset.sum": "Finset.sum", "Finset.prod": "Finset.prod", "fract": "Int.fract",
}


def canon(name: str) -> str:
    return ALIASES.get(name, name)


class Elaborator:
    """Answers `what type does this leaf/tree have` given the types of locals."""

    def __init__(self, lookup: Callable[[str], str | FnType | None]):
        self.lookup = lookup

    def leaves(self, e: Expr) -> Iterable[Expr]:
        if isinstance(e, BinOp) and e.op in ARITH_OPS:
            yield from self.leaves(e.left)
            yield from self.leaves(e.right)
        elif isinstance(e, BinOp) and e.op == "^":
            yield from self.leaves(e.left)
        elif isinstance(e, UnOp) and e.op == "-":
            yield from self.leaves(e.arg)
        else:
            yield e

    def known_type(self, exprs: Iterable[Expr], expected: str | None = None) -> str | None:
        t = expected
        for e in exprs:
            for leaf in self.leaves(e):
                t = join(t, self.leaf_type(leaf))
        return t

    def tree_type(self, exprs: Iterable[Expr], expected: str | None = None) -> str:
        return self.known_type(exprs, expected) or N

    def leaf_type(self, e: Expr) -> str | None:
        if isinstance(e, Num):
            return None
        if isinstance(e, Ident):
            name = canon(e.name)
            t = self.lookup(e.name)
            head, _, fld = e.name.partition(".")
            if t is None and fld and self.lookup(head) is not None:
                return self.leaf_type(Proj(Ident(head), fld))
            if isinstance(t, str):
                return t
            if isinstance(t, FnType):
                raise Refusal(f"function {e.name} used without arguments")
            if name == "Real.pi":
                return R
            if name == "Complex.I":
                return C
            if name.startswith("·"):
                return None
            return None
        if isinstance(e, Ascribe):
            t = _type_name(e.type)
            return t
        if isinstance(e, UnOp):
            if e.op == "↑":
                return None
            if e.op == "!":
                return N
            if e.op in ("abs", "⁻¹"):
                return self.known_type([e.arg])
            if e.op in ("floor", "ceil"):
                return Z
            if e.op in ("nfloor", "nceil"):
                return N
            if e.op == "sqrt":
                return R
            return None
        if isinstance(e, Proj):
            return {"den": N, "num": Z, "card": N, "re": R, "im": R, "natAbs": N, "toNat": N}.get(e.field)
        if isinstance(e, BigOp):
            return self.with_bound({e.var: self.domain_elem_type(e.domain)}, lambda: self.known_type([e.body]))
        if isinstance(e, App):
            return self.app_type(e)
        if isinstance(e, BinOp) and e.op == "^":
            return self.known_type([e.left])
        return None

    def app_type(self, e: App) -> str | None:
        if not isinstance(e.fn, Ident):
            return None
        name = canon(e.fn.name)
        t = self.lookup(e.fn.name)
        if isinstance(t, FnType):
            return t.ret
        if name in NAT_FUNS:
            return N
        if name in REAL_FUNS:
            return R
        if name == "NNReal.sqrt":
            return NNR
        if name in ("Int.floor", "Int.ceil", "Int.gcd_"):
            return Z
        if name in SAME_FUNS:
            return self.known_type(e.args)
        if name in ("Finset.sum", "Finset.prod") and len(e.args) == 2:
            body = e.args[1]
            if isinstance(body, Lambda) and len(body.params) == 1:
                return self.with_bound(
                    {body.params[0]: self.domain_elem_type(e.args[0])}, lambda: self.known_type([body.body])
                )
            return self.known_type([App(body, (Ident("_elem"),))]) if isinstance(body, Ident) else None
        return None

    def domain_elem_type(self, d: Expr | None) -> str:
        """Element type of a Finset expression (`Finset.range n`, `Finset.Icc a b`, ...)."""
        if isinstance(d, App) and isinstance(d.fn, Ident):
            name = d.fn.name
            if name in ("Finset.range", "Nat.divisors", "Nat.properDivisors", "range"):
                return N
            if name in ("Finset.Icc", "Finset.Ico", "Finset.Ioc", "Finset.Ioo", "Set.Icc") and len(d.args) == 2:
                return self.tree_type(d.args)
            if name == "Finset.filter" and len(d.args) == 2:
                return self.domain_elem_type(d.args[1])
        if isinstance(d, Proj) and d.field in ("divisors", "properDivisors"):
            return N
        raise Refusal(f"sums over {show(d) if d is not None else 'a whole type'} are outside the fragment")

    def with_bound(self, extra: dict[str, str], fn: Callable[[], str | None]) -> str | None:
        outer = self.lookup
        self.lookup = lambda n: extra[n] if n in extra else outer(n)
        try:
            return fn()
        finally:
            self.lookup = outer


def _type_name(e: Expr) -> str:
    if isinstance(e, Ident) and e.name in TYPE_NAMES:
        return TYPE_NAMES[e.name]
    raise Refusal(f"type ascription to {show(e)} is outside the fragment")


def infer_binder_type(el: Elaborator, name: str, exprs: list[Expr]) -> str:
    """The type Lean would give an untyped bound variable, from how it is used.

    Evidence: being an argument of a function with a known domain, or a leaf in an
    arithmetic/relation tree with typed leaves.  No evidence -> refuse (defaulting to
    ℕ silently changed the meaning of goals over ℝ in an earlier prototype).
    """
    found: list[str] = []

    def visit(e: Expr) -> None:
        if isinstance(e, App) and isinstance(e.fn, Ident):
            t = el.lookup(e.fn.name)
            fixed = BUILTIN_ARG_TYPES.get(canon(e.fn.name))
            for i, a in enumerate(e.args):
                if isinstance(t, FnType) and i < len(t.args) and _mentions_leaf(el, a, name):
                    found.append(t.args[i])
                elif t is None and fixed is not None and _mentions_leaf(el, a, name):
                    found.append(fixed)
                visit(a)
            return
        if isinstance(e, BinOp) and (e.op in ARITH_OPS or e.op in ("=", "≠", "<", ">", "≤", "≥", "∣")):
            if _mentions_leaf(el, e, name):
                others = [lf for lf in el.leaves(e.left)] + [lf for lf in el.leaves(e.right)]
                t = None
                for lf in others:
                    if not (isinstance(lf, Ident) and lf.name == name):
                        try:
                            t = join(t, el.leaf_type(lf))
                        except Refusal:
                            pass
                if t is not None:
                    found.append(t)
            visit(e.left)
            visit(e.right)
            return
        for child in _children(e):
            visit(child)

    for ex in exprs:
        visit(ex)
    if not found:
        raise Refusal(f"cannot infer the type of bound variable {name}")
    t = None
    for f in found:
        t = join(t, f)
    return t or N


def _mentions_leaf(el: Elaborator, e: Expr, name: str) -> bool:
    if isinstance(e, BinOp) and e.op in ("=", "≠", "<", ">", "≤", "≥", "∣"):
        return _mentions_leaf(el, e.left, name) or _mentions_leaf(el, e.right, name)
    return any(isinstance(lf, Ident) and lf.name == name for lf in el.leaves(e))


BUILTIN_ARG_TYPES = {
    "Finset.range": N, "Nat.gcd": N, "Nat.lcm": N, "Nat.choose": N, "Nat.factorial": N, "Nat.sqrt": N,
    "Nat.Prime": N, "Real.sqrt": R, "Nat.divisors": N, "Nat.properDivisors": N,
}


def _children(e: Expr) -> list[Expr]:
    if isinstance(e, BinOp):
        return [e.left, e.right]
    if isinstance(e, UnOp):
        return [e.arg]
    if isinstance(e, App):
        return [e.fn, *e.args]
    if isinstance(e, Quant):
        return [e.body] + [b.pred_rhs for b in e.binders if b.pred_rhs is not None]
    if isinstance(e, Ascribe):
        return [e.expr]
    if isinstance(e, BigOp):
        return [e.body] + ([e.domain] if e.domain is not None else [])
    if isinstance(e, Lambda):
        return [e.body]
    return []


def free_idents(e: Expr) -> set[str]:
    """Identifiers occurring in e (bound ones included; callers filter)."""
    out: set[str] = set()
    stack = [e]
    for _ in range(100_000):
        if not stack:
            break
        cur = stack.pop()
        if isinstance(cur, Ident):
            out.add(cur.name)
        elif isinstance(cur, Proj):
            stack.append(cur.expr)
        else:
            stack.extend(_children(cur))
            if hasattr(cur, "modulus"):
                stack.extend([cur.left, cur.right, cur.modulus])  # type: ignore[attr-defined]
            if hasattr(cur, "items"):
                stack.extend(cur.items)  # type: ignore[attr-defined]
    return out
