"""Claims about solutions: of equations (unique, checked by substitution), roots of a polynomial, and the integers
satisfying a condition (their count, sum, greatest or least), with SMT obligations for what holds for *all* values."""

from __future__ import annotations

from typing import Any

from mathagent.verifiers.claims.compare import compare_value
from mathagent.verifiers.claims.decision import Decision, Obligation, Outcome, Refuse
from mathagent.verifiers.claims.formulas import domain_relations, hypotheses, lean_formula, lean_relation, relations
from mathagent.verifiers.claims.parse import evaluate, parse_answer, parse_math, same
from mathagent.verifiers.claims.shapes import Claim
from mathagent.verifiers.claims.values import decide_definitions

MAX_VARS = 4
MAX_DEGREE = 12
MAX_RANGE = 2_000               # integers enumerated for a count / sum of a solution set
MAX_SEARCH = 2_000              # integers tried from a proved bound for a greatest / least one


def decide_equations(claim: Claim, answer: str) -> Decision:
    import sympy

    if claim.math[0] and claim.template in ("if_what_t", "what_t_if"):
        defined = decide_definitions(claim, answer)
        if defined is not None:
            return defined
    target_text, hyp_texts = claim.math[0], claim.math[1:]
    rels = hypotheses(hyp_texts)
    variables = set().union(*(r.free_symbols for r in rels))
    if not variables or len(variables) > MAX_VARS:
        raise Refuse("no unknowns, or too many")
    if not target_text:  # "find all solutions to <equation>": the one unknown
        if len(variables) != 1:
            raise Refuse("which unknown is asked for is not said")
        target_text = next(iter(variables)).name
    target = parse_math(target_text)
    if not isinstance(target, sympy.Expr) or not target.free_symbols or not target.free_symbols <= variables:
        raise Refuse("the asked quantity is not an expression in the unknowns")
    if any(r.has(sympy.pi, sympy.I) for r in rels):
        raise Refuse("constants the SMT backend does not model")
    guards: list[str] = []
    hyps = [lean_relation(r, guards) for r in rels]
    t = lean_formula(target, guards)
    names = tuple(sorted(v.name for v in variables))
    if claim.rounding is not None:
        raise Refuse("rounding an implicitly defined value")
    many = claim.all_solutions
    if many and not isinstance(target, sympy.Symbol):
        raise Refuse("all solutions of a compound quantity")
    values = parse_answer(answer, many=many)
    ans_guards: list[str] = []
    leans = []
    for v in values:
        if v.free_symbols or v.has(sympy.I) or not v.is_real:
            raise Refuse("the answer is not a real number")
        leans.append(lean_formula(v, ans_guards))
    h = tuple(dict.fromkeys(guards)) + tuple(hyps)
    # Equations alone may be meant over ℂ ("Find the solutions to z^3 = -8"): then the claim must hold
    # there too, which implies it over ℝ.  Inequalities, roots and absolute values of unknowns are real.
    dom = "ℝ" if claim.real or not _purely_algebraic(rels) else "ℂ"
    stmt = f"{', '.join(hyps)} ⊢ {t} over {dom}"
    if not many:
        fail_exact = _substitution_fails(rels, target, values[0])
        return _one_value(answer, stmt, fail_exact, h, t, leans[0], names, dom)
    return _all_values(values, leans, hyps, h, t, names, dom, stmt)


def _one_value(answer: str, stmt: str, fail_exact: str, h: tuple[str, ...], t: str, a: str,
               names: tuple[str, ...], dom: str) -> Decision:
    """``answer`` (Lean text ``a``) is the value of ``t``: passes when every solution has it, fails when none does."""
    outs = []
    if fail_exact:
        outs.append(Outcome("fail", f"{answer} does not satisfy {fail_exact} (exact substitution)"))
    outs.append(Outcome("pass", f"{stmt} = {a}: every solution has {t} = {a}",
                        (Obligation(h, f"{t} = {a}", names, "proved", dom),)))
    outs.append(Outcome("fail", f"{stmt} ≠ {a}: no solution has {t} = {a}",
                        (Obligation(h, f"{t} ≠ {a}", names, "proved", dom),)))
    return Decision(tuple(outs), statement=stmt)


def _all_values(values: list[Any], leans: list[str], hyps: list[str], h: tuple[str, ...], t: str,
                names: tuple[str, ...], dom: str, stmt: str) -> Decision:
    """The answer lists all solutions: passes when the solution set is exactly ``leans``."""
    for i in range(len(values)):
        for j in range(i):
            if same(values[i], values[j]) is not False:
                raise Refuse("repeated or undecided values in the answer")
    disj = " ∨ ".join(f"{t} = {a}" for a in leans)
    each = tuple(Obligation(h, f"{t} ≠ {a}", names, "refuted", dom) for a in leans)
    outs = [Outcome("pass", f"the solutions over {dom} of {', '.join(hyps)} are exactly {t} ∈ {{{', '.join(leans)}}}",
                    (Obligation(h, disj, names, "proved", dom),) + each)]
    for a in leans:
        outs.append(Outcome("fail", f"{t} = {a} is not a solution of {', '.join(hyps)}",
                            (Obligation(h, f"{t} ≠ {a}", names, "proved", dom),)))
    outs.append(Outcome("fail", f"a solution over {dom} of {', '.join(hyps)} is missing from {{{', '.join(leans)}}}",
                        (Obligation(h, disj, names, "refuted", dom),)))
    return Decision(tuple(outs), statement=stmt)


