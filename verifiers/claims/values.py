"""Claims about one value: ``Compute $E$``, a remainder, gcd/lcm/divisors of literal numbers, and values of
functions the problem defines (``f(g(-2))`` with ``f(x) = ...``)."""

from __future__ import annotations

import re
from typing import Any

from mathagent.verifiers.claims.compare import compare_value
from mathagent.verifiers.claims.decision import Decision, Outcome, Refuse
from mathagent.verifiers.claims.parse import evaluate, parse_answer, parse_math, with_imaginary_unit
from mathagent.verifiers.claims.shapes import Claim

MAX_FACTORIAL_MOD = 1_000_000
MAX_FACTOR = 10**30              # numbers factorized for divisor questions


def decide_value(claim: Claim, answer: str) -> Decision:
    """``Compute $E$``: E's exact value (``i`` alone is the imaginary unit); ``Simplify $E$`` may have unknowns."""
    import sympy

    e = parse_math(claim.math[0])
    if not isinstance(e, sympy.Expr):
        raise Refuse("not an expression")
    syms = e.free_symbols
    imaginary = syms == {sympy.Symbol("i")}
    if imaginary:
        e = with_imaginary_unit(e)
    elif syms and not (claim.op == "simplify" and e.is_rational_function()):
        raise Refuse("an expression with unknowns")
    expected = evaluate(e)
    return compare_value(claim, expected, answer, imaginary=imaginary, what=claim.math[0])


def _int_value(e: Any) -> int:
    import sympy

    v = evaluate(e)
    if not (isinstance(v, sympy.Integer)):
        raise Refuse("not an integer")
    return int(v)


def _mod_eval(e: Any, n: int, inverses: bool) -> int:
    """``e mod n`` for a closed integer expression, with modular powers; :class:`Refuse` otherwise."""
    import sympy

    if isinstance(e, sympy.Integer):
        return int(e) % n
    if isinstance(e, sympy.Add):
        return sum(_mod_eval(a, n, inverses) for a in e.args) % n
    if isinstance(e, sympy.Mul):
        out = 1
        for a in e.args:
            out = out * _mod_eval(a, n, inverses) % n
        return out
    if isinstance(e, sympy.Pow):
        k = _int_value(e.args[1])
        b = _mod_eval(e.args[0], n, inverses)
        if k < 0:
            if not inverses:
                raise Refuse("a negative power in an integer remainder")
            try:
                return pow(pow(b, -1, n), -k, n)
            except ValueError:
                raise Refuse("no inverse modulo n") from None
        return pow(b, k, n)
    if isinstance(e, sympy.factorial):
        k = _int_value(e.args[0])
        if k < 0:
            raise Refuse("factorial of a negative number")
        if k >= n:
            return 0
        if k > MAX_FACTORIAL_MOD:
            raise Refuse("factorial too large")
        out = 1
        for j in range(2, k + 1):
            out = out * j % n
        return out
    return _int_value(e) % n


def _nonnegative_build(e: Any) -> bool:
    """Built from nonnegative integers with +, *, nonnegative powers and factorials only."""
    import sympy

    if isinstance(e, sympy.Integer):
        return e >= 0
    if isinstance(e, (sympy.Add, sympy.Mul)):
        return all(_nonnegative_build(a) for a in e.args)
    if isinstance(e, sympy.Pow):
        return _nonnegative_build(e.args[0]) and _nonnegative_build(e.args[1])
    if isinstance(e, (sympy.factorial, sympy.binomial)):
        return True
    return False


def decide_residue(claim: Claim, answer: str) -> Decision:
    import sympy

    e = parse_math(claim.math[0])
    if not isinstance(e, sympy.Expr) or e.free_symbols:
        raise Refuse("not a closed expression")
    n = int(claim.modulus)
    if claim.template == "units_digit" and not _nonnegative_build(e):
        if _int_value(e) < 0:
            raise Refuse("the units digit of a negative number")
    r = _mod_eval(e, n, inverses=claim.template == "pmod")
    a = parse_answer(answer, many=False)[0]
    what = "units digit" if claim.template == "units_digit" else f"{claim.math[0]} mod {n}"
    stmt = f"{what} = {r}"
    if not isinstance(a, sympy.Integer):
        if a.is_number and a.is_real is not None:
            return Decision((Outcome("fail", f"{answer} is not an integer; {stmt}"),), statement=stmt)
        raise Refuse("answer not a number")
    if int(a) == r:
        return Decision((Outcome("pass", f"{answer}: {stmt})"),), statement=stmt)
    return Decision((Outcome("fail", f"{answer} differs: {stmt})"),), statement=stmt)


