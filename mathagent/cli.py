"""The `mathagent` command line (Typer).

One module per command lives in ``mathagent/commands``; each exposes
``register(app)``.  This module only wires them together and turns errors into
one-line messages with an exit code (never a traceback, never locals).
"""

from __future__ import annotations

import importlib

import typer

COMMAND_MODULES = [
    "mathagent.commands.solve",
    "mathagent.commands.calc",
    "mathagent.commands.doctor",
    "mathagent.commands.traces",
    "mathagent.commands.db",
    "mathagent.commands.export",
    "mathagent.commands.synth",
    "mathagent.commands.eval",
    "mathagent.commands.report",
    "mathagent.commands.regrade",
    "mathagent.commands.grade",
    "mathagent.commands.compare",
    "mathagent.commands.prove",
    "mathagent.commands.audit",
    "mathagent.commands.premises",
    "mathagent.commands.prompts",
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
    from mathagent.console import run_app

    _register_all()
    run_app(app)
