"""Formal checks of an informal answer: "x = 6 satisfies 3x + 7 = 25, and nothing else does".

When a problem states exactly one equation in one variable (``Solve for x:
3x + 7 = 25``), the claimed answer is checked twice: substituted into the
equation with SymPy (a wrong answer *fails*), then the claim ``∀ x : ℝ,
equation → x = answer`` goes to the SMT backend (proved: the answer is the
unique solution, *pass*, labelled SMT-checked; refuted: another solution
exists, which the problem may have ruled out in words, so only
*inconclusive*).  Anything less simple is not attempted: this check refuses
rather than guesses.
"""

from __future__ import annotations

import re

from mathagent.verifiers.checks import CheckResult

NAME = "smt_equation_claim"
_TOKEN = re.compile(r"^[-+*/^().\d]*[a-z]?[-+*/^().\d]*$")
_ALLOWED = re.compile(r"^[-+*/^().\d\s]*$")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?(/\d+)?$")


_PUNCT = ".,;:?!"


def _left(tokens: list[str]) -> list[str]:
    """Formula tokens immediately before '=' (walking backwards; punctuation ends it)."""
    out = []
    for tok in reversed(tokens):
        if tok[-1:] in _PUNCT or not _TOKEN.match(tok):
            break
        out.append(tok)
    return out[::-1]


def _right(tokens: list[str]) -> list[str]:
    """Formula tokens immediately after '=' (a token with trailing punctuation is the last)."""
    out = []
    for tok in tokens:
        core = tok.rstrip(_PUNCT)
        if not core or not _TOKEN.match(core):
            break
        out.append(core)
        if core != tok:
            break
    return out


def find_equation(problem: str) -> tuple[str, str] | None:
    """The single one-variable equation in ``problem`` as (Lean-style formula, variable), or None."""
    text = problem.replace("−", "-").replace("·", "*").replace("×", "*").replace("$", " ")
    text = re.sub(r"\s*=\s*", " = ", text)
    tokens = text.split()
    found = []
    for i, tok in enumerate(tokens):
        if tok != "=":
            continue
        left, right = _left(tokens[:i]), _right(tokens[i + 1:])
        if not left or not right:
            continue
        eq = " ".join(left) + " = " + " ".join(right)
        letters = set(re.findall(r"[a-z]", eq))
        if len(letters) != 1:
            continue
        var = letters.pop()
        if not _ALLOWED.match(eq.replace(var, "").replace("=", "")):
            continue
        lean = re.sub(rf"(\d|\))\s*(?={var}|\()", r"\1*", eq)  # 3x -> 3*x, 2(x+1) -> 2*(x+1)
        lean = re.sub(rf"{var}\s*\(", f"{var}*(", lean)
        found.append((lean, var))
    return found[0] if len(found) == 1 else None


def check_equation_claim(problem: str, answer: str, timeout_s: float = 5.0) -> CheckResult | None:
    """A verdict for ``answer`` when the problem is one simple equation; None when not applicable."""
    eq = find_equation(problem)
    ans = answer.strip().replace(" ", "")
    if eq is None or not _NUMBER.match(ans):
        return None
    lean, var = eq
    import sympy

    lhs, rhs = lean.split("=")
    try:
        x = sympy.Symbol(var)
        expr = sympy.sympify(lhs.replace("^", "**"), locals={var: x}) - sympy.sympify(
            rhs.replace("^", "**"), locals={var: x})
        residual = sympy.simplify(expr.subs(x, sympy.Rational(ans)))
    except (sympy.SympifyError, TypeError, ValueError, ZeroDivisionError, SyntaxError):
        return None
    if residual != 0:
        return CheckResult(NAME, "fail", f"{var} = {ans} does not satisfy {lean} (residual {residual})")
    from mathagent.verifiers.formal.api import check_claim
    from mathagent.verifiers.formal.errors import MalformedStatement

    try:
        verdict = check_claim([lean], f"{var} = {ans}", {var: "ℝ"}, timeout_s=timeout_s)
    except MalformedStatement as exc:  # the equation, read from model output, is not well-formed Lean
        return CheckResult(NAME, "inconclusive", f"{var} = {ans} satisfies {lean}; SMT: {exc.message}")
    if verdict.kind == "proved":
        return CheckResult(NAME, "pass", f"{verdict.label}: every real {var} with {lean} equals {ans}")
    if verdict.kind == "refuted":
        return CheckResult(NAME, "inconclusive",
                           f"{var} = {ans} satisfies {lean} but is not its only solution ({verdict.reason})")
    return CheckResult(NAME, "inconclusive", f"{var} = {ans} satisfies {lean}; SMT: {verdict.kind} "
                                             f"({verdict.reason})")
