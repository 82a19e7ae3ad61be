"""Child processes that never outlive this one: one spawner thread, the parent-death signal, a bounded stop.

Every long-lived child of mathagent starts here: the calculator's sandbox workers (``tools/calculator.py``),
the verifier workers (``verifiers/isolation.py``) and the Lean REPLs (``verifiers/lean/repl.py``).

* :func:`spawn` runs each ``subprocess.Popen`` on one long-lived daemon thread.  Linux's parent-death signal
  (``PR_SET_PDEATHSIG``, and bubblewrap's ``--die-with-parent``, which uses it) fires when the *thread* that
  forked the child exits, not the process: a child started from a short-lived thread (an eval item, a
  deadline thread) would be killed as soon as that thread ended.  Spawning from one thread that lives as
  long as the process makes "dies with its parent" mean the parent process.
* :func:`die_with_parent` is called in the child (a ``preexec_fn`` or the child's first line) to ask the
  kernel for that signal; with ``expected_parent`` it exits at once if the parent died before the request
  took effect.
* :func:`stop` kills a child (its process group where it leads one), reaps it within a bound and closes
  its pipes; it never raises.

Standard library only, and nothing here runs at import time (the spawner thread starts on first use).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any

SPAWN_TIMEOUT_S = 60.0  # a Popen that has not returned by then: the machine is stuck, not slow
STOP_WAIT_S = 5.0
PR_SET_PDEATHSIG = 1

_lock = threading.Lock()
_spawner: ThreadPoolExecutor | None = None
_spawner_pid = 0  # the process that owns _spawner: a forked child has no spawner thread and makes its own


class SpawnTimeout(OSError):
    """The spawner thread did not start the process within the timeout."""


def _executor() -> ThreadPoolExecutor:
    global _spawner, _spawner_pid
    with _lock:
        if _spawner is None or _spawner_pid != os.getpid():
            _spawner = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mathagent-spawner")
            _spawner_pid = os.getpid()
        return _spawner


def spawn(argv: list[str], *, timeout_s: float = SPAWN_TIMEOUT_S, **popen_kwargs: Any) -> subprocess.Popen:
    """``subprocess.Popen(argv, **popen_kwargs)`` started on the one spawner thread (see the module docstring).

    Raises what Popen raises (``FileNotFoundError``, ``OSError``), or :class:`SpawnTimeout` when the
    spawner has not started the process within ``timeout_s`` seconds (a process it starts later is stopped).
    """
    future: Future[subprocess.Popen] = _executor().submit(subprocess.Popen, argv, **popen_kwargs)
    try:
        return future.result(timeout=timeout_s)
    except FutureTimeout:
        future.add_done_callback(lambda f: f.exception() is None and stop(f.result()))
        raise SpawnTimeout(f"starting {argv[0]!r} took more than {timeout_s:g} s") from None


def die_with_parent(sig: int = signal.SIGKILL, expected_parent: int | None = None) -> None:
    """In the child: ask the kernel to send ``sig`` when the parent (the spawning thread) dies.

    ``expected_parent``: the parent's pid; when the child's parent is already another process (the parent died
    before this call), the child exits at once with status 1.  Best effort where ``prctl`` is missing.
    """
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if expected_parent is not None and os.getppid() != expected_parent:
        os._exit(1)


def stop(proc: subprocess.Popen, wait_s: float = STOP_WAIT_S, *, group: bool = False) -> None:
    """Kill ``proc`` (its whole process group with ``group``, for a child started with ``setsid``), wait up
    to ``wait_s`` seconds to reap it, and close its pipes.  Never raises: a process that cannot be reaped in
    time is left to the kernel (only a stuck kernel keeps a SIGKILLed process alive)."""
    if proc.poll() is None:
        try:
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        except (ProcessLookupError, PermissionError, OSError):
            try:
                proc.kill()
            except OSError:
                pass
    try:
        proc.wait(timeout=wait_s)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        try:
            if stream is not None:
                stream.close()
        except OSError:
            pass
