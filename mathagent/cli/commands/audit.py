"""`mathagent audit minif2f --data PATH`: flag statements that are false or vacuous.

PATH is a folder of `.lean` files or a JSONL with `name`/`formal_statement`.
Human output lists the flagged statements with their reasons and a verdict
table per problem source; `--json` prints one object: summary + results.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mathagent.config import env

audit_app = typer.Typer(help="Audit formal benchmarks with the SMT backend.", no_args_is_help=True)


@audit_app.command("minif2f")
def audit_minif2f(
    data: Path = typer.Option(..., "--data", envvar=env("data"),
                              help="Folder of miniF2F .lean files, or a JSONL with name/formal_statement."),
    timeout: float = typer.Option(5.0, "--timeout", envvar=env("timeout"), min=0.05, max=600.0,
                                  help="Per-statement budget in seconds: a deterministic z3 resource limit of that "
                                       "size decides (the wall clock stops a check only at 10x + 5 s)."),
    limit: int = typer.Option(0, "--limit", envvar=env("limit"), min=0, help="Check only the first N (0: all)."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object."),
) -> None:
    """Check every statement; report those false as written or with contradictory hypotheses."""
    from mathagent.verifiers.formal.audit import audit_path, markdown_table

    results, summary = audit_path(data, limit=limit, timeout_s=timeout)
    if as_json:
        print(json.dumps({"summary": summary, "flagged": [r.to_dict() for r in results if r.flagged],
                          "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape

    from mathagent.cli.terminal import neutralise as n

    con = Console(highlight=False)
    flagged = [r for r in results if r.flagged]
    con.print(f"[bold]{len(results)} statements, {len(flagged)} flagged[/] (SMT-checked, z3)")
    for r in flagged:
        con.print(f"  [red]{r.verdict.kind:8}[/] {escape(n(r.name))}: {escape(n(str(r.verdict.reason)))}")
    con.print(escape(n(markdown_table(summary))))
    con.print(f"median {summary['median_ms']} ms, p90 {summary['p90_ms']} ms per statement")
    if summary["unsupported_constructs"]:
        top = ", ".join(f"{k} {c}" for k, c in list(summary["unsupported_constructs"].items())[:8])
        con.print(f"unsupported constructs: {escape(n(top))}")


def register(app: typer.Typer) -> None:
    app.add_typer(audit_app, name="audit")
