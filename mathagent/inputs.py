"""Reading user text from arguments or stdin, strictly as UTF-8."""

from __future__ import annotations

import sys
from pathlib import Path

from mathagent.errors import InputError

MAX_INPUT_BYTES = 1_000_000


def text_argument(value: str | None, what: str) -> str:
    """``value`` itself, or stdin when it is ``-`` or missing (and stdin is not a terminal)."""
    if value is None or value == "-":
        if value is None and sys.stdin.isatty():
            raise InputError(f"no {what} given", f"pass the {what} as an argument, or '-' to read stdin")
        data = sys.stdin.buffer.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise InputError(f"the {what} on stdin is larger than {MAX_INPUT_BYTES} bytes", f"pass a shorter {what}")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(f"the {what} on stdin is not valid UTF-8 (byte {exc.start})",
                             "send UTF-8 text") from exc
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:  # undecodable argv bytes arrive as lone surrogates
        raise InputError(f"the {what} argument is not valid UTF-8", "pass UTF-8 text") from exc
    return value


def text_file(path: Path, what: str) -> str:
    """The whole file as strict UTF-8, refused past MAX_INPUT_BYTES."""
    try:
        with path.open("rb") as f:
            data = f.read(MAX_INPUT_BYTES + 1)
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror}", "check the path") from None
    if len(data) > MAX_INPUT_BYTES:
        raise InputError(f"{path} is larger than {MAX_INPUT_BYTES} bytes", f"pass a shorter {what}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not valid UTF-8 (byte {exc.start})", f"save the {what} as UTF-8 text") from None
