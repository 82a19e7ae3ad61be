"""`mathagent prompts`: the named prompts, their method, version and text."""

from __future__ import annotations

import json

import typer

from mathagent.cli import options


def prompts_command(json_out: bool = options.JsonOption) -> None:
    """List the named prompts (`--prompt NAME` on solve and eval); the defaults are marked, and so is the text a
    prompt makes its reply begin with (local backend; openai with --prefill continue or prefix)."""
    from mathagent.agent.prompts import DEFAULT_PROMPTS, PROMPTS

    rows = [{"name": p.name, "method": p.method, "version": p.version, "default": DEFAULT_PROMPTS[p.method] == p.name,
             "system": p.system, "reply_start": p.reply_start} for p in PROMPTS.values()]
    if json_out:
        typer.echo(json.dumps(rows, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("name", "method", "version", "default", "system message", "reply starts with")
    for r in rows:
        table.add_row(r["name"], r["method"], str(r["version"]), "yes" if r["default"] else "", r["system"],
                      repr(r["reply_start"]) if r["reply_start"] else "")
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("prompts")(prompts_command)
