"""Building the bubblewrap command line for the calculator worker.

The sandbox sees only what is bound into it, read-only: ``/usr`` (with the
usual ``/lib``, ``/lib64``, ``/bin`` symlinks of a merged-/usr system), the
Python installation (``sys.base_prefix``, which here lives under root's
mode-700 home), the directories that hold sympy, mpmath and pyseccomp, and
the three worker files under ``/sandbox``.  There is no ``/proc``, no
``/etc``, no home, no project checkout; ``/dev`` is bwrap's minimal one and
``/tmp`` a 16 MiB tmpfs.  All namespaces are unshared (no network at all),
capabilities are dropped, the environment is cleared (API keys never
enter), and ``--die-with-parent`` ties the sandbox's life to its spawner.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

WORKER_FILES = ("_worker.py", "framing.py", "seccomp_filter.py")
SANDBOX_DIR = "/sandbox"
TMP_BYTES = 16 * 1024 * 1024
PACKAGES = ("sympy", "mpmath", "pyseccomp")
MERGED_USR_LINKS = (("usr/lib", "/lib"), ("usr/lib64", "/lib64"), ("usr/bin", "/bin"), ("usr/sbin", "/sbin"))


class SandboxUnavailable(RuntimeError):
    """The sandbox cannot be set up; the calculator refuses to run unsandboxed."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


@dataclass(frozen=True)
class PythonLayout:
    """Where an interpreter and the packages the worker needs live on the host."""

    executable: str  # real path of the interpreter binary
    prefix: str  # its installation (stdlib), i.e. sys.base_prefix
    package_dirs: tuple[str, ...]  # directories to put on sys.path (site-packages)


def _locate(packages: tuple[str, ...]) -> dict:
    """Runs in the target interpreter (in-process or via ``python -c``): no imports of the packages."""
    import importlib.util
    import os
    import sys

    dirs = []
    for name in packages:
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            raise SystemExit("missing package: " + name)
        origin = os.path.realpath(spec.origin)
        if spec.submodule_search_locations:  # a package: .../site-packages/sympy/__init__.py
            origin = os.path.dirname(origin)
        parent = os.path.dirname(origin)
        if parent not in dirs:
            dirs.append(parent)
    return {"executable": os.path.realpath(sys.executable),
            "prefix": os.path.realpath(sys.base_prefix), "dirs": dirs}


def python_layout(python: str | None) -> PythonLayout:
    """Where ``python`` (default: this interpreter) and its sympy/mpmath/pyseccomp live."""
    # Compare unresolved paths: a venv's python is a symlink to the base interpreter
    # but has other site-packages.
    if python is None or os.path.abspath(python) == os.path.abspath(sys.executable or ""):
        try:
            data = _locate(PACKAGES)
        except SystemExit as exc:
            raise SandboxUnavailable(f"the calculator needs {exc}", "pip install sympy pyseccomp") from None
    else:
        data = _external_layout(python)
    return PythonLayout(data["executable"], data["prefix"], tuple(data["dirs"]))


def _external_layout(python: str) -> dict:
    import inspect

    src = inspect.getsource(_locate) + f"\nimport json\nprint(json.dumps(_locate({PACKAGES!r})))\n"
    try:
        proc = subprocess.run([python, "-I", "-c", src], capture_output=True, text=True,
                              timeout=60, env={"PATH": os.defpath})
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"cannot run {python}: {exc}", "pass a working python=") from None
    if proc.returncode != 0:
        msg = ((proc.stderr.strip() or proc.stdout.strip()).splitlines() or ["failed"])[-1]
        raise SandboxUnavailable(f"{python} cannot serve the calculator: {msg}",
                                 f"{python} -m pip install sympy pyseccomp")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _covered(path: str, binds: list[str]) -> bool:
    return any(path == b or path.startswith(b.rstrip("/") + "/") for b in binds)


def bwrap_prefix(bwrap: str, layout: PythonLayout) -> list[str]:
    """bwrap and its options, up to and including ``--``; the command follows."""
    argv = [
        bwrap,
        "--unshare-all", "--unshare-user", "--disable-userns",
        "--die-with-parent", "--new-session", "--cap-drop", "ALL", "--clearenv",
        "--ro-bind", "/usr", "/usr",
    ]
    for target, link in MERGED_USR_LINKS:
        if os.path.islink(link):
            argv += ["--symlink", target, link]
        elif os.path.isdir(link):
            argv += ["--ro-bind", link, link]
    argv += ["--dev", "/dev", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
    binds = ["/usr"]
    for path in (layout.prefix, os.path.dirname(layout.executable), *layout.package_dirs):
        if not _covered(path, binds):
            argv += ["--ro-bind", path, path]
            binds.append(path)
    here = Path(__file__).resolve().parent
    for name in WORKER_FILES:
        argv += ["--ro-bind", str(here / name), f"{SANDBOX_DIR}/{name}"]
    return argv + ["--chdir", "/tmp", "--"]


def bwrap_argv(bwrap: str, layout: PythonLayout, worker_config: dict, extra: tuple[str, ...] = ()) -> list[str]:
    """The full argv: bwrap options (``extra`` first, e.g. ``--info-fd``/``--block-fd``), then the worker
    started in isolated mode."""
    config = dict(worker_config, paths=[SANDBOX_DIR, *layout.package_dirs])
    prefix = bwrap_prefix(bwrap, layout)
    return prefix[:1] + list(extra) + prefix[1:] + [
        layout.executable, "-I", "-S", "-B", f"{SANDBOX_DIR}/_worker.py", json.dumps(config)]


def find_bwrap(bwrap: str) -> str:
    path = shutil.which(bwrap)
    if path is None:
        raise SandboxUnavailable(f"bubblewrap not found ({bwrap!r})", "apt-get install bubblewrap")
    return path
