"""A pids cgroup per sandbox worker: a hard bound on its processes *and threads*.

A thread costs the host a pid and kernel memory that RLIMIT_AS does not see, and
RLIMIT_NPROC is ignored for root (also when root is mapped into a user
namespace), so a call could start thousands of threads (small stacks fit in any
address-space limit).  Where the machine lets this process create a child of its
own pids cgroup (cgroup v1 ``pids`` hierarchy, or a cgroup v2 tree with the
``pids`` controller delegated), each worker's whole sandbox (bwrap, the worker,
its children and their threads) is placed in its own cgroup with ``pids.max``;
elsewhere :func:`TaskLimit.create` returns ``None`` and the worker falls back
to RLIMIT_NPROC or to no threads at all (``_worker.tasks_mode``).

Standard library only; nothing happens at import.
"""

from __future__ import annotations

import itertools
import os
import time
from pathlib import Path

_COUNTER = itertools.count()
RMDIR_WAIT_S = 2.0


def _mounts() -> list[tuple[str, str, str]]:
    """``(mount point, fs type, super options)`` of the cgroup file systems."""
    out = []
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            for line in f:
                left, _, right = line.partition(" - ")
                fields, rfields = left.split(), right.split()
                if len(fields) >= 5 and len(rfields) >= 3 and rfields[0] in ("cgroup", "cgroup2"):
                    out.append((fields[4].replace("\\040", " "), rfields[0], rfields[2]))
    except OSError:
        return []
    return out


def _own_paths() -> dict[str, str]:
    """This process's cgroup path per hierarchy: ``{'pids': '/x', '': '/y'}`` ('' is cgroup v2)."""
    paths: dict[str, str] = {}
    try:
        with open("/proc/self/cgroup", encoding="utf-8") as f:
            for line in f:
                parts = line.rstrip("\n").split(":", 2)
                if len(parts) == 3:
                    for controller in parts[1].split(","):
                        paths[controller] = parts[2]
    except OSError:
        pass
    return paths


def pids_parent() -> Path | None:
    """The folder under which a child pids cgroup can be created here, or None."""
    own = _own_paths()
    for mount, fstype, options in _mounts():
        if fstype == "cgroup" and "pids" in options.split(",") and "pids" in own:
            folder = Path(mount) / own["pids"].lstrip("/")
        elif fstype == "cgroup2" and "" in own:
            folder = Path(mount) / own[""].lstrip("/")
            try:
                if "pids" not in (folder / "cgroup.subtree_control").read_text().split():
                    continue  # the controller is not delegated to our children
            except OSError:
                continue
        else:
            continue
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder
    return None


def _remove_stale(parent: Path) -> None:
    """Remove the empty cgroups of owners that are gone (an owner killed with kill -9 cannot clean up)."""
    try:
        entries = list(parent.glob("mathagent-calc-*"))
    except OSError:
        return
    for path in entries[:1000]:
        try:
            owner = int(path.name.split("-")[2])
        except (IndexError, ValueError):
            continue
        if owner != os.getpid() and not os.path.exists(f"/proc/{owner}"):
            try:
                path.rmdir()  # fails while a process is still inside: then it is not stale yet
            except OSError:
                pass


class TaskLimit:
    """One pids cgroup with ``pids.max`` = ``max_tasks``; :meth:`add` moves processes in, :meth:`close` removes it."""

    def __init__(self, path: Path, max_tasks: int):
        self.path = path
        self.max_tasks = max_tasks

    @classmethod
    def create(cls, max_tasks: int) -> "TaskLimit | None":
        parent = pids_parent()
        if parent is None:
            return None
        _remove_stale(parent)
        path = parent / f"mathagent-calc-{os.getpid()}-{next(_COUNTER)}"
        try:
            path.mkdir()
        except FileExistsError:
            pass
        except OSError:
            return None
        limit = cls(path, max_tasks)
        try:
            (path / "pids.max").write_text(str(max_tasks))
        except OSError:
            limit.close()
            return None
        return limit

    def add(self, pid: int) -> None:
        """Move ``pid`` (a process, with all its threads) into the cgroup; its future children follow."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def current(self) -> int | None:
        try:
            return int((self.path / "pids.current").read_text())
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        """Remove the cgroup once its processes are gone (bounded wait; a leftover empty folder is harmless)."""
        deadline = time.monotonic() + RMDIR_WAIT_S
        while True:
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() >= deadline:
                    return
                time.sleep(0.02)
