"""No stored trace claims a level its stored evidence does not show.

The traces are made the way the product makes them: the real agent graph (and the single-method strategies)
with the real sandboxed calculator and the scripted model standing in only for the LLM, recorded through the
store; and an eval run (graded against gold before the write).  The test then reads every stored trace back
and re-derives, from its derivations, checks and grade alone, the strongest level the evidence supports:

* ``gold``: graded correct against the known answer (``correct`` is True); a wrong grade is ``unverified``;
* ``formal``: a passing check decided by a formal backend, and no failed check;
* ``consensus``: a passing consensus check, and in the winning cluster (0) at least
  ``AgentConfig.consensus_min`` valid derivations of at least two methods, every method of
  ``AgentConfig.consensus_needs`` (a chain of thought) among them, with no valid derivation outside
  it and no failed check; the answer is the cluster's;
* otherwise ``unverified``.

The stored ``agent_level`` may never be stronger than that, nor ``level`` stronger than what the grade (or,
ungraded, the agent's evidence) allows; ``verified`` is exactly "consensus or stronger".  A second test walks
the same traces for checks that compare an answer with itself.
"""

from __future__ import annotations

import re

import pytest
from eval_fixtures import execution, make_spec
from fakes import ScriptedLLM

from mathagent.agent.runner import solve_problem
from mathagent.agent.state import AgentConfig, AgentContext
from mathagent.eval import runner
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.models import Trace
from mathagent.traces.records import LEVELS, VERIFIED_LEVELS
from mathagent.traces.store import add_trace, trace_to_dict
from sqlalchemy import select
from sqlalchemy.orm import selectinload

TIR_SYSTEM_WORD = "integrate natural language reasoning with programs"
CONSENSUS_MIN = AgentConfig().consensus_min
CONSENSUS_NEEDS = set(AgentConfig().consensus_needs)


def model(program_out: str | None, cot_answer: str | None, *, crash: bool = False):
    """A scripted model: program prompts get a program printing ``program_out`` (or raising, or none), the chain
    of thought boxes ``cot_answer`` (or answers nothing), tool-integrated reasoning runs one program first."""
    def reply(messages: list[dict]) -> str:
        system = str(messages[0].get("content") or "")
        if TIR_SYSTEM_WORD in system:
            if str(messages[-1].get("content", "")).startswith("```output"):
                return f"So the answer is \\boxed{{{cot_answer}}}." if cot_answer else "I am not sure."
            return f"Let me compute.\n```python\nprint({program_out})\n```"
        if "```python" in system:
            if crash:
                return "```python\nraise ValueError('no')\n```"
            return f"```python\nprint({program_out})\n```" if program_out else "I cannot write a program."
        return f"Working it out: \\boxed{{{cot_answer}}}" if cot_answer else "I am not sure."
    return reply


SOLVES = [  # (problem, model, strategy): each a different way to a level
    ("Tom has 12 apples and buys 6 more. How many apples does he have?", model("18", "18"), "agent"),  # consensus
    ("A box holds 7 red and 5 blue balls. How many balls are in it?", model("12", "13"), "agent"),    # dissent
    ("A course costs 30 dollars plus 10 dollars for books. What is the total?", model(None, "40", crash=True),
     "agent"),                                                                                        # one method
    ("A mute parrot ate 2 seeds and then 9 seeds. How many seeds?", model(None, None), "agent"),      # no answer
    ("Solve for $x$: $3x + 7 = 25$.", model("6", "6"), "agent"),                                         # formal claim
    ("Solve for $y$: $2y + 1 = 9$.", model("5", "5"), "agent"),                     # agreeing, formally refuted
    ("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry", model(None, None), "agent"),  # formal statement
    ("Ann read 20 pages and then 25 pages. How many pages did she read?", model("45", "45"), "pot"),
    ("Ann read 20 pages and then 25 pages. How many pages did she read?", model("45", "45"), "cot"),
    ("Ann read 20 pages and then 25 pages. How many pages did she read?", model("45", "45"), "tir"),
]


@pytest.fixture(scope="module")
def stored(tmp_path_factory, calculator) -> list[dict]:
    """Every trace of the solves above and of a graded eval run, as stored (trace_to_dict)."""
    from eval_fixtures import SMALL, P

    tmp = tmp_path_factory.mktemp("levels")
    db_url = f"sqlite:///{tmp / 'traces.db'}"
    with open_database(db_url) as factory:
        def record(rec) -> None:
            with session_scope(factory) as s:
                add_trace(s, rec)

        for problem, reply, strategy in SOLVES:  # the agent confirms a one-method vote (consensus needs two)
            ctx = AgentContext(llm=ScriptedLLM(reply), calculator=calculator, recorder=record,
                               config=AgentConfig(verify=True))
            solve_problem(problem, ctx, strategy=strategy)
        spec = make_spec()
        info = runner.start_run(factory, spec)
        runner.run_items(factory, info, spec, [P(*x) for x in SMALL], execution(db_url, tmp))
        with session_scope(factory) as s:
            stmt = select(Trace).options(*(selectinload(getattr(Trace, n)) for n in
                                           ("steps", "tool_calls", "llm_calls", "checks", "derivations")))
            return [trace_to_dict(t) for t in s.scalars(stmt)]


