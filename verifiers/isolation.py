"""Run a verifier function in a killable worker process with a deadline.

Why processes: a SymPy call can run for ever inside one C-level operation
(``2^{2^{2^{100}}}`` is a single big-integer power) that holds the GIL, so a
worker *thread* past its deadline cannot be stopped and even stalls the thread
waiting for it.  A process can be killed.  Why not one process per call:
importing SymPy takes about a second.  So this module keeps a small pool of
long-lived workers (``python -m mathagent.verifiers._worker``, plain
subprocesses: unlike ``multiprocessing`` they never re-import the caller's
``__main__`` and never inherit its threads).  A worker's start-up does not count
against a call's deadline; a worker that misses its deadline is killed, and a
fresh one is started by the next call.

Each worker caps its own address space (``WORKER_MEMORY_BYTES``) so a runaway
integer cannot exhaust the machine, and dies with its parent: it is started by
:func:`mathagent.processes.spawn` (one long-lived thread, so the parent-death
signal means the parent *process* died) and asks for that signal first thing.
An idle worker is checked before reuse; one found dead is replaced and the call
tried once more.  Targets are
named ``"module:function"`` and must take and return picklable values.  If
worker processes cannot be started at all (a restricted sandbox), calls fall
back to the thread deadline of :mod:`mathagent.verifiers.deadline`.
"""

from __future__ import annotations

import atexit
import importlib
import os
import pickle
import select
import struct
import subprocess
import sys
import threading
import time
from typing import Any

from mathagent import processes
from mathagent.verifiers.deadline import Finished, Outcome, Raised, TimedOut, run_with_deadline

MAX_WORKERS = max(1, min(4, os.cpu_count() or 1))
WORKER_MEMORY_BYTES = 2 * 1024**3
POOL_WAIT_S = 60.0
STARTUP_S = 60.0


PARENT_ENV = "MATHAGENT_VERIFIER_PARENT"  # the worker exits at once if this process died before it started


def in_worker() -> bool:
    """True inside a verifier worker: a call there runs in place (workers do not start workers)."""
    return PARENT_ENV in os.environ


class WorkerError(Exception):
    """An exception raised inside a worker (or the worker's death), carried back as text."""


