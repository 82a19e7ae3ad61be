"""Rich rendering shared by the commands that show a solve: steps, checks."""

from __future__ import annotations

from typing import Any


def print_steps(con, steps: list[dict[str, Any]]) -> None:
    """Each step as a panel titled with its route and status; a calculator step shows code, then output."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    for step in steps:
        title = f"step {step['index']} · {step['route']} · {step['status']} · {step['ms']:.0f} ms"
        if step["route"] == "calc":
            con.print(Panel(Syntax(step["input"], "python", word_wrap=True), title=title, title_align="left"))
            con.print(Text("output: ", style="dim") + Text(step["output"].strip()[:2000]))
        else:
            con.print(Panel(Text(step["output"].strip()[:3000]), title=title, title_align="left"))


def print_checks(con, checks: list[dict[str, Any]]) -> None:
    from rich.text import Text

    for check in checks:
        color = {"pass": "green", "fail": "red"}.get(check["verdict"], "yellow")
        con.print(Text("check ") + Text(check["name"], style="bold") + Text(": ")
                  + Text(check["verdict"], style=color) + Text(" - " + check["detail"]))
