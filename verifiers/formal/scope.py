"""Scoped names: every bound variable of a statement gets a name of its own.

`fresh_bound_names(thm)` renames each variable bound by `∀`, `∃`, `∃!`, `∑`/`∏`, `fun` and
set-builders to a name that occurs nowhere else in the statement (`x` stays `x` when it is free to
take, else it becomes `x✝1`, `x✝2`, ...).  Everything downstream keeps one flat table of names
(goal `∀`s are introduced, hypothesis `∃`s are skolemized, definitions are inlined), so without
this a `∀ x` in the goal or an `∃ x` in a hypothesis would overwrite the theorem's own `x`, two
hypotheses `∃ k, ...` would share one witness, and inlining `f x = a * x` under a bound `a` would
capture it.  With unique names none of these can happen: renaming to a name that occurs nowhere
is capture-free by construction.

Theorem binders that repeat a variable name are refused (`Refusal("shadowed theorem binder")`).
"""

from __future__ import annotations

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.syntax import (
    App, Ascribe, BigOp, BinOp, Binder, Collection, Expr, Ident, Lambda, ModEq, Num, Proj, Quant, SetBuilder,
    Theorem, UnOp,
)

MAX_NODES = 200_000


class _Renamer:
    def __init__(self, taken: set[str]):
        self.taken = taken
        self.nodes = 0

    def fresh(self, name: str) -> str:
        if name not in self.taken:
            self.taken.add(name)
            return name
        for k in range(1, len(self.taken) + 2):
            cand = f"{name}✝{k}"
            if cand not in self.taken:
                self.taken.add(cand)
                return cand
        raise Refusal("bound variable names", "no fresh name found")  # unreachable: the range is large enough

    def expr(self, e: Expr | None, env: dict[str, str]) -> Expr | None:
        if e is None:
            return None
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise Refusal("statement size", f"more than {MAX_NODES} term nodes")
        if isinstance(e, Ident):
            return Ident(rename_ident(e.name, env))
        if isinstance(e, Num):
            return e
        if isinstance(e, Quant):
            inner = dict(env)
            binders = []
            for b in e.binders:
                if b.pred_op == "hyp":
                    binders.append(Binder(b.name, None, "hyp", self.expr(b.pred_rhs, inner)))
                    continue
                ty = self.expr(b.type, inner)
                new = self.fresh(b.name)
                inner[b.name] = new
                # `∀ x > e, p` is `∀ x, x > e → p`: e is read inside x's scope
                binders.append(Binder(new, ty, b.pred_op, self.expr(b.pred_rhs, inner)))
            return Quant(e.kind, tuple(binders), self.expr(e.body, inner))
        if isinstance(e, BigOp):
            domain = self.expr(e.domain, env)
            new = self.fresh(e.var)
            return BigOp(e.kind, new, domain, self.expr(e.body, {**env, e.var: new}))
        if isinstance(e, Lambda):
            inner = dict(env)
            params = []
            for p in e.params:
                inner[p] = self.fresh(p)
                params.append(inner[p])
            return Lambda(tuple(params), self.expr(e.body, inner))
        if isinstance(e, SetBuilder):
            ty = self.expr(e.type, env)
            new = self.fresh(e.var)
            return SetBuilder(new, ty, self.expr(e.body, {**env, e.var: new}))
        if isinstance(e, App):
            return App(self.expr(e.fn, env), tuple(self.expr(a, env) for a in e.args))
        if isinstance(e, BinOp):
            return BinOp(e.op, self.expr(e.left, env), self.expr(e.right, env))
        if isinstance(e, UnOp):
            return UnOp(e.op, self.expr(e.arg, env))
        if isinstance(e, Ascribe):
            return Ascribe(self.expr(e.expr, env), self.expr(e.type, env))
        if isinstance(e, Proj):
            return Proj(self.expr(e.expr, env), e.field)
        if isinstance(e, ModEq):
            return ModEq(e.kind, self.expr(e.left, env), self.expr(e.right, env), self.expr(e.modulus, env))
        if isinstance(e, Collection):
            return Collection(e.kind, tuple(self.expr(i, env) for i in e.items))
        raise Refusal("term", f"unknown node {type(e).__name__}")


def rename_ident(name: str, env: dict[str, str]) -> str:
    """`x` -> env[x]; a projection written as one name (`x.den`) keeps its field."""
    if name in env:
        return env[name]
    head, dot, rest = name.partition(".")
    if dot and head in env:
        return f"{env[head]}.{rest}"
    return name


def fresh_bound_names(thm: Theorem, variables: set[str]) -> Theorem:
    """The same theorem with every bound variable renamed apart (see the module docstring).

    `variables` are the theorem binders that are variables (not hypotheses); a repeated one is refused.
    """
    seen: set[str] = set()
    for name, _ty, _bracket in thm.binders:
        if name in variables and name in seen:
            raise Refusal("shadowed theorem binder", f"{name} is bound twice")
        seen.add(name)
    # A bound name keeps its spelling only if nothing free (theorem binders, constants) and no earlier
    # binder is spelled that way: fresh() records every name it hands out.
    free: set[str] = {n for n, _t, _b in thm.binders}
    for _n, ty, _b in thm.binders:
        free_names(ty, free)
    free_names(thm.goal, free)
    r = _Renamer(free)
    binders = tuple((n, r.expr(ty, {}), b) for n, ty, b in thm.binders)
    goal = r.expr(thm.goal, {})
    return Theorem(thm.name, binders, goal)  # type: ignore[arg-type]


def free_names(e: Expr | None, out: set[str]) -> None:
    """Identifiers occurring free in e (with the heads of dotted names)."""
    _free_rec(e, frozenset(), out, [0])


def _free_rec(e: Expr | None, bound: frozenset[str], out: set[str], count: list[int]) -> None:
    if e is None:
        return
    count[0] += 1
    if count[0] > MAX_NODES:
        raise Refusal("statement size", f"more than {MAX_NODES} term nodes")
    if isinstance(e, Ident):
        head = e.name.partition(".")[0]
        if e.name not in bound and head not in bound:
            out.add(e.name)
            out.add(head)
        return
    if isinstance(e, Quant):
        inner = set(bound)
        for b in e.binders:
            if b.pred_op == "hyp":
                _free_rec(b.pred_rhs, frozenset(inner), out, count)
                continue
            _free_rec(b.type, frozenset(inner), out, count)
            inner.add(b.name)
            _free_rec(b.pred_rhs, frozenset(inner), out, count)
        _free_rec(e.body, frozenset(inner), out, count)
        return
    if isinstance(e, BigOp):
        _free_rec(e.domain, bound, out, count)
        _free_rec(e.body, bound | {e.var}, out, count)
        return
    if isinstance(e, Lambda):
        _free_rec(e.body, bound | set(e.params), out, count)
        return
    if isinstance(e, SetBuilder):
        _free_rec(e.type, bound, out, count)
        _free_rec(e.body, bound | {e.var}, out, count)
        return
    children: list[Expr | None] = []
    if isinstance(e, App):
        children = [e.fn, *e.args]
    elif isinstance(e, BinOp):
        children = [e.left, e.right]
    elif isinstance(e, UnOp):
        children = [e.arg]
    elif isinstance(e, Ascribe):
        children = [e.expr, e.type]
    elif isinstance(e, Proj):
        children = [e.expr]
    elif isinstance(e, ModEq):
        children = [e.left, e.right, e.modulus]
    elif isinstance(e, Collection):
        children = list(e.items)
    for c in children:
        _free_rec(c, bound, out, count)
