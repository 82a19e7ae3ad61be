"""Graph logic with a scripted LLM and the real sandboxed calculator."""

from __future__ import annotations

import pytest
from langgraph.graph import END
from fakes import ScriptedLLM, program

from mathagent.agent import prompts
from mathagent.agent.graph import route_after_calc, route_after_solve, route_after_verify
from mathagent.agent.runner import solve_problem
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.errors import InputError, LLMError

COT_18 = "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars. \\boxed{18}"
COT_17 = "I think it is \\boxed{17}"


def run(script, calculator, **cfg):
    llm = ScriptedLLM(script)
    recorded = []
    ctx = AgentContext(llm=llm, calculator=calculator, config=AgentConfig(**cfg), recorder=recorded.append)
    result = solve_problem("Janet's ducks lay 16 eggs ...", ctx)
    return result, llm, recorded


def test_program_then_independent_cot_verifies(calculator):
    result, llm, recorded = run([program("eggs = 16 - 3 - 4\nprint(eggs * 2)"), COT_18], calculator)
    assert result.answer == "18"
    assert result.verified is True
    assert [s["route"] for s in result.steps] == ["calc", "reason"]
    assert result.steps[0]["status"] == "ok" and result.steps[0]["output"].strip() == "18"
    assert result.verification == [{"name": "cot_cross_check", "verdict": "pass",
                                     "detail": "chain of thought (no tools) gave '18', claimed '18': equivalent"}]
    assert len(llm.calls) == 2
    (rec,) = recorded
    assert rec.answer == "18" and rec.verified and len(rec.tool_calls) == 1 and len(rec.llm_calls) == 2
    assert rec.prompt_tokens == 20 and rec.completion_tokens == 10


def test_without_tie_break_disagreement_keeps_program_answer_unverified(calculator):
    result, llm, _ = run([program("print(18)"), COT_17], calculator, tie_break=False)
    assert result.answer == "18"
    assert result.verified is False
    assert result.verification[0]["verdict"] == "fail"
    assert len(llm.calls) == 2


def test_tie_break_siding_with_cot_changes_the_answer_to_the_sandbox_value(calculator):
    result, llm, recorded = run([program("print(18)"), COT_17, program("print(34 // 2)")], calculator)
    assert result.answer == "17"
    assert result.meta["answer_route"] == "vote"
    assert result.verified is False  # the first program still disagrees: a vote is not a verification
    verdicts = {v["name"]: v["verdict"] for v in result.verification}
    assert verdicts == {"cot_cross_check": "pass", "program_cross_check": "pass", "first_program": "fail"}
    details = {v["name"]: v["detail"] for v in result.verification}
    assert details["first_program"] == "the first program gave '18', claimed '17': not equivalent"
    assert details["cot_cross_check"] == "chain of thought (no tools) gave '17', claimed '17': equivalent"
    assert llm.calls[2][0]["content"] == prompts.CHECK_PROGRAM_SYSTEM
    assert [s["route"] for s in result.steps] == ["calc", "reason", "calc", "verify"]
    assert result.steps[-1]["status"] == "changed" and "17" in result.steps[-1]["output"]
    (rec,) = recorded
    assert rec.answer == "17" and len(rec.tool_calls) == 2 and len(rec.llm_calls) == 3


def test_tie_break_siding_with_the_program_keeps_it_unverified(calculator):
    result, _, _ = run([program("print(18)"), COT_17, program("print(9 * 2)")], calculator)
    assert result.answer == "18" and result.meta["answer_route"] == "calc"
    assert result.verified is False  # chain of thought's fail still vetoes
    assert [v["verdict"] for v in result.verification] == ["fail", "pass"]
    assert result.steps[-1]["status"] == "kept"


def test_tie_break_without_a_majority_keeps_the_first_program(calculator):
    result, _, _ = run([program("print(18)"), COT_17, program("print(16)")], calculator)
    assert result.answer == "18" and not result.verified
    assert [v["verdict"] for v in result.verification] == ["fail", "fail"]
    assert result.steps[-1]["status"] == "no_majority"


def test_tie_break_program_that_fails_is_no_vote(calculator):
    result, _, _ = run([program("print(18)"), COT_17, program("raise ValueError('x')")], calculator)
    assert result.answer == "18" and not result.verified
    assert [v["verdict"] for v in result.verification] == ["fail", "inconclusive"]


