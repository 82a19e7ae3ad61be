"""Constants and small helpers of the Lean-to-z3 translation (:mod:`mathagent.verifiers.formal.translate`):
budgets, z3 boolean combinators, Lean's `Nat.digits`, free identifiers of a term."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import z3

from mathagent.verifiers.formal.elaborate import ARITH_OPS, canon
from mathagent.verifiers.formal.errors import OutOfBudget
from mathagent.verifiers.formal.scope import free_names
from mathagent.verifiers.formal.syntax import App, BigOp, BinOp, Collection, Expr, Ident, UnOp
from mathagent.verifiers.formal.types import FnType

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


def is_tree(e: Expr) -> bool:
    """A node of Lean's `binop%` tree (its leaves are elaborated with no expected type)."""
    return (isinstance(e, BinOp) and (e.op in ARITH_OPS or e.op == "^")) or (isinstance(e, UnOp) and e.op == "-")


def takes_expected(e: Expr) -> bool:
    """Leaves whose result type is their argument's: elaborated against an expected type, they pass it inside."""
    if isinstance(e, BigOp):
        return True
    if isinstance(e, UnOp):
        return e.op in ("abs", "⁻¹")
    if isinstance(e, App) and isinstance(e.fn, Ident):
        return canon(e.fn.name) in ("abs", "min", "max", "id", "Finset.sum", "Finset.prod")
    return False


def is_tuple(e: Expr) -> bool:
    return isinstance(e, Collection) and e.kind == "tuple"


def lean_digits(b: int, n: int) -> list[int]:
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


def zbool(b: Any) -> Any:
    return z3.BoolVal(b) if isinstance(b, bool) else b


def z_not(b: Any) -> Any:
    return (not b) if isinstance(b, bool) else z3.Not(b)


def z_and(bs: list[Any]) -> Any:
    if any(b is False for b in bs):
        return False
    rest = [b for b in bs if b is not True]
    return True if not rest else rest[0] if len(rest) == 1 else z3.And(*rest)


def z_or(bs: list[Any]) -> Any:
    if any(b is True for b in bs):
        return True
    rest = [b for b in bs if b is not False]
    return False if not rest else rest[0] if len(rest) == 1 else z3.Or(*rest)


def divisors(n: int) -> list[int]:
    if n == 0:
        return []
    out = set()
    for i in range(1, math.isqrt(n) + 1):
        if n % i == 0:
            out.update((i, n // i))
    return sorted(out)


def idents(e: Expr) -> set[str]:
    from mathagent.verifiers.formal.elaborate import free_idents

    return free_idents(e)
