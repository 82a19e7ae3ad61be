"""Exact residue reduction for integer variables used only modulo constants.

If every occurrence of an integer variable v sits inside `P % m` (m a nonzero
constant, and the path from `%` down to v made only of `+ - *` and constant
powers), every formula depends on v only through v mod L, L the lcm of those
m.  Replacing v by a fresh r with 0 ≤ r < L is then exact in both directions:
unsat stays unsat (every residue is covered) and a model gives a genuine
counterexample (v := r).  This turns goals like `a ^ 2 % 4 = 0 ∨ a ^ 2 % 4 = 1`
(nonlinear integer arithmetic with `%`, where z3 often times out) into finite
checks.
"""

from __future__ import annotations

import math
from typing import Any

import z3

_POLY_OPS = {z3.Z3_OP_ADD, z3.Z3_OP_SUB, z3.Z3_OP_MUL, z3.Z3_OP_UMINUS}
MAX_MODULUS = 10_000


def _mod_context(e: Any) -> int | None:
    if z3.is_app(e) and e.decl().kind() == z3.Z3_OP_MOD and z3.is_int_value(e.arg(1)):
        m = abs(e.arg(1).as_long())
        return m or None
    return None


def _occurrences(formulas: list[Any], targets: dict[int, Any], ignore: set[int]) -> dict[int, int | None]:
    """For each target const id: lcm of enclosing moduli, or None if it occurs outside any."""
    result: dict[int, int | None] = {}
    stack: list[tuple[Any, int | None]] = [(f, None) for f in formulas]
    seen: set[tuple[int, int | None]] = set()
    for _ in range(2_000_000):
        if not stack:
            break
        e, ctx = stack.pop()
        key = (e.get_id(), ctx)
        if key in seen:
            continue
        seen.add(key)
        if e.get_id() in ignore:
            continue
        if z3.is_const(e) and e.get_id() in targets:
            prev = result.get(e.get_id(), 1)
            result[e.get_id()] = None if ctx is None or prev is None else math.lcm(prev, ctx)
            continue
        if z3.is_quantifier(e):
            stack.append((e.body(), None))
            continue
        if not z3.is_app(e):
            continue
        m = _mod_context(e)
        if m is not None:
            stack.append((e.arg(0), m))
            stack.append((e.arg(1), None))
            continue
        kind = e.decl().kind()
        keep = ctx is not None and (kind in _POLY_OPS or kind == z3.Z3_OP_POWER and z3.is_int_value(e.arg(1)))
        for c in e.children():
            stack.append((c, ctx if keep else None))
    return result


def reduce_residues(formulas: list[Any], int_vars: list[Any],
                    sides: list[Any]) -> tuple[list[Any], list[Any], list[tuple[Any, Any]]]:
    """Return (formulas', sides', substitution).  `sides` may hold `v >= 0` facts, which stay true for r."""
    targets = {v.get_id(): v for v in int_vars if z3.is_const(v) and v.sort() == z3.IntSort()}
    if not targets:
        return formulas, sides, []
    nonneg = {s.get_id() for s in sides
              if z3.is_app(s) and s.decl().kind() == z3.Z3_OP_GE and s.arg(0).get_id() in targets}
    occ = _occurrences(formulas + sides, targets, nonneg)
    subst = []
    bounds = []
    for vid, lcm in occ.items():
        if lcm is None or lcm > MAX_MODULUS:
            continue
        v = targets[vid]
        r = z3.Int(f"{v}%{lcm}")
        subst.append((v, r))
        bounds.append(z3.And(r >= 0, r < lcm))
    if not subst:
        return formulas, sides, []
    new_f = [z3.substitute(f, *subst) for f in formulas]
    new_s = [z3.substitute(s, *subst) for s in sides] + bounds
    return new_f, new_s, subst
