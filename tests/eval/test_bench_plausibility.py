"""bench/plausibility.py: today's answer checks against gold answers (a shipped fixture), and replayed over stored
agent traces on a real SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from bench_scripts import load_bench

from mathagent.eval.runs import create_run
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import Derivation, TraceRecord
from mathagent.traces.store import add_trace

@pytest.fixture(scope="module")
def bench():
    return load_bench("plausibility")


def _trace(run_id, pid, problem, gold, answers, answer, correct, valid=None) -> TraceRecord:
    """An agent trace as a run before today's rules stored it: each answer valid (or as ``valid`` says)."""
    reps = list(dict.fromkeys(answers))
    valid = valid or [True] * len(answers)
    return TraceRecord(problem=problem, model="m", backend="openai", status="answered", answer=answer,
                       run_id=run_id, dataset="math", problem_id=pid, strategy="agent", gold=gold, correct=correct,
                       source="eval",
                       derivations=[Derivation(index=i, method="pot", prompt="pot-code@1", answer=a, valid=v,
                                               cluster=reps.index(a)) for i, (a, v) in enumerate(zip(answers, valid))])


def test_a_rule_added_since_the_run_is_replayed_and_its_effect_graded(bench, tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'traces.db'}"
    with open_database(url) as factory:
        run = create_run(factory, "math", {}).id
        other = create_run(factory, "math", {}).id
        with session_scope(factory) as s:
            # "the positive difference" cannot be 0: without the zeros, 6 wins (right)
            add_trace(s, _trace(run, "p0", "What is the positive difference of the perimeters?", "6",
                                ["0.0", "0", "6", "12"], "0.0", False))
            # one pair asked, a list of pairs given: the single pair left is wrong too
            add_trace(s, _trace(run, "p1", "Then what is the pair $(a,b)$?", "(1,-2)",
                                ["(0, 0), (1, -2)", "(3, 4)"], "(0, 0), (1, -2)", False))
            # nothing today's rules reject: untouched
            add_trace(s, _trace(run, "p2", "What is 2 + 3?", "5", ["5", "5"], "5", True))
            add_trace(s, _trace(other, "q0", "What is the positive difference of $x$ and $y$?", "4", ["0", "4"],
                                "0", False))
            # a check since narrowed: "Simplify" asks for an expression (a run stored the right one as invalid)
            add_trace(s, _trace(other, "q1", "Simplify $2y + 3y + 4y$.", "9y", ["9y", "9"], "9", False,
                                valid=[False, True]))
    fig = bench.replay(url, [run])
    assert fig["counts"] == {"traces": 3, "derivations_rejected": 3, "derivations_accepted": 0, "traces_touched": 2,
                             "right_to_wrong": 0, "wrong_to_right": 1, "no_valid_answer_left": 0}
    assert [(c["problem_id"], c["rejected"], c["new_answer"], c["new_correct"]) for c in fig["changed"]] == [
        ("p0", ["0.0", "0"], "6", True), ("p1", ["(0, 0), (1, -2)"], "(3, 4)", False)]
    both = bench.replay(url, [])["counts"]  # no run named: every eval run
    assert (both["traces"], both["derivations_accepted"], both["wrong_to_right"]) == (5, 1, 3)
    capsys.readouterr()
    assert bench.main(["replay", run, other, "--db", url, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["counts"]["wrong_to_right"] == 3
    assert bench.main(["replay", "nosuchrun", "--db", url]) != 0
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "no eval run" in err and len(err.strip().splitlines()) <= 2


def test_gold_answers_of_a_shipped_benchmark_file_all_pass(bench, capsys):
    data = Path(__file__).resolve().parents[1] / "fixtures" / "datasets" / "math" / "dev8.jsonl"
    fig = bench.gold("math", [data])
    assert fig["files"] == {str(data): {"problems": 8, "gold_rejected": 0, "unreadable_records": 0}}
    assert fig["reasons"] == {}
    assert bench.main(["gold", "math", str(data)]) == 0
    assert "0 of 8 gold answers rejected" in capsys.readouterr().out
    for args, needle in ((["gold", "imagenet", str(data)], "unknown dataset"),
                         (["gold", "gsm8k", str(data)], "holds no gsm8k problem")):  # a MATH file read as GSM8K
        assert bench.main(args) != 0
        err = capsys.readouterr().err
        assert err.startswith("error: ") and needle in err, err
