"""Modules stay under ~400 lines and functions under ~60, or say why in their docstring.

Every module of the package (the folders ``pyproject.toml`` maps to ``mathagent.*``; migrations excepted) is
parsed.  A module over :data:`MODULE_LINES`, or a function over :data:`FUNCTION_LINES`, must carry a
paragraph ``Length: <why>`` in its own docstring; "debt" is not a reason.  A ``Length:`` note on a module or
function within its limit fails too, so the notes only go away.  Typer command functions are exempt by rule:
their signatures declare every option (one parameter per option, each with its help and env var), so their
length is the option list, not logic.
"""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MODULE_LINES = 400
FUNCTION_LINES = 60
NOTE = re.compile(r"^\s*Length:\s*(\S.*)", re.M)


def _modules() -> list[Path]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    roots = set(config["tool"]["setuptools"]["package-dir"].values())
    return sorted(p for r in roots for p in (REPO / r).rglob("*.py") if "migrations" not in p.parts)


def _is_command(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A Typer command: its parameters default to ``typer.Option(...)`` / ``typer.Argument(...)``."""
    defaults = fn.args.defaults + [d for d in fn.args.kw_defaults if d is not None]
    return any(isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute) and d.func.attr in ("Option", "Argument")
               for d in defaults)


def _reason(node: ast.AST) -> str | None:
    m = NOTE.search(ast.get_docstring(node, clean=True) or "")
    return m.group(1).strip() if m else None


def _measure() -> list[tuple[str, int, int, str | None]]:
    """(name, lines, limit, reason) of every module and function."""
    out = []
    for path in _modules():
        rel = path.relative_to(REPO).as_posix()
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        out.append((rel, len(text.splitlines()), MODULE_LINES, _reason(tree)))
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not _is_command(node):
                out.append((f"{rel}:{node.name}", node.end_lineno - node.lineno + 1, FUNCTION_LINES, _reason(node)))
    return out


def test_modules_and_functions_are_short_or_say_why():
    measured = _measure()
    assert sum(":" not in name for name, *_ in measured) > 120  # the scan sees the whole package
    unexplained = [f"{name} ({n} lines)" for name, n, limit, why in measured if n > limit and not why]
    assert not unexplained, "split these, or say why in a 'Length:' paragraph of the docstring: " + ", ".join(unexplained)
    debt = [name for name, n, limit, why in measured if why and why.lower().startswith("debt")]
    assert not debt, f"debt is not a reason, split: {debt}"
    stale = [name for name, n, limit, why in measured if why and n <= limit]
    assert not stale, f"now within the limit, remove the 'Length:' note: {stale}"


def test_typer_commands_are_recognised():
    fn = ast.parse("def c(x: int = typer.Option(1, '--x'), *, y: str = typer.Argument(...)):\n    pass\n").body[0]
    plain = ast.parse("def f(x=1):\n    pass\n").body[0]
    assert _is_command(fn) and not _is_command(plain)


def test_a_length_note_is_read_from_the_docstring():
    long_fn = ast.parse('def f():\n    """Does f.\n\n    Length: one branch per case.\n    """\n').body[0]
    assert _reason(long_fn) == "one branch per case."
    assert _reason(ast.parse('def g():\n    """No note here."""\n').body[0]) is None
