"""bench/confirmation.py: stored --verify agent runs replayed as if the confirming derivation were never drawn,
on a real SQLite database."""

from __future__ import annotations

import json

import pytest
from bench_scripts import load_bench

from mathagent.eval.runs import create_run
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import Derivation, LLMCall, Step, ToolCall, TraceRecord
from mathagent.traces.store import add_trace


@pytest.fixture(scope="module")
def bench():
    return load_bench("confirmation")


def _trace(run_id, pid, gold, answers, methods, confirm_at, answer, correct, *, cached=False, ms=1000.0,
           seconds=10.0, vote_input=None, strategy="agent") -> TraceRecord:
    """An agent trace: derivation i answers ``answers[i]`` by ``methods[i]`` (step i, one LLM call of ``ms`` and one
    calculator run of 10 ms each); a vote step after the first ``confirm_at`` derivations decided to confirm (None:
    no confirmation), then a final vote."""
    reps = list(dict.fromkeys(answers))
    steps, calls, tools = [], [], []
    for i, method in enumerate(methods):
        if confirm_at is not None and i == confirm_at:
            steps.append(Step(len(steps), "vote", vote_input or f"{i} derivations", "", "confirm", 0.0))
        steps.append(Step(len(steps), method, "code", answers[i], "ok", ms))
        calls.append(LLMCall(len(steps) - 1, method, [], "", 10, 50, "stop", ms, cached))
        tools.append(ToolCall(len(steps) - 1, "calculator", "print()", answers[i], "", "ok", 10.0))
    steps.append(Step(len(steps), "vote", f"{len(methods)} derivations", "", "settled", 0.0))
    by_step = [s.index for s in steps if s.route != "vote"]
    return TraceRecord(problem="What is it?", model="m", backend="local", status="answered", answer=answer,
                       run_id=run_id, dataset="gsm8k", problem_id=pid, strategy=strategy, gold=gold, correct=correct,
                       source="eval", seconds=seconds, steps=steps, llm_calls=calls, tool_calls=tools,
                       derivations=[Derivation(index=i, method=m, prompt="p@1", answer=a, valid=True,
                                               cluster=reps.index(a), step_index=by_step[i])
                                    for i, (a, m) in enumerate(zip(answers, methods))])


def test_the_answer_at_the_first_confirming_vote_is_graded(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'traces.db'}"
    with open_database(url) as factory:
        run = create_run(factory, "gsm8k", {"verify": True}).id
        plain = create_run(factory, "gsm8k", {"verify": False}).id
        broken = create_run(factory, "gsm8k", {"verify": True}).id
        with session_scope(factory) as s:
            # programs agree on 12 (wrong); the chain of thought says 15, two more programs side with it: the
            # confirmation turned a wrong answer right
            add_trace(s, _trace(run, "a", "15", ["12", "12", "15", "15.0", "15"], ["pot", "pot", "cot", "pot", "pot"],
                                2, "15", True, seconds=40.0))
            # confirmed: the same answer either way, "18.00" and "18" are one answer
            add_trace(s, _trace(run, "b", "18", ["18", "18.00", "18"], ["pot", "pot", "cot"], 2, "18", True,
                                seconds=20.0))
            # never confirmed (a split vote settled by more programs): untouched
            add_trace(s, _trace(run, "c", "7", ["7", "8", "7", "7"], ["pot"] * 4, None, "7", True, seconds=30.0))
            # a cached completion: counted for accuracy, left out of the times
            add_trace(s, _trace(run, "d", "3", ["4", "4", "3"], ["pot", "pot", "cot"], 2, "4", False, cached=True))
            # the baseline: plain programs, one fresh (1.01 s), one cached (left out)
            add_trace(s, _trace(plain, "a", "15", ["12"], ["pot"], None, "12", False, strategy="pot"))
            add_trace(s, _trace(plain, "b", "18", ["18"], ["pot"], None, "18", True, strategy="pot", cached=True))
            # a vote step written by something else
            add_trace(s, _trace(broken, "a", "15", ["12", "12", "15"], ["pot", "pot", "cot"], 2, "12", False,
                                vote_input="two of them"))
    fig = bench.replay(url, [run])
    (r,) = fig["runs"]
    assert r["counts"] == {"traces": 4, "right_with": 3, "right_without": 2, "wrong_to_right": 1,
                           "right_to_wrong": 0, "confirmed": 3, "fresh_traces": 3}
    # model-and-tool seconds (1 s per call, 10 ms per run): whole a 5.05, b 3.03, c 4.04; before the
    # confirmation a 2.02, b 2.02, c 4.04 (never confirmed: all of it)
    assert r["median_s_with"] == 4.0 and r["median_s_without"] == 2.0
    assert bench.main([run, "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["counts"]["right_without"] == 2
    assert bench.main([run, "--db", url]) == 0
    assert "without it: 2 (0.500)" in capsys.readouterr().out
    fig = bench.replay(url, [run], baseline=plain)
    assert fig["baseline"] == {"run_id": plain, "fresh_pot_traces": 1, "median_s": 1.0}
    assert bench.main([run, "--baseline", plain, "--db", url]) == 0
    assert "its 1 fresh pot traces: 1.0" in capsys.readouterr().out
    missing = tmp_path / "typo.db"
    for args, needle in (([plain, "--db", url], "was not made with --verify"),
                         (["nosuchrun", "--db", url], "no eval run"),
                         ([run, "--baseline", "nosuchrun", "--db", url], "no eval run"),
                         ([broken, "--db", url], "not 'N derivations'"),
                         ([run, "--db", f"sqlite:///{missing}"], "")):
        assert bench.main(args) != 0
        err = capsys.readouterr().err
        assert err.startswith("error: ") and needle in err and len(err.strip().splitlines()) <= 2, err
    assert not missing.exists()  # read-only: a mistyped path creates no database
