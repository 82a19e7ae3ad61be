"""Reading input files and writing output files: the one place every command goes through.

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

Outputs (:func:`output_path`, :func:`distinct_outputs`, :class:`AtomicOutput`):

* every output path of a command is checked before any work is done, and
  nothing is created by the check (not even a missing folder);
* an output is never an input of the same command (the files it reads, the trace
  database and its ``-wal``/``-shm``/``-journal`` files), nor another output of
  it (a dataset card over the data it describes);
* never a special file (a FIFO, a device, a socket, or a symlink to one): those
  are refused, not replaced; a symlink to a regular file is followed;
* a trailing slash means a folder;
* the data is written to a temporary file beside the target and renamed into
  place only when complete, so a failure leaves the old file (or none); the
  missing folders of the target are created then, when writing starts, and
  removed again (when still empty) if the write fails.

Every problem is a :class:`FileProblem`, an :class:`~mathagent.errors.InputError`
with a one-line ``message``, a ``fix`` and exit code 2.  This module depends on
the standard library and the dependency-free ``mathagent.errors`` only, so the
lower layers (``verifiers``) may use it without depending on anything above them.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
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


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet): compare where they would be
        return os.path.realpath(a) == os.path.realpath(b)


def output_path(raw: str | Path, flag: str, *, default_name: str | None = None,
                inputs: Iterable[tuple[str | Path, str]] = (), create_parent: bool = False) -> Path:
    """The file an output option names, checked before any work is done; nothing is created here.

    ``raw`` as the user typed it: a trailing slash (or an existing folder) means a folder, which
    gets ``default_name`` inside it, or is refused when the command has none.  ``inputs`` are
    ``(path, what)`` pairs the command reads: the output may be none of them.  A missing parent
    folder is accepted when ``create_parent`` and it can be created (:class:`AtomicOutput` creates it
    when the write starts), else refused.
    """
    text = os.fspath(raw)
    if not text.strip():
        raise FileProblem(f"{flag} is empty", f"give {flag} a file name")
    folder = text.endswith(("/", os.sep))
    path = Path(text).expanduser()
    if folder or path.is_dir():
        if default_name is None:
            raise FileProblem(f"{flag} {text} is a folder", f"give {flag} a file name, e.g. {path / 'out.jsonl'}")
        path = path / default_name
    try:
        st = os.stat(path)  # follows a symlink: what matters is what it points at
    except FileNotFoundError:
        st = None
        if path.is_symlink():
            raise FileProblem(f"{flag} {path} is a symlink to nothing", f"give {flag} the name of a regular file") \
                from None
    except OSError as exc:
        raise FileProblem(f"cannot use {flag} {path}: {exc.strerror or exc}", f"choose another {flag}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise FileProblem(f"{flag} {path} is {kind_of(st.st_mode)}; refusing to replace it",
                          f"give {flag} the name of a regular file")
    if st is not None and path.is_symlink():
        path = Path(os.path.realpath(path))  # write the file the link points at; the link stays
    for source, what in inputs:
        if source is not None and str(source) and _same_file(path, Path(source)):
            raise FileProblem(f"{flag} {path} would overwrite the {what}", f"write {flag} to another file")
    parent = path.parent
    if not parent.is_dir():
        if os.path.lexists(parent):
            raise FileProblem(f"{flag}: {parent} is not a folder", f"choose another {flag}")
        if not create_parent:
            raise FileProblem(f"{flag}: folder {parent} does not exist", f"create it first: mkdir -p {parent}")
        parent = _existing_ancestor(parent, flag)
    if not os.access(parent, os.W_OK | os.X_OK):
        raise FileProblem(f"{flag}: folder {parent} is not writable", f"choose a writable {flag}")
    return path


def _existing_ancestor(folder: Path, flag: str) -> Path:
    """The nearest existing folder above a missing ``folder``, where the missing ones would be created."""
    above = folder
    while not os.path.lexists(above):
        if above.parent == above:
            break
        above = above.parent
    if not above.is_dir():
        raise FileProblem(f"{flag}: cannot create the folder {folder}: {above} is not a folder",
                          f"choose another {flag}")
    return above


def distinct_outputs(outputs: Iterable[tuple[str | Path, str]]) -> None:
    """Refuse two outputs of one command that are the same file (the later write would replace the earlier:
    a dataset card written over its data).  ``outputs`` are ``(path, flag)`` pairs already checked by
    :func:`output_path`."""
    seen: dict[object, tuple[Path, str]] = {}
    for raw, flag in outputs:
        path = Path(raw)
        try:
            st = os.stat(path)
            keys: tuple[object, ...] = ((st.st_dev, st.st_ino), os.path.realpath(path))
        except OSError:
            keys = (os.path.realpath(path),)
        for key in keys:
            if key in seen:
                first, first_flag = seen[key]
                raise FileProblem(f"{flag} {path} is the same file as {first_flag} {first}",
                                  "give each output its own file name")
        for key in keys:
            seen[key] = (path, flag)


def _make_folders(folder: Path, flag: str) -> list[Path]:
    """Create ``folder`` and its missing parents; the ones created, outermost first."""
    missing = []
    above = folder
    while not os.path.lexists(above) and above.parent != above:
        missing.append(above)
        above = above.parent
    created = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:  # made meanwhile (by another writer): not ours to remove
            continue
        except OSError as exc:
            _remove_folders(created)
            raise FileProblem(f"cannot create the folder {path} for {flag}: {exc.strerror or exc}",
                              f"choose a writable {flag}") from None
        created.append(path)
    return created


def _remove_folders(created: list[Path]) -> None:
    """Remove the folders :func:`_make_folders` created, innermost first, as long as they are empty."""
    for path in reversed(created):
        try:
            path.rmdir()
        except OSError:
            return


def _umask() -> int:
    """The process umask, read without changing it (``os.umask`` sets it, racing other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


class AtomicOutput:
    """A temporary file beside ``target``, renamed onto it by :meth:`commit` (data complete), or removed.

    As a context manager it commits on a normal exit and discards on an exception.  ``inputs``
    are re-checked at commit (a path can change between the check and the end of the work).
    Writers that want a path (Parquet) use :attr:`tmp`; others use :meth:`open`.
    """

    def __init__(self, target: Path, *, inputs: Iterable[tuple[str | Path, str]] = (), flag: str = "--out"):
        self.target = Path(target)
        self.flag = flag
        self.inputs = tuple(inputs)
        self.created = _make_folders(self.target.parent, flag)  # only now that the writing starts
        try:
            fd, name = tempfile.mkstemp(dir=self.target.parent, prefix=f".{self.target.name}.", suffix=".partial")
        except BaseException:
            _remove_folders(self.created)
            raise
        os.close(fd)
        self.tmp = Path(name)
        self.done = False

    def open(self, mode: str = "w", **kwargs: Any) -> IO:
        return open(self.tmp, mode, **kwargs)  # noqa: SIM115 - the caller closes it before commit

    def commit(self) -> Path:
        if self.done:
            return self.target
        try:
            output_path(self.target, self.flag, inputs=self.inputs)  # still not special, still not an input
            os.chmod(self.tmp, 0o666 & ~_umask())
            os.replace(self.tmp, self.target)
        except BaseException:
            self.discard()
            raise
        self.done = True
        return self.target

    def discard(self) -> None:
        self.done = True
        try:
            os.unlink(self.tmp)
        except FileNotFoundError:
            pass
        _remove_folders(self.created)  # a failed write leaves no folder behind either

    def __enter__(self) -> "AtomicOutput":
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.done:
            return
        if exc_type is None:
            self.commit()
        else:
            self.discard()


def write_text(target: Path, text: str, *, inputs: Iterable[tuple[str | Path, str]] = (),
               flag: str = "--out") -> Path:
    """``text`` (UTF-8) into ``target`` through a temporary file and a rename."""
    with AtomicOutput(target, inputs=inputs, flag=flag) as out:
        with out.open("w", encoding="utf-8", newline="\n") as f:
            f.write(text)
    return target
