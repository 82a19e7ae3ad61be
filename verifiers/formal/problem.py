"""From a parsed theorem to solver input: variables, hypotheses, goal, ∀-schemas.

Top-level structure is handled here rather than by solver quantifiers, which
time out on arithmetic: ∃ in a hypothesis is skolemized, ∀/→ in the goal are
introduced, `x = <constant>` hypotheses bind x to its value (so huge constants
stay exact), and ∀-hypotheses (definitions such as `∀ x, f x = 2 * x + 3`,
recurrences) become *schemas* instantiated at the ground terms the problem
uses (see `instantiate.py`).  Instances of a true hypothesis are true, so
instantiation is always sound for proofs; it is exact for counterexamples only
for plain definitions, which `Schema.defines` records.

Scoping: every bound variable is first renamed apart (`scope.fresh_bound_names`),
so introducing, skolemizing and inlining never confuse two variables.  A
definition `∀ x : T, f x = e` is inlined only when T is exactly f's domain: over a
narrower type (`∀ x : ℕ` for `f : ℝ → ℝ`) it says nothing about f elsewhere and
stays a hypothesis, instantiated only at arguments of that type.
An `Equiv a b` variable σ is two functions `σ.1 : a → b` and `σ.2 : b → a` with
the hypotheses `σ.2 (σ.1 x) = x` and `σ.1 (σ.2 y) = y`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


from mathagent.verifiers.formal.elaborate import free_idents
from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.scope import fresh_bound_names
from mathagent.verifiers.formal.syntax import (
    App, BinOp, Binder, Expr, Ident, Num, Proj, Quant, Theorem, UnOp, show, transform,
)
from mathagent.verifiers.formal.terms import zbool
from mathagent.verifiers.formal.translate import Translator
from mathagent.verifiers.formal.types import EquivType, FnType, Q, classify_binder_type
from mathagent.verifiers.formal.values import Val

MAX_INTROS = 64


@dataclass
class Schema:
    name: str
    binders: list[tuple[str, str]]
    guards: list[Expr]
    body: Expr
    defines: str | None  # function name when this is a plain total definition


@dataclass
class Problem:
    tr: Translator
    hyps: list[tuple[str, Any]] = field(default_factory=list)  # (hypothesis name, z3 bool)
    goal: Any = True
    schemas: list[Schema] = field(default_factory=list)
    quantified: list[tuple[str, Any]] = field(default_factory=list)  # exact ∀ forms of schemas
    shown: list[str] = field(default_factory=list)  # variable names for counterexamples
    rational: list[str] = field(default_factory=list)
    theorem_hyp_names: list[str] = field(default_factory=list)
    quantified_complete: bool = True
    definitions: list[Expr] = field(default_factory=list)
    app_log_initial: list[Any] = field(default_factory=list)
    goal_sides: list[tuple[str, Any]] = field(default_factory=list)


def build_problem(thm: Theorem, deadline: float = float("inf")) -> Problem:
    """Variables, hypotheses and goal of `thm` as z3 terms (Refusal / OutOfBudget when out of reach).

    Stages: declare the binders (Equiv binders as a function pair with inverse laws), introduce the goal's
    ∀ binders and premises, register definitions and constants among the hypotheses, then open ∃ hypotheses,
    keep ∀ hypotheses as instantiation schemas, and translate the rest."""
    tr = Translator()
    tr.deadline = deadline
    pb = Problem(tr)
    thm, raw = _declare_binders(pb, thm)
    goal = _intro_goal(pb, thm.goal, raw)
    conjuncts = [(n, c) for n, e in raw for c in _split_and(e)]
    _register_definitions(pb, conjuncts)
    _bind_constants(pb, conjuncts)
    _translate_hypotheses(pb, conjuncts)
    pb.goal = zbool(tr.prop(goal))
    _record_goal_sides(pb, goal)
    pb.app_log_initial = list(tr.app_log)
    _mark_definitions(pb)
    return pb


def _declare_binders(pb: Problem, thm: Theorem) -> tuple[Theorem, list[tuple[str, Expr]]]:
    """Declare the theorem's variables; returns the theorem with fresh bound names and its raw hypotheses."""
    raw: list[tuple[str, Expr]] = []
    kinds: dict[str, str | FnType | EquivType | None] = {}
    for name, ty_expr, bracket in thm.binders:
        if bracket == "[":
            raise Refusal("instance argument", f"[{show(ty_expr)}]")
        kinds[name] = classify_binder_type(ty_expr)
    thm = fresh_bound_names(thm, {n for n, k in kinds.items() if k is not None})
    equivs = {n: k for n, k in kinds.items() if isinstance(k, EquivType)}
    if equivs:
        thm = _equiv_functions(thm, set(equivs))
    for name, ty_expr, _bracket in thm.binders:
        ty = kinds[name]
        if ty is None:
            raw.append((name, ty_expr))
            pb.theorem_hyp_names.append(name)
            continue
        if isinstance(ty, EquivType):
            _declare(pb, f"{name}.1", FnType((ty.a,), ty.b))
            _declare(pb, f"{name}.2", FnType((ty.b,), ty.a))
            for side, (f, g, t) in (("left", (f"{name}.1", f"{name}.2", ty.a)), ("right", (f"{name}.2", f"{name}.1", ty.b))):
                x = f"{name}✝{side}"
                raw.append((f"{name} is an equivalence ({side} inverse)",
                            Quant("∀", (Binder(x, Ident(t)),),
                                  BinOp("=", App(Ident(g), (App(Ident(f), (Ident(x),)),)), Ident(x)))))
            continue
        _declare(pb, name, ty)
    return thm, raw


