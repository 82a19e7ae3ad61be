"""`mathagent eval minif2f --data PATH`: the formal benchmark, delegated to the formal verifier's audit.

miniF2F items are Lean statements without gold answers, so there is nothing
for the answer strategies to be graded against; what this command measures is
what the SMT backend decides on each statement (proved, refuted, vacuous,
unknown, unsupported), per problem source.  The work is done by
``mathagent.verifiers.formal.audit_path`` (the same as ``mathagent audit
minif2f``); results are not written to the trace database.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer

from mathagent.errors import InputError

STATEMENT_TIMEOUT_S = 5.0


def run_minif2f(data: Path | None, *, limit: int | None, json_out: bool) -> None:
    from mathagent.verifiers.formal.audit import audit_path

    if data is None:
        raise InputError("no dataset given", "pass --data (a folder of miniF2F .lean files or a JSONL)")
    results, summary = audit_path(data, limit=limit, timeout_s=STATEMENT_TIMEOUT_S)
    if json_out:
        typer.echo(json.dumps({"dataset": "minif2f", "n": summary["n"], "summary": summary,
                               "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        return
    from rich.console import Console
    from rich.markup import escape

    from mathagent.cli.terminal import neutralise as n
    from mathagent.verifiers.formal.audit import markdown_table

    con = Console(highlight=False)
    flagged = [r for r in results if r.flagged]
    con.print(f"[bold]minif2f: {len(results)} statements, {len(flagged)} flagged[/] (SMT-checked, z3)")
    for r in flagged:
        con.print(f"  [red]{r.verdict.kind:8}[/] {escape(n(r.name))}: {escape(n(str(r.verdict.reason)))}")
    con.print(escape(n(markdown_table(summary))))
