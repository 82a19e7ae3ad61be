"""`mathagent report RUN_ID --out DIR`: a static HTML report of an eval run."""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from mathagent.cli import options
from mathagent.config import default_db_url, env
from mathagent.errors import InputError


def report_command(
    run_id: str = typer.Argument(..., help="The eval run id (printed by `mathagent eval`)."),
    out: str = typer.Option("report", "--out", envvar=env("out"), help="Output folder (created)."),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
    markdown: bool = typer.Option(False, "--markdown", envvar=env("markdown"),
                                  help="Print the run's tables as Markdown to stdout instead of writing HTML."),
    target_precision: float = typer.Option(0.99, "--target-precision", envvar=env("target_precision"), min=0.0,
                                           max=1.0, help="The precision the confidence threshold must reach."),
) -> None:
    """Write index.html (accuracy with 95% CIs, verification levels, the confidence curve, MATH levels, subjects,
    tools, failures, latency), report.md, levels.json (the figures file) and one page per trace."""
    from mathagent.eval.report import write_report
    from mathagent.eval.report.data import load_report_data
    from mathagent.cli.terminal import echo
    from mathagent.traces.db import open_database
    from mathagent.traces.urls import database_files

    db_url = db or default_db_url()
    folder = Path(out).expanduser()
    if not markdown:
        if not out.strip():
            raise InputError("--out is empty", "give --out a folder name")
        if os.path.lexists(folder) and not folder.is_dir():
            raise InputError(f"{out} exists and is not a folder", "pass a folder path with --out")
    with open_database(db_url, read_only=True) as factory:  # the report reads the database, never writes it
        data = load_report_data(factory, run_id.strip(), target=target_precision)
    if markdown:
        from mathagent.eval.report.markdown import markdown_report

        echo(markdown_report(data))
        return
    try:  # every file is checked before the first is written; the folder is created with the first
        index = write_report(data, folder, inputs=database_files(db_url))
    except OSError as exc:
        raise InputError(f"cannot write the report to {out}: {exc.strerror}", "choose a writable --out folder") from exc
    if json_out:
        from mathagent.eval.report import FIGURES_FILE

        figures = folder / FIGURES_FILE
        typer.echo(json.dumps({"run_id": data.run.id, "index": str(index), "traces": len(data.traces),
                               "figures": str(figures) if figures.is_file() and data.levels else None}))
    else:
        echo(f"wrote {index} ({len(data.traces)} trace pages)")


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