def _intro_goal(pb: Problem, goal: Expr, raw: list[tuple[str, Expr]]) -> Expr:
    """Introduce the goal's ∀ binders and → premises (appended to ``raw``); returns what is left to prove."""
    for _ in range(MAX_INTROS):
        if isinstance(goal, Quant) and goal.kind == "∀":
            for b in goal.binders:
                if b.pred_op == "hyp" and b.pred_rhs is not None:
                    raw.append(("goal premise", b.pred_rhs))
                    continue
                ty = pb.tr.binder_type(b, goal)
                _declare(pb, b.name, ty, fresh=True)
                if b.pred_op is not None and b.pred_rhs is not None:
                    raw.append((f"premise of {b.name}", BinOp(b.pred_op, Ident(b.name), b.pred_rhs)))
            goal = goal.body
        elif isinstance(goal, UnOp) and goal.op == "¬" and isinstance(goal.arg, Quant) and goal.arg.kind == "∃":
            goal = Quant("∀", goal.arg.binders, UnOp("¬", goal.arg.body))
        elif isinstance(goal, BinOp) and goal.op == "→":
            raw.append(("goal premise", goal.left))
            goal = goal.right
        else:
            break
    return goal


def _translate_hypotheses(pb: Problem, conjuncts: list[tuple[str, Expr]]) -> None:
    """Open ∃ hypotheses (fresh witnesses), keep ∀ hypotheses as schemas, translate the rest into ``pb.hyps``."""
    tr = pb.tr
    work = list(conjuncts)
    for _ in range(10_000):
        if not work:
            break
        name, e = work.pop(0)
        if isinstance(e, Quant) and e.kind == "∃":
            for b in e.binders:
                if b.pred_op == "hyp" and b.pred_rhs is not None:
                    work.append((name, b.pred_rhs))
                    continue
                ty = tr.binder_type(b, e)
                if not isinstance(ty, str):
                    raise Refusal("∃ over functions", b.name)
                _declare(pb, b.name, ty, fresh=True, show_it=False)
                if b.pred_op is not None and b.pred_rhs is not None:
                    work.append((name, BinOp(b.pred_op, Ident(b.name), b.pred_rhs)))
            work.extend((name, c) for c in _split_and(e.body))
            continue
        if isinstance(e, Quant) and e.kind == "∀":
            if any(e is d for d in pb.definitions):
                continue
            schema = _schema(pb, name, e)
            if schema is not None:
                pb.schemas.append(schema)
                try:
                    pb.quantified.append((name, zbool(tr.prop(e))))
                except Refusal:
                    pb.quantified_complete = False
                continue
        pb.hyps.append((name, zbool(tr.prop(e))))


_EQUIV_FIELDS = {"1": "1", "toFun": "1", "2": "2", "invFun": "2", "symm": "2"}


def _equiv_functions(thm: Theorem, names: set[str]) -> Theorem:
    """`σ x`, `σ.toFun x` -> `σ.1 x`; `σ.symm y`, `σ.invFun y` -> `σ.2 y` (one name per function)."""

    def rewrite(e: Expr) -> Expr:
        head, field = None, None
        if isinstance(e, Ident):
            head, _, field = e.name.partition(".")
        elif isinstance(e, Proj) and isinstance(e.expr, Ident):
            head, field = e.expr.name, e.field
        if head not in names:
            return e
        if not field:  # `σ x`: the coercion to a function is σ.1 (unapplied, it is refused later)
            return Ident(f"{head}.1")
        if field not in _EQUIV_FIELDS:
            raise Refusal(f"Equiv.{field}", head)
        return Ident(f"{head}.{_EQUIV_FIELDS[field]}")

    binders = tuple((n, transform(t, rewrite) if n not in names else t, b) for n, t, b in thm.binders)
    return Theorem(thm.name, binders, transform(thm.goal, rewrite))


def _record_goal_sides(pb: Problem, goal: Expr) -> None:
    """Values of the goal's non-trivial sides, shown with counterexamples (`f 8 = 1`)."""
    if not (isinstance(goal, BinOp) and goal.op in ("=", "≠", "<", ">", "≤", "≥")):
        return
    tr = pb.tr
    try:
        t = tr.el.tree_type([goal.left, goal.right])
        for side in (goal.left, goal.right):
            if isinstance(side, (Ident, Num)):
                continue
            tr.sides.append([])
            try:
                pb.goal_sides.append((show(side), tr.arith(side, t)))
            finally:
                tr.sides.pop()
    except Refusal:
        return


