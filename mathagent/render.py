"""Rich rendering shared by the commands that show a solve: steps, checks (stored or model-written text,
printed through :func:`mathagent.terminal.neutralise`)."""

from __future__ import annotations

from typing import Any


def print_steps(con, steps: list[dict[str, Any]]) -> None:
    """Each step as a panel titled with its route and status; a calculator step shows code, then output."""
    from rich.panel import Panel
    from rich.syntax import Syntax
    from rich.text import Text

    from mathagent.terminal import neutralise as n

    for step in steps:
        title = Text(f"step {step['index']} · {n(step['route'])} · {n(step['status'])} · {step['ms']:.0f} ms")
        if step["route"] == "calc":
            con.print(Panel(Syntax(n(step["input"]), "python", word_wrap=True), title=title, title_align="left"))
            con.print(Text("output: ", style="dim") + Text(n(step["output"].strip()[:2000])))
        else:
            con.print(Panel(Text(n(step["output"].strip()[:3000])), title=title, title_align="left"))


def print_checks(con, checks: list[dict[str, Any]]) -> None:
    from rich.text import Text

    from mathagent.terminal import neutralise as n

    for check in checks:
        color = {"pass": "green", "fail": "red"}.get(check["verdict"], "yellow")
        con.print(Text("check ") + Text(n(check["name"]), style="bold") + Text(": ")
                  + Text(n(check["verdict"]), style=color) + Text(" - " + n(check["detail"])))
