"""`mathagent regrade RUN_ID`: grade a run's stored answers again with the current grader."""

from __future__ import annotations

import json

import typer

from mathagent.cli import options
from mathagent.config import default_db_url, env


def regrade_command(
    run_id: str = typer.Argument(..., help="The eval run id (printed by `mathagent eval`)."),
    dry_run: bool = typer.Option(False, "--dry-run", envvar=env("dry_run"),
                                 help="Show what would change; write nothing."),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
) -> None:
    """Re-grade every stored answer of a run (after a grader fix) without running the model; changed verdicts
    (and the level that follows: gold when right, unverified when wrong) are written in one transaction and the
    run's history records it."""
    from mathagent.eval.regrade import regrade_run
    from mathagent.traces.db import open_database

    with open_database(db or default_db_url(), create=False, read_only=dry_run) as factory:
        result = regrade_run(factory, run_id.strip(), dry_run=dry_run)
    if json_out:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    from mathagent.cli.terminal import echo

    for c in result.changes:
        was = {True: "right", False: "wrong", None: "ungraded"}[c.was_correct]
        now = "right" if c.now_correct else "wrong"
        level = f"; level {c.was_level} -> {c.now_level}" if c.was_level != c.now_level else ""
        echo(f"{c.problem_id} {c.strategy}#{c.sample_index}: {c.answer!r} vs gold {c.gold!r}: "
             f"{was} ({c.was_status}) -> {now} ({c.now_status}){level}")
    verb = "would change" if dry_run else "changed"
    echo(f"run {result.run_id}: {result.graded} answers graded, {len(result.changes)} verdicts {verb}")


def register(app: typer.Typer) -> None:
    app.command("regrade")(regrade_command)
