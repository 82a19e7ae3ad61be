"""Graph logic with a scripted LLM and the real sandboxed calculator: every router branch.

The script is a function of the messages: the system message says which method is asked
(a program, a chain of thought, tool-integrated reasoning, or a repair turn), so each test
states what each method answers.
"""

from __future__ import annotations

import itertools

import pytest
from fakes import ScriptedLLM, program

from mathagent.agent import prompts
from mathagent.agent.graph import next_plan, route_after_vote, route_start
from mathagent.agent.runner import solve_problem
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.agent.vote import Vote, cluster
from mathagent.errors import InputError, LLMError
from mathagent.traces.records import Derivation

DUCKS = ("Janet's ducks lay 16 eggs per day. She eats 3 and bakes with 4. She sells the rest for $2 each. "
         "How many dollars does she make every day?")


def method_of(messages) -> str:
    system = messages[0]["content"]
    if messages[-1]["role"] == "user" and "Reply with the corrected program" in messages[-1]["content"]:
        return "repair"
    for m in ("pot", "cot", "tir"):
        if system == prompts.PROMPTS[prompts.DEFAULT_PROMPTS[m]].system:
            return m
    return "other"


def scripted(pot=(), cot=(), tir=(), repair=()):
    """A script: each method's replies in order (the last one repeats)."""
    queues = {"pot": list(pot), "cot": list(cot), "tir": list(tir), "repair": list(repair)}
    counters = {k: itertools.count() for k in queues}

    def reply(messages):
        m = method_of(messages)
        q = queues.get(m) or []
        if not q:
            raise AssertionError(f"no scripted reply for {m}")
        i = next(counters[m])
        item = q[min(i, len(q) - 1)]
        return item(messages) if callable(item) else item

    return ScriptedLLM(reply)


# The rules under test, fixed here so that tuning the defaults (agent/state.py) does not change what these tests
# mean: four programs, then one chain of thought, and so on; a vote settles at P >= 0.95 with 3 agreeing; a
# one-method vote is confirmed by a chain of thought.
RULES = dict(schedule=(("pot", 4), ("cot", 1), ("pot", 4), ("cot", 1)), stop_threshold=0.95, min_agree=3,
             verify=True, confirm_methods=("cot",))


def run(llm, calculator, problem=DUCKS, strategy="agent", **cfg):
    recorded = []
    ctx = AgentContext(llm=llm, calculator=calculator, config=AgentConfig(**{**RULES, **cfg}),
                       recorder=recorded.append)
    return solve_problem(problem, ctx, strategy=strategy), recorded


COT_18 = "16 - 3 - 4 = 9 eggs, 9 * 2 = 18 dollars. The answer is 18."
COT_17 = "The answer is 17."


def test_unanimous_programs_stop_early_and_one_chain_of_thought_confirms(calculator):
    llm = scripted(pot=[program("print((16 - 3 - 4) * 2)")], cot=[COT_18])
    result, (rec,) = run(llm, calculator)
    assert result.answer == "18" and result.level == "consensus" and result.verified
    assert llm.batches == [4, 1]  # one batch of four programs, then one chain of thought
    assert [s["route"] for s in result.steps] == ["pot"] * 4 + ["vote", "cot", "vote"]
    assert [s["status"] for s in result.steps if s["route"] == "vote"] == ["confirm", "settled"]
    assert result.meta["vote"]["clusters"] == [{"answer": "18", "size": 5, "methods": ["pot", "cot"]}]
    assert all(d["cluster"] == 0 and d["valid"] for d in result.derivations)
    assert rec.level == rec.agent_level == "consensus" and len(rec.tool_calls) == 4 and len(rec.llm_calls) == 5
    assert rec.llm_calls[0].prompt == "pot-code@1" and rec.llm_calls[-1].purpose == "cot"
    assert result.checks[0]["name"] == "consensus" and result.checks[0]["verdict"] == "pass"


