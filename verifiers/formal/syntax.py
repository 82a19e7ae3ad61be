"""Abstract syntax for the Lean 4 term language subset used by miniF2F/ProofNet.

Nodes are frozen dataclasses so they can be hashed, compared and shared.  The
parser produces them; the elaborator/translator reads them.  Nothing here knows
about types or solvers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction


class Expr:
    """Base class of all term nodes."""

    __slots__ = ()


@dataclass(frozen=True)
class Num(Expr):
    value: Fraction
    text: str

    @property
    def is_integer(self) -> bool:
        return self.value.denominator == 1 and "." not in self.text


@dataclass(frozen=True)
class Ident(Expr):
    name: str


@dataclass(frozen=True)
class App(Expr):
    fn: Expr
    args: tuple[Expr, ...]


@dataclass(frozen=True)
class BinOp(Expr):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class UnOp(Expr):
    """Prefix/postfix operators: '-', '¬', '↑', '⁻¹', '!', 'abs', 'norm', 'floor', 'ceil', 'nfloor', 'sqrt'."""

    op: str
    arg: Expr


@dataclass(frozen=True)
class Ascribe(Expr):
    """`(e : T)`."""

    expr: Expr
    type: Expr


@dataclass(frozen=True)
class Binder:
    """One bound name with an optional type and optional binder predicate (`n ≥ 5`)."""

    name: str
    type: Expr | None = None
    pred_op: str | None = None
    pred_rhs: Expr | None = None


@dataclass(frozen=True)
class Quant(Expr):
    """`∀`, `∃` or `∃!` over binders; binder predicates are kept on the binders."""

    kind: str
    binders: tuple[Binder, ...]
    body: Expr


@dataclass(frozen=True)
class BigOp(Expr):
    """`∑ x ∈ s, body` / `∏ x ∈ s, body` (domain None means `Finset.univ`)."""

    kind: str
    var: str
    domain: Expr | None
    body: Expr


@dataclass(frozen=True)
class Lambda(Expr):
    params: tuple[str, ...]
    body: Expr


@dataclass(frozen=True)
class Proj(Expr):
    """`e.field` (`m.den`, `σ.1`, `S.card`)."""

    expr: Expr
    field: str


@dataclass(frozen=True)
class ModEq(Expr):
    """`a ≡ b [MOD n]` (kind 'MOD' over ℕ, 'ZMOD' over ℤ)."""

    kind: str
    left: Expr
    right: Expr
    modulus: Expr


@dataclass(frozen=True)
class Collection(Expr):
    """List `[a, b]`, set `{a, b}` or tuple `(a, b)` literal."""

    kind: str
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class SetBuilder(Expr):
    var: str
    type: Expr | None
    body: Expr


@dataclass(frozen=True)
class Theorem:
    """A parsed declaration: explicit/implicit binders in order and the goal."""

    name: str
    binders: tuple[tuple[str, Expr, str], ...]  # (name, type-or-prop, bracket kind)
    goal: Expr


def show(e: Expr | None) -> str:
    """Render a node back to (approximately) Lean syntax, for messages."""
    if e is None:
        return "?"
    if isinstance(e, Num):
        return e.text
    if isinstance(e, Ident):
        return e.name
    if isinstance(e, App):
        return " ".join([_atom(e.fn)] + [_atom(a) for a in e.args])
    if isinstance(e, BinOp):
        return f"{_atom(e.left)} {e.op} {_atom(e.right)}"
    if isinstance(e, UnOp):
        if e.op in ("⁻¹", "!"):
            return f"{_atom(e.arg)}{e.op}"
        if e.op in ("abs",):
            return f"|{show(e.arg)}|"
        if e.op == "norm":
            return f"‖{show(e.arg)}‖"
        return f"{e.op}{_atom(e.arg)}"
    if isinstance(e, Ascribe):
        return f"({show(e.expr)} : {show(e.type)})"
    if isinstance(e, Quant):
        bs = " ".join(b.name for b in e.binders)
        return f"{e.kind} {bs}, {show(e.body)}"
    if isinstance(e, BigOp):
        return f"{e.kind} {e.var} ∈ {show(e.domain)}, {show(e.body)}"
    if isinstance(e, Lambda):
        return f"fun {' '.join(e.params)} => {show(e.body)}"
    if isinstance(e, Proj):
        return f"{_atom(e.expr)}.{e.field}"
    if isinstance(e, ModEq):
        return f"{show(e.left)} ≡ {show(e.right)} [{e.kind} {show(e.modulus)}]"
    if isinstance(e, Collection):
        o, c = {"list": "[]", "set": "{}", "tuple": "()"}[e.kind]
        return o + ", ".join(show(i) for i in e.items) + c
    if isinstance(e, SetBuilder):
        return f"{{{e.var} | {show(e.body)}}}"
    return repr(e)


def _atom(e: Expr) -> str:
    if isinstance(e, (Num, Ident, Proj, Collection, Ascribe)):
        return show(e)
    return f"({show(e)})"


def transform(e: Expr, fn: Callable[[Expr], Expr]) -> Expr:
    """Rebuild e bottom-up, replacing each node n by fn(n) (binders are kept as they are)."""
    def go(x: Expr | None) -> Expr | None:
        if x is None:
            return None
        if isinstance(x, App):
            x = App(go(x.fn), tuple(go(a) for a in x.args))  # type: ignore[arg-type]
        elif isinstance(x, BinOp):
            x = BinOp(x.op, go(x.left), go(x.right))  # type: ignore[arg-type]
        elif isinstance(x, UnOp):
            x = UnOp(x.op, go(x.arg))  # type: ignore[arg-type]
        elif isinstance(x, Ascribe):
            x = Ascribe(go(x.expr), x.type)  # type: ignore[arg-type]
        elif isinstance(x, Quant):
            x = Quant(x.kind, tuple(Binder(b.name, b.type, b.pred_op, go(b.pred_rhs)) for b in x.binders),
                      go(x.body))  # type: ignore[arg-type]
        elif isinstance(x, BigOp):
            x = BigOp(x.kind, x.var, go(x.domain), go(x.body))  # type: ignore[arg-type]
        elif isinstance(x, Lambda):
            x = Lambda(x.params, go(x.body))  # type: ignore[arg-type]
        elif isinstance(x, Proj):
            x = Proj(go(x.expr), x.field)  # type: ignore[arg-type]
        elif isinstance(x, ModEq):
            x = ModEq(x.kind, go(x.left), go(x.right), go(x.modulus))  # type: ignore[arg-type]
        elif isinstance(x, Collection):
            x = Collection(x.kind, tuple(go(i) for i in x.items))  # type: ignore[arg-type]
        elif isinstance(x, SetBuilder):
            x = SetBuilder(x.var, x.type, go(x.body))  # type: ignore[arg-type]
        return fn(x)

    return go(e)  # type: ignore[return-value]
