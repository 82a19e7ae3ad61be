"""Types of untyped bound variables (`∀ x, …`, `∃ x, …`, `{x | …}`), fixed where Lean fixes them.

Lean gives an untyped binder a type metavariable and elaborates the body left to right (`a → b`, `a ∧ b`,
`a ∨ b`, `a ↔ b`: a before b; a binder predicate `∀ x > 0, p` is `∀ x, x > 0 → p`).  The metavariable is
assigned at the FIRST place that constrains it, and later uses coerce the variable at their leaves (`↑x`):

* a `binop%`/`binrel%` tree (`+ - * / %`, unary `-`, the base of `^`, `= ≠ < > ≤ ≥`): its leaves are
  elaborated first, in order (an application inside a leaf can fix the variable there), then the tree's type
  is the maximum of the known leaf types (and the expected type, if any) and a leaf whose type is still
  unknown (the variable, `|x|`, `x⁻¹`) is unified with it.  Numerals and `↑e` give no evidence;
* an argument of a function with a known domain (`f x` with `f : ℕ → ℝ`, `Nat.Prime x`, `Real.sqrt x`,
  `n !`, `√x`): the argument is elaborated against the domain (a tree takes it into its maximum);
* a type ascription `(x : T)` (a tree under it is elaborated against T);
* the arguments of `min a b`, `max a b`, `Finset.Icc a b`, …: one type α, fixed by the first argument of known
  type (an unknown variable before it is unified with α, so it gets that type too);
* membership `x ∈ Finset.range n` (ℕ) or `x ∈ Finset.Icc a b` (the type of the bounds, when known).

A tree with no known leaf type leaves the variable unknown; if it holds two such variables Lean may unify
them with each other, which is not modelled: refused.  Any other place the variable occurs before its type is
fixed (under `∣`, `↑`, `⌊·⌋`, a `fun`, a set-builder, a big operator's body, field notation, an unknown
function) is refused ("unsupported: untyped bound variable"), never guessed; so is a variable with no evidence
at all (Lean would default a numeral's type to ℕ, which silently changes goals meant over ℝ).
"""

from __future__ import annotations

from collections.abc import Callable

from mathagent.verifiers.formal.elaborate import ARITH_OPS, Elaborator, type_name
from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.scope import free_names
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Expr, Ident, ModEq, Num, Quant, UnOp, show,
)
from mathagent.verifiers.formal.types import FnType, N, R, Z, classify_binder_type, join

REL_OPS = ("=", "≠", "<", ">", "≤", "≥")
CONNECTIVES = ("∧", "∨", "→", "↔")

# Monomorphic functions (qualified names only: an unqualified `sqrt` or `gcd` may be another function):
# every argument is elaborated against this type.
BUILTIN_ARG_TYPES = {
    "Finset.range": N, "Nat.gcd": N, "Nat.lcm": N, "Nat.choose": N, "Nat.factorial": N, "Nat.sqrt": N,
    "Nat.Prime": N, "Nat.divisors": N, "Nat.properDivisors": N, "Nat.succ": N, "Nat.pred": N,
    "Nat.totient": N, "Nat.fib": N, "Nat.digits": N, "Int.natAbs": Z, "Int.toNat": Z, "Int.gcd": Z,
    "Int.lcm": Z, "Real.sqrt": R, "Real.log": R, "Real.exp": R, "Real.sin": R, "Real.cos": R, "Real.tan": R,
    "Real.arctan": R, "Real.sinh": R, "Real.cosh": R, "Real.logb": R, "Real.rpow": R, "Irrational": R,
}
# Polymorphic one-argument predicates: the argument is elaborated with no information about its type.
NEUTRAL_PREDICATES = ("Even", "Odd")
# Intervals whose element type is the type of their bounds.
INTERVALS = ("Finset.Icc", "Finset.Ico", "Finset.Ioc", "Finset.Ioo", "Set.Icc", "Set.Ico", "Set.Ioc", "Set.Ioo")


class _AllFixed(Exception):
    """Every variable asked about has its type: the rest of the body cannot change it."""


def infer_binder_types(el: Elaborator, q: Quant) -> dict[str, str]:
    """The types Lean gives the untyped binders of `q`, from the first place in elaboration order that fixes
    each (see the module docstring); a binder missing from the result has no evidence.  Raises Refusal where
    the first use is one whose effect on the type is not modelled."""
    wanted = [b.name for b in q.binders if b.type is None and b.pred_op != "hyp"]
    walk = _Walk(el, wanted)
    outer = el.lookup
    el.lookup = walk.lookup_in(outer)
    try:
        walk.quant(q)
    except _AllFixed:
        pass
    finally:
        el.lookup = outer
    return {n: walk.fixed[n] for n in wanted if n in walk.fixed}


