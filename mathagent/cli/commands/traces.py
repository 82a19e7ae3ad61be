"""`mathagent traces list` / `mathagent traces show ID`."""

from __future__ import annotations

import json

import typer

from mathagent.cli import options
from mathagent.config import default_db_url
from mathagent.errors import InputError

traces_app = typer.Typer(help="Browse recorded traces.", no_args_is_help=True)
MAX_TRACE_ID_CHARS = 64  # ids are 32 hex digits; a longer "prefix" cannot match (and SQLite's LIKE refuses huge ones)


@traces_app.command("list")
def list_command(
    limit: int = typer.Option(20, "--limit", "-n", envvar="MATHAGENT_LIMIT", min=1, max=10_000),
    run: str = typer.Option(None, "--run", envvar="MATHAGENT_RUN", help="Only traces of this eval run."),
    verified_only: bool = typer.Option(False, "--verified-only", envvar="MATHAGENT_VERIFIED_ONLY"),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
) -> None:
    """List the most recent traces."""
    from mathagent.traces.db import open_database, session_scope
    from mathagent.traces.store import list_traces, trace_summary

    with open_database(db or default_db_url(), read_only=True) as factory, session_scope(factory) as s:
        rows = [trace_summary(t) for t in list_traces(s, limit=limit, run_id=run, verified_only=verified_only)]
    if json_out:
        typer.echo(json.dumps({"traces": rows}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.table import Table

    from mathagent.cli.terminal import safe

    table = Table("id", "created", "status", "answer", "level", "model", "problem")
    for r in safe(rows):  # stored text: control characters shown, never obeyed
        table.add_row(r["id"][:12], (r["created_at"] or "")[:19], r["status"], str(r["answer"]), r["level"],
                      r["model"], r["problem"][:60].replace("\n", " "))
    Console().print(table)


@traces_app.command("show")
def show_command(
    trace_id: str = typer.Argument(..., help="A trace id or a unique prefix (at least 6 characters)."),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
) -> None:
    """Show one trace: problem, answer with its level and confidence, derivations, steps with code and output,
    checks."""
    from mathagent.traces.db import open_database, session_scope
    from mathagent.traces.store import find_trace, trace_to_dict

    if len(trace_id.strip()) > MAX_TRACE_ID_CHARS:
        raise InputError(f"not a trace id: {len(trace_id.strip())} characters", "list ids with `mathagent traces list`")
    with open_database(db or default_db_url(), read_only=True) as factory, session_scope(factory) as s:
        found = find_trace(s, trace_id.strip())
        if found is None:
            raise InputError(f"no trace with id {trace_id!r}", "list ids with `mathagent traces list`")
        if isinstance(found, list):
            raise InputError(f"trace id prefix {trace_id!r} is ambiguous ({len(found)} matches)",
                             "give more characters of the id")
        data = trace_to_dict(found)
    if json_out:
        typer.echo(json.dumps(data, ensure_ascii=False))
        return
    from mathagent.cli.terminal import safe

    _print_trace(safe(data))  # stored text: control characters shown, never obeyed


def level_line(d: dict) -> str:
    """``level gold (agent: consensus) · confidence 0.97 · verified`` for a stored trace's dict."""
    agent = f" (agent: {d['agent_level']})" if d.get("agent_level") and d["agent_level"] != d["level"] else ""
    conf = "" if d.get("confidence") is None else f" · confidence {d['confidence']:.2f}"
    return f"level {d['level']}{agent}{conf} · {'verified' if d['verified'] else 'not verified'}"


def _print_trace(d: dict) -> None:
    from rich.console import Console
    from rich.panel import Panel
    from rich.text import Text

    from mathagent.cli.render import print_checks, print_derivations, print_steps

    con = Console()
    con.print(Text(f"trace {d['id']}  {d['created_at']}  {d['model']} ({d['backend']})  strategy {d['strategy']}"))
    con.print(Panel(Text(d["problem"]), title="problem", title_align="left"))
    print_steps(con, d["steps"])
    if d["derivations"]:
        con.print(Text(f"derivations ({len(d['derivations'])})", style="bold"))
        print_derivations(con, d["derivations"])
    print_checks(con, d["checks"])
    gold = "" if d.get("gold") is None else f"  gold: {d['gold']} ({'right' if d.get('correct') else 'wrong'})"
    con.print(Text("answer: ", style="bold") + Text(f"{d['answer']}  {level_line(d)}  status: {d['status']}{gold}"))
    if d["error"]:
        con.print(Text("error: ", style="red") + Text(d["error"]))
    con.print(Text(f"{d['usage']['prompt_tokens']}+{d['usage']['completion_tokens']} tokens · {d['seconds']:.1f} s · "
                   f"{len(d['llm_calls'])} LLM calls · {len(d['tool_calls'])} tool calls", style="dim"))


def register(app: typer.Typer) -> None:
    app.add_typer(traces_app, name="traces")
