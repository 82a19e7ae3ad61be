"""Reading user text from arguments, stdin or a file, strictly as UTF-8 (files through :mod:`mathagent.files`)."""

from __future__ import annotations

import sys
from pathlib import Path

from mathagent.errors import InputError
from mathagent.files import BOM, MAX_TEXT_BYTES, read_text

MAX_INPUT_BYTES = MAX_TEXT_BYTES


def text_argument(value: str | None, what: str) -> str:
    """``value`` itself, or stdin when it is ``-`` or missing (and stdin is not a terminal)."""
    if value is None or value == "-":
        stdin = sys.stdin
        if stdin is None:  # started with stdin closed (<&-): there is nothing to read
            raise InputError(f"no {what} on stdin (standard input is closed)",
                             f"pass the {what} as an argument, or send it on stdin")
        if value is None and stdin.isatty():
            raise InputError(f"no {what} given", f"pass the {what} as an argument, or '-' to read stdin")
        data = stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"the {what} on stdin is larger than {MAX_INPUT_BYTES} bytes", f"pass a shorter {what}")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the {what} on stdin is not valid UTF-8 (byte {exc.start})",
                             "send UTF-8 text") from exc
        return text.removeprefix(BOM)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # undecodable argv bytes arrive as lone surrogates
        raise InputError(f"the {what} argument is not valid UTF-8", "pass UTF-8 text") from exc
    return value


def text_file(path: Path, what: str) -> str:
    """The whole file as strict UTF-8 (BOM dropped): a regular file of at most MAX_INPUT_BYTES."""
    return read_text(path, what, max_bytes=MAX_INPUT_BYTES)
