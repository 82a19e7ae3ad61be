"""Writing output files: the one place every command goes through (inputs: :mod:`mathagent.files`).

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

Every problem is a :class:`~mathagent.files.FileProblem` (an :class:`~mathagent.errors.InputError`, exit code 2).
This module depends on the standard library and the kernel only.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from mathagent.files import FileProblem, kind_of


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
