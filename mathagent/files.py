"""Reading input files: the one place every command goes through (outputs: :mod:`mathagent.outputs`).

Inputs (:func:`open_input`, :func:`read_text`, :func:`read_lines`, :func:`loads_json`):

* a path is opened without blocking (``O_NONBLOCK``), then checked with ``fstat``
  to be a *regular file*: a folder, a FIFO (which would block forever), a device
  (``/dev/zero`` never ends) or a socket is refused before one byte is read;
* its size is bounded (the ``stat`` size first, then the bytes actually read,
  since a file may grow while it is read), and so is every line;
* text is strict UTF-8; a leading byte order mark is dropped;
* JSON is parsed with bounded number literals and nesting depth, and a string
  holding a lone surrogate (``"\\ud800"``, valid JSON but not Unicode text) is
  bad input naming where it is, never a crash later when the text is encoded.

Every problem is a :class:`FileProblem`, an :class:`~mathagent.errors.InputError`
with a one-line ``message``, a ``fix`` and exit code 2.  This module depends on
the standard library and the dependency-free ``mathagent.errors`` only, so the
lower layers (``verifiers``) may use it without depending on anything above them.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from mathagent.errors import InputError

MAX_TEXT_BYTES = 1_000_000  # a program, a statement: read whole
MAX_DATA_BYTES = 2 * 1024**3  # a benchmark, a corpus, an exclude file: streamed
MAX_LINE_BYTES = 16 * 1024 * 1024
MAX_NUMBER_CHARS = 4300  # Python's own limit for int <-> str conversion
MAX_JSON_DEPTH = 64
BOM = "\ufeff"


class FileProblem(InputError):
    """An input or output path the command cannot use (exit code 2, like every bad input)."""

    def __init__(self, message: str, fix: str):
        super().__init__(message, fix)


class JsonProblem(ValueError):
    """A JSON text that is unusable; ``reason`` is the one-line why (the caller adds the file and line)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# -- inputs ----------------------------------------------------------------------------------------


def kind_of(mode: int) -> str:
    """What a non-regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def open_input(path: str | Path, what: str, *, max_bytes: int = MAX_DATA_BYTES) -> IO[bytes]:
    """``path`` opened for binary reading, once it is known to be a regular file of at most ``max_bytes``.

    Never blocks on a FIFO and never starts reading a device.  The caller closes the file.
    """
    p = Path(path)
    try:
        fd = os.open(p, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise FileProblem(f"cannot read {what} {p}: {exc.strerror or exc}", _read_fix(exc, what)) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            fix = f"pass the {what} itself" if stat.S_ISDIR(st.st_mode) else f"save the {what} to a regular file first"
            raise FileProblem(f"cannot read {what} {p}: it is {kind_of(st.st_mode)}, not a regular file", fix)
        if st.st_size > max_bytes:
            raise FileProblem(f"{what} {p} is larger than {max_bytes} bytes ({st.st_size})", f"pass a smaller {what}")
        os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def _read_fix(exc: OSError, what: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"check the path of the {what}"
    if isinstance(exc, PermissionError):
        return f"make the {what} readable, or pass another one"
    return f"check the {what} and its path"


def read_bytes(path: str | Path, what: str, *, max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """The whole (regular, bounded) file."""
    with open_input(path, what, max_bytes=max_bytes) as f:
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:  # it grew after the size check
        raise FileProblem(f"{what} {path} is larger than {max_bytes} bytes", f"pass a smaller {what}")
    return data


def decode_text(data: bytes, where: str, what: str) -> str:
    """Strict UTF-8 without a leading byte order mark; ``where`` names the file (and line) in the error."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FileProblem(f"{where} is not valid UTF-8 (byte {exc.start})",
                          f"save the {what} as UTF-8 text") from None
    return text[1:] if text.startswith(BOM) else text


def read_text(path: str | Path, what: str, *, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """The whole file as strict UTF-8 text (BOM dropped), refused past ``max_bytes``."""
    return decode_text(read_bytes(path, what, max_bytes=max_bytes), str(path), what)


def read_lines(path: str | Path, what: str, *, max_bytes: int = MAX_DATA_BYTES,
               max_line_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """``(line number, raw bytes)`` for each line; ``None`` for a line longer than ``max_line_bytes``.

    Memory stays bounded by ``max_line_bytes`` whatever the file holds (an over-long line is
    skipped in chunks, never held whole); the first line loses its UTF-8 byte order mark.
    """
    total = 0
    with open_input(path, what, max_bytes=max_bytes) as f:
        number = 0
        while True:
            raw = f.readline(max_line_bytes + 1)
            if not raw:
                return
            number += 1
            total += len(raw)
            too_long = len(raw) > max_line_bytes
            while too_long and not raw.endswith(b"\n"):  # skip the rest of that line, a chunk at a time
                raw = f.readline(max_line_bytes + 1)
                total += len(raw)
                if not raw or total > max_bytes:
                    break
            if total > max_bytes:
                raise FileProblem(f"{what} {path} is larger than {max_bytes} bytes", f"pass a smaller {what}")
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            yield number, None if too_long else raw


def regular_files(paths: Iterable[Path]) -> list[Path]:
    """The regular files among ``paths`` (a folder scan's ``x.lean`` may be a folder, a FIFO or a dangling link)."""
    out = []
    for p in paths:
        try:
            if stat.S_ISREG(os.stat(p).st_mode):
                out.append(p)
        except OSError:
            continue
    return out


def _bounded_int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonProblem(f"a JSON number of {len(text)} characters (the limit is {MAX_NUMBER_CHARS})")
    return int(text)


def _bounded_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonProblem(f"a JSON number of {len(text)} characters (the limit is {MAX_NUMBER_CHARS})")
    return float(text)


def loads_json(text: str | bytes, *, max_depth: int = MAX_JSON_DEPTH) -> Any:
    """``json.loads`` for untrusted text; every way it can fail is a :class:`JsonProblem` with a reason."""
    try:
        value = json.loads(text, parse_int=_bounded_int, parse_float=_bounded_float)
    except JsonProblem:
        raise
    except json.JSONDecodeError as exc:
        raise JsonProblem(f"invalid JSON: {exc.msg} (column {exc.colno})") from None
    except RecursionError:
        raise JsonProblem(f"JSON nested more than {max_depth} levels deep") from None
    except (ValueError, TypeError) as exc:  # bad UTF-8 in bytes, digits limits of the C scanner
        raise JsonProblem(f"invalid JSON: {str(exc).splitlines()[0][:200]}") from None
    _check_json(value, max_depth)
    return value


def _check_json(value: Any, max_depth: int) -> None:
    """Depth bound and lone surrogates, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            _check_str(item)
        elif isinstance(item, (dict, list)):
            if depth > max_depth:
                raise JsonProblem(f"JSON nested more than {max_depth} levels deep")
            if isinstance(item, dict):
                for key, v in item.items():
                    _check_str(key)
                    stack.append((v, depth + 1))
            else:
                stack.extend((v, depth + 1) for v in item)


def _check_str(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = text[exc.start]
        raise JsonProblem(f"a JSON string holds a lone surrogate (\\u{ord(bad):04x}), which is not Unicode text") \
            from None


# -- outputs ---------------------------------------------------------------------------------------
