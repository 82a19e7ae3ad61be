"""Lean-style type elaboration of arithmetic trees (no solver involved).

Mirrors Lean 4's `binop%`/`binrel%` elaborator: the leaves of a tree of
`+ - * / %`, unary minus and the *base* of `^` are typed on their own; the
tree gets the maximum of the known leaf types and the expected type, numerals
and `↑e` leaves take that maximum, and the rest is cast at the leaves.
Exponents are separate trees (numerals there default to ℕ).

A leaf of a tree is elaborated *without* an expected type (Lean's `binop%`
elaborates leaves with none), so `(∑ k ∈ s, k / 2) + (1 : ℝ)` sums in ℕ and casts.
A term elaborated *against* an expected type (the body of an ascription `(e : T)`,
the argument of a function with a known domain) passes it into `|·|`, `min`/`max`,
`⁻¹` and big operators, so `(∑ k ∈ s, k / 2 : ℝ)` sums `↑k / 2` in ℝ; that is
`Translator.elab`.  `own_type` is the type a leaf gets with no expected type.

Field notation `x.succ`, `(t 2020).den` is resolved by the receiver's type
(`Nat.succ x`, `Rat.den (t 2020)`): `dot_call`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Collection, Expr, Ident, Lambda, Num, Proj, Quant, UnOp, show,
)
from mathagent.verifiers.formal.types import C, EquivType, FnType, N, NNR, PN, Q, R, TYPE_NAMES, Z, join

ARITH_OPS = {"+", "-", "*", "/", "%"}

# Builtin functions: name -> result type (None: same as the joint type of its arguments).
NAT_FUNS = {
    "Nat.gcd", "Nat.lcm", "Nat.choose", "Nat.factorial", "Nat.sqrt", "Finset.card", "Nat.floor",
    "Nat.ceil", "Int.natAbs", "Int.toNat", "Int.gcd", "Int.lcm", "Nat.totient", "Nat.succ", "Nat.pred",
    "Nat.fib", "Nat.divisors", "Rat.den", "List.length", "Nat.card", "PNat.val",
}
REAL_FUNS = {"Real.sqrt", "Real.pi", "Real.log", "Real.exp", "Real.sin", "Real.cos", "Real.tan",
             "Real.logb", "Real.arctan", "Real.cosh", "Real.sinh", "Real.rpow", "Complex.re", "Complex.im",
             "Complex.normSq", "Complex.abs"}
INT_FUNS = {"Int.floor", "Int.ceil", "Rat.num"}
SAME_FUNS = {"abs", "max", "min", "Int.fract", "id"}
# Field notation: the namespace of the receiver's type.
NAMESPACES = {N: "Nat", Z: "Int", Q: "Rat", R: "Real", C: "Complex", NNR: "NNReal", PN: "PNat"}
# Fields that are plain projections on tuples, not function calls.
TUPLE_FIELDS = ("1", "2", "fst", "snd")
LIST_FIELDS = {"sum": "List.sum", "prod": "List.prod", "length": "List.length", "Pairwise": "List.Pairwise"}


def is_list_term(e: Expr) -> bool:
    """A list literal or `Nat.digits b n`, the lists the translation evaluates."""
    if isinstance(e, Collection) and e.kind == "list":
        return True
    return isinstance(e, App) and isinstance(e.fn, Ident) and canon(e.fn.name) == "Nat.digits"

ALIASES = {
    "sqrt": "Real.sqrt", "π": "Real.pi", "pi": "Real.pi", "gcd": "Nat.gcd", "lcm": "Nat.lcm",
    "choose": "Nat.choose", "factorial": "Nat.factorial", "log": "Real.log", "exp": "Real.exp",
    "sin": "Real.sin", "cos": "Real.cos", "tan": "Real.tan", "logb": "Real.logb", "|": "abs",
    "floor": "Int.floor", "ceil": "Int.ceil", "Int.fract": "Int.fract", "Complex.abs": "Complex.abs",
    "Finset.sum": "Finset.sum", "Finset.prod": "Finset.prod", "fract": "Int.fract",
    "Nat.Prime": "Nat.Prime", "Int.natAbs": "Int.natAbs", "Real.sqrt": "Real.sqrt", "Rat.num": "Rat.num",
    "succ": "Nat.succ", "digits": "Nat.digits", "ofDigits": "Nat.ofDigits",
    "normSq": "Complex.normSq", "Int.sub": "Int.sub",
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
        """The type a leaf has when elaborated with no expected type (None: takes the tree's type)."""
        if isinstance(e, Num):
            return None
        if isinstance(e, Ident):
            name = canon(e.name)
            t = self.lookup(e.name)
            if t is None and "." in e.name:
                proj = self.as_projection(e)
                if proj is not None:
                    return self.leaf_type(proj)
            if isinstance(t, str):
                return t
            if isinstance(t, (FnType, EquivType)):
                raise Refusal("function used as a value", e.name)
            if name == "Real.pi":
                return R
            if name == "Complex.I":
                return C
            return None
        if isinstance(e, Ascribe):
            return type_name(e.type)
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
            if e.op in ("sqrt", "norm"):
                return R
            return None
        if isinstance(e, Proj):
            call = self.dot_call(e, ())
            return self.app_type(call) if call is not None else None
        if isinstance(e, BigOp):
            return self.with_bound({e.var: self.domain_elem_type(e.domain)}, lambda: self.known_type([e.body]))
        if isinstance(e, App):
            return self.app_type(e)
        if isinstance(e, BinOp) and e.op == "^":
            return self.known_type([e.left])
        return None

    def as_projection(self, e: Ident) -> Expr | None:
        """`x.den.natAbs` with x a local, as nested projections; None for a qualified constant (`Real.sqrt`)."""
        head, *fields = e.name.split(".")
        if self.lookup(head) is None:
            return None
        out: Expr = Ident(head)
        for f in fields:
            out = Proj(out, f)
        return out

    def dot_call(self, fn: Expr, args: tuple[Expr, ...]) -> App | None:
        """`x.f a` -> `T.f x a` with T the namespace of x's type (field notation); None if not one."""
        if isinstance(fn, Ident) and "." in fn.name:
            proj = self.as_projection(fn)
            if proj is None:
                return None
            fn = proj
        if not isinstance(fn, Proj) or fn.field in TUPLE_FIELDS:
            return None
        recv = fn.expr
        if fn.field in LIST_FIELDS and is_list_term(recv):
            return App(Ident(LIST_FIELDS[fn.field]), (recv, *args) if fn.field != "Pairwise" else (*args, recv))
        if fn.field == "card":
            return App(Ident("Finset.card"), (recv, *args))
        if isinstance(recv, App) and isinstance(recv.fn, Proj):  # x.f.g: resolve the inner call first
            inner = self.dot_call(recv.fn, recv.args)
            recv = inner if inner is not None else recv
        elif isinstance(recv, Proj):
            inner = self.dot_call(recv, ())
            recv = inner if inner is not None else recv
        t = self.known_type([recv])
        if isinstance(t, str) and t.startswith("ZMod "):
            return App(Ident(f"ZMod.{fn.field}"), (recv, *args))
        if t not in NAMESPACES:
            return None
        return App(Ident(f"{NAMESPACES[t]}.{fn.field}"), (recv, *args))

    def poly_type(self, args: Iterable[Expr], expected: str | None) -> str:
        """The type α of `min a b`, `max a b`, `Finset.Icc a b`: the expected type if known, else the type of the
        first argument whose type is known (Lean unifies α with it, then elaborates the rest against α)."""
        if expected is not None:
            return expected
        for a in args:
            t = self.known_type([a])
            if t is not None:
                return t
        return N

    def app_type(self, e: App) -> str | None:
        call = self.dot_call(e.fn, e.args)
        if call is not None:
            e = call
        if not isinstance(e.fn, Ident):
            return None
        name = canon(e.fn.name)
        t = self.lookup(e.fn.name)
        if isinstance(t, FnType):
            return t.ret
        if isinstance(t, EquivType):
            return t.b
        if name in NAT_FUNS:
            return N
        if name in REAL_FUNS:
            return R
        if name == "NNReal.sqrt":
            return NNR
        if name in INT_FUNS:
            return Z
        if name == "Nat.ofDigits" and e.args:
            return self.known_type([e.args[0]])
        if name in ("List.sum", "List.prod") and len(e.args) == 1:
            lst = e.args[0]
            if isinstance(lst, App):
                return N  # Nat.digits
            return self.known_type(getattr(lst, "items", ()))
        if name == "abs":
            return self.known_type(e.args)
        if name in ("min", "max"):
            # α is the first argument's known type; with none (numerals), α is unknown and takes the tree's
            # type, as Lean unifies it with the tree's maximum (`x = min (1 / 2) 3` with x : ℝ is in ℝ)
            return next((t for t in (self.known_type([a]) for a in e.args) if t is not None), None)
        if name in SAME_FUNS:
            return self.known_type(e.args)
        if name == "ZMod.val":
            return N
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
                return self.poly_type(d.args, None)
            if name == "Finset.filter" and len(d.args) == 2:
                return self.domain_elem_type(d.args[1])
        if isinstance(d, Proj) and d.field in ("divisors", "properDivisors"):
            return N
        raise Refusal("big operator over this set", show(d) if d is not None else "a whole type")

    def with_bound(self, extra: dict[str, str], fn: Callable[[], str | None]) -> str | None:
        outer = self.lookup
        self.lookup = lambda n: extra[n] if n in extra else outer(n)
        try:
            return fn()
        finally:
            self.lookup = outer


def type_name(e: Expr) -> str:
    if isinstance(e, Ident) and e.name in TYPE_NAMES:
        return TYPE_NAMES[e.name]
    raise Refusal(f"type {show(e)}", "in a type ascription")


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
