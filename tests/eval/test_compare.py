"""`mathagent compare` and the paired statistics behind it (exact McNemar on the discordant problems)."""

from __future__ import annotations

import json

import pytest
import typer
from eval_fixtures import make_spec
from mathagent.eval import runner
from mathagent.eval.compare import compare_runs
from mathagent.eval.metrics import Row, mcnemar_exact, paired, problem_outcomes
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import TraceRecord
from mathagent.traces.store import add_trace
from typer.testing import CliRunner

from mathagent.cli.commands import compare as compare_cmd
from mathagent.errors import InputError


@pytest.mark.parametrize("only_a, only_b, p", [
    (8, 0, 2 / 2 ** 8),                    # the tie-break run against the run without it: 8 gained, 0 lost
    (8, 2, 2 * (1 + 10 + 45) / 2 ** 10),
    (3, 3, 1.0), (0, 0, 1.0), (1, 0, 1.0),
])
def test_mcnemar_exact(only_a, only_b, p):
    assert mcnemar_exact(only_a, only_b) == pytest.approx(p)
    assert mcnemar_exact(only_b, only_a) == pytest.approx(p)


def test_paired_counts_only_common_problems_in_natural_order():
    a = {"d/4": True, "d/15": True, "d/2": False, "d/3": True, "only-a": True}
    b = {"d/4": False, "d/15": False, "d/2": True, "d/3": True}
    r = paired("A", a, "B", b)
    assert (r.n, r.both, r.only_a, r.only_b, r.neither) == (4, 1, 2, 1, 0)
    assert r.only_a_ids == ("d/4", "d/15") and r.only_b_ids == ("d/2",)


def test_sampled_problems_count_by_majority_and_only_when_complete():
    rows = [Row("p", "agent", i, ans, ok, False, 0.0, 0) for i, (ans, ok) in enumerate(
        [("1", False), ("2", True), ("2", True)])] + [Row("q", "agent", 0, "5", True, False, 0.0, 0)]
    assert problem_outcomes(rows, samples=3) == {"agent": {"p": True}}  # q has 1 of 3 samples: left out


def trace(run_id: str, pid: str, strategy: str, correct: bool, text: str | None = None) -> TraceRecord:
    return TraceRecord(problem=text or f"problem {pid}", model="m", backend="local", status="answered",
                       answer="1" if correct else "2", run_id=run_id, dataset="gsm8k", problem_id=pid,
                       strategy=strategy, gold="1", correct=correct, source="eval")


@pytest.fixture()
def two_runs(db_url):
    """Run A (agent, cot) and run B (agent) over p0..p5, B's p5 holding another problem text under the same id."""
    with open_database(db_url) as factory:
        a = runner.start_run(factory, make_spec(strategies=("agent", "cot"))).id
        b = runner.start_run(factory, make_spec(strategies=("agent",))).id
        with session_scope(factory) as s:
            for i, (agent_a, cot_a, agent_b) in enumerate([(1, 1, 1), (0, 1, 1), (0, 0, 1), (0, 1, 1), (1, 0, 0),
                                                          (1, 1, 0)]):
                add_trace(s, trace(a, f"p{i}", "agent", bool(agent_a)))
                add_trace(s, trace(a, f"p{i}", "cot", bool(cot_a)))
                add_trace(s, trace(b, f"p{i}", "agent", bool(agent_b), text="another text" if i == 5 else None))
            add_trace(s, trace(b, "p9", "agent", True))
    return db_url, a, b


def test_compare_two_runs_pairs_problems_by_id_and_text(two_runs):
    db_url, a, b = two_runs
    with open_database(db_url) as factory:
        cmp = compare_runs(factory, a, b)
        r = cmp.result
        assert (r.a, r.b) == (f"{a}:agent", f"{b}:agent")
        assert (r.n, r.both, r.only_a, r.only_b, r.neither) == (5, 1, 1, 3, 0)
        assert r.only_b_ids == ("p1", "p2", "p3") and (cmp.unmatched_a, cmp.unmatched_b) == (1, 2)
        same_run = compare_runs(factory, f"{a}:agent", f"{a}:cot").result
        assert (same_run.n, same_run.only_a, same_run.only_b) == (6, 1, 2)


@pytest.mark.parametrize("args, needle", [
    (["{a}", "{a}"], "both sides are"),
    (["{a}:pot", "{b}"], "has no strategy 'pot'"),
    (["nosuchrun", "{b}"], "no eval run with id 'nosuchrun'"),
    ([":agent", "{b}"], "no run id given"),
])
def test_compare_refuses_what_cannot_be_compared(two_runs, args, needle):
    db_url, a, b = two_runs
    with open_database(db_url) as factory, pytest.raises(InputError, match=needle):
        compare_runs(factory, *(x.format(a=a, b=b) for x in args))


def test_runs_without_common_problems_are_an_error(db_url):
    with open_database(db_url) as factory:
        a = runner.start_run(factory, make_spec()).id
        b = runner.start_run(factory, make_spec()).id
        with session_scope(factory) as s:
            add_trace(s, trace(a, "x", "agent", True))
            add_trace(s, trace(b, "y", "agent", True))
        with pytest.raises(InputError, match="no finished problem in common"):
            compare_runs(factory, a, b)


def test_compare_cli_text_and_json(two_runs):
    db_url, a, b = two_runs
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps compare a subcommand."""

    compare_cmd.register(app)
    res = CliRunner().invoke(app, ["compare", a, b, "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "5 problems in common (only in A: 1, only in B: 2)" in res.stdout
    assert "only A 1, only B 3, neither 0" in res.stdout and "only B right: p1, p2, p3" in res.stdout
    res = CliRunner().invoke(app, ["compare", a, b, "--db", db_url, "--json"])
    out = json.loads(res.stdout)
    assert out["p_value"] == pytest.approx(mcnemar_exact(1, 3), abs=1e-6) and out["unmatched_b"] == 2
