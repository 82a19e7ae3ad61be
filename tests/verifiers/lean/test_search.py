from __future__ import annotations

import sys
from pathlib import Path

from mathagent.verifiers.lean import LeanRepl, ReplConfig
from mathagent.verifiers.lean.search import (
    Done, Failed, Goals, ReplTacticEnv, SearchBudget, best_first_search, smt_prefilter,
)

FAKE = Path(__file__).resolve().parents[2] / "fixtures" / "lean" / "fake_repl.py"


class ScriptedEnv:
    """Goal 'a' --t1--> 'b' --t2--> done; anything else fails."""

    def open(self, statement):
        return Goals(0, ("a",))

    def step(self, state, tactic):
        if (state, tactic) == (0, "t1"):
            return Goals(1, ("b",))
        if (state, tactic) == (1, "t2"):
            return Done()
        return Failed("no")


def test_best_first_finds_two_step_proof():
    def propose(goal):
        return [("bad", -0.1), ("t1", -1.0), ("t2", -2.0)]

    r = best_first_search(ScriptedEnv(), "theorem x : True", propose, SearchBudget(max_expansions=10))
    assert r.proved and r.tactics == ("t1", "t2")


def test_budget_bounds_search():
    r = best_first_search(ScriptedEnv(), "theorem x : True", lambda g: [("bad", 0.0)], SearchBudget(max_expansions=3))
    assert not r.proved and r.expansions <= 3


def test_repl_env_with_fake_repl():
    with LeanRepl(ReplConfig(command=[sys.executable, str(FAKE)], timeout_s=5)) as repl:
        env = ReplTacticEnv(repl)
        r = best_first_search(env, "theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry",
                              lambda g: [("simp", -0.5), ("linarith", -1.0)])
    assert r.proved and r.tactics[-1] == "linarith"


def test_smt_prefilter_stops_on_false_statement():
    p = smt_prefilter("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 7 := by sorry")
    assert p.stop and p.verdict.kind == "refuted"
    q = smt_prefilter("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry")
    assert not q.stop and "linarith" in q.hints