def test_cot_without_answer_then_agreeing_program_verifies(calculator):
    result, _, _ = run([program("print(18)"), "I am not sure.", program("print(36 // 2)")], calculator)
    assert result.answer == "18" and result.verified
    assert [v["verdict"] for v in result.verification] == ["inconclusive", "pass"]


def test_error_is_fed_back_and_repaired(calculator):
    result, llm, _ = run([program("print(undefined_name)"), program("print(2**100 % 7)"), "\\boxed{2}"],
                         calculator)
    assert result.answer == "2" and result.verified
    assert [s["status"] for s in result.steps[:2]] == ["error", "ok"]
    repair_prompt = llm.calls[1][-1]["content"]
    assert "NameError" in repair_prompt and "undefined_name" in repair_prompt


def test_repairs_are_bounded_then_fallback_to_reasoning(calculator):
    bad = program("raise ValueError('nope')")
    result, llm, rec = run([bad, bad, bad, "so \\boxed{5}", program("print(5)")], calculator,
                           max_repairs=2, max_turns=4)
    calc_steps = [s for s in result.steps if s["route"] == "calc"]
    assert [s["status"] for s in calc_steps[:3]] == ["error"] * 3
    assert result.meta["repairs"] == 2 and result.meta["limits_hit"] == ["max_repairs"]
    assert result.answer == "5"
    assert result.meta["answer_route"] == "reason"
    # the fallback answer is checked by an independent program
    assert result.verification[0]["name"] == "program_cross_check"
    assert result.verified


def test_timeout_is_a_status_not_a_crash(calculator):
    result, _, _ = run([program("while True: pass"), program("print(7)"), "\\boxed{7}"], calculator,
                       calc_timeout_s=0.5)
    assert result.steps[0]["status"] == "timeout"
    assert result.answer == "7" and result.meta["limits_hit"] == ["calc_timeout"]


def test_no_code_turns_are_nudged_and_bounded(calculator):
    result, llm, _ = run(["hmm", "still thinking", "no idea", "what", "nothing"], calculator,
                         max_turns=2, verify=False)
    assert result.status == "no_answer"
    assert result.answer is None
    assert len(llm.calls) == 3  # two solver turns + the reasoning fallback
    assert result.meta["limits_hit"] == ["max_turns"]
    assert [s["route"] for s in result.steps] == ["reason", "reason", "reason"]


def test_answer_without_program_is_accepted_and_cross_checked(calculator):
    result, _, _ = run(["The answer is \\boxed{42}", program("print(6*7)")], calculator)
    assert result.answer == "42" and result.verified
    assert [s["route"] for s in result.steps] == ["reason", "calc"] and result.meta["limits_hit"] == []


def test_sympy_list_output_is_unwrapped(calculator):
    code = "x = sympy.symbols('x')\nprint(sympy.solve(3*x + 7 - 25, x))"
    result, _, _ = run([program(code), "\\boxed{6}"], calculator)
    assert result.answer == "6" and result.verified


def test_llm_failure_is_recorded_as_error(calculator):
    result, _, recorded = run([LLMError("server down after 5 attempts")], calculator)
    assert result.status == "error" and result.answer is None
    assert recorded[0].status == "error" and "server down" in recorded[0].error


def test_recursion_limit_is_set_and_enforced(calculator):
    cfg = AgentConfig(max_turns=50, max_repairs=50)
    assert cfg.recursion_limit() > 0
    bad = program("raise ValueError")
    ctx = AgentContext(llm=ScriptedLLM(lambda m: bad), calculator=calculator,
                       config=AgentConfig(max_turns=50, max_repairs=50, verify=False))
    # shrink the limit through a subclass to keep the test fast
    class Tight(AgentConfig):
        def recursion_limit(self) -> int:
            return 7
    ctx.config = Tight(max_turns=50, max_repairs=50, verify=False)
    result = solve_problem("loop forever", ctx)
    assert result.status == "no_answer"
    assert "recursion limit (7)" in result.stop_reason and "recursion_limit" in result.meta["limits_hit"]