def test_sample_zero_is_greedy_and_the_rest_sampled_with_distinct_seeds(calculator):
    llm = scripted(pot=[program("print(18)")], cot=[COT_18])
    run(llm, calculator, temperature=0.0, sample_temperature=0.7)
    temps = [p.temperature for p in llm.params[:4]]
    seeds = [p.seed for p in llm.params[:4]]
    assert temps == [0.0, 0.7, 0.7, 0.7] and len(set(seeds)) == 4


def test_without_verify_a_one_method_vote_stays_unverified(calculator):
    llm = scripted(pot=[program("print(18)")])
    result, _ = run(llm, calculator, verify=False)
    assert result.answer == "18" and result.level == "unverified" and llm.batches == [4]
    assert result.checks[0]["verdict"] == "inconclusive"  # one method: no consensus, no disagreement


def test_a_confirming_chain_of_thought_that_disagrees_reopens_the_vote(calculator):
    llm = scripted(pot=[program("print(18)")], cot=[COT_17])
    result, _ = run(llm, calculator, max_samples=6)
    # 4 programs (18), the confirming CoT (17): settled again at 4 vs 1 (the leader cannot lose with 1 left)
    assert result.answer == "18" and result.level == "unverified"
    assert result.checks[0]["verdict"] == "fail"  # a valid derivation disagrees: never consensus


def test_programs_and_tool_integrated_reasoning_agreeing_still_need_a_chain_of_thought(calculator):
    # round 1: one program prints 18, the other fails; round 2: two tool-integrated derivations box 18.  Two
    # methods agree with no dissent, but both write code: consensus needs a chain of thought (consensus_needs)
    def llm():
        outs = iter(["print(18)", "raise ValueError('no')"])
        return scripted(pot=[lambda m: program(next(outs, "print(18)"))], tir=["So \\boxed{18}."], cot=[COT_18])
    rules = dict(schedule=(("pot", 2), ("tir", 2), ("cot", 1)), stop_threshold=0.8, min_agree=2, max_repairs=0)
    confirmed, _ = run(llm(), calculator, **rules)
    assert confirmed.answer == "18" and confirmed.level == "consensus"
    assert [s["status"] for s in confirmed.steps if s["route"] == "vote"] == ["unsettled", "confirm", "settled"]
    assert confirmed.meta["vote"]["clusters"][0]["methods"] == ["pot", "tir", "cot"]
    unconfirmed, _ = run(llm(), calculator, **{**rules, "verify": False})
    assert unconfirmed.answer == "18" and unconfirmed.level == "unverified"
    check = unconfirmed.checks[0]
    assert check["verdict"] == "inconclusive" and "no cot derivation" in check["detail"]


def test_two_needed_methods_draw_one_confirmation_each(calculator):
    # consensus needs a chain of thought and tool-integrated reasoning: after four agreeing programs, each needed
    # method is drawn once (the needed ones first, in order), and both agreeing make it consensus
    llm = scripted(pot=[program("print(18)")], cot=[COT_18], tir=["So \\boxed{18}."])
    result, _ = run(llm, calculator, consensus_needs=("cot", "tir"), confirm_methods=("cot", "tir"))
    assert result.answer == "18" and result.level == "consensus"
    assert llm.batches == [4, 1, 1]
    assert [s["status"] for s in result.steps if s["route"] == "vote"] == ["confirm", "confirm", "settled"]
    assert result.meta["vote"]["clusters"][0]["methods"] == ["pot", "cot", "tir"]


