"""The `mathagent` command line (Typer).

One module per command lives in ``mathagent/cli/commands``; each exposes
``register(app)``.  This module only wires them together and turns errors into
one-line messages with an exit code (never a traceback, never locals).
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = [
    "mathagent.cli.commands.solve",
    "mathagent.cli.commands.calc",
    "mathagent.cli.commands.doctor",
    "mathagent.cli.commands.traces",
    "mathagent.cli.commands.db",
    "mathagent.cli.commands.export",
    "mathagent.cli.commands.synth",
    "mathagent.cli.commands.eval",
    "mathagent.cli.commands.report",
    "mathagent.cli.commands.regrade",
    "mathagent.cli.commands.grade",
    "mathagent.cli.commands.compare",
    "mathagent.cli.commands.prove",
    "mathagent.cli.commands.audit",
    "mathagent.cli.commands.premises",
    "mathagent.cli.commands.prompts",
]

app = typer.Typer(
    name="mathagent",
    help="A neuro-symbolic math reasoning agent.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)


def _register_all() -> None:
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(app)


def main() -> None:
    from mathagent.cli.console import guard_standard_streams, run_app

    guard_standard_streams()  # first: no file opened from here on may take the place of a closed stdin/stdout/stderr
    _register_all()
    run_app(app)
