"""Rich rendering shared by the commands that show a solve or a stored trace: steps, derivations, checks.

Everything shown here was written by a model, a program or a file, so it goes
through :func:`mathagent.cli.terminal.safe` first: each terminal control character becomes its
visible escape (``\\x1b``), so a stored string can never clear, retitle or
rewrite the terminal.  Newlines and tabs stay.
"""

from __future__ import annotations

from typing import Any

from mathagent.cli.terminal import safe

CODE_ROUTES = ("pot", "repair", "calc")  # steps whose input is a program (calc: traces written before derivations)


def print_steps(con, steps: list[dict[str, Any]]) -> None:
    """Each step as a panel titled with its route and status; a program step (or a tool-integrated turn) shows its
    code (or text), then its output."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    for step in safe(steps):
        title = Text(f"step {step['index']} · {step['route']} · {step['status']} · {step['ms']:.0f} ms")
        if step["route"] in CODE_ROUTES:
            con.print(Panel(Syntax(step["input"], "python", word_wrap=True), title=title, title_align="left"))
            con.print(Text("output: ", style="dim") + Text(step["output"].strip()[:2000]))
        elif step["route"] == "tir":  # a turn of tool-integrated reasoning: the model's text, then what it got back
            con.print(Panel(Text(step["input"].strip()[:3000]), title=title, title_align="left"))
            con.print(Text("output: ", style="dim") + Text(step["output"].strip()[:2000]))
        else:
            con.print(Panel(Text(step["output"].strip()[:3000]), title=title, title_align="left"))


def print_derivations(con, derivations: list[dict[str, Any]]) -> None:
    """One line per derivation: method, answer, valid or why not, its cluster in the vote (0: the winner)."""
    from rich.text import Text

    for d in safe(derivations):
        cluster = {0: "cluster 0 (winner)", -1: "did not vote"}.get(d["cluster"], f"cluster {d['cluster']}")
        valid = Text("valid", style="green") if d["valid"] else Text(f"invalid: {d['reason']}", style="yellow")
        con.print(Text(f"derivation {d['index']} · {d['method']} ({d['prompt']}) · answer ")
                  + Text(str(d["answer"]), style="bold") + Text(" · ") + valid + Text(f" · {cluster}"))


def print_checks(con, checks: list[dict[str, Any]]) -> None:
    from rich.text import Text

    for check in safe(checks):
        color = {"pass": "green", "fail": "red"}.get(check["verdict"], "yellow")
        kind = " (formal)" if check.get("formal") else ("" if check.get("independent", True) else " (not independent)")
        con.print(Text("check ") + Text(check["name"], style="bold") + Text(kind + ": ")
                  + Text(check["verdict"], style=color) + Text(" - " + check["detail"]))