@pytest.mark.parametrize("needs,confirms", [(("cot",), 1), (("cot", "tir"), 2)])
def test_confirmations_are_bounded_by_the_needed_methods(calculator, needs, confirms):
    # each confirmation gives no answer, so the programs' winner keeps lacking the needed methods with no
    # dissent: confirming stops at one derivation per needed method, and the answer stays unverified
    llm = scripted(pot=[program("print(18)")], cot=["I cannot tell."], tir=["No idea."])
    result, _ = run(llm, calculator, consensus_needs=needs, confirm_methods=("cot", "tir"))
    votes = [s["status"] for s in result.steps if s["route"] == "vote"]
    assert votes == ["confirm"] * confirms + ["settled"]
    assert [d["method"] for d in result.derivations[4:]] == list(needs)
    assert result.answer == "18" and result.level == "unverified" and len(result.derivations) == 4 + confirms


@pytest.mark.parametrize("needs", [("cot",), ("cot", "tir")])
def test_no_confirmation_once_a_valid_derivation_dissents(calculator, needs):
    # three programs say 18, one 17: settled (P 0.81 >= 0.8) but a valid dissent makes consensus impossible, so
    # --verify draws nothing more (the confirming derivation could only cost time)
    answers = iter([18, 18, 17, 18])
    llm = scripted(pot=[lambda m: program(f"print({next(answers)})")], cot=[COT_18], tir=["So \\boxed{18}."])
    result, _ = run(llm, calculator, consensus_needs=needs, confirm_methods=("cot", "tir"), stop_threshold=0.8)
    assert llm.batches == [4] and [s["status"] for s in result.steps if s["route"] == "vote"] == ["settled"]
    assert result.answer == "18" and result.level == "unverified" and result.checks[0]["verdict"] == "fail"


def test_split_vote_draws_more_rounds_until_settled(calculator):
    answers = iter([18, 17, 18, 16, 18, 18, 18, 18])
    llm = scripted(pot=[lambda m: program(f"print({next(answers)})")], cot=[COT_18])
    result, _ = run(llm, calculator, max_samples=12)
    assert result.answer == "18"
    assert llm.batches[:3] == [4, 1, 4]  # schedule: pot x4, cot x1, pot x4
    assert result.meta["decision"] == "settled" and result.meta["rounds"] == 3


def test_max_samples_bounds_the_vote_and_is_recorded(calculator):
    answers = itertools.cycle([1, 2, 3, 4, 5])
    llm = scripted(pot=[lambda m: program(f"print({next(answers)})")], cot=["The answer is 9."])
    result, _ = run(llm, calculator, max_samples=6)
    assert len(result.derivations) == 6 and result.meta["decision"] == "exhausted"
    assert "max_samples" in result.meta["limits_hit"] and result.level == "unverified"
    assert result.answer == "1"  # a tie of ones goes to the cluster formed first (the greedy sample)


def test_implausible_values_do_not_vote(calculator):
    # a count cannot be 4.5, nor None, nor words: only the 18s vote
    outs = iter(["4.5", "None", "'no answer'", "18"])
    llm = scripted(pot=[lambda m: program(f"print({next(outs, '18')})")], cot=[COT_18])
    result, _ = run(llm, calculator, problem="How many eggs does Janet sell? She has 18.")
    rejected = [d for d in result.derivations if not d["valid"]]
    assert [d["answer"] for d in rejected] == ["4.5", "None", "no answer"]
    assert "whole number" in rejected[0]["reason"]
    assert result.answer == "18"
    assert [s["status"] for s in result.steps[:4]] == ["rejected", "rejected", "rejected", "ok"]


def test_a_round_without_a_valid_answer_is_repaired_with_its_error(calculator):
    llm = scripted(pot=[program("print(undefined_name)")], repair=[program("print(2**100 % 7)")],
                   cot=["So the answer is 2."])
    result, (rec,) = run(llm, calculator, problem="What is the remainder when 2^100 is divided by 7?",
                         max_repairs=1)
    assert result.answer == "2"
    repair_calls = [c for c in rec.llm_calls if c.purpose == "repair"]
    assert len(repair_calls) == 1 and "NameError" in repair_calls[0].messages[-1]["content"]
    assert result.meta["repairs"] == 1
    assert any(s["route"] == "repair" and s["status"] == "ok" for s in result.steps)


