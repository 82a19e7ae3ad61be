"""`mathagent prompts`, through Typer's CliRunner on an app holding only this command."""

from __future__ import annotations

import json

import typer
from typer.testing import CliRunner

from mathagent.agent.prompts import DEFAULT_PROMPTS
from mathagent.cli.commands import prompts as prompts_cmd


def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps `prompts` a subcommand, as in the real app."""

    prompts_cmd.register(app)
    return app


def test_the_listing_marks_each_methods_default_and_shows_a_forced_reply_start():
    result = CliRunner().invoke(app(), ["prompts", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert {r["method"] for r in rows.values() if r["default"]} == set(DEFAULT_PROMPTS)
    assert all(rows[name]["default"] and rows[name]["method"] == method for method, name in DEFAULT_PROMPTS.items())
    assert rows["pot-code"]["reply_start"] == "```python\n" and rows["pot-plain"]["reply_start"] == ""
    assert rows["pot-code"]["system"] == rows["pot-plain"]["system"]
    table = CliRunner().invoke(app(), ["prompts"], env={"COLUMNS": "400"})
    assert table.exit_code == 0 and "reply starts with" in table.output and "'```python\\n'" in table.output
