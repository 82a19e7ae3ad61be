"""Run z3 on a built problem and turn the outcome into a verdict.

Order of checks (one solver call in the common case):
1. hypotheses ∧ ¬goal.  `sat` gives a counterexample (reported only when the
   translation is exact; otherwise the exact ∀-forms are added and z3 asked
   again); `unknown` gives Unknown.
2. on `unsat`, the hypotheses alone: `unsat` means Vacuous (with the unsat
   core as the list of contradictory hypotheses), `sat` means Proved.

Reproducibility: every solver call is bounded by z3's deterministic resource
limit (`rlimit`, `Budget.rlimit` units: 60% for step 1, 40% for each later call),
and runs in a fresh z3 context holding only this problem (z3's effort depends on
the history of the context it runs in), so the same statement gets the same
verdict whatever ran before and however loaded the machine is.  The wall clock
(z3's `timeout`, never signals) is only the outer safety bound; an `Unknown`
records which of the two stopped it (`stopped_by`).  Memory is bounded outside
z3 (its own `max_memory` cap crashed the process on miniF2F's amc12a_2002_p12):
`check_statement` runs this in a verifier worker with a capped address space.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import z3

from mathagent.verifiers.formal.instantiate import instantiate
from mathagent.verifiers.formal.problem import Problem
from mathagent.verifiers.formal.residues import reduce_residues
from mathagent.verifiers.formal.types import C, INTEGRAL
from mathagent.verifiers.formal.verdicts import (
    SMT_BACKEND, SMT_LABEL, Proved, Refuted, Unknown, Vacuous, Verdict,
)

BACKEND = SMT_BACKEND


@dataclass(frozen=True)
class Budget:
    """rlimit: z3 resource units (deterministic) for the verdict; deadline: time.monotonic() outer bound."""

    rlimit: int
    deadline: float


class _Run:
    """Solver calls in one fresh context, each with its share of the rlimit and the remaining wall clock."""

    def __init__(self, budget: Budget):
        self.budget = budget
        self.ctx = z3.Context()
        self.stopped_by = ""

    def solver(self, share: float) -> Any:
        s = z3.Solver(ctx=self.ctx)
        s.set("rlimit", max(1, int(self.budget.rlimit * share)))
        return s

    def add(self, s: Any, f: Any) -> None:
        s.add(f.translate(self.ctx))

    def check(self, s: Any) -> Any:
        left_ms = int((self.budget.deadline - time.monotonic()) * 1000)
        if left_ms <= 0:
            self.stopped_by = "wall clock"
            return z3.unknown
        s.set("timeout", left_ms)
        r = s.check()
        if r == z3.unknown:
            why = s.reason_unknown()
            if "timeout" in why:
                self.stopped_by = "wall clock"
            elif "memory" in why:  # the worker's address-space cap: z3's allocation failed
                self.stopped_by = "memory"
            elif "canceled" in why or "resource" in why:
                self.stopped_by = "rlimit"
        return r

    def why(self, s: Any) -> str:
        if self.stopped_by == "wall clock":
            return "wall-clock limit reached (the outer bound; the rlimit had not run out)"
        if self.stopped_by == "rlimit":
            return f"resource limit reached (z3 rlimit {self.budget.rlimit})"
        if self.stopped_by == "memory":
            return f"memory limit of the check's process reached (z3: {s.reason_unknown()})"
        return f"z3 gave up: {s.reason_unknown()}"


def solve(pb: Problem, budget: Budget) -> Verdict:
    """The verdict of ``pb`` within ``budget`` (the procedure of the module docstring).

    Length: the verdict procedure, read top to bottom in the order the module docstring states it.
    """
    start = time.monotonic()
    run = _Run(budget)
    inst = instantiate(pb, deadline=budget.deadline)
    hyps = pb.hyps + inst.instances
    sides = pb.tr.sides[0]
    inexact = list(pb.tr.inexact)
    if any(s.defines is None for s in pb.schemas) or not inst.complete:
        inexact.append("∀-hypotheses were instantiated, not fully encoded")
    if pb.schemas and _has_quantifier([pb.goal, *[h for _, h in pb.hyps]]):
        inexact.append("quantifiers remain next to instantiated definitions")

    def ms() -> float:
        return (time.monotonic() - start) * 1000

    quantified_query = _has_quantifier([pb.goal, *[h for _, h in hyps]])
    if quantified_query:
        # With quantifiers the model must respect the intended meaning of every auxiliary
        # symbol everywhere, not just at ground terms.
        sides = sides + pb.tr.global_axioms
    goal = pb.goal
    subst: list[tuple[Any, Any]] = []
    if not pb.schemas:
        int_vars = [v.term for v in pb.tr.vars.values() if v.ty in INTEGRAL and not v.is_const]
        fs, sides, subst = reduce_residues([goal, *[h for _, h in hyps]], int_vars, list(sides))
        goal, hyps = fs[0], [(n, f) for (n, _), f in zip(hyps, fs[1:])]
    s = run.solver(0.6)
    for f in sides:
        run.add(s, f)
    for _name, h in hyps:
        run.add(s, h)
    run.add(s, z3.Not(goal))
    r = run.check(s)
    if r == z3.sat:
        model = s.model()
        if not inexact and _rational_ok(pb, model, run):
            return Refuted(BACKEND, SMT_LABEL, counterexample(pb, model, run, subst), ms())
        if _exact_forall_forms(pb):
            s.set("rlimit", max(1, int(budget.rlimit * 0.4)))
            _add_forall_forms(run, s, pb, quantified_query)
            r2 = run.check(s)
            if r2 == z3.sat and _rational_ok(pb, s.model(), run):
                return Refuted(BACKEND, SMT_LABEL, counterexample(pb, s.model(), run, subst), ms())
            if r2 != z3.unsat:
                return Unknown(BACKEND, SMT_LABEL, "a counterexample exists for the instantiated hypotheses, "
                               "but it could not be confirmed against the ∀-hypotheses"
                               + (f" ({run.why(s)})" if run.stopped_by else ""), ms(), run.stopped_by)
            r = z3.unsat
        else:
            why = "; ".join(inexact) or "counterexample assigns irrational values to ℚ variables"
            return Unknown(BACKEND, SMT_LABEL, f"possible counterexample not confirmed ({why})", ms())
    if r == z3.unknown:
        return Unknown(BACKEND, SMT_LABEL, run.why(s), ms(), run.stopped_by)
    # unsat: the goal follows.  Are the hypotheses consistent?
    named = [(n, h) for n, h in hyps]
    if not named and not pb.quantified:
        return Proved(BACKEND, SMT_LABEL, ms())
    v = run.solver(0.4)
    v.set("unsat_core", True)
    for f in sides:
        run.add(v, f)
    trackers: dict[str, str] = {}
    for i, (n, h) in enumerate(named):
        t = z3.Bool(f"__h{i}", run.ctx)
        trackers[str(t)] = n
        v.assert_and_track(h.translate(run.ctx), t)
    r3 = run.check(v)
    if r3 != z3.unsat and inexact and _exact_forall_forms(pb):
        # A model of the instances is not a model of the ∀-hypotheses: ask again with their exact forms.
        _add_forall_forms(run, v, pb, quantified_query, trackers)
        r3 = run.check(v)
        inexact = [] if r3 == z3.sat else inexact
    if r3 == z3.unsat:
        core: list[str] = []
        for c in v.unsat_core():
            n = trackers.get(str(c), str(c))
            if n not in core:
                core.append(n)
        names = ", ".join(core) or "the hypotheses"
        return Vacuous(BACKEND, SMT_LABEL, f"hypotheses {names} are contradictory, so any goal follows",
                       tuple(core), ms())
    if r3 == z3.sat and not inexact:
        note = ""
    elif r3 == z3.sat:
        note = ("goal follows; the hypotheses were found consistent only at instances of the ∀-hypotheses "
                f"({'; '.join(inexact)}), so they may still be contradictory")
    else:
        note = f"goal follows, but consistency of the hypotheses was not established ({run.why(v)})"
    return Proved(BACKEND, SMT_LABEL, ms(), note)


def _exact_forall_forms(pb: Problem) -> bool:
    """Whether the exact ∀-forms of the hypotheses are available (every schema encoded, nothing inexact)."""
    return bool(pb.quantified) and pb.quantified_complete and not pb.tr.inexact


def _add_forall_forms(run: _Run, s: Any, pb: Problem, quantified_query: bool,
                      trackers: dict[str, str] | None = None) -> None:
    """Add the exact ∀-hypotheses (and the global axioms they need) to solver ``s``; with ``trackers``, each is
    tracked under its hypothesis name for the unsat core."""
    if not quantified_query:
        for ax in pb.tr.global_axioms:
            run.add(s, ax)
    for i, (name, q) in enumerate(pb.quantified):
        if trackers is None:
            run.add(s, q)
            continue
        t = z3.Bool(f"__q{i}", run.ctx)
        trackers[str(t)] = name
        s.assert_and_track(q.translate(run.ctx), t)


def _has_quantifier(fs: list[Any]) -> bool:
    for f in fs:
        stack = [f]
        for _ in range(200_000):
            if not stack:
                break
            e = stack.pop()
            if z3.is_quantifier(e):
                return True
            if z3.is_app(e):
                stack.extend(e.children())
    return False


def _rational_ok(pb: Problem, model: Any, run: _Run) -> bool:
    for name in pb.rational:
        v = pb.tr.vars.get(name)
        if v is None or v.is_const:
            continue
        val = model.eval(v.term.translate(run.ctx), model_completion=True)
        if not z3.is_rational_value(val):
            return False
    return True


def fmt(val: Any) -> str:
    if z3.is_int_value(val):
        return str(val.as_long())
    if z3.is_rational_value(val):
        f = Fraction(val.numerator_as_long(), val.denominator_as_long())
        return str(f)
    if z3.is_algebraic_value(val):
        return "≈" + val.approx(6).as_decimal(6).rstrip("?")
    return str(val)


def _fmt_const(c: Any) -> str:
    if isinstance(c, tuple):
        return f"{c[0]} + {c[1]}i"
    return str(c)


def counterexample(pb: Problem, model: Any, run: _Run,
                   subst: list[tuple[Any, Any]] | None = None) -> dict[str, str]:
    out: dict[str, str] = dict(pb.tr.notes)

    def ev(t: Any) -> str:
        t = z3.substitute(t, *subst) if subst else t
        return fmt(model.eval(t.translate(run.ctx), model_completion=True))

    for name in pb.shown:
        v = pb.tr.vars.get(name)
        if v is None:
            continue
        if v.is_const:
            out[name] = _fmt_const(v.const)
        elif v.ty == C:
            re, im = (ev(t) for t in v.term)
            out[name] = f"{re} + {im}i"
        else:
            out[name] = ev(v.term)
    for label, val in pb.goal_sides:
        if label not in out:
            out[label] = _fmt_const(val.const) if val.is_const else (
                ev(val.term) if val.ty != C else "?")
    for fn, vals, t in pb.app_log_initial[:12]:
        if all(v.is_const for v in vals):
            key = f"{fn} {' '.join(_fmt_const(v.const) for v in vals)}"
            out[key] = ev(t)
    return out
