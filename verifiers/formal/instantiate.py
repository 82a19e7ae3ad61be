"""Instantiate ∀-hypothesis schemas at the ground terms a problem mentions.

A schema `∀ n ≥ 5, x n = x (n - 1) - ...` is matched against ground
applications `x 531` of the same function: each argument pattern of the bound
variable (`n`, `n + c`, `n - c`, `c * n`, `n / c`) is solved for the variable,
and the instance is added as a hypothesis.  New terms in an instance feed the
worklist, so recurrences unroll down to their base cases.  Bounded by a total
instance budget, by depth for symbolic candidates, and (for integer domains)
by never going above the largest constant argument the problem itself uses.
Schemas whose variable appears under no function get a few small constants.
The instance budget is deterministic; the wall clock is only an outer bound
(`OutOfBudget(stopped_by="wall clock")`), so the same statement always gets the
same instances.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal import values as V
from mathagent.verifiers.formal.errors import OutOfBudget, Refusal
from mathagent.verifiers.formal.problem import Problem, Schema
from mathagent.verifiers.formal.syntax import App, BinOp, Expr, Ident, Num
from mathagent.verifiers.formal.elaborate import free_idents
from mathagent.verifiers.formal.types import INTEGRAL, lower_bound
from mathagent.verifiers.formal.values import Val

MAX_INSTANCES = 4000
MAX_SYMBOLIC_DEPTH = 2
MAX_COMBOS = 64
SMALL_CONSTANTS = (0, 1, 2, 3, -1, -2, 4, 5)


@dataclass(frozen=True)
class Pattern:
    fn: str
    pos: int
    var: str
    kind: str  # id | add | sub | mul | div
    c: Fraction


@dataclass
class InstResult:
    instances: list[tuple[str, Any]]
    complete: bool  # every relevant ground term was instantiated within the budget


def patterns_of(s: Schema, funcs: set[str]) -> list[Pattern]:
    names = {b for b, _ in s.binders}
    out: list[Pattern] = []
    stack: list[Expr] = [s.body, *s.guards]
    for _ in range(100_000):
        if not stack:
            break
        e = stack.pop()
        if isinstance(e, App) and isinstance(e.fn, Ident) and e.fn.name in funcs:
            for i, a in enumerate(e.args):
                p = _arg_pattern(a, names)
                if p is not None:
                    out.append(Pattern(e.fn.name, i, p[0], p[1], p[2]))
        for attr in ("left", "right", "arg", "expr", "body"):
            child = getattr(e, attr, None)
            if isinstance(child, Expr):
                stack.append(child)
        if isinstance(e, App):
            stack.extend(e.args)
    return out


def _arg_pattern(a: Expr, names: set[str]) -> tuple[str, str, Fraction] | None:
    if isinstance(a, Ident) and a.name in names:
        return a.name, "id", Fraction(0)
    if isinstance(a, BinOp) and a.op in ("+", "-", "*", "/"):
        lhs, rhs = a.left, a.right
        if isinstance(lhs, Ident) and lhs.name in names and isinstance(rhs, Num):
            kind = {"+": "add", "-": "sub", "*": "mul", "/": "div"}[a.op]
            return lhs.name, kind, rhs.value
        if isinstance(rhs, Ident) and rhs.name in names and isinstance(lhs, Num) and a.op in ("+", "*"):
            return rhs.name, ("add" if a.op == "+" else "mul"), lhs.value
    return None


def _num(z: Any) -> Fraction | None:
    if z3.is_int_value(z):
        return Fraction(z.as_long())
    if z3.is_rational_value(z):
        return Fraction(z.numerator_as_long(), z.denominator_as_long())
    return None


def _solve(p: Pattern, arg: Any, ty: str, dom: str) -> Val | None:
    """Value of the bound variable (type ty) making pattern p equal the ground argument (of f's domain dom).

    When ty is narrower than dom (`∀ n : ℕ, f n = …` with f : ℝ → ℝ), a constant argument must lie in the
    image of ty and a symbolic one is skipped: nothing says it does (instantiating there would be unsound).
    """
    k = _num(arg)
    if k is not None:
        x = {"id": k, "add": k - p.c, "sub": k + p.c, "mul": k / p.c if p.c else None,
             "div": k * p.c}[p.kind]
        if x is None:
            return None
        if ty in INTEGRAL:
            if x.denominator != 1 or (lower_bound(ty) is not None and x < lower_bound(ty)):
                return None
            return V.const(ty, int(x))
        if lower_bound(ty) is not None and x < lower_bound(ty):
            return None
        return V.const(ty, x)
    if ty != dom:
        return None
    if p.kind == "id":
        return Val(ty, term=arg)
    if p.kind in ("add", "sub"):
        c = z3.IntVal(int(p.c)) if ty in INTEGRAL else z3.RealVal(p.c)
        if ty in INTEGRAL and p.c.denominator != 1:
            return None
        return Val(ty, term=arg - c if p.kind == "add" else arg + c)
    return None


def instantiate(pb: Problem, budget: int = MAX_INSTANCES, deadline: float = float("inf")) -> InstResult:
    """Instances of ``pb``'s ∀-schemas (E-matching on the applications the translation logged), round by round
    until no new instance appears, at most ``budget`` instances; ``complete`` False when the budget cut it off."""
    if not pb.schemas:
        return InstResult([], True)
    st = _Rounds(pb, budget, deadline)
    for _round in range(budget + 1):
        _feed(st)
        if not _instantiate_round(st) and not st.pending:
            break
    return InstResult(st.instances, st.complete)


@dataclass
class _Rounds:
    """The state of one instantiation: the ground terms seen (with their depth), candidates per schema binder."""

    pb: Problem
    budget: int
    deadline: float
    pats: dict[int, Any] = field(default_factory=dict)
    terms: dict[Any, tuple[str, tuple[Any, ...]]] = field(default_factory=dict)
    depth: dict[Any, int] = field(default_factory=dict)
    limits: dict[str, Fraction] = field(default_factory=dict)  # largest constant argument of each function
    cands: dict[int, dict[str, dict[str, tuple[Val, int]]]] = field(default_factory=dict)
    done: set[tuple[int, tuple[str, ...]]] = field(default_factory=set)
    instances: list[tuple[str, Any]] = field(default_factory=list)
    pending: list[tuple[Any, tuple[str, tuple[Any, ...]]]] = field(default_factory=list)
    log_pos: int = 0
    complete: bool = True

    def __post_init__(self) -> None:
        tr, pb = self.pb.tr, self.pb
        self.pats = {id(s): patterns_of(s, set(tr.funcs)) for s in pb.schemas}
        for fn, vals, term in tr.app_log:
            self.terms.setdefault(term.get_id(), (fn, tuple(V.z(v) for v in vals)))
        self.log_pos = len(tr.app_log)
        # Upper bound for constant integer candidates: the largest constant argument in the problem.
        for fn, args in self.terms.values():
            for a in args:
                k = _num(a)
                if k is not None:
                    self.limits[fn] = max(self.limits.get(fn, k), k)
        self.depth = {t: 0 for t in self.terms}
        self.cands = {id(s): {b: {} for b, _ in s.binders} for s in pb.schemas}
        for s in pb.schemas:  # binders no pattern reaches: small constants and the schema's own numerals
            bound_vars = {p.var for p in self.pats[id(s)]}
            for b, ty in s.binders:
                if b not in bound_vars:
                    numerals = {n.value for n in _numerals(s.body)} | set(map(Fraction, SMALL_CONSTANTS))
                    for c in sorted(numerals, key=abs)[:10]:
                        if ty in INTEGRAL and c.denominator != 1 or lower_bound(ty) is not None and c < lower_bound(ty):
                            continue
                        v = V.const(ty, c if ty not in INTEGRAL else int(c))
                        self.cands[id(s)][b][repr(v.const)] = (v, 0)
        self.pending = list(self.terms.items())


def _feed(st: _Rounds) -> None:
    """Match the new ground terms against every schema's patterns: new candidates for its binders."""
    tr = st.pb.tr
    for term, (fn, args) in st.pending:
        d = st.depth.get(term, 0)
        for s in st.pb.schemas:
            tys = dict(s.binders)
            for p in st.pats[id(s)]:
                if p.fn != fn or p.pos >= len(args):
                    continue
                v = _solve(p, args[p.pos], tys[p.var], tr.funcs[fn].type.args[p.pos])
                if v is None:
                    continue
                if v.is_const and v.ty in INTEGRAL and fn in st.limits and v.const > st.limits[fn] + abs(p.c):
                    continue
                if not v.is_const and d >= MAX_SYMBOLIC_DEPTH:
                    continue
                key = repr(v.const) if v.is_const else v.term.sexpr()
                st.cands[id(s)][p.var].setdefault(key, (v, d + (0 if v.is_const else 1)))
    st.pending = []


def _instantiate_round(st: _Rounds) -> bool:
    """Instantiate every schema at every new combination of candidates; True when an instance was added."""
    tr = st.pb.tr
    new_any = False
    for s in st.pb.schemas:
        per = st.cands[id(s)]
        if any(not per[b] for b, _ in s.binders):
            continue
        keys = [sorted(per[b]) for b, _ in s.binders]
        for combo in itertools.islice(itertools.product(*keys), MAX_COMBOS * 50):
            sig = (id(s), combo)
            if sig in st.done:
                continue
            if len(st.instances) >= st.budget:
                st.complete = False
                break
            st.done.add(sig)
            vals = {b: per[b][k][0] for (b, _), k in zip(s.binders, combo)}
            dmax = max(per[b][k][1] for (b, _), k in zip(s.binders, combo))
            if len(st.instances) % 128 == 127 and time.monotonic() > st.deadline:
                raise OutOfBudget("wall-clock limit reached while instantiating ∀-hypotheses", "wall clock")
            z = _instance(st.pb, s, vals)
            new_terms = tr.app_log[st.log_pos:]
            st.log_pos = len(tr.app_log)
            if z is None:
                continue
            new_any = True
            st.instances.append((s.name, z))
            for fn, avals, t in new_terms:
                if t.get_id() not in st.terms:
                    info = (fn, tuple(V.z(v) for v in avals))
                    st.terms[t.get_id()] = info
                    st.depth[t.get_id()] = dmax
                    st.pending.append((t.get_id(), info))
    return new_any


def _instance(pb: Problem, s: Schema, vals: dict[str, Val]) -> Any:
    tr = pb.tr
    expr: Expr = s.body
    for g in reversed(s.guards):
        expr = BinOp("→", g, expr)
    with tr.bound(dict(vals)):
        r = tr.prop(expr)
    if r is True:
        return None
    r = z3.BoolVal(False) if r is False else r
    # a symbolic candidate for an ℕ binder (`n := t - 1` from a pattern `n + 1`) may be negative: the
    # instance only holds where it is a natural number
    guards = [v.term >= lower_bound(v.ty) for v in vals.values() if not v.is_const and lower_bound(v.ty) is not None]
    return z3.Implies(z3.And(*guards), r) if guards else r


def _numerals(e: Expr) -> list[Num]:
    out: list[Num] = []
    stack = [e]
    for _ in range(100_000):
        if not stack:
            break
        x = stack.pop()
        if isinstance(x, Num):
            out.append(x)
        for attr in ("left", "right", "arg", "expr", "body"):
            c = getattr(x, attr, None)
            if isinstance(c, Expr):
                stack.append(c)
        if isinstance(x, App):
            stack.extend(x.args)
    return out


__all__ = ["instantiate", "InstResult", "Refusal", "free_idents"]
