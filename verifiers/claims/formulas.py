"""Lean-style formulas of SymPy relations, in the syntax the SMT backend reads
(:func:`mathagent.verifiers.formal.api.check_claim`), with the guards that keep them defined."""

from __future__ import annotations

from typing import Any

from mathagent.verifiers.claims.decision import Refuse
from mathagent.verifiers.claims.parse import parse_math

def lean_formula(e: Any, guards: list[str]) -> str:
    """A formula ``check_claim`` reads, equal in meaning to ``e`` over the reals; collects definedness guards."""
    import sympy

    if isinstance(e, sympy.Integer):
        return f"({int(e)})" if e < 0 else str(int(e))
    if isinstance(e, sympy.Rational):
        return f"({int(e.p)} / {int(e.q)})"
    if isinstance(e, sympy.Symbol):
        return e.name
    if isinstance(e, sympy.Add):
        return "(" + " + ".join(lean_formula(a, guards) for a in e.args) + ")"
    if isinstance(e, sympy.Mul):
        return "(" + " * ".join(lean_formula(a, guards) for a in e.args) + ")"
    if isinstance(e, sympy.Pow):
        b, k = e.args
        base = lean_formula(b, guards)
        if isinstance(k, sympy.Integer):
            if k > 64 or k < -64:
                raise Refuse("exponent too large for the SMT backend")
            if k >= 0:
                return f"({base} ^ {int(k)})"
            if b.free_symbols:
                guards.append(f"{base} ≠ 0")
            return f"(1 / ({base} ^ {int(-k)}))"
        if k == sympy.Rational(1, 2) or k == sympy.Rational(-1, 2):
            if b.free_symbols:
                guards.append(f"{base} ≥ 0")
                if k < 0:
                    guards.append(f"{base} ≠ 0")
            root = f"(Real.sqrt {base})"
            return root if k > 0 else f"(1 / {root})"
        raise Refuse("a power the SMT backend does not model")
    if isinstance(e, sympy.Abs):
        return f"|{lean_formula(e.args[0], guards)}|"
    raise Refuse(f"{type(e).__name__} is not sent to the SMT backend")


_REL = {"Equality": "=", "Unequality": "≠", "StrictLessThan": "<", "LessThan": "≤", "StrictGreaterThan": ">",
        "GreaterThan": "≥"}


def relations(tree: Any) -> list[Any]:
    import sympy

    if isinstance(tree, sympy.And):
        out = []
        for a in tree.args:
            out += relations(a)
        return out
    if type(tree).__name__ in _REL:
        return [tree]
    raise Refuse("not an equation or inequality")


def lean_relation(r: Any, guards: list[str]) -> str:
    return f"{lean_formula(r.lhs, guards)} {_REL[type(r).__name__]} {lean_formula(r.rhs, guards)}"


def hypotheses(claim_hyps: tuple[str, ...]) -> list[Any]:
    rels = []
    for h in claim_hyps:
        rels += relations(parse_math(h))
    if not rels or len(rels) > 8:
        raise Refuse("no conditions, or too many")
    return rels


def domain_relations(var: Any, domain: str) -> list[Any]:
    import sympy

    return {"positive": [sympy.Ge(var, 1)], "negative": [sympy.Le(var, -1)],
            "nonnegative": [sympy.Ge(var, 0)], "": []}[domain]
