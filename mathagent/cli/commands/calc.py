"""`mathagent calc`: run Python/SymPy code in the sandboxed calculator.

The code runs as a notebook cell (``--no-echo``: as a script): a final
expression's value is printed.  Its stdout/stderr are passed through
unchanged (not through rich, whose markup would mangle them); a non-ok
status is reported on stderr as
``calc: <status>: <detail>`` and gives exit code 1.  ``--json`` prints
exactly one JSON object, ``CalcResult.to_dict()``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from mathagent.config import env
from mathagent.errors import InputError, MathAgentError
from mathagent.cli.inputs import text_argument, text_file

EXIT_NOT_OK = 1


def _read_code(code: Optional[str], file: Optional[Path]) -> str:
    if file is not None and code not in (None, ""):
        raise InputError("give the code either as an argument or with --file, not both",
                         "drop one of them")
    if file is not None:
        source = text_argument("-", "code") if str(file) == "-" else text_file(file, "program")
    elif code is None:
        raise InputError("no code given", "mathagent calc 'print(sympy.factorint(360))'  (or - / --file PATH)")
    else:
        source = text_argument(code, "code")  # '-' reads stdin: strict UTF-8, at most MAX_INPUT_BYTES
    if not source.strip():
        raise InputError("the code is empty", "mathagent calc 'print(sympy.factorint(360))'")
    return source


def calc(
    code: Optional[str] = typer.Argument(None, help="Python code to run; '-' reads it from stdin."),
    file: Optional[Path] = typer.Option(None, "--file", "-f", envvar=env("file"),
                                        help="Read the code from this file ('-' for stdin)."),
    timeout: float = typer.Option(10.0, "--timeout", envvar=env("timeout"), min=0.1, max=3600.0,
                                  help="Wall-clock limit in seconds."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"),
                                 help="Print one JSON object (CalcResult.to_dict())."),
    echo: bool = typer.Option(True, "--echo/--no-echo", envvar=env("echo"),
                              help="Print the value of a final expression, as a notebook cell does "
                                   "('factorint(360)' prints {2: 3, 3: 2, 5: 1}); --no-echo runs it as a script."),
) -> None:
    """Run Python/SymPy code in the sandbox (sympy, math, Fraction and x, y, z, t, n, k, m are predefined)."""
    from mathagent.tools.calculator import Calculator, SandboxUnavailable

    source = _read_code(code, file)
    try:
        with Calculator(workers=1, timeout_s=timeout) as calculator:
            result = calculator.run(source, timeout_s=timeout, echo=echo)
    except SandboxUnavailable as exc:
        raise MathAgentError(str(exc), exc.fix) from None
    if as_json:
        sys.stdout.write(json.dumps(result.to_dict()) + "\n")
    else:
        sys.stdout.write(result.stdout)
        sys.stderr.write(result.stderr)
        if result.status != "ok":
            sys.stderr.write(f"calc: {result.status}" + (f": {result.detail}" if result.detail else "") + "\n")
    sys.stdout.flush()
    if result.status != "ok":
        raise typer.Exit(EXIT_NOT_OK)


def register(app: typer.Typer) -> None:
    app.command("calc")(calc)
