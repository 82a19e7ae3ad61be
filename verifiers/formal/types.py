"""The scalar types of the SMT fragment and Lean's coercion order between them.

Lean elaborates an arithmetic tree with one type: the maximum of its leaves'
known types (and the expected type), inserting `↑` casts at the leaves.  The
order is ℕ < ℤ < ℚ < ℝ < ℂ with ℕ < NNReal < ℝ; ℤ/ℚ and NNReal have no
common supertype Lean would pick, so mixing them is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import App, BinOp, Expr, Ident, show

N, Z, Q, R, C, NNR = "ℕ", "ℤ", "ℚ", "ℝ", "ℂ", "NNReal"
SCALARS = (N, Z, Q, R, C, NNR)
INTEGRAL = (N, Z)
FIELDS = (Q, R, C, NNR)

TYPE_NAMES = {
    "ℕ": N, "Nat": N, "ℤ": Z, "Int": Z, "ℚ": Q, "Rat": Q, "ℝ": R, "Real": R,
    "ℂ": C, "Complex": C, "NNReal": NNR, "ℝ≥0": NNR,
}
# Type constructors we recognise as types but do not model.
UNMODELLED_TYPES = {
    "Finset", "Set", "ZMod", "Equiv", "Fin", "List", "Multiset", "Polynomial", "Matrix", "Type",
    "Type*", "Sort", "Sort*", "ℕ+", "PNat", "ℝ≥0∞", "ENNReal", "EReal", "Prop", "Bool", "Module",
    "Submodule", "Subgroup", "Ideal", "MvPolynomial", "Fintype", "DecidableEq",
}
_RANK = {N: 0, Z: 1, Q: 2, R: 3, C: 4, NNR: 1.5}


@dataclass(frozen=True)
class FnType:
    args: tuple[str, ...]
    ret: str

    def __str__(self) -> str:
        return " → ".join([*self.args, self.ret])


def join(a: str | None, b: str | None) -> str | None:
    """Smallest type both coerce to, Lean-style; refuses ℤ/ℚ mixed with NNReal."""
    if a is None or a == b:
        return b
    if b is None:
        return a
    pair = {a, b}
    if NNR in pair and (Z in pair or Q in pair):
        raise Refusal(f"cannot mix {a} and {b} in one expression")
    return a if _RANK[a] > _RANK[b] else b


def le(a: str, b: str) -> bool:
    """Does `a` coerce to `b`?"""
    try:
        return join(a, b) == b
    except Refusal:
        return False


def classify_binder_type(e: Expr) -> str | FnType | None:
    """Type of a binder if `e` is a type; None if `e` looks like a proposition.

    Raises Refusal for types that exist in Lean but not in this fragment.
    """
    if isinstance(e, Ident):
        if e.name in TYPE_NAMES:
            return TYPE_NAMES[e.name]
        if e.name in UNMODELLED_TYPES or e.name[:1].isupper() and e.name.split(".")[0] in UNMODELLED_TYPES:
            raise Refusal(f"variables of type {e.name} are outside the SMT fragment")
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
                raise Refusal(f"functions involving ℂ ({show(e)}) are outside the SMT fragment")
            return FnType(tuple(kinds[:-1]), kinds[-1])  # type: ignore[arg-type]
        if any(k is not None for k in kinds[:1]) or all(isinstance(p, (Ident, App)) for p in parts) and any(
            isinstance(p, Ident) and p.name in UNMODELLED_TYPES for p in parts
        ):
            raise Refusal(f"function type {show(e)} is outside the SMT fragment")
        return None
    if isinstance(e, App) and isinstance(e.fn, Ident):
        if e.fn.name in UNMODELLED_TYPES:
            raise Refusal(f"variables of type {show(e)} are outside the SMT fragment")
    return None