CODE_PROMPTS = (("pot", "pot-code"), ("cot", "cot-plain"), ("tir", "tir-qwen25-math"))


def test_a_prompt_with_a_reply_start_opens_each_program_reply_and_its_repair_but_no_other_method(calculator):
    llm = scripted(pot=[program("print(undefined_name)")], repair=[program("print(2**100 % 7)")],
                   cot=["So the answer is 2."], tir=["Compute it.\n" + program("print(2**100 % 7)"), "\\boxed{2}"])
    result, (rec,) = run(llm, calculator, problem="What is the remainder when 2^100 is divided by 7?",
                         max_repairs=1, prompts=CODE_PROMPTS, schedule=(("pot", 2), ("tir", 1), ("cot", 1)))
    starts = [(c.purpose, p.reply_start) for c, p in zip(rec.llm_calls, llm.params, strict=True)]
    assert starts[:5] == [("pot", "```python\n")] * 2 + [("repair", "```python\n"), ("tir", ""), ("tir", "")]
    assert starts[5:] and all(s == ("cot", "") for s in starts[5:])  # the tir's second turn, and every cot: none
    assert result.answer == "2" and rec.llm_calls[0].prompt == "pot-code@1" and len(rec.tool_calls) == 4
    assert prompts.get_prompt("pot-code").system == prompts.get_prompt("pot-plain").system  # the words are kept


def test_the_reply_start_is_part_of_what_a_run_records_as_its_prompts():
    plain = prompts.prompts_version(prompts.resolve_prompts(["pot-plain"]))
    code = prompts.prompts_version(prompts.resolve_prompts(["pot-code"]))
    assert "pot-code@1" in code and plain.split("#")[1] != code.split("#")[1]  # same words, another digest
    # runs recorded before reply starts existed keep their digest (and so can be resumed)
    assert plain == "cot-plain@1,pot-plain@1,tir-qwen25-math@1#15c0f9f5"


@pytest.mark.parametrize("strategies,backend,prefill,unsent", [
    (("agent",), "openai", "none", ("pot-code",)),
    (("pot", "cot"), "openai", "none", ("pot-code",)),
    (("cot", "tir"), "openai", "none", ()),        # no program prompt in use: nothing unsent
    (("agent",), "openai", "continue", ()),
    (("agent",), "openai", "prefix", ()),
    (("agent",), "local", "none", ()),             # the local backend always decodes from it
])
def test_which_reply_starts_a_connection_leaves_unsent(strategies, backend, prefill, unsent):
    chosen = prompts.resolve_prompts()
    assert prompts.unsent_reply_starts(chosen, strategies, backend, prefill) == unsent
    assert prompts.unsent_reply_starts(prompts.resolve_prompts(["pot-plain"]), strategies, backend, prefill) == ()


def test_repairs_are_bounded(calculator):
    bad = program("raise ValueError('nope')")
    llm = scripted(pot=[bad], repair=[bad], cot=["I cannot tell."])
    result, _ = run(llm, calculator, max_repairs=1, max_samples=10)
    assert result.meta["repairs"] == 1 and result.status == "no_answer"
    assert len(result.derivations) == 10 and "max_samples" in result.meta["limits_hit"]


def test_timeout_is_a_status_not_a_crash(calculator):
    llm = scripted(pot=[program("while True: pass")], repair=[program("print(7)")], cot=["The answer is 7."])
    result, _ = run(llm, calculator, calc_timeout_s=0.5, problem="What is 3 + 4?")
    assert result.steps[0]["status"] == "timeout" and "calc_timeout" in result.meta["limits_hit"]
    assert result.answer == "7"


def test_reply_without_a_program_is_not_counted_as_a_program(calculator):
    llm = scripted(pot=["The answer is 18."], repair=[program("print(18)")], cot=[COT_18])
    result, _ = run(llm, calculator, max_samples=6)
    assert result.steps[0]["status"] == "no_code"
    assert result.derivations[0]["valid"] is False and "no program" in result.derivations[0]["reason"]


