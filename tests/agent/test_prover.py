"""LLM-guided proof search against a scripted tactic environment (real Lean is not installed here)."""

from __future__ import annotations

from fakes import ScriptedLLM

from mathagent.agent.prover import parse_tactics, prove_by_search
from mathagent.verifiers.formal.verdicts import Proved
from mathagent.verifiers.lean.search import Done, Failed, Goals, SearchBudget


class ToyEnv:
    """Goal 0 needs `intro h` then `linarith`; everything else fails."""

    def __init__(self):
        self.steps = []

    def open(self, statement):
        return Goals(0, ("⊢ ∀ x, 3*x+7=25 → x = 6",))

    def step(self, state, tactic):
        self.steps.append((state, tactic))
        if state == 0 and tactic == "intro x h":
            return Goals(1, ("x : ℝ, h : 3*x+7=25 ⊢ x = 6",))
        if state == 1 and tactic == "linarith":
            return Done()
        return Failed("tactic failed")


def test_parse_tactics_strips_noise():
    reply = "```lean\n1. intro x h\n- linarith\n* `norm_num`\nlinarith\n```"
    assert parse_tactics(reply, 8) == ["intro x h", "linarith", "norm_num"]
    assert parse_tactics("a\nb\nc", 2) == ["a", "b"]


def test_search_finds_proof_with_llm_tactics_and_premises():
    llm = ScriptedLLM(lambda m: "simp\nintro x h" if "∀" in m[-1]["content"] else "ring\nlinarith")
    seen_premises = []

    def premises(goal):
        seen_premises.append(goal)
        return ["theorem mul_comm ..."]

    env = ToyEnv()
    stmt = "theorem t : ∀ x : ℝ, 3*x + 7 = 25 → x = 6 := by sorry"
    verdict = prove_by_search(stmt, env, llm, premises=premises, budget=SearchBudget(max_expansions=8))
    assert isinstance(verdict, Proved) and verdict.label == "Lean-verified"
    assert "intro x h; linarith" in verdict.note or verdict.note.endswith("linarith")
    assert "Possibly useful premises" in llm.calls[0][-1]["content"] and seen_premises


def test_refuted_statement_stops_before_search():
    llm = ScriptedLLM([])
    env = ToyEnv()
    verdict = prove_by_search("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 7 := by sorry", env, llm)
    assert verdict.kind == "refuted" and env.steps == [] and llm.calls == []


def test_budget_bounds_the_search_and_recheck_can_veto():
    llm = ScriptedLLM(lambda m: "simp")
    verdict = prove_by_search("theorem t : ∀ x : ℝ, x = x + 0 := by sorry", ToyEnv(), llm,
                              budget=SearchBudget(max_expansions=3))
    assert verdict.kind == "unknown" and "no proof found" in verdict.reason
    llm = ScriptedLLM(lambda m: "intro x h\nlinarith")
    veto = prove_by_search("theorem t : ∀ x : ℝ, 3*x + 7 = 25 → x = 6 := by sorry", ToyEnv(), llm,
                           recheck=lambda proof: _unknown())
    assert veto.kind == "unknown" and "whole-file check" in veto.reason


def _unknown():
    from mathagent.verifiers.formal.verdicts import Unknown

    return Unknown("lean-repl", "Lean-verified", "error: linarith failed")
