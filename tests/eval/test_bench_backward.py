"""bench/backward.py: the masked number of a backward (FOBAR-style) problem, and build/score on a real SQLite
trace database."""

from __future__ import annotations

import json

import pytest
from bench_scripts import load_bench

from mathagent.eval.runs import create_run
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import TraceRecord
from mathagent.traces.store import add_trace

@pytest.fixture(scope="module")
def backward():
    return load_bench("backward")


@pytest.mark.parametrize("question,masked,number", [
    # the first number that occurs once; a fraction's parts are not numbers of their own
    ("Christina needs .75 gift bags per guest, because 1/4 don't show up. She invited 16 friends.",
     "Christina needs x gift bags per guest, because 1/4 don't show up. She invited 16 friends.", ".75"),
    # a repeated number cannot be masked: x would stand for two quantities
    ("Tom has 3 apples and 3 pears and buys 5 plums.", "Tom has 3 apples and 3 pears and buys x plums.", "5"),
    # thousands separators belong to the number; a time's parts are not quantities
    ("At 3:30 the shop sold a $1,200 bike and 4 helmets.", "At 3:30 the shop sold a $x bike and 4 helmets.",
     "1,200"),
    ("A rope is 2.5 meters long and 40% of it is cut.", "A rope is x meters long and 40% of it is cut.", "2.5"),
    ("A TV costs $1,200.50 and a cable 9 dollars.", "A TV costs $x and a cable 9 dollars.", "1,200.50"),
    # the whole part of a mixed number belongs to the fraction; an ordinal is not a quantity
    ("Add 2 1/2 cups on the 2nd day, then 7 cups.", "Add 2 1/2 cups on the 2nd day, then x cups.", "7"),
    ("She invited 16.", "She invited x.", "16"),
])
def test_mask_takes_one_quantity(backward, question, masked, number):
    assert backward.mask(question) == (masked, number)


def test_nothing_to_mask(backward):
    assert backward.mask("Add 2 and 2.") is None
    assert backward.mask("Add 2 and 3.", which=2) is None  # fewer maskable numbers than asked for
    with pytest.raises(ValueError):
        backward.mask("Add 2 and 3.", which=-1)
    assert backward.mask("What is half of a third?") is None
    assert backward.backward_problem("Add 2 and 2.", "4") is None


def test_backward_problem_asks_for_x_with_the_masked_number_as_gold(backward):
    b = backward.backward_problem("A pen costs $1,200 and a cap 3 dollars. Total?", "1203")
    assert b["question"].startswith("A pen costs $x and a cap 3 dollars. Total?\n")
    assert b["question"].endswith("the answer to the above question is 1203, what is the value of unknown variable x?")
    assert b["answer"] == "#### 1200"
    assert backward.backward_problem("It is 2.5 km and 3 km.", "5.5")["answer"] == "#### 2.5"
    assert backward.backward_problem("It is 2.5 km and 3 km.", "5.5", which=1)["answer"] == "#### 3"


def _trace(run_id: str, pid: str, problem: str, answer: str | None, correct: bool, strategy: str = "pot"):
    return TraceRecord(problem=problem, model="m", backend="local", status="answered" if answer else "no_answer",
                       answer=answer, correct=correct, run_id=run_id, problem_id=pid, strategy=strategy,
                       dataset="gsm8k")


def test_build_then_score_on_a_trace_database(backward, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'traces.db'}"
    with open_database(url) as factory:
        fwd = create_run(factory, "gsm8k", {}).id
        with session_scope(factory) as s:
            add_trace(s, _trace(fwd, "p0", "Ann has 7 cats and buys 5 more. How many?", "12", True))
            add_trace(s, _trace(fwd, "p1", "Bo reads 9 pages a day for 4 days. How many?", "40", False))
            add_trace(s, _trace(fwd, "p2", "Add 2 and 2.", "4", True))        # nothing to mask
            add_trace(s, _trace(fwd, "p3", "Cy runs 3 km twice.", None, False))  # no answer: no backward problem
            add_trace(s, _trace(fwd, "p4", "Di has 4 hats.", "4", None))  # ungraded: left out
    out = tmp_path / "backward.jsonl"
    assert backward.main(["build", fwd, "--out", str(out), "--db", url]) == 0
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["forward_id"], r["forward_correct"], r["answer"]) for r in rows] == [("p0", True, "#### 7"),
                                                                                   ("p1", False, "#### 9")]
    with open_database(url) as factory:
        back = create_run(factory, "gsm8k", {}).id
        with session_scope(factory) as s:  # x recovered for the right answer, also for the wrong one by cot
            add_trace(s, _trace(back, "b0", rows[0]["question"], "7", True))
            add_trace(s, _trace(back, "b1", rows[1]["question"], "10", False))
            add_trace(s, _trace(back, "b1", rows[1]["question"], "9", True, strategy="cot"))
    capsys.readouterr()
    assert backward.main(["score", back, "--data", str(out), "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    cot, pot = (" ".join(line.split()) for line in lines[1:])
    assert cot == "cot 0 of 0 1 of 1 (100%)" and pot == "pot 1 of 1 (100%) 0 of 1 (0%)"


def test_bad_input_is_one_error_line(backward, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'traces.db'}"
    # the database is only read: a path with no database is an error, and nothing is created there
    assert backward.main(["build", "r", "--out", str(tmp_path / "x.jsonl"), "--db", url]) != 0
    assert capsys.readouterr().err.startswith("error: ") and not (tmp_path / "traces.db").exists()
    with open_database(url) as factory:
        run_id = create_run(factory, "gsm8k", {}).id
        with session_scope(factory) as s:
            add_trace(s, _trace(run_id, "p0", "Ann has 7 cats and buys 5 more. How many?", "12", True))
    assert backward.main(["build", "no-such-run", "--out", str(tmp_path / "x.jsonl"), "--db", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: run no-such-run has no graded attempts") and "Traceback" not in err
    assert backward.main(["build", run_id, "--strategy", "cot", "--out", str(tmp_path / "x.jsonl"), "--db", url]) == 2
    assert "one of: pot" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        backward.main(["build", run_id, "--mask", "-1", "--out", str(tmp_path / "x.jsonl"), "--db", url])
    assert exit_.value.code == 2
    for text in ("", "[1]\n", "{\"question\": \"q\"}\n", "not json\n"):
        (tmp_path / "bad.jsonl").write_text(text)
        capsys.readouterr()
        code = backward.main(["score", run_id, "--data", str(tmp_path / "bad.jsonl"), "--db", url])
        err = capsys.readouterr().err
        if text:
            assert code == 2 and err.startswith("error: ") and "bad.jsonl:1" in err and "Traceback" not in err
        else:
            assert code == 0  # nothing to score is not an error
    assert backward.main(["score", run_id, "--data", str(tmp_path / "missing.jsonl"), "--db", url]) == 2
    assert capsys.readouterr().err.startswith("error: ")