def test_llm_failure_is_recorded_as_error(calculator):
    llm = ScriptedLLM([LLMError("server down after 5 attempts")])
    result, (rec,) = run(llm, calculator)
    assert result.status == "error" and result.answer is None
    assert rec.status == "error" and "server down" in rec.error


def test_recursion_limit_is_set_and_enforced(calculator):
    class Tight(AgentConfig):
        def recursion_limit(self) -> int:
            return 3

    answers = itertools.count()
    llm = scripted(pot=[lambda m: program(f"print({next(answers)})")], cot=["The answer is 1000."])
    ctx = AgentContext(llm=llm, calculator=calculator, config=Tight(**{**RULES, "max_samples": 40}))
    result = solve_problem("What is x?", ctx)
    assert "recursion limit (3)" in result.stop_reason and "recursion_limit" in result.meta["limits_hit"]


@pytest.mark.parametrize("problem", ["", "   \n", "x" * 100_001, "a\x00b"])
def test_bad_problems_are_rejected_before_anything_runs(problem, calculator):
    llm = ScriptedLLM([])
    recorded = []
    ctx = AgentContext(llm=llm, calculator=calculator, recorder=recorded.append)
    with pytest.raises(InputError):
        solve_problem(problem, ctx)
    assert llm.calls == [] and recorded == []


def _d(i, method, answer, valid=True):
    return Derivation(index=i, method=method, prompt="p", answer=answer, valid=valid)


def _vote(*answers) -> Vote:
    return cluster([_d(i, m, a) for i, (m, a) in enumerate(answers)], lambda a, b: a == b)


def test_routers_and_plans_are_pure_functions():
    cfg = AgentConfig(**{**RULES, "max_repairs": 1})
    assert route_start({"problem": "theorem t : 1 = 1 := by sorry"}, False) == "formal"
    assert route_start({"problem": "What is 1 + 1?"}, False) == "draw"
    assert route_start({"problem": "What is 1 + 1?"}, True) == "formal"
    assert route_after_vote({"decision": "settled"}, cfg) == "verify"
    assert route_after_vote({"decision": "exhausted"}, cfg) == "verify"
    assert route_after_vote({"decision": "confirm"}, cfg) == "draw"
    ok = _d(0, "pot", "3")
    assert route_after_vote({"decision": "unsettled", "derivations": [ok], "last_round": 0}, cfg) == "draw"
    assert next_plan({}, cfg).method == "pot" and next_plan({}, cfg).greedy_first
    assert next_plan({"rounds": 1, "derivations": [ok] * 4}, cfg).method == "cot"
    confirm = {"decision": "confirm", "vote": _vote(("pot", "3"), ("pot", "3"), ("pot", "3"))}
    plan = next_plan(confirm, cfg)
    assert plan.method == "cot" and plan.n == 1 and plan.confirm
    plan = next_plan({"decision": "confirm", "vote": _vote(("cot", "3"))}, cfg)
    assert plan.method == "pot"
    near_end = next_plan({"rounds": 2, "derivations": [ok] * 10}, AgentConfig(**{**RULES, "max_samples": 12}))
    assert near_end.n == 2  # never past max_samples
    default = AgentConfig()
    assert next_plan({"decision": "confirm", "vote": _vote(("pot", "3"))}, default).method == "cot"
    # programs and tool-integrated reasoning agree, but consensus needs a chain of thought: that is drawn
    code_only = {"decision": "confirm", "vote": _vote(("pot", "3"), ("tir", "3"), ("pot", "3"))}
    tir_first = AgentConfig(**{**RULES, "confirm_methods": ("tir",)})
    assert next_plan(code_only, tir_first).method == "cot"
    programs_only = {"decision": "confirm", "vote": _vote(("pot", "3"), ("pot", "3"), ("pot", "3"))}
    assert next_plan(programs_only, tir_first).method == "cot"  # the needed method before the preferred one
    assert next_plan(programs_only, AgentConfig(**{**RULES, "confirm_methods": ("tir",), "consensus_needs": ()})).method == "tir"
    cot_only = {"decision": "confirm", "vote": _vote(("cot", "3"), ("cot", "3"), ("cot", "3"))}
    assert next_plan(cot_only, AgentConfig()).method == "tir"  # a chain of thought is there: another method