def _purely_algebraic(rels: list[Any]) -> bool:
    """Equations only, with no root or absolute value of an unknown (they could be meant over ℂ)."""
    import sympy

    if not all(isinstance(r, sympy.Eq) for r in rels):
        return False
    for r in rels:
        for node in sympy.preorder_traversal(r):
            if node.free_symbols and (isinstance(node, sympy.Abs) or (
                    isinstance(node, sympy.Pow) and not node.args[1].is_Integer)):
                return False
    return True


def _substitution_fails(rels: list[Any], target: Any, value: Any) -> str:
    """The relation a direct substitution of the answer makes false (one unknown asked for itself), or ""."""
    import sympy

    if not isinstance(target, sympy.Symbol):
        return ""
    if any(r.free_symbols - {target} for r in rels):
        return ""
    for r in rels:
        try:
            lhs = evaluate(r.lhs.xreplace({target: value}))
            rhs = evaluate(r.rhs.xreplace({target: value}))
        except Refuse:
            continue
        if not (lhs.is_real and rhs.is_real):
            continue
        eq = same(lhs, rhs)
        if isinstance(r, sympy.Eq) and eq is False:
            return str(r)
    return ""


def _poly_of(claim: Claim) -> tuple[Any, Any]:
    import sympy

    rels = relations(parse_math(claim.math[0]))
    if len(rels) != 1 or not isinstance(rels[0], sympy.Eq):
        raise Refuse("not one equation")
    r = rels[0]
    syms = r.free_symbols
    if len(syms) != 1 or (claim.var and sympy.Symbol(claim.var) not in syms):
        raise Refuse("not an equation in the one unknown")
    (x,) = syms
    d = evaluate(r.lhs) - evaluate(r.rhs)
    num, den = sympy.fraction(sympy.together(d))
    if x in den.free_symbols:
        raise Refuse("the unknown in a denominator")
    try:
        p = sympy.Poly(sympy.expand(num), x, domain="QQ")
    except (sympy.polys.polyerrors.PolynomialError, sympy.polys.polyerrors.CoercionFailed,
            sympy.polys.polyerrors.GeneratorsNeeded):
        raise Refuse("not a polynomial equation with rational coefficients") from None
    if p.degree() < 1 or p.degree() > MAX_DEGREE:
        raise Refuse("degree out of range")
    return p, x


def decide_roots(claim: Claim, answer: str) -> Decision:
    import sympy

    p, x = _poly_of(claim)
    n = p.degree()
    real = sympy.Poly(p.sqf_part(), x).real_roots() if n > 0 else []
    simple_all_real = sympy.Poly(p.sqf_part(), x).degree() == n and len(real) == n
    c = p.all_coeffs()
    if claim.op in ("sum", "product"):
        if not simple_all_real:
            raise Refuse("repeated or non-real roots: 'the sum of the roots' is ambiguous")
        value = -c[1] / c[0] if claim.op == "sum" else (-1) ** n * c[-1] / c[0]
    elif claim.op in ("max", "min"):
        if not real:
            raise Refuse("no real solution")
        value = max(real, key=lambda r: sympy.N(r, 30)) if claim.op == "max" else min(
            real, key=lambda r: sympy.N(r, 30))
    elif claim.op == "diff":
        if n != 2 or not simple_all_real:
            raise Refuse("not a quadratic with two real roots")
        value = sympy.sqrt(c[1] ** 2 - 4 * c[0] * c[2]) / abs(c[0])
    else:
        raise Refuse(f"unknown operation {claim.op}")
    return compare_value(claim, value, answer,
                    what=f"{claim.op} of the roots of {p.as_expr()} = 0")


def _holds(rels: list[Any], x: Any, n: int) -> bool:
    """Exact truth of every relation at ``x = n``; :class:`Refuse` where a side is undefined or not real."""
    import sympy

    for r in rels:
        try:
            lhs = evaluate(r.lhs.xreplace({x: sympy.Integer(n)}))
            rhs = evaluate(r.rhs.xreplace({x: sympy.Integer(n)}))
        except Refuse:
            raise Refuse(f"the condition is undefined at {n}") from None
        if not (lhs.is_real and rhs.is_real):
            raise Refuse(f"the condition is not real at {n}")
        d = lhs - rhs
        eq = same(lhs, rhs)
        if eq is None:
            raise Refuse(f"the condition is undecided at {n}")
        name = type(r).__name__
        if name == "Equality":
            ok = eq
        elif name == "Unequality":
            ok = not eq
        else:
            if eq:
                ok = name in ("LessThan", "GreaterThan")
            else:
                positive = bool(sympy.N(d, 50) > 0)
                ok = positive if name in ("StrictGreaterThan", "GreaterThan") else not positive
        if not ok:
            return False
    return True