def _resolve(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


class _Worker:
    def __init__(self) -> None:
        env = dict(os.environ)
        env["MATHAGENT_VERIFIER_MEMORY_BYTES"] = str(WORKER_MEMORY_BYTES)
        env[PARENT_ENV] = str(os.getpid())
        self.proc = processes.spawn(
            [sys.executable, "-m", "mathagent.verifiers._worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            close_fds=True,
        )
        os.set_blocking(self.proc.stdin.fileno(), False)  # send() writes with a deadline
        ready = self.receive(STARTUP_S)
        if ready != ("ready", None):
            self.kill()
            raise WorkerError("verifier worker did not start")

    def send(self, obj: object, deadline: float) -> bool:
        """Write one frame; False when ``deadline`` (monotonic) passes first (a stuck worker)."""
        payload = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
        data = memoryview(struct.pack(">Q", len(payload)) + payload)
        fd = self.proc.stdin.fileno()
        while data:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            _, ready, _ = select.select([], [fd], [], left)
            if not ready:
                return False
            try:
                data = data[os.write(fd, data):]
            except BlockingIOError:
                continue
        return True

    def _read(self, n: int, deadline: float) -> bytes | None:
        fd = self.proc.stdout.fileno()
        chunks: list[bytes] = []
        got = 0
        while got < n:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                return None
            chunk = os.read(fd, n - got)
            if not chunk:
                raise EOFError("verifier worker closed its output")
            chunks.append(chunk)
            got += len(chunk)
        return b"".join(chunks)

    def receive(self, timeout_s: float) -> Any | None:
        """The next frame, or ``None`` when ``timeout_s`` passes first."""
        deadline = time.monotonic() + timeout_s
        header = self._read(8, deadline)
        if header is None:
            return None
        payload = self._read(struct.unpack(">Q", header)[0], deadline)
        if payload is None:
            return None
        return pickle.loads(payload)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        processes.stop(self.proc)


class _Pool:
    """At most ``MAX_WORKERS`` workers; idle ones are reused, late ones killed."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._idle: list[_Worker] = []
        self._total = 0
        self._all: set[_Worker] = set()
        self._broken = False
        self._atexit = False

    def acquire(self, wait_s: float) -> _Worker | None:
        deadline = time.monotonic() + wait_s
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._total < MAX_WORKERS:
                    self._total += 1
                    break
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                self._cond.wait(left)
        try:
            worker = _Worker()
        except Exception as exc:
            with self._cond:
                self._total -= 1
                # A worker that started but was not ready in STARTUP_S (a starved machine) is not a sandbox
                # that forbids processes: only a failed spawn sends every later call to the thread fallback.
                self._broken = self._broken or not isinstance(exc, WorkerError)
                self._cond.notify()
            raise
        with self._cond:
            self._all.add(worker)
            if not self._atexit:
                atexit.register(self.shutdown)
                self._atexit = True
        return worker

    def release(self, worker: _Worker, healthy: bool) -> None:
        if not (healthy and worker.alive()):
            worker.kill()
            healthy = False
        with self._cond:
            if healthy:
                self._idle.append(worker)
            else:
                self._total -= 1
                self._all.discard(worker)
            self._cond.notify()

    def shutdown(self) -> None:
        """Kill every worker (registered with atexit; busy ones included)."""
        with self._cond:
            workers, self._all = list(self._all), set()
            self._total -= len(self._idle)  # busy ones are counted down when released
            self._idle = []
        for worker in workers:
            worker.kill()

    @property
    def broken(self) -> bool:
        return self._broken


_pool = _Pool()


def run_isolated(target: str, args: tuple[Any, ...], timeout_s: float) -> Outcome:
    """Call ``target(*args)`` (``"module:function"``) in a worker, waiting at most ``timeout_s``.

    Returns :class:`Finished`, :class:`Raised` (with a :class:`WorkerError`) or
    :class:`TimedOut`; never raises.  A worker that times out is killed.
    Waiting for a free worker is bounded by ``POOL_WAIT_S`` and does not count
    against ``timeout_s``.
    """
    if timeout_s <= 0:
        return TimedOut()
    if _pool.broken:
        return run_with_deadline(lambda: _resolve(target)(*args), timeout_s)
    left = timeout_s
    for _ in range(2):
        try:
            worker = _pool.acquire(POOL_WAIT_S)
        except WorkerError:  # started, but not ready in time: this call times out, the next starts a fresh one
            return TimedOut()
        except Exception:  # noqa: BLE001 - no processes here: degrade to the thread deadline
            return run_with_deadline(lambda: _resolve(target)(*args), timeout_s)
        if worker is None:
            return TimedOut(refused=True)
        started = time.monotonic()  # a worker's start-up is not part of the deadline
        outcome = _call(worker, target, args, started + left)
        if outcome is not _DEAD_ON_ARRIVAL:
            return outcome
        left -= time.monotonic() - started
        # an idle worker that had died before this request reached it (killed from outside, or by the OOM
        # killer): one fresh try.
    return Raised(WorkerError("verifier workers keep dying before a request reaches them"))


_DEAD_ON_ARRIVAL = Raised(WorkerError("the verifier worker was dead before the request reached it"))


def _call(worker: _Worker, target: str, args: tuple[Any, ...], deadline: float) -> Outcome:
    """One request to ``worker``, released afterwards; ``_DEAD_ON_ARRIVAL`` when nothing could be sent."""
    healthy = False
    try:
        if not worker.alive():
            return _DEAD_ON_ARRIVAL
        try:
            sent = worker.send((target, args), deadline)
        except (BrokenPipeError, ConnectionResetError):
            return _DEAD_ON_ARRIVAL
        if not sent:
            return TimedOut()
        reply = worker.receive(max(0.0, deadline - time.monotonic()))
        if reply is None:
            return TimedOut()
        kind, value = reply
        healthy = True
        if kind == "ok":
            return Finished(value)
        return Raised(WorkerError(value))
    except (EOFError, OSError) as exc:
        # The worker died (e.g. hit its memory cap): report, replace on next call.
        return Raised(WorkerError(f"verifier worker died: {type(exc).__name__}"))
    except Exception as exc:  # noqa: BLE001 - e.g. unpicklable arguments
        return Raised(WorkerError(f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        _pool.release(worker, healthy)