def _declare(pb: Problem, name: str, ty: str | FnType, *, fresh: bool = False, show_it: bool = True) -> None:
    tr = pb.tr
    z3name = tr.fresh_name(name) if fresh else name
    tr.declare(name, ty, z3name=z3name)
    if show_it and isinstance(ty, str):
        if name in pb.shown:
            pb.shown.remove(name)
        pb.shown.append(name)
    if ty == Q:
        pb.rational.append(name)


def _split_and(e: Expr) -> list[Expr]:
    if isinstance(e, BinOp) and e.op == "∧":
        return _split_and(e.left) + _split_and(e.right)
    return [e]


def _bind_constants(pb: Problem, conjuncts: list[tuple[str, Expr]]) -> None:
    """`x = <ground term>` hypotheses fix x to an exact constant (repeated to a fixpoint)."""
    tr = pb.tr
    for _ in range(8):
        changed = False
        for _name, e in conjuncts:
            if not (isinstance(e, BinOp) and e.op == "="):
                continue
            for lhs, rhs in ((e.left, e.right), (e.right, e.left)):
                if not (isinstance(lhs, Ident) and lhs.name in tr.vars and not tr.vars[lhs.name].is_const):
                    continue
                if lhs.name in free_idents(rhs):
                    continue
                var = tr.vars[lhs.name]
                tr.sides.append([])
                try:
                    t = tr.el.tree_type([lhs, rhs])
                    if t != var.ty:
                        continue
                    v = tr.arith(rhs, t)
                except Refusal:
                    continue
                finally:
                    tr.sides.pop()
                if v.is_const:
                    tr.bind_const(lhs.name, v)
                    changed = True
                    break
        if not changed:
            return


def _schema(pb: Problem, name: str, e: Quant) -> Schema | None:
    tr = pb.tr
    binders: list[tuple[str, str]] = []
    guards: list[Expr] = []
    body: Expr = e
    for _ in range(MAX_INTROS):
        if isinstance(body, Quant) and body.kind == "∀":
            for b in body.binders:
                if b.pred_op == "hyp" and b.pred_rhs is not None:
                    guards.append(b.pred_rhs)
                    continue
                ty = tr.binder_type(b, body)
                if not isinstance(ty, str):
                    return None
                binders.append((b.name, ty))
                tr.types[b.name] = ty  # visible to later binder inference; restored below
                if b.pred_op is not None and b.pred_rhs is not None:
                    guards.append(BinOp(b.pred_op, Ident(b.name), b.pred_rhs))
            body = body.body
        elif isinstance(body, BinOp) and body.op == "→" and binders:
            guards.append(body.left)
            body = body.right
        else:
            break
    for bname, _ty in binders:
        if bname in tr.vars:
            tr.types[bname] = tr.vars[bname].ty
        elif bname in tr.funcs:
            tr.types[bname] = tr.funcs[bname].type
        else:
            tr.types.pop(bname, None)
    defines = None
    if not guards and isinstance(body, BinOp) and body.op == "=" and isinstance(body.left, App):
        lhs = body.left
        names = [b for b, _ in binders]
        if (isinstance(lhs.fn, Ident) and lhs.fn.name in tr.funcs
                and [a.name if isinstance(a, Ident) else None for a in lhs.args] == names
                and len(set(names)) == len(names)
                # the binders range over exactly f's domain: `∀ x : ℕ, f x = e` with f : ℝ → ℝ defines f
                # only at the naturals, so it is not a definition of f
                and [t for _, t in binders] == list(tr.funcs[lhs.fn.name].type.args)
                and lhs.fn.name not in free_idents(body.right)):
            defines = lhs.fn.name
    return Schema(name, binders, guards, body, defines)


def _register_definitions(pb: Problem, conjuncts: list[tuple[str, Expr]]) -> None:
    """Plain total definitions `∀ x y, f x y = e` (f not in e, no guard, the only ∀ about f) are inlined."""
    tr = pb.tr
    cands: dict[str, tuple[Quant, Schema]] = {}
    mentions: dict[str, int] = {}
    for name, e in conjuncts:
        if not (isinstance(e, Quant) and e.kind == "∀"):
            continue
        try:
            s = _schema(pb, name, e)
        except Refusal:
            continue
        for f in tr.funcs:
            if f in free_idents(e):
                mentions[f] = mentions.get(f, 0) + 1
        if s is not None and s.defines is not None:
            cands[s.defines] = (e, s)
    for f, (e, s) in cands.items():
        if mentions.get(f, 0) == 1 and isinstance(s.body, BinOp):
            tr.macros[f] = ([b for b, _ in s.binders], s.body.right)
            pb.definitions.append(e)


def _mark_definitions(pb: Problem) -> None:
    """A definition is exact only if its function is constrained by nothing else universally."""
    for s in pb.schemas:
        if s.defines is None:
            continue
        others = [o for o in pb.schemas if o is not s and s.defines in free_idents(o.body)]
        if others:
            s.defines = None


def bound_binder(name: str) -> Binder:
    return Binder(name)


def val_of(pb: Problem, name: str) -> Val | None:
    return pb.tr.vars.get(name)