def decide_numtheory(claim: Claim, answer: str) -> Decision:
    import math

    import sympy

    nums = []
    for s in claim.math:
        e = parse_math(s)
        if not isinstance(e, sympy.Expr) or e.free_symbols:
            raise Refuse("not a closed expression")
        v = _int_value(e)
        if v <= 0:
            raise Refuse("not a positive integer")
        nums.append(v)
    op = claim.op
    if op in ("gcd", "lcm"):
        if len(nums) < 2:
            raise Refuse("fewer than two numbers")
        value = math.gcd(*nums) if op == "gcd" else math.lcm(*nums)
    else:
        (n,) = nums
        if n > MAX_FACTOR:
            raise Refuse("number too large to factor")
        primes = sorted(sympy.primefactors(n))
        if op == "ndiv":
            value = int(sympy.divisor_count(n))
        elif op == "sigma":
            value = int(sympy.divisor_sigma(n))
        elif op in ("max_prime", "min_prime", "sum_primes", "nprimes"):
            if n < 2 and op != "nprimes":
                raise Refuse("1 has no prime factors")
            value = {"max_prime": primes[-1] if primes else 0, "min_prime": primes[0] if primes else 0,
                     "sum_primes": sum(primes), "nprimes": len(primes)}[op]
        else:
            raise Refuse(f"unknown operation {op}")
    return compare_value(claim, sympy.Integer(value), answer, what=f"{op}({', '.join(map(str, nums))})")


_DEF = re.compile(r"([A-Za-z])\s*\(\s*([a-z])\s*\)\s*=(.+)")
MAX_APPLICATIONS = 16


def _apply_definitions(target: str, defs: dict[str, tuple[str, str]]) -> str:
    """``f(g(-2))`` with ``f(x) = 3x+2``, ``g(x) = (x-1)^2`` -> the closed LaTeX expression, innermost first.

    The parser cannot be trusted with applications (it reads ``f(f(1))`` as ``f·f(1)``), so they are
    expanded in the text: an application whose argument holds no other application is replaced by
    the definition's body with its variable replaced by the parenthesized argument.
    """
    for _ in range(MAX_APPLICATIONS):
        best = None
        for m in re.finditer(r"(?<![A-Za-z\\])([A-Za-z])\s*\(", target):
            if m.group(1) not in defs:
                continue
            depth, end = 0, None
            for j in range(m.end() - 1, len(target)):
                depth += {"(": 1, ")": -1}.get(target[j], 0)
                if depth == 0:
                    end = j
                    break
            if end is None:
                raise Refuse("unbalanced parentheses")
            arg = target[m.end():end]
            if not any(re.search(rf"(?<![A-Za-z\\]){f}\s*\(", arg) for f in defs):
                best = (m.start(), end, m.group(1), arg)
                break
        if best is None:
            break
        start, end, f, arg = best
        var, body = defs[f]
        # 3x with x = (1) must stay a product: the parser reads 3(1) as 3 + 1
        expanded = re.sub(rf"(?<![A-Za-z\\])(\s*){var}(?![A-Za-z])",
                          lambda _m: " \\cdot (" + arg + ")", body)
        expanded = re.sub(r"^\s*\\cdot|([-+=(\[{]|\\frac|\\sqrt)\s*\\cdot", r"\1", expanded.strip())
        target = target[:start] + "(" + expanded + ")" + target[end + 1:]
    if any(re.search(rf"(?<![A-Za-z\\]){f}(?![A-Za-z])", target) for f in defs):
        raise Refuse("a defined function used other than applied to a value")
    return target


def decide_definitions(claim: Claim, answer: str) -> Decision | None:
    """``If f(x) = <body in x> [and g(x) = ...], what is <expression of applications>?``; None if not that."""
    defs: dict[str, tuple[str, str]] = {}
    for h in claim.math[1:]:
        m = _DEF.fullmatch(h.strip())
        if m is None:
            return None
        f, var, body = m.groups()
        if f in defs or f == var or re.search(r"(?<![A-Za-z\\])[A-Za-z]\s*\(", body):
            raise Refuse("a definition that is not explicit")
        letters = set(re.findall(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])", body))
        if letters - {var}:
            raise Refuse("a definition with parameters")
        defs[f] = (var, body.strip())
    if not defs:
        return None
    import sympy

    closed = _apply_definitions(claim.math[0], defs)
    e = parse_math(closed)
    if not isinstance(e, sympy.Expr) or e.free_symbols:
        raise Refuse("the asked value is not closed once the definitions are applied")
    return compare_value(claim, evaluate(e), answer, what=claim.math[0])
