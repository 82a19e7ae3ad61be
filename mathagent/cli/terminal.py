"""Text from storage (traces, runs, corpora, benchmark files) made safe to print on a terminal.

A stored string can hold anything a program or a file held: ESC sequences that
clear the screen, retitle the window or hide text, a carriage return that
overwrites the line, C1 controls (U+009B is a one-character CSI), bidi overrides
that reorder what is shown.  Rich's ``escape`` only protects its *markup*; it
passes control characters through.  So every command prints stored text through
:func:`neutralise` (or :func:`safe` for a whole structure, or :func:`echo`):
each control character becomes its visible escape (``\\x1b``, ``\\u202e``), so
the terminal shows what is stored instead of obeying it.  Newlines and tabs stay.

JSON output needs nothing: ``json.dumps`` escapes C0 controls itself, and the
reader of ``--json`` is a program.
"""

from __future__ import annotations

import re
from typing import Any

import typer

# C0 controls but \t and \n, DEL, C1 controls; line/paragraph separators; bidi embeddings, overrides
# and isolates (the "Trojan Source" characters).
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def neutralise(text: str) -> str:
    """``text`` with every terminal control character replaced by its visible escape."""
    return _UNSAFE.sub(_visible, text) if isinstance(text, str) else text


def safe(value: Any) -> Any:
    """:func:`neutralise` applied to every string in a JSON-like value (keys too); other values unchanged."""
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, dict):
        return {safe(k): safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(safe(v) for v in value)
    return value


def echo(text: Any = "", *, err: bool = False) -> None:
    """``typer.echo`` of neutralised text."""
    typer.echo(neutralise(str(text)), err=err)
