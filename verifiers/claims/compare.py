"""One exact comparison of an answer with the value a claim computes, with the claim's rounding instruction."""

from __future__ import annotations

from typing import Any

from mathagent.verifiers.claims.decision import Decision, Outcome, Refuse
from mathagent.verifiers.claims.parse import describe, parse_answer, same
from mathagent.verifiers.claims.shapes import Claim

def _decimal_close(answer: str, a: Any, v: Any) -> bool:
    """A decimal answer within the grader's tolerance of the exact value: not provably the wrong answer."""
    import sympy

    if "." not in answer:
        return False
    try:
        return abs(complex(sympy.N(a - v, 30))) <= 1e-6 * max(1.0, abs(complex(sympy.N(v, 30))))
    except (TypeError, ValueError):
        return False


def compare_value(claim: Claim, expected: Any, answer: str, *, imaginary: bool = False, what: str = "") -> Decision:
    """Outcomes for a single expected value (with a rounding instruction when the claim has one)."""
    import sympy

    vals = parse_answer(answer, many=False, imaginary=imaginary)
    a = vals[0]
    if a.free_symbols - expected.free_symbols:
        raise Refuse("the answer has unknowns the problem does not")
    stmt = f"{what or 'the value'} = {describe(expected)}"
    if claim.rounding is not None:
        if not expected.is_real or expected.free_symbols:
            raise Refuse("rounding a non-real value")
        scale = sympy.Integer(10) ** claim.rounding
        shifted = expected * scale + sympy.Rational(1, 2)
        if same(shifted, sympy.floor(shifted)) is not False:
            raise Refuse("the value is a rounding tie or undecided")
        rounded = sympy.floor(shifted) / scale
        stmt += f", to {claim.rounding} decimal places {rounded}"
        eq = same(a, rounded)
        if eq:
            return Decision((Outcome("pass", f"{answer} is {stmt}"),), statement=stmt)
        if eq is False:
            if same(a, expected):
                return Decision(undecided=f"{answer} is the exact value, not rounded as asked", statement=stmt)
            return Decision((Outcome("fail", f"{answer} is not {stmt}"),), statement=stmt)
        return Decision(undecided="comparison undecided", statement=stmt)
    eq = same(a, expected)
    if eq:
        return Decision((Outcome("pass", f"{answer} equals {stmt}"),), statement=stmt)
    if eq is False:
        if _decimal_close(answer, a, expected):
            return Decision(undecided=f"{answer} is a decimal approximation of {describe(expected)}", statement=stmt)
        return Decision((Outcome("fail", f"{answer} differs from {stmt}"),), statement=stmt)
    return Decision(undecided="comparison undecided", statement=stmt)
