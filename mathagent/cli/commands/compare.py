"""`mathagent compare RUN_A[:STRATEGY] RUN_B[:STRATEGY]`: two runs or strategies, problem by problem."""

from __future__ import annotations

import json

import typer

from mathagent.cli import options
from mathagent.config import default_db_url

SHOWN_IDS = 20


def compare_command(
    a: str = typer.Argument(..., help="RUN_ID or RUN_ID:STRATEGY (default strategy: agent, else the run's first)"),
    b: str = typer.Argument(..., help="RUN_ID or RUN_ID:STRATEGY; the same run with another strategy works too"),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
) -> None:
    """Pair two runs' answers on the problems both finished: both right, only A, only B, neither, and the exact
    McNemar p-value of the difference (did a change help, or is the gap noise?)."""
    from mathagent.eval.compare import compare_runs
    from mathagent.traces.db import open_database

    with open_database(db or default_db_url(), read_only=True) as factory:
        cmp = compare_runs(factory, a, b)
    if json_out:
        typer.echo(json.dumps(cmp.to_dict(), ensure_ascii=False))
        return
    from mathagent.cli.terminal import echo

    r = cmp.result
    echo(f"A = {r.a}\nB = {r.b}\n{r.n} problems in common "
               f"(only in A: {cmp.unmatched_a}, only in B: {cmp.unmatched_b})")
    echo(f"A right {r.both + r.only_a}/{r.n}, B right {r.both + r.only_b}/{r.n}: both {r.both}, "
               f"only A {r.only_a}, only B {r.only_b}, neither {r.neither}")
    echo(f"exact McNemar p = {r.p_value:.3g} (two-sided, on the {r.only_a + r.only_b} problems only one got right)")
    for name, ids in (("only A right", r.only_a_ids), ("only B right", r.only_b_ids)):
        if ids:
            more = f" … and {len(ids) - SHOWN_IDS} more" if len(ids) > SHOWN_IDS else ""
            echo(f"{name}: {', '.join(ids[:SHOWN_IDS])}{more}")


def register(app: typer.Typer) -> None:
    app.command("compare")(compare_command)