@pytest.mark.parametrize("problem", ["", "   \n", "x" * 100_001, "a\x00b"])
def test_bad_problems_are_rejected_before_anything_runs(problem, calculator):
    llm = ScriptedLLM([])
    recorded = []
    ctx = AgentContext(llm=llm, calculator=calculator, recorder=recorded.append)
    with pytest.raises(InputError):
        solve_problem(problem, ctx)
    assert llm.calls == [] and recorded == []


def test_routers_are_pure_functions():
    assert route_after_solve({"last_reply": {"code": "print(1)"}}, 4) == "calc"
    assert route_after_solve({"last_reply": {"answer": "3"}}, 4) == "finalize"
    assert route_after_solve({"last_reply": {}, "turns": 1}, 4) == "nudge"
    assert route_after_solve({"last_reply": {}, "turns": 4}, 4) == "reason"
    ok = {"last_calc": {"status": "ok"}, "answer_route": "calc", "candidate": "3"}
    assert route_after_calc(ok, 2, 4) == "finalize"
    assert route_after_calc({"last_calc": {"status": "error"}, "repairs": 0, "turns": 1}, 2, 4) == "repair"
    assert route_after_calc({"last_calc": {"status": "error"}, "repairs": 2, "turns": 3}, 2, 4) == "reason"
    failed = {"answer_route": "calc", "verifications": [{"name": "cot_cross_check", "verdict": "fail"}]}
    assert route_after_verify(failed, True) == "tie_break"
    assert route_after_verify(failed, False) == END
    assert route_after_verify({**failed, "answer_route": "reason"}, True) == END
    passed = {"answer_route": "calc", "verifications": [{"name": "cot_cross_check", "verdict": "pass"}]}
    assert route_after_verify(passed, True) == END


def test_cot_strategy_is_one_reasoning_call(calculator):
    llm = ScriptedLLM(["so \\boxed{18}"])
    ctx = AgentContext(llm=llm, calculator=calculator)
    result = solve_problem("ducks", ctx, strategy="cot")
    assert result.answer == "18" and not result.verified and result.verification == []
    assert [s["route"] for s in result.steps] == ["reason"] and len(llm.calls) == 1


def test_pot_strategy_runs_one_program_without_repair(calculator):
    llm = ScriptedLLM([program("print(1/0)")])
    ctx = AgentContext(llm=llm, calculator=calculator)
    result = solve_problem("x", ctx, strategy="pot")
    assert result.status == "no_answer" and [s["status"] for s in result.steps] == ["error"]
    llm = ScriptedLLM([program("print(2**10)")])
    result = solve_problem("x", AgentContext(llm=llm, calculator=calculator), strategy="pot")
    assert result.answer == "1024" and len(llm.calls) == 1


def test_formal_statement_is_routed_to_smt_without_the_model(calculator):
    llm = ScriptedLLM([])
    ctx = AgentContext(llm=llm, calculator=calculator)
    result = solve_problem("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry", ctx)
    assert llm.calls == []
    assert result.answer == "proved" and result.verified
    assert result.steps[0]["route"] == "formal"
    assert "SMT-checked" in result.verification[0]["detail"]
    refuted = solve_problem("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 7 := by sorry", ctx)
    assert refuted.answer == "refuted" and not refuted.verified


def test_equation_claim_is_checked_formally(calculator):
    llm = ScriptedLLM([program("print(6)"), "\\boxed{6}"])
    result = solve_problem("Solve for x: 3x + 7 = 25.", AgentContext(llm=llm, calculator=calculator))
    names = [v["name"] for v in result.verification]
    assert names == ["cot_cross_check", "smt_equation_claim"]
    assert all(v["verdict"] == "pass" for v in result.verification) and result.verified
    assert result.steps[-1]["route"] == "formal"


def test_limits_hit_names_each_bound_an_attempt_ran_into():
    from mathagent.agent.runner import limits_hit

    cfg = AgentConfig(max_turns=4, max_repairs=2)
    state = {"turns": 1, "llm_calls": [{"finish_reason": "timeout"}, {"finish_reason": "length"},
                                       {"finish_reason": "stop"}]}
    assert limits_hit(state, cfg) == ["llm_timeout", "max_tokens"]
    assert limits_hit({"turns": 1}, cfg) == []
