"""Few-shot reuse: similar verified traces go into the prompt, never the problem's own.

The traces are made by the real agent graph with the real calculator; the scripted model answers every
program prompt with one program and every other prompt with one chain of thought, so a problem whose two
agree reaches consensus (verified) and one whose two disagree does not.
"""

from __future__ import annotations

from fakes import ScriptedLLM, program

from mathagent.agent.fewshot import FewShotRetriever, load_examples
from mathagent.agent.runner import solve_problem
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.traces import store
from mathagent.traces.db import open_database, session_scope

PROBLEMS = {
    "eggs": ("A hen lays 3 eggs a day. How many eggs in 5 days?", "print(3*5)", "\\boxed{15}"),
    "apples": ("Tom has 4 apples and buys 6 more apples. How many apples?", "print(4+6)", "\\boxed{10}"),
    "train": ("A train travels 60 miles per hour for 3 hours. How far does it go?", "print(60*3)", "\\boxed{180}"),
    "wrong": ("A cat has 4 legs. How many legs do 3 cats have?", "print(7)", "\\boxed{12}"),  # unverified
}


def brain(code: str, cot: str):
    """A model that writes ``code`` for a program prompt and ``cot`` for any other."""
    def reply(messages: list[dict]) -> str:
        return program(code) if "```python" in str(messages[0].get("content")) else cot
    return reply


def populate(db_url, calculator):
    with open_database(db_url) as f:
        def record(rec):
            with session_scope(f) as s:
                store.add_trace(s, rec)
        for pid, (problem, code, cot) in PROBLEMS.items():
            ctx = AgentContext(llm=ScriptedLLM(brain(code, cot)), calculator=calculator, recorder=record,
                               config=AgentConfig(verify=True))  # consensus needs a confirming second method
            solve_problem(problem, ctx, problem_id=pid, dataset="toy")
        with session_scope(f) as s:
            return load_examples(s)


def test_only_verified_program_traces_become_examples(db_url, calculator):
    examples = populate(db_url, calculator)
    assert sorted(e.problem_id for e in examples) == ["apples", "eggs", "train"]  # "wrong" has no consensus
    assert {e.program for e in examples} == {"print(3*5)", "print(4+6)", "print(60*3)"}


def test_a_verified_trace_that_gold_grading_marked_wrong_is_not_an_example(db_url, calculator):
    from mathagent.traces.models import Trace
    from sqlalchemy import update

    populate(db_url, calculator)
    with open_database(db_url) as f:
        with session_scope(f) as s:
            s.execute(update(Trace).where(Trace.problem_id == "eggs").values(correct=False))
            s.execute(update(Trace).where(Trace.problem_id == "train").values(correct=True))
        with session_scope(f) as s:
            assert sorted(e.problem_id for e in load_examples(s)) == ["apples", "train"]  # ungraded rows stay


def test_retrieval_ranks_similar_and_excludes_own_problem(db_url, calculator):
    retriever = FewShotRetriever(populate(db_url, calculator))
    got = retriever.retrieve("Sara has 2 apples and buys 9 more apples. How many apples?", 1)
    assert [e.problem_id for e in got] == ["apples"]
    own = PROBLEMS["apples"][0]
    assert all(e.problem_id != "apples" for e in retriever.retrieve(own, 3))
    assert all(e.problem_id != "train" for e in retriever.retrieve("a different train text", 3, problem_id="train"))
    assert retriever.retrieve("anything", 0) == []
    assert FewShotRetriever([]).retrieve("apples", 3) == []


def test_examples_enter_prompt_and_trace(db_url, calculator):
    retriever = FewShotRetriever(populate(db_url, calculator))
    examples = retriever.retrieve("Sara has 2 apples and buys 9 more apples. How many apples?", 2)
    llm = ScriptedLLM(brain("print(11)", "\\boxed{11}"))
    recorded = []
    ctx = AgentContext(llm=llm, calculator=calculator, config=AgentConfig(verify=True), recorder=recorded.append)
    result = solve_problem("Sara has 2 apples and buys 9 more apples. How many apples?", ctx, examples=examples)
    assert result.answer == "11"
    solver_prompt = llm.calls[0]
    assert solver_prompt[0]["role"] == "system"
    assert solver_prompt[1]["content"].endswith(examples[0].problem)
    assert solver_prompt[2] == {"role": "assistant", "content": f"```python\n{examples[0].program}\n```"}
    assert len(solver_prompt) == 2 + 2 * len(examples)
    assert recorded[0].meta["fewshot_ids"] == [e.trace_id for e in examples]
    cot_prompts = [c for c in llm.calls if "```python" not in str(c[0]["content"])]
    assert cot_prompts and all(len(c) == 2 for c in cot_prompts)  # examples are programs: only program prompts
