"""Best-first proof search over a tactic environment (interface for LLM proposals).

The search is backend-agnostic: a `TacticEnv` opens a goal and applies
tactics (the REPL-backed `ReplTacticEnv` is provided; a LeanDojo one fits the
same protocol), a `Proposer` returns scored tactic candidates for a goal (the
agent wires an LLM here, optionally with retrieved premises).  Nodes are
expanded in order of cumulative score; the budget bounds expansions and wall
time.  `smt_prefilter` runs the SMT check first: a refuted or vacuous
statement stops the search, and decidable goals get closing-tactic hints.
"""

from __future__ import annotations

import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, Union

from mathagent.verifiers.formal.verdicts import Proved, Refuted, Vacuous, Verdict
from mathagent.verifiers.lean.repl import LeanRepl, ReplResponse


@dataclass(frozen=True)
class Goals:
    state: int
    goals: tuple[str, ...]
    kind: str = "goals"


@dataclass(frozen=True)
class Done:
    kind: str = "done"


@dataclass(frozen=True)
class Failed:
    error: str
    kind: str = "failed"


StepResult = Union[Goals, Done, Failed]
Proposer = Callable[[str], list[tuple[str, float]]]  # goal text -> [(tactic, log-probability)]


class TacticEnv(Protocol):
    def open(self, statement: str) -> StepResult: ...

    def step(self, state: int, tactic: str) -> StepResult: ...


@dataclass(frozen=True)
class SearchBudget:
    max_expansions: int = 64
    max_seconds: float = 120.0
    max_depth: int = 32


@dataclass(frozen=True)
class SearchResult:
    proved: bool
    tactics: tuple[str, ...] = ()
    expansions: int = 0
    reason: str = ""
    elapsed_s: float = 0.0


@dataclass(order=True)
class _Node:
    cost: float
    order: int
    state: int = field(compare=False)
    goal: str = field(compare=False)
    path: tuple[str, ...] = field(compare=False)


def best_first_search(env: TacticEnv, statement: str, propose: Proposer,
                      budget: SearchBudget = SearchBudget()) -> SearchResult:
    start = time.monotonic()
    root = env.open(statement)
    if isinstance(root, Done):
        return SearchResult(True, (), 0, "closed without tactics", time.monotonic() - start)
    if isinstance(root, Failed):
        return SearchResult(False, (), 0, f"statement rejected: {root.error}", time.monotonic() - start)
    counter = itertools.count()
    frontier = [_Node(0.0, next(counter), root.state, "\n\n".join(root.goals), ())]
    seen = {"\n\n".join(root.goals)}
    expansions = 0
    for _ in range(budget.max_expansions):
        if not frontier or time.monotonic() - start > budget.max_seconds:
            break
        node = heapq.heappop(frontier)
        expansions += 1
        for tactic, logp in propose(node.goal)[:16]:
            out = env.step(node.state, tactic)
            if isinstance(out, Done):
                return SearchResult(True, node.path + (tactic,), expansions, "", time.monotonic() - start)
            if isinstance(out, Goals) and len(node.path) + 1 < budget.max_depth:
                key = "\n\n".join(out.goals)
                if key not in seen:
                    seen.add(key)
                    heapq.heappush(frontier, _Node(node.cost - logp, next(counter), out.state, key,
                                                   node.path + (tactic,)))
    why = "search space exhausted" if not frontier else "budget exhausted"
    return SearchResult(False, (), expansions, why, time.monotonic() - start)


class ReplTacticEnv:
    """Tactic environment on the Lean REPL: the statement is elaborated with `sorry`."""

    def __init__(self, repl: LeanRepl, timeout_s: float = 30.0):
        self.repl = repl
        self.timeout_s = timeout_s

    def open(self, statement: str) -> StepResult:
        text = statement.rsplit(":=", 1)[0] + ":= by sorry"
        out = self.repl.command(text, timeout_s=self.timeout_s)
        if not isinstance(out, ReplResponse):
            return Failed(out.kind)
        if out.errors:
            return Failed(out.errors[0])
        if not out.sorries:
            return Done()
        s = out.sorries[0]
        return Goals(int(s["proofState"]), (s.get("goal", ""),))

    def step(self, state: int, tactic: str) -> StepResult:
        out = self.repl.tactic(tactic, state, timeout_s=self.timeout_s)
        if not isinstance(out, ReplResponse):
            return Failed(out.kind)
        if "message" in out.data and out.proof_state is None:
            return Failed(str(out.data["message"]))
        if out.errors:
            return Failed(out.errors[0])
        if not out.goals:
            return Done()
        return Goals(int(out.proof_state or 0), tuple(out.goals))


@dataclass(frozen=True)
class Prefilter:
    verdict: Verdict
    stop: bool
    hints: tuple[str, ...]


def smt_prefilter(statement: str, timeout_s: float = 1.0) -> Prefilter:
    """SMT check before Lean: stop on refuted/vacuous, suggest closing tactics when SMT proves it."""
    from mathagent.verifiers.formal import check_statement

    v = check_statement(statement, timeout_s)
    if isinstance(v, (Refuted, Vacuous)):
        return Prefilter(v, True, ())
    hints: tuple[str, ...] = ()
    if isinstance(v, Proved):
        hints = ("norm_num", "decide", "omega", "linarith", "nlinarith [sq_nonneg (a - b)]", "positivity")
        if "ℝ" in statement or "ℚ" in statement:
            hints = ("norm_num", "linarith", "nlinarith", "field_simp", "ring_nf", "positivity")
    return Prefilter(v, False, hints)
