"""`mathagent regrade`: stored answers graded again with the current grader, in one transaction."""

from __future__ import annotations

import json

import pytest
import typer
from eval_fixtures import make_spec
from mathagent.eval import runner, runs
from mathagent.eval.items import apply_gold
from mathagent.eval.regrade import regrade_run
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.models import Trace
from mathagent.traces.records import TraceRecord
from mathagent.traces.store import add_trace
from sqlalchemy import select
from typer.testing import CliRunner

from mathagent.cli.commands import regrade as regrade_cmd


def row(run_id: str, pid: str, answer: str, gold: str, correct: bool, status: str) -> TraceRecord:
    rec = TraceRecord(problem=f"problem {pid}", model="m", backend="local", status="answered", answer=answer,
                      run_id=run_id, dataset="math", problem_id=pid, strategy="agent", gold=gold, correct=correct,
                      source="eval", agent_level="consensus",
                      meta={"grade": {"status": status, "detail": "old grader"}})
    apply_gold(rec)
    return rec


@pytest.fixture()
def stored(tmp_path):
    """A run whose rows carry an old grader's verdicts: one false negative (Python's ** was not parsed)."""
    db_url = f"sqlite:///{tmp_path / 'traces.db'}"
    with open_database(db_url) as factory:
        info = runner.start_run(factory, make_spec(dataset="math"))
        with session_scope(factory) as s:
            add_trace(s, row(info.id, "p1", "a**2*(a+1)", "a^3+a^2", False, "parse_error"))
            add_trace(s, row(info.id, "p2", "7", "7", True, "correct"))
            add_trace(s, row(info.id, "p3", "8", "7", False, "incorrect"))
    return db_url, info.id


def corrects(factory, run_id):
    with session_scope(factory) as s:
        return {t.problem_id: (t.correct, t.meta["grade"]["status"])
                for t in s.scalars(select(Trace).where(Trace.run_id == run_id))}


def levels(factory, run_id):
    with session_scope(factory) as s:
        return {t.problem_id: (t.level, t.agent_level, t.verified)
                for t in s.scalars(select(Trace).where(Trace.run_id == run_id))}


def test_regrade_fixes_a_stale_verdict_and_records_it(stored):
    db_url, run_id = stored
    with open_database(db_url) as factory:
        dry = regrade_run(factory, run_id, dry_run=True)
        assert dry.graded == 3 and [c.problem_id for c in dry.changes] == ["p1"] and not dry.written
        assert corrects(factory, run_id)["p1"] == (False, "parse_error")  # a dry run writes nothing
        assert levels(factory, run_id)["p1"] == ("unverified", "consensus", False)
        assert (dry.changes[0].was_level, dry.changes[0].now_level) == ("unverified", "gold")

        result = regrade_run(factory, run_id)
        (change,) = result.changes
        assert (change.was_correct, change.now_correct, change.now_status) == (False, True, "correct")
        assert corrects(factory, run_id) == {"p1": (True, "correct"), "p2": (True, "correct"),
                                             "p3": (False, "incorrect")}
        # the level follows the new grade; the agent's own gold-free level never changes
        assert levels(factory, run_id) == {"p1": ("gold", "consensus", True), "p2": ("gold", "consensus", True),
                                           "p3": ("unverified", "consensus", False)}
        with session_scope(factory) as s:
            p1 = s.scalars(select(Trace).where(Trace.problem_id == "p1")).one()
            assert p1.meta["regraded"]["was"]["status"] == "parse_error" and p1.answer == "a**2*(a+1)"
            assert p1.meta["regraded"]["was_level"] == "unverified"
        history = runs.load_run(factory, run_id).config["history"]
        assert history[-1]["event"] == "regraded" and history[-1]["changed"] == 1
        assert regrade_run(factory, run_id).changes == []  # idempotent
        from mathagent.eval.report.data import load_report_data
        from mathagent.eval.report.markdown import markdown_report

        md = markdown_report(load_report_data(factory, run_id))
        assert "- regraded: 1 verdict(s) changed at " in md and "| agent | 2 / 3 |" in md


def test_regrade_cli_json_and_unknown_run(stored):
    db_url, run_id = stored
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps regrade a subcommand, as in the real app."""

    regrade_cmd.register(app)
    res = CliRunner().invoke(app, ["regrade", run_id, "--dry-run", "--json", "--db", db_url])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["graded"] == 3 and out["correctness_changed"] == 1 and out["written"] is False
    assert (out["changes"][0]["was_level"], out["changes"][0]["now_level"]) == ("unverified", "gold")
    human = CliRunner().invoke(app, ["regrade", run_id, "--dry-run", "--db", db_url])
    assert ("p1 agent#0: 'a**2*(a+1)' vs gold 'a^3+a^2': wrong (parse_error) -> right (correct); "
            "level unverified -> gold") in human.output
    bad = CliRunner().invoke(app, ["regrade", "no-such-run", "--db", db_url])
    assert bad.exit_code != 0 and "no eval run with id" in str(bad.exception)


def test_regrade_flips_a_verdict_the_one_judgement_fixed(tmp_path):
    """An inequality against an interval gold was graded wrong (math-verify accepts it one way only)."""
    db_url = f"sqlite:///{tmp_path / 'traces.db'}"
    with open_database(db_url) as factory:
        info = runner.start_run(factory, make_spec(dataset="math"))
        with session_scope(factory) as s:
            add_trace(s, row(info.id, "p1", "x<3", "(-\\infty, 3)", False, "incorrect"))
            add_trace(s, row(info.id, "p2", "x<3", "(-\\infty, 3]", False, "incorrect"))
        result = regrade_run(factory, info.id, dry_run=True)
        assert [(c.problem_id, c.now_correct) for c in result.changes] == [("p1", True)]
