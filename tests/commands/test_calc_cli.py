"""`mathagent calc`, through Typer's CliRunner on an app holding only this command."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from mathagent.cli.commands import calc as calc_cmd
from mathagent.errors import InputError, MathAgentError


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Keeps `calc` a subcommand, as in the real app."""

    calc_cmd.register(app)
    return app


def invoke(app, args, **kw):
    return CliRunner().invoke(app, args, catch_exceptions=True, **kw)


def test_runs_code_and_exits_zero(app):
    res = invoke(app, ["calc", "print(sympy.factorint(360))"])
    assert res.exit_code == 0, res.output
    assert res.stdout == "{2: 3, 3: 2, 5: 1}\n"


def test_reads_code_from_stdin_and_file(app, tmp_path):
    res = invoke(app, ["calc", "-"], input="print(solve(x**2 - 4, x))")
    assert (res.exit_code, res.stdout) == (0, "[-2, 2]\n")
    script = tmp_path / "c.py"
    script.write_text("print(Rational(1, 3) + Rational(1, 6))", encoding="utf-8")
    res = invoke(app, ["calc", "--file", str(script)])
    assert (res.exit_code, res.stdout) == (0, "1/2\n")


def test_json_output_is_one_object(app):
    res = invoke(app, ["calc", "--json", "1/0"])
    assert res.exit_code == 1
    data = json.loads(res.stdout)
    assert set(data) == {"status", "stdout", "stderr", "ms", "detail", "echoed"}
    assert data["status"] == "error"
    assert data["detail"] == "ZeroDivisionError: division by zero"


def test_timeout_option_and_env(app):
    res = invoke(app, ["calc", "while True:\n    pass"], env={"MATHAGENT_TIMEOUT": "0.5"})
    assert res.exit_code == 1
    assert "calc: timeout: wall time exceeded 0.5 s" in res.stderr


def test_missing_or_double_code_is_an_input_error(app, tmp_path):
    res = invoke(app, ["calc"])
    assert isinstance(res.exception, InputError)
    script = tmp_path / "c.py"
    script.write_text("print(1)", encoding="utf-8")
    res = invoke(app, ["calc", "print(2)", "--file", str(script)])
    assert isinstance(res.exception, InputError)
    res = invoke(app, ["calc", "--file", str(tmp_path / "missing.py")])
    assert isinstance(res.exception, InputError)


def test_unavailable_sandbox_becomes_a_user_error(app, monkeypatch):
    from mathagent.tools import calculator

    original = calculator.Calculator.__init__

    def no_bwrap(self, *args, **kwargs):
        original(self, *args, **{**kwargs, "bwrap": "/nonexistent/bwrap"})

    monkeypatch.setattr(calculator.Calculator, "__init__", no_bwrap)
    res = invoke(app, ["calc", "print(1)"])
    assert isinstance(res.exception, MathAgentError)
    assert "bubblewrap" in (res.exception.fix or "")


def test_a_final_expression_is_shown_unless_no_echo(app):
    res = invoke(app, ["calc", "factorint(360)"])
    assert (res.exit_code, res.stdout) == (0, "{2: 3, 3: 2, 5: 1}\n")
    res = invoke(app, ["calc", "--no-echo", "factorint(360)"])
    assert (res.exit_code, res.stdout) == (0, "")
    res = invoke(app, ["calc", "factorint(360)"], env={"MATHAGENT_ECHO": "false"})
    assert (res.exit_code, res.stdout) == (0, "")