def test_the_vote_rules_name_known_methods():
    with pytest.raises(InputError, match="consensus_needs"):
        AgentConfig(consensus_needs="cot")  # a string, not a tuple of methods
    with pytest.raises(InputError, match="confirm_methods"):
        AgentConfig(confirm_methods=("lean",))
    assert AgentConfig(consensus_needs=()).consensus_needs == ()


@pytest.mark.parametrize("rules", [{"consensus_needs": ("cot", "cot")}, {"consensus_needs": ("cot", "tir", "cot")},
                                   {"confirm_methods": ("tir", "tir")}, {"confirm_methods": ("cot", "tir", "tir")}])
def test_the_vote_rules_name_each_method_once(rules):
    # a repeated needed method would allow a second confirmation that can only repeat the first
    with pytest.raises(InputError, match="twice"):
        AgentConfig(**rules)


def test_the_default_schedule_escalates_to_tool_integrated_reasoning_on_disagreement(calculator):
    answers = iter([18, 17, 16, 15])
    llm = scripted(pot=[lambda m: program(f"print({next(answers, 18)})")], tir=["So \\boxed{18}."])
    result, _ = solve_problem(DUCKS, AgentContext(llm=llm, calculator=calculator)), None
    assert llm.batches[:3] == [3, 1, 1] and method_of(llm.calls[4]) == "tir"
    assert result.answer == "18"


PENCILS = "Pencils cost $3 for a pack of 4. How many dollars do 20 pencils cost?"


@pytest.mark.parametrize("first, batches", [
    (["60", "60", "15"], [3, 1]),       # 2-1: one more program (the golden end-to-end case's first round)
    (["60", "60", None], [3, 1]),       # 2-0 and a failed program: 2-0 does not settle
    (["60", None, "60"], [3, 1]),       # ... wherever the failure is
    (["60", "60", "60"], [3]),          # 3-0 settles at once
    (["60", "15", "20"], [3, 1]),       # 1-1-1: one more
])
def test_the_default_vote_does_not_stop_on_two_agreeing_programs(calculator, first, batches):
    # the greedy program and one sample share a misreading too often (agent/state.py MIN_AGREE): three must agree
    answers = iter(first)

    def reply(m):
        got = next(answers, "15")
        return program(f"print({got})" if got else "print(1/0)")
    llm = scripted(pot=[reply], tir=["So \\boxed{15}."], cot=["The answer is \\boxed{15}."])
    result = solve_problem(PENCILS, AgentContext(llm=llm, calculator=calculator, config=AgentConfig(max_repairs=0)))
    assert llm.batches[:len(batches)] == batches
    if first.count("60") == 3:
        assert result.answer == "60" and len(result.derivations) == 3
    else:  # drew on (every later derivation says 15) until 15 led by a settled margin
        assert result.answer == "15" and len(result.derivations) > 4


def test_single_method_strategies_are_one_derivation_answered_as_written(calculator):
    llm = scripted(cot=["so \\boxed{18}"])
    result, _ = run(llm, calculator, strategy="cot")
    assert result.answer == "18" and result.level == "unverified" and result.checks == []
    assert [s["route"] for s in result.steps] == ["cot"] and len(llm.calls) == 1
    llm = scripted(pot=[program("print(1/0)")])
    result, _ = run(llm, calculator, strategy="pot")
    assert result.status == "no_answer" and [s["status"] for s in result.steps] == ["error"]
    llm = scripted(pot=[program("print(2.5)")])
    result, _ = run(llm, calculator, strategy="pot", problem="How many people came?")
    assert result.answer == "2.5"  # the baseline answers what it printed, plausible or not
    assert llm.params[0].temperature == 0.0


