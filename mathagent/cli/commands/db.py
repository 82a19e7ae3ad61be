"""`mathagent db upgrade|current`: schema migrations of the trace database."""

from __future__ import annotations

import json

import typer

from mathagent.cli import options
from mathagent.config import default_db_url

db_app = typer.Typer(help="Trace database schema.", no_args_is_help=True)


@db_app.command("upgrade")
def upgrade_command(db: str = options.DbOption, json_out: bool = options.JsonOption) -> None:
    """Apply the pending migrations (append-only)."""
    from mathagent.traces.db import current_revision, make_engine, prepare_database

    engine = make_engine(db or default_db_url())
    try:
        before = current_revision(engine)
        after = prepare_database(engine)
    finally:
        engine.dispose()
    if json_out:
        typer.echo(json.dumps({"from": before, "to": after}))
    else:
        typer.echo(f"schema: {before or 'empty'} -> {after}")


@db_app.command("current")
def current_command(db: str = options.DbOption, json_out: bool = options.JsonOption) -> None:
    """Show the schema revision of the database and the one this code expects (writes nothing)."""
    from mathagent.traces.db import check_database, head_revision, make_engine

    engine = make_engine(db or default_db_url(), read_only=True)
    try:
        current = check_database(engine, allow_empty=False).revision
    finally:
        engine.dispose()
    head = head_revision()
    if json_out:
        typer.echo(json.dumps({"current": current, "head": head}))
    else:
        typer.echo(f"current: {current or 'empty'}  head: {head}")


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")
