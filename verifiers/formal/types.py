"""The scalar types of the SMT fragment and Lean's coercion order between them.

Lean elaborates an arithmetic tree with one type: the maximum of its leaves'
known types (and the expected type), inserting `↑` casts at the leaves.  The
order is ℕ < ℤ < ℚ < ℝ < ℂ with ℕ < NNReal < ℝ, and ℕ+ < ℕ (ℕ+ coerces to ℕ,
not back); ℤ/ℚ and NNReal have no common supertype Lean would pick, so mixing
them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import App, BinOp, Expr, Ident, Num, show

N, Z, Q, R, C, NNR, PN = "ℕ", "ℤ", "ℚ", "ℝ", "ℂ", "NNReal", "ℕ+"
SCALARS = (N, Z, Q, R, C, NNR, PN)
INTEGRAL = (N, Z, PN)  # integer-sorted in z3
FIELDS = (Q, R, C, NNR)

TYPE_NAMES = {
    "ℕ": N, "Nat": N, "ℤ": Z, "Int": Z, "ℚ": Q, "Rat": Q, "ℝ": R, "Real": R,
    "ℂ": C, "Complex": C, "NNReal": NNR, "ℝ≥0": NNR, "ℕ+": PN, "PNat": PN,
}
# Type constructors we recognise as types but do not model.
UNMODELLED_TYPES = {
    "Finset", "Set", "Fin", "List", "Multiset", "Polynomial", "Matrix", "Type",
    "Type*", "Sort", "Sort*", "ℝ≥0∞", "ENNReal", "EReal", "Prop", "Bool", "Module",
    "Submodule", "Subgroup", "Ideal", "MvPolynomial", "Fintype", "DecidableEq",
}
_RANK = {PN: -1, N: 0, Z: 1, Q: 2, R: 3, C: 4, NNR: 1.5}


def lower_bound(ty: str) -> int | None:
    """The least value of a type with one (ℕ, NNReal, ZMod n: 0, ℕ+: 1), else None."""
    if zmod_modulus(ty) is not None:
        return 0
    return {N: 0, NNR: 0, PN: 1}.get(ty)


def zmod(n: int) -> str:
    """The type `ZMod n` (n ≥ 1), represented by its canonical residues 0 ≤ x < n."""
    return f"ZMod {n}"


def zmod_modulus(ty: object) -> int | None:
    if isinstance(ty, str) and ty.startswith("ZMod "):
        return int(ty[5:])
    return None


def is_integer_sorted(ty: str) -> bool:
    return ty in INTEGRAL or zmod_modulus(ty) is not None


@dataclass(frozen=True)
class FnType:
    args: tuple[str, ...]
    ret: str

    def __str__(self) -> str:
        return " → ".join([*self.args, self.ret])


@dataclass(frozen=True)
class EquivType:
    """`Equiv a b` / `a ≃ b`: a bijection with its inverse (`σ.1 : a → b`, `σ.2 : b → a`)."""

    a: str
    b: str

    def __str__(self) -> str:
        return f"{self.a} ≃ {self.b}"


def join(a: str | None, b: str | None) -> str | None:
    """Smallest type both coerce to, Lean-style; refuses ℤ/ℚ mixed with NNReal."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    for x, y in ((a, b), (b, a)):
        if zmod_modulus(x) is not None:
            if y in (N, Z, PN):  # ℕ and ℤ cast into ZMod n, nothing casts out of it
                return x
            raise Refusal("ill-typed term", f"{x} and {y} have no common type")
    pair = {a, b}
    if NNR in pair and (Z in pair or Q in pair):
        raise Refusal("ill-typed term", f"{a} and {b} have no common type Lean would pick")
    return a if _RANK[a] > _RANK[b] else b


def le(a: str, b: str) -> bool:
    """Does `a` coerce to `b`?"""
    try:
        return join(a, b) == b
    except Refusal:
        return False


def classify_binder_type(e: Expr) -> str | FnType | EquivType | None:
    """Type of a binder if `e` is a type; None if `e` looks like a proposition.

    Raises Refusal for types that exist in Lean but not in this fragment.
    """
    equiv = None
    if isinstance(e, App) and isinstance(e.fn, Ident) and e.fn.name == "Equiv" and len(e.args) == 2:
        equiv = e.args
    elif isinstance(e, BinOp) and e.op == "≃":
        equiv = (e.left, e.right)
    if equiv is not None:
        a, b = (TYPE_NAMES.get(x.name) if isinstance(x, Ident) else None for x in equiv)
        if a is None or b is None or C in (a, b):
            raise Refusal("type Equiv", f"equivalences between {show(equiv[0])} and {show(equiv[1])}")
        return EquivType(a, b)
    if isinstance(e, App) and isinstance(e.fn, Ident) and e.fn.name == "Equiv":
        raise Refusal("type Equiv", show(e))
    if isinstance(e, App) and isinstance(e.fn, Ident) and e.fn.name == "ZMod" and len(e.args) == 1:
        n = e.args[0]
        if isinstance(n, Num) and n.is_integer and 1 <= n.value <= 10**6:
            return zmod(int(n.value))
        raise Refusal("type ZMod", f"ZMod {show(n)}: only a constant modulus from 1 to 10^6")
    if isinstance(e, Ident):
        if e.name in TYPE_NAMES:
            return TYPE_NAMES[e.name]
        if e.name in UNMODELLED_TYPES or e.name[:1].isupper() and e.name.split(".")[0] in UNMODELLED_TYPES:
            raise Refusal(f"type {e.name}", "variables of this type are not modelled")
        return None
    if isinstance(e, BinOp) and e.op == "→":
        parts: list[Expr] = []
        cur: Expr = e
        while isinstance(cur, BinOp) and cur.op == "→":
            parts.append(cur.left)
            cur = cur.right
        parts.append(cur)
        kinds = [classify_binder_type(p) if isinstance(p, (Ident, App)) else None for p in parts]
        if all(isinstance(k, str) for k in kinds):
            if C in kinds:
                raise Refusal("function over ℂ", show(e))
            if any(zmod_modulus(k) is not None for k in kinds):
                raise Refusal("function over ZMod", show(e))
            return FnType(tuple(kinds[:-1]), kinds[-1])  # type: ignore[arg-type]
        if any(k is not None for k in kinds[:1]) or all(isinstance(p, (Ident, App)) for p in parts) and any(
            isinstance(p, Ident) and p.name in UNMODELLED_TYPES for p in parts
        ):
            raise Refusal("function type", show(e))
        return None
    if isinstance(e, App) and isinstance(e.fn, Ident):
        if e.fn.name in UNMODELLED_TYPES:
            raise Refusal(f"type {show(e.fn)}", f"variables of type {show(e)} are not modelled")
    return None