def test_programs_run_as_scripts_never_echoed(calculator):
    # the agent runs scripts (docs/sandbox.md: a golden end-to-end case settled on a wrong answer with echo)
    llm = scripted(pot=[program("eggs = 16 - 3 - 4\neggs * 2"), program("print(18)")], cot=[COT_18])
    result, (rec,) = run(llm, calculator, verify=False)
    assert result.answer == "18" and not result.derivations[0]["valid"] and rec.tool_calls[0].stdout == ""
    assert not any(t.echoed for t in rec.tool_calls)


def test_tir_feeds_program_output_back_until_a_boxed_answer(calculator):
    turns = iter(["First the product.\n```python\nprint(17 * 23)\n```\n```output\n999\n```",
                  "Now add 5.\n```python\nprint(391 + 5)\n```", "So the answer is \\boxed{396}."])
    llm = scripted(tir=[lambda m: next(turns)])
    result, (rec,) = run(llm, calculator, strategy="tir", problem="What is 17 times 23 plus 5?")
    assert result.answer == "396"
    assert [s["status"] for s in result.steps] == ["ok", "ok", "answer"]
    assert [t.stdout.strip() for t in rec.tool_calls] == ["391", "396"]
    second = rec.llm_calls[1].messages
    assert second[-1] == {"role": "user", "content": "```output\n391\n```"}
    assert "999" not in second[-2]["content"]  # the imagined output after the program is cut off


def test_tir_rounds_are_bounded(calculator):
    llm = scripted(tir=["Let me compute.\n```python\nprint(1)\n```"])
    result, _ = run(llm, calculator, strategy="tir", tir_rounds=2, problem="What is 1?")
    assert len([s for s in result.steps if s["route"] == "tir"]) == 3
    assert "tir_rounds" in result.meta["limits_hit"] and result.answer == "1"  # the last program's output


def test_formal_statement_is_routed_to_smt_without_the_model(calculator):
    llm = ScriptedLLM([])
    result, _ = run(llm, calculator, problem="theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry")
    assert llm.calls == [] and result.answer == "proved" and result.level == "formal"
    assert result.steps[0]["route"] == "formal" and "SMT-checked" in result.checks[0]["detail"]
    refuted, _ = run(llm, calculator, problem="theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 7 := by sorry")
    assert refuted.answer == "refuted" and refuted.level == "unverified"


def test_equation_claim_is_checked_formally(calculator):
    llm = scripted(pot=[program("print(6)")], cot=["The answer is 6."])
    result, _ = run(llm, calculator, problem="Solve for $x$: $3x + 7 = 25$.")
    claim = [c for c in result.checks if c["name"].startswith("claim_")]
    assert claim and claim[0]["verdict"] == "pass" and claim[0]["formal"]
    assert result.level == "formal" and result.steps[-1]["route"] == "check"


def test_a_failed_formal_claim_vetoes_consensus(calculator):
    llm = scripted(pot=[program("print(7)")], cot=["The answer is 7."])
    result, _ = run(llm, calculator, problem="Solve for $x$: $3x + 7 = 25$.")
    assert result.answer == "7" and result.level == "unverified"
    assert [c["verdict"] for c in result.checks] == ["pass", "fail"]


def test_time_budget_stops_drawing(calculator):
    answers = itertools.count()
    llm = scripted(pot=[lambda m: program(f"print({next(answers)})")], cot=["The answer is 1000."])
    result, _ = run(llm, calculator, time_budget_s=1e-6, max_samples=40)
    assert result.meta["decision"] == "exhausted" and "time_budget" in result.meta["limits_hit"]
    assert len(result.derivations) == 4