class _Walk:
    def __init__(self, el: Elaborator, wanted: list[str]):
        self.el = el
        self.wanted = wanted
        self.unknown: set[str] = set()  # binders whose type is still a metavariable (inner ones too)
        self.fixed: dict[str, str] = {}
        self.scope: dict[str, str | FnType] = {}  # typed binders met inside the body

    def lookup_in(self, outer: Callable[[str], object]) -> Callable[[str], object]:
        def lookup(name: str):  # type: ignore[no-untyped-def]
            if name in self.fixed:
                return self.fixed[name]
            if name in self.unknown:
                return None
            if name in self.scope:
                return self.scope[name]
            return outer(name)
        return lookup

    # -- state ---------------------------------------------------------------------------------------------

    def fix(self, name: str, ty: str) -> None:
        if name not in self.unknown:
            return
        self.unknown.discard(name)
        self.fixed[name] = ty
        if all(n in self.fixed for n in self.wanted):
            raise _AllFixed

    def unknown_in(self, e: Expr | None) -> list[str]:
        names: set[str] = set()
        free_names(e, names)
        return sorted(n for n in names if n in self.unknown)

    def opaque(self, e: Expr | None, what: str) -> None:
        """A place whose effect on an unknown binder type is not modelled: refuse if one occurs in it."""
        names = self.unknown_in(e)
        if names:
            raise Refusal("untyped bound variable",
                          f"the type of {', '.join(names)} would first be fixed by {what}, which is not modelled")

    # -- propositions -----------------------------------------------------------------------------------------

    def quant(self, e: Quant) -> None:
        for b in e.binders:
            if b.pred_op == "hyp":
                self.prop(b.pred_rhs)
                continue
            if b.type is None:
                self.unknown.add(b.name)
            else:
                ty = classify_binder_type(b.type)
                if not isinstance(ty, (str, FnType)):
                    raise Refusal(f"bound variable of type {show(b.type)}", b.name)
                self.scope[b.name] = ty
            if b.pred_op is not None and b.pred_rhs is not None:
                self.prop(BinOp(b.pred_op, Ident(b.name), b.pred_rhs))
        self.prop(e.body)

    def prop(self, e: Expr | None) -> None:
        if e is None:
            return
        if isinstance(e, BinOp) and e.op in CONNECTIVES:
            self.prop(e.left)
            self.prop(e.right)
        elif isinstance(e, BinOp) and e.op in REL_OPS:
            self.tree([e.left, e.right], None)
        elif isinstance(e, BinOp) and e.op in ("∈", "∉"):
            self.member(e.left, e.right)
        elif isinstance(e, BinOp):
            self.opaque(e, f"`{e.op}`")  # `∣` is Dvd.dvd, not a binrel% tree
        elif isinstance(e, UnOp) and e.op == "¬":
            self.prop(e.arg)
        elif isinstance(e, Quant):
            self.quant(e)
        elif isinstance(e, ModEq):  # `a ≡ b [MOD n]` is `Nat.ModEq n a b`
            for part in (e.modulus, e.left, e.right):
                self.against(part, N if e.kind == "MOD" else Z)
        elif isinstance(e, App):
            self.app(e)
        else:
            self.opaque(e, show(e)[:40])

    def member(self, x: Expr, s: Expr) -> None:
        """`x ∈ s`: x is unified with the element type of s, for the sets whose element type is certain;
        anything else with an unknown binder: refused."""
        elem: str | None = None
        linked: str | None = None
        if isinstance(s, App) and isinstance(s.fn, Ident) and s.fn.name in ("Finset.range", "range") \
                and len(s.args) == 1:
            self.against(s.args[0], N)
            elem = N
        elif isinstance(s, App) and isinstance(s.fn, Ident) and s.fn.name in INTERVALS and len(s.args) == 2:
            elem, linked = self.poly(s.args, "the bounds of an interval")
        else:
            self.opaque(BinOp("∈", x, s), "membership in this set")
            return
        if not (isinstance(x, Ident) and x.name in self.unknown):
            self.opaque(x, "a term elaborated against a set's element type")
            if linked is not None:  # the bounds' type is the unknown `linked`: x's type fixes it
                tx = self.el.known_type([x])
                if tx is None:
                    self.opaque(s, "membership in this set")
                else:
                    self.fix(linked, tx)
        elif elem is not None:
            self.fix(x.name, elem)
        elif linked is not None:
            self.link([x.name, linked])

    # -- terms ------------------------------------------------------------------------------------------------

    def term(self, e: Expr) -> str | None:
        """Walk a term elaborated with no expected type; returns the unknown binder whose type it has, if any."""
        if _is_tree(e):
            self.tree([e], None)
            return None
        return self.leaf(e)

    def against(self, e: Expr, expected: str) -> None:
        """Walk a term elaborated against a known expected type (a function's domain, an ascription)."""
        if _is_tree(e):
            self.tree([e], expected)
            return
        alias = self.leaf(e)
        if alias is not None:
            self.fix(alias, expected)

    def tree(self, roots: list[Expr], expected: str | None) -> None:
        """A binop%/binrel% tree: leaves elaborated in order, then unknown leaves take the maximum type."""
        leaves: list[tuple[Expr, str | None]] = []
        for r in roots:
            self.collect(r, leaves)
        t = expected
        aliases: list[str] = []
        for leaf, alias in leaves:
            if alias is not None and alias in self.unknown:
                aliases.append(alias)
            else:
                t = join(t, self.el.leaf_type(leaf))
        if t is not None:
            for a in aliases:
                self.fix(a, t)
        else:
            self.link(aliases)

    def link(self, aliases: list[str]) -> None:
        """Unknown binders meeting where no type is known: Lean may unify their types there (not modelled)."""
        names = sorted(set(a for a in aliases if a in self.unknown))
        if len(names) > 1:
            raise Refusal("untyped bound variable",
                          f"{', '.join(names)} meet in a term with no known type (Lean may unify their types "
                          "there), which is not modelled")

    def poly(self, args: tuple[Expr, ...], what: str) -> tuple[str | None, str | None]:
        """Arguments of `f {α} (a b : α)` (`min`, `max`, `Finset.Icc`): elaborated in order against α, which the
        first argument of known type fixes (an unknown binder before it gets that type too).  Returns (α, None)
        or, if α stays unknown, (None, the unknown binder α is, if any)."""
        t: str | None = None
        pending: list[str] = []
        for a in args:
            if _is_tree(a):
                self.tree([a], t)
                self.opaque(a, what)  # a tree of unknown type: its type is not its variables'
                u = self.el.known_type([a])
            else:
                alias = self.leaf(a)
                if alias is not None and alias in self.unknown:
                    if t is not None:
                        self.fix(alias, t)
                    else:
                        pending.append(alias)
                    continue
                u = self.el.leaf_type(a)
            if u is not None and t is None:
                t = u
                for p in pending:
                    self.fix(p, t)
                pending = []
        if t is not None:
            return t, None
        self.link(pending)
        return None, (pending[0] if pending else None)

    def collect(self, e: Expr, out: list[tuple[Expr, str | None]]) -> None:
        if isinstance(e, BinOp) and e.op in ARITH_OPS:
            self.collect(e.left, out)
            self.collect(e.right, out)
        elif isinstance(e, BinOp) and e.op == "^":
            self.collect(e.left, out)
            self.term(e.right)  # the exponent is a term of its own
        elif isinstance(e, UnOp) and e.op == "-":
            self.collect(e.arg, out)
        else:
            out.append((e, self.leaf(e)))

    def leaf(self, e: Expr) -> str | None:
        if isinstance(e, Num):
            return None
        if isinstance(e, Ident):
            if e.name in self.unknown:
                return e.name
            self.opaque(e, "field notation")  # `x.succ` on a variable of unknown type
            return None
        if isinstance(e, Ascribe):
            self.against(e.expr, type_name(e.type))
            return None
        if isinstance(e, UnOp):
            if e.op == "-":
                self.tree([e], None)
                return None
            if e.op == "!":
                self.against(e.arg, N)
                return None
            if e.op == "sqrt":
                self.against(e.arg, R)
                return None
            if e.op in ("abs", "⁻¹"):
                return self.same_type_as_arg(e.arg, e)
            self.opaque(e, show(e)[:40])
            return None
        if isinstance(e, App):
            return self.app(e)
        if isinstance(e, BigOp):
            if e.domain is not None:
                self.term(e.domain)
            self.opaque(e.body, "the body of a big operator")
            return None
        self.opaque(e, show(e)[:40])  # fun, set-builder, tuples, projections, ...
        return None

    def same_type_as_arg(self, arg: Expr, e: Expr) -> str | None:
        """`|a|`, `a⁻¹`: of the type of a; a bare unknown binder makes the leaf as unknown as itself."""
        if _is_tree(arg):
            self.tree([arg], None)
            self.opaque(arg, show(e)[:40])  # the tree's type, not the variable's, is the leaf's
            return None
        return self.leaf(arg)

    def app(self, e: App) -> str | None:
        fn = e.fn
        if isinstance(fn, Ident) and fn.name not in self.unknown:
            t = self.el.lookup(fn.name)
            if isinstance(t, FnType):
                if len(e.args) != len(t.args):
                    self.opaque(e, f"a partial application of {fn.name}")
                    return None
                for a, dom in zip(e.args, t.args):
                    self.against(a, dom)
                return None
            if t is None and fn.name in BUILTIN_ARG_TYPES:
                for a in e.args:
                    self.against(a, BUILTIN_ARG_TYPES[fn.name])
                return None
            if t is None and fn.name in NEUTRAL_PREDICATES and len(e.args) == 1:
                self.term(e.args[0])
                return None
            if t is None and fn.name == "abs" and len(e.args) == 1:
                return self.same_type_as_arg(e.args[0], e)
            if t is None and fn.name in ("min", "max") and len(e.args) == 2:
                return self.poly(e.args, show(e)[:40])[1]  # min a b : α
            if t is None and fn.name in INTERVALS and len(e.args) == 2:
                if self.poly(e.args, show(e)[:40])[1] is not None:  # a set of elements of an unknown type
                    self.opaque(e, show(e)[:40])
                return None
        self.opaque(e, show(e)[:40])
        return None


def _is_tree(e: Expr) -> bool:
    return (isinstance(e, BinOp) and (e.op in ARITH_OPS or e.op == "^")) or (isinstance(e, UnOp) and e.op == "-")