def _solution_set(rels: list[Any], x: Any) -> Any:
    import sympy

    s = sympy.S.Reals
    for r in rels:
        try:
            s = sympy.Intersection(s, sympy.solveset(r, x, domain=sympy.S.Reals))
        except (NotImplementedError, ValueError, TypeError):
            raise Refuse("SymPy cannot solve the condition") from None
    return s


def _bound(v: Any, up: bool) -> int | None:
    """``ceil(v)`` (``up``) or ``floor(v)``; None for an infinite or non-real bound."""
    import sympy

    if v in (sympy.oo, -sympy.oo) or not v.is_real:
        return None
    return int(sympy.ceiling(v)) if up else int(sympy.floor(v))


def decide_integer_solutions(claim: Claim, answer: str) -> Decision:
    import sympy

    rels = hypotheses(claim.math)
    syms = set().union(*(r.free_symbols for r in rels))
    if len(syms) != 1:
        raise Refuse("not a condition on one unknown")
    (x,) = syms
    if claim.var and x.name != claim.var:
        raise Refuse("the condition is not on the named unknown")
    if any(r.has(sympy.pi, sympy.I, sympy.sin, sympy.cos, sympy.tan, sympy.log, sympy.floor, sympy.ceiling)
           for r in rels):
        raise Refuse("functions the SMT backend does not model")
    rels = rels + domain_relations(x, claim.domain)
    guards: list[str] = []
    hyps = [lean_relation(r, guards) for r in rels]
    h = tuple(dict.fromkeys(guards)) + tuple(hyps)
    s = _solution_set(rels, x)
    lo = _bound(s.inf, up=False) if s is not sympy.S.EmptySet else None
    hi = _bound(s.sup, up=True) if s is not sympy.S.EmptySet else None
    name = x.name
    stmt = f"{', '.join(hyps)} over integer {name}"
    need_lo = Obligation(h, f"{name} ≥ {lo}", (name,), "proved") if lo is not None else None
    need_hi = Obligation(h, f"{name} ≤ {hi}", (name,), "proved") if hi is not None else None
    if claim.shape in ("count", "int_sum"):
        value, what, detail = _enumerated(claim, rels, x, lo, hi, stmt)
        needs = (need_lo, need_hi)
    else:
        value, what, detail = _extreme(claim, rels, x, lo, hi, stmt)
        needs = (need_hi,) if claim.op == "max" else (need_lo,)
    d = compare_value(claim, value, answer, what=what)
    return Decision(tuple(Outcome(o.verdict, f"{o.detail}; {detail}", o.needs + needs) for o in d.outcomes),
                    undecided=d.undecided, statement=d.statement)


def _enumerated(claim: Claim, rels: list[Any], x: Any, lo: int | None, hi: int | None,
                stmt: str) -> tuple[Any, str, str]:
    """Count, sum or product of the integers in the proved range [lo, hi] that satisfy ``rels`` (exact)."""
    import sympy

    name = x.name
    if lo is None or hi is None or hi - lo > MAX_RANGE:
        raise Refuse("no finite bounded range found")
    sols = [n for n in range(lo, hi + 1) if _holds(rels, x, n)]
    if claim.shape == "count":
        value, what = sympy.Integer(len(sols)), f"number of integers {name} with {stmt}"
    elif claim.op == "sum":
        value, what = sympy.Integer(sum(sols)), f"sum of the integers {name} with {stmt}"
    else:
        if not sols:
            raise Refuse("no solutions")
        prod = 1
        for v in sols:
            prod *= v
        value, what = sympy.Integer(prod), f"product of the integers {name} with {stmt}"
    return value, what, f"{name} ∈ [{lo}, {hi}] proved; {len(sols)} integers there satisfy it (exact enumeration)"


def _extreme(claim: Claim, rels: list[Any], x: Any, lo: int | None, hi: int | None,
             stmt: str) -> tuple[Any, str, str]:
    """The greatest (least) integer satisfying ``rels``: the first one from the proved bound down (up)."""
    import sympy

    name = x.name
    if claim.op == "max":
        if hi is None:
            raise Refuse("no upper bound found")
        rng = range(hi, hi - MAX_SEARCH, -1)
    else:
        if lo is None:
            raise Refuse("no lower bound found")
        rng = range(lo, lo + MAX_SEARCH)
    found = next((n for n in rng if _holds(rels, x, n)), None)
    if found is None:
        raise Refuse("no integer solution near the bound")
    what = f"{'greatest' if claim.op == 'max' else 'least'} integer {name} with {stmt}"
    detail = (f"{name} {'≤' if claim.op == 'max' else '≥'} {hi if claim.op == 'max' else lo} proved; "
              f"{found} is the first integer from there that satisfies it (exact)")
    return sympy.Integer(found), what, detail