def strength(level: str) -> int:
    """0 for gold (the strongest) ... 3 for unverified."""
    return LEVELS.index(level)


def supported(t: dict) -> str:
    """The strongest gold-free level the stored derivations and checks show."""
    checks, derivations = t["checks"], t["derivations"]
    if not t["answer"] or any(c["verdict"] == "fail" and c["name"] != "consensus" for c in checks):
        return "unverified"
    if any(c["formal"] and c["verdict"] == "pass" for c in checks):
        return "formal"
    won = [d for d in derivations if d["cluster"] == 0 and d["valid"]]
    dissent = [d for d in derivations if d["valid"] and d["cluster"] != 0]
    agreed = any(c["name"] == "consensus" and c["verdict"] == "pass" for c in checks)
    methods = {d["method"] for d in won}
    if agreed and len(won) >= CONSENSUS_MIN and len(methods) >= 2 and CONSENSUS_NEEDS <= methods and not dissent:
        return "consensus"
    return "unverified"


def test_no_stored_level_claims_more_than_its_evidence(stored):
    assert len(stored) == len(SOLVES) + 18
    seen = set()
    for t in stored:
        label = f"{t['strategy']} {t['problem'][:40]!r}"
        evidence = supported(t)
        assert strength(t["agent_level"]) >= strength(evidence), (label, t["agent_level"], evidence, t["checks"])
        if t["correct"] is True:
            assert t["level"] == "gold", label
        elif t["correct"] is False:
            assert t["level"] == "unverified", label
        else:
            assert t["gold"] is None and t["level"] == t["agent_level"], label
        assert t["verified"] == (t["level"] in VERIFIED_LEVELS), label
        assert t["confidence"] is None or 0.0 <= t["confidence"] <= 1.0, label
        if t["agent_level"] == "consensus":
            first = min((d for d in t["derivations"] if d["cluster"] == 0), key=lambda d: d["index"])
            assert t["answer"] == first["answer"], label  # the answer is the winning cluster's
        seen.add((t["strategy"], t["agent_level"], t["level"]))
    # the walk covered every kind of level, so the rules above were exercised
    assert {("agent", "consensus", "consensus"), ("agent", "formal", "formal"), ("agent", "unverified", "unverified"),
            ("agent", "consensus", "gold")} <= seen
    assert {lv for st, lv, _ in seen if st != "agent"} == {"unverified"}  # single methods never verify themselves


def test_the_undecided_and_refuted_cases_stay_unverified(stored):
    by_problem = {(t["problem"], t["strategy"]): t for t in stored}
    dissent = by_problem[(SOLVES[1][0], "agent")]
    assert dissent["agent_level"] == "unverified" and dissent["answer"] == "12"
    assert [c["verdict"] for c in dissent["checks"] if c["name"] == "consensus"] == ["fail"]
    few = by_problem[(SOLVES[2][0], "agent")]  # the programs crash: too few agree, and no program among them
    assert few["answer"] == "40" and few["agent_level"] == "unverified"
    won = [d for d in few["derivations"] if d["cluster"] == 0]
    assert "pot" not in {d["method"] for d in won} and len(won) < CONSENSUS_MIN
    assert [c["verdict"] for c in few["checks"] if c["name"] == "consensus"] != ["pass"]
    refuted = by_problem[(SOLVES[5][0], "agent")]
    assert refuted["agent_level"] == "unverified"
    assert any(c["formal"] and c["verdict"] == "fail" for c in refuted["checks"])
    assert by_problem[(SOLVES[4][0], "agent")]["agent_level"] == "formal"


_COMPARISON = re.compile(r"gave '(?P<b>.*)', claimed '(?P<a>.*)': ")


def test_no_check_compares_an_answer_with_itself(stored):
    """Every independent pass rests on at least two different derivations, and a comparison check (``X gave 'b',
    claimed 'a'``) names two different derivations: never one derivation judged against itself."""
    for t in stored:
        for c in t["checks"]:
            if c["verdict"] == "pass" and c["independent"] and not c["formal"]:
                won = [d for d in t["derivations"] if d["cluster"] == 0 and d["valid"]]
                assert len({d["index"] for d in won}) >= 2, (t["problem"], c)
            m = _COMPARISON.search(c["detail"])
            if m:
                sides = [[d["index"] for d in t["derivations"] if d["answer"] == m.group(k)] for k in ("a", "b")]
                assert sides[0] and sides[1] and set(sides[0]) | set(sides[1]) != {sides[0][0]}, (t["problem"], c)
