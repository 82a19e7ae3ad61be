"""The sandboxed Python/SymPy calculator.

Model-written code never runs in the agent's process.  A :class:`Calculator`
keeps a pool of warm workers, each a Python process inside bubblewrap with
sympy already imported (see ``sandbox.py`` for the mounts and namespaces and
``_worker.py`` for the per-call fork, rlimits and seccomp filter).  A call
takes a free worker (bounded wait), sends the code as a length-prefixed JSON
frame and reads the result frame with a deadline.  A worker that died or
stopped answering is killed and replaced.

Expected failures of the code (exceptions, timeouts, signals, too much
output) come back as a :class:`CalcResult` with a status; only a broken
sandbox raises (:class:`SandboxUnavailable`).  There is no unsandboxed
fallback: if bwrap or seccomp do not work, :meth:`Calculator.start` refuses.

Workers never outlive the owner: bwrap runs with ``--die-with-parent`` and is
started by :func:`mathagent.processes.spawn`, from one thread that lives as
long as the process (the kernel's parent-death signal fires when the *thread*
that forked exits, so a calculator started from a short-lived thread would
otherwise lose its workers), ``close()`` kills them, and an ``atexit`` hook
closes any calculator left open.

Length: the worker pool, its framing protocol and the cgroup hand-off are one client of one
process protocol; splitting them would spread the protocol's invariants over modules.
"""

from __future__ import annotations

import atexit
import os
import queue
import subprocess
import tempfile
import threading
import time
import weakref
from dataclasses import asdict, dataclass
from typing import IO, Literal

from mathagent import processes
from mathagent.tools import framing
from mathagent.tools._worker import MAX_TASKS
from mathagent.tools.cgroups import TaskLimit
from mathagent.tools.sandbox import (
    SandboxUnavailable,
    bwrap_argv,
    bwrap_prefix,
    find_bwrap,
    python_layout,
)

__all__ = ["CalcResult", "CalcStatus", "Calculator", "SandboxCheck", "SandboxUnavailable", "probe_sandbox"]

CalcStatus = Literal["ok", "error", "timeout", "signal", "output_limit"]

TASK_BOUNDS = {
    "cgroup": f"each worker's processes and threads capped at {MAX_TASKS} by a pids cgroup",
    "nproc": f"each worker's processes and threads capped at {MAX_TASKS} by RLIMIT_NPROC",
    "single": "calls may not start threads (no pids cgroup here, and RLIMIT_NPROC does not bind root)",
}
MAX_CODE_BYTES = 1 << 20
START_TIMEOUT_S = 120.0  # importing and warming sympy on a busy 2-core machine
ANSWER_GRACE_S = 5.0  # beyond the call's timeout, before a worker counts as hung
SPAWN_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class CalcResult:
    """The outcome of one call.  ``stdout``/``stderr`` are decoded with errors="replace".  ``echoed``: the last
    line of ``stdout`` is the final expression's value, printed by ``run(..., echo=True)``, not by the code."""

    status: CalcStatus
    stdout: str
    stderr: str
    ms: float
    detail: str = ""
    echoed: bool = False

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SandboxCheck:
    """One line of ``mathagent doctor``."""

    name: str
    ok: bool
    detail: str
    fix: str = ""


class _Worker:
    """One sandboxed worker process (bwrap plus the Python worker inside it), in its pids cgroup if any."""

    def __init__(self, proc: subprocess.Popen, errlog: IO[bytes], limit: TaskLimit | None = None):
        self.proc = proc
        self.errlog = errlog
        self.limit = limit
        self.sandbox_pid: int | None = None
        self.tasks = ""  # how its processes and threads are bounded: cgroup | nproc | single

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stderr_tail(self, limit: int = 2000) -> str:
        try:
            self.errlog.seek(0)
            return self.errlog.read()[-limit:].decode("utf-8", "replace").strip()
        except (OSError, ValueError):
            return ""

    def kill(self) -> None:
        processes.stop(self.proc)
        self.errlog.close()
        if self.limit is not None:
            self.limit.close()


_LIVE: "weakref.WeakSet[Calculator]" = weakref.WeakSet()
_ATEXIT_REGISTERED = False
_ATEXIT_LOCK = threading.Lock()


def _close_all() -> None:
    for calc in list(_LIVE):
        calc.close()


def _register_atexit(calc: "Calculator") -> None:
    global _ATEXIT_REGISTERED
    with _ATEXIT_LOCK:
        if not _ATEXIT_REGISTERED:
            atexit.register(_close_all)
            _ATEXIT_REGISTERED = True
        _LIVE.add(calc)


class Calculator:
    """A pool of warm sandboxed workers.  Thread-safe; use as a context manager."""

    def __init__(self, workers: int = 1, timeout_s: float = 10.0, memory_mb: int = 1536,
                 output_limit: int = 65536, python: str | None = None, bwrap: str = "bwrap"):
        if not 1 <= workers <= 64:
            raise ValueError("workers must be between 1 and 64")
        if not 0 < timeout_s <= 3600:
            raise ValueError("timeout_s must be in (0, 3600]")
        if not 64 <= memory_mb <= 1 << 20:
            raise ValueError("memory_mb must be at least 64")
        if not 1 <= output_limit <= 16 << 20:
            raise ValueError("output_limit must be between 1 byte and 16 MiB")
        self.workers = workers
        self.timeout_s = float(timeout_s)
        self.memory_mb = memory_mb
        self.output_limit = output_limit
        self.python = python
        self.bwrap = bwrap
        self._argv_parts: tuple | None = None  # (bwrap, layout, worker config)
        self._use_cgroups = True
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        self._started = False
        self._closed = False
        self.restarts = 0

    # -- lifecycle ---------------------------------------------------------

    def __enter__(self) -> "Calculator":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def prepare(self) -> None:
        """The checks that need no worker (bubblewrap on the PATH, the python and its sympy/pyseccomp), in
        milliseconds; raises :class:`SandboxUnavailable`.  :meth:`start` does them first when they were not done,
        so a caller that starts the workers in the background can fail fast here."""
        with self._lock:
            self._prepare()

    def _prepare(self) -> None:
        if self._argv_parts is not None:
            return
        config = {"timeout_s": self.timeout_s, "memory_mb": self.memory_mb,
                  "output_limit": self.output_limit, "libseccomp": "libseccomp.so.2",
                  "max_code_bytes": MAX_CODE_BYTES}
        self._argv_parts = (find_bwrap(self.bwrap), python_layout(self.python), config)

    def start(self) -> None:
        """Start all workers; raises :class:`SandboxUnavailable` if the sandbox is not sound."""
        with self._lock:
            if self._closed:
                raise RuntimeError("this Calculator is closed")
            if self._started:
                return
            self._prepare()
            _register_atexit(self)
            try:
                pending = [self._spawn() for _ in range(self.workers)]
                deadline = time.monotonic() + START_TIMEOUT_S
                for w in pending:
                    self._all.append(w)
                    self._await_hello(w, deadline)
            except BaseException:
                self._shutdown()
                raise
            for w in self._all:
                self._idle.put(w)
            self._started = True

    def close(self) -> None:
        """Kill every worker.  Idempotent; also run at interpreter exit."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            self._shutdown()

    def _shutdown(self) -> None:
        for w in self._all:
            w.kill()
        self._all.clear()
        _LIVE.discard(self)

    def worker_pids(self) -> list[int]:
        """Host pids of the bwrap processes (for tests and diagnostics)."""
        return [w.proc.pid for w in list(self._all)]

    def task_bounds(self) -> list[str]:
        """How each worker's processes and threads are bounded: ``cgroup`` (a pids cgroup), ``nproc``
        (RLIMIT_NPROC) or ``single`` (no threads at all)."""
        return [w.tasks for w in list(self._all)]

    def task_limits(self) -> list[TaskLimit | None]:
        """The pids cgroup of each worker (None where there is none); for tests and diagnostics."""
        return [w.limit for w in list(self._all)]

    # -- workers -----------------------------------------------------------

    def _spawn(self) -> _Worker:
        """Start one worker; in a pids cgroup when this machine lets us make one (see ``cgroups.py``).

        With a cgroup, bwrap is started with ``--block-fd``: its sandbox waits until both bwrap
        processes (the outer one and the sandbox's pid 1, reported on ``--info-fd``) are in the
        cgroup, so every process and thread the sandbox ever makes is counted.
        """
        limit = TaskLimit.create(MAX_TASKS) if self._use_cgroups else None
        bwrap, layout, config = self._argv_parts  # type: ignore[misc]
        errlog = tempfile.TemporaryFile()
        fds: dict[str, int] = {}
        extra: tuple[str, ...] = ()
        if limit is not None:
            fds["info_r"], fds["info_w"] = os.pipe()
            fds["block_r"], fds["block_w"] = os.pipe()
            extra = ("--info-fd", str(fds["info_w"]), "--block-fd", str(fds["block_r"]))
        argv = bwrap_argv(bwrap, layout, dict(config, tasks_limit="cgroup" if limit else None), extra)
        try:
            proc = processes.spawn(
                argv, timeout_s=SPAWN_TIMEOUT_S, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
                env={"PATH": os.defpath}, close_fds=True, pass_fds=(fds["info_w"], fds["block_r"]) if fds else ())
        except FileNotFoundError:
            errlog.close()
            _close_fds(fds.values())
            if limit is not None:
                limit.close()
            raise SandboxUnavailable(f"bubblewrap not found ({self.bwrap!r})",
                                     "apt-get install bubblewrap") from None
        except OSError as exc:
            errlog.close()
            _close_fds(fds.values())
            if limit is not None:
                limit.close()
            raise SandboxUnavailable(f"cannot start bubblewrap: {exc}", "apt-get install bubblewrap") from None
        worker = _Worker(proc, errlog, limit)
        if limit is None:
            return worker
        _close_fds((fds.pop("info_w"), fds.pop("block_r")))
        try:
            for pid in (proc.pid, _sandbox_init_pid(fds["info_r"])):
                limit.add(pid)
        except (OSError, ValueError):  # no cgroup after all: start this worker again without one
            worker.kill()
            self._use_cgroups = False
            return self._spawn()
        finally:
            try:
                os.write(fds["block_w"], b"1")  # let the sandbox go on
            except OSError:
                pass
            _close_fds(fds.values())
        return worker

    def _await_hello(self, w: _Worker, deadline: float) -> None:
        try:
            hello = framing.read_frame(w.proc.stdout.fileno(), deadline)  # type: ignore[union-attr]
        except framing.FrameError as exc:
            tail = w.stderr_tail() or str(exc)
            if exc.timeout:
                raise SandboxUnavailable(f"sandbox worker did not start in {START_TIMEOUT_S:g} s: {tail}",
                                         "check the machine's load; run `mathagent doctor`") from None
            raise SandboxUnavailable(
                f"bubblewrap could not start the sandbox: {tail}",
                "bubblewrap needs user namespaces: run as root, or enable them "
                "(sysctl kernel.unprivileged_userns_clone=1), or run the container with seccomp=unconfined",
            ) from None
        if not isinstance(hello, dict) or not hello.get("ok"):
            stage = hello.get("stage") if isinstance(hello, dict) else "?"
            error = hello.get("error") if isinstance(hello, dict) else repr(hello)
            fix = {"seccomp": "pip install pyseccomp; apt-get install libseccomp2",
                   "sympy": "pip install sympy"}.get(str(stage), "run `mathagent doctor`")
            raise SandboxUnavailable(f"sandbox self-test failed at {stage}: {error}", fix)
        w.sandbox_pid = hello.get("pid")
        w.tasks = str(hello.get("tasks") or "")

    def _replace(self, w: _Worker) -> _Worker:
        """Kill ``w`` and start a fresh worker in its place (once; raises if that fails)."""
        w.kill()
        with self._lock:
            if self._closed:
                raise RuntimeError("this Calculator is closed")
            if w in self._all:
                self._all.remove(w)
            fresh = self._spawn()
            self._all.append(fresh)
            self.restarts += 1
        self._await_hello(fresh, time.monotonic() + START_TIMEOUT_S)
        return fresh

    # -- calls -------------------------------------------------------------

    def run(self, code: str, timeout_s: float | None = None, *, echo: bool = False) -> CalcResult:
        """Run ``code`` in a fresh sandboxed child of a warm worker.  ``echo``: run it as a notebook cell:
        when the code prints nothing and ends with an expression (``12 + 6``), stdout is its value as
        ``print(value)`` would print it (``18``; ``CalcResult.echoed``), unless the value is no answer (None,
        a bare string, a function, class, module or iterator, text over 4 kB, a failing ``str()``); code that
        printed keeps exactly its own output; errors are those of the script.  docs/sandbox.md has the rules."""
        if not isinstance(code, str):
            raise TypeError("code must be a str")
        timeout = self.timeout_s if timeout_s is None else float(timeout_s)
        if not 0 < timeout <= 3600:
            raise ValueError("timeout_s must be in (0, 3600]")
        t0 = time.monotonic()
        if len(code.encode("utf-8", "surrogatepass")) > MAX_CODE_BYTES:
            return CalcResult("error", "", "", 0.0, f"code longer than {MAX_CODE_BYTES} bytes")
        if not self._started:
            self.start()
        wait = timeout + ANSWER_GRACE_S
        try:
            w = self._idle.get(timeout=wait)
        except queue.Empty:
            return CalcResult("timeout", "", "", _ms(t0), f"all {self.workers} workers stayed busy for {wait:g} s")
        try:
            if not w.alive:
                w = self._replace(w)
            result, w = self._call(w, code, timeout, t0, echo)
            return result
        finally:
            self._idle.put(w)  # a dead one is replaced by the next call that takes it

    def _call(self, w: _Worker, code: str, timeout: float, t0: float, echo: bool) -> tuple[CalcResult, _Worker]:
        deadline = time.monotonic() + timeout + ANSWER_GRACE_S
        try:
            framing.write_frame(w.proc.stdin.fileno(),  # type: ignore[union-attr]
                                {"code": code, "timeout_s": timeout, "echo": bool(echo)}, deadline)
            resp = framing.read_frame(w.proc.stdout.fileno(), deadline)  # type: ignore[union-attr]
        except (framing.FrameError, OSError) as exc:
            hung = isinstance(exc, framing.FrameError) and exc.timeout
            fresh = self._replace(w)
            if hung:
                return CalcResult("timeout", "", "", _ms(t0), "sandbox worker stopped answering; restarted it"), fresh
            return CalcResult("error", "", "", _ms(t0), f"sandbox worker died ({exc}); restarted it"), fresh
        except BaseException:
            w.kill()  # interrupted mid-call: its answer would desynchronise the protocol
            raise
        if not isinstance(resp, dict) or resp.get("status") not in ("ok", "error", "timeout", "signal", "output_limit"):
            w.kill()
            return CalcResult("error", "", "", _ms(t0), "malformed answer from the sandbox worker"), w
        result = CalcResult(resp["status"], str(resp.get("stdout", "")), str(resp.get("stderr", "")),
                            _ms(t0), str(resp.get("detail", "")), resp.get("echoed") is True)
        return result, w


def _close_fds(fds) -> None:
    for fd in fds:
        try:
            os.close(fd)
        except OSError:
            pass


def _sandbox_init_pid(info_fd: int) -> int:
    """The host pid of the sandbox's pid 1, from bwrap's ``--info-fd`` JSON (bounded wait)."""
    import json
    import select

    deadline = time.monotonic() + SPAWN_TIMEOUT_S
    data = b""
    while time.monotonic() < deadline:
        ready, _, _ = select.select([info_fd], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = os.read(info_fd, 4096)
        if not chunk:
            break
        data += chunk
        try:
            return int(json.loads(data)["child-pid"])
        except (ValueError, KeyError, TypeError):
            continue
    raise ValueError(f"bwrap reported no child pid: {data[:200]!r}")


def _ms(t0: float) -> float:
    return round((time.monotonic() - t0) * 1000.0, 3)


def probe_sandbox(bwrap: str = "bwrap", python: str | None = None) -> list[SandboxCheck]:
    """Check, by running them, that bwrap, seccomp and a calculator call work here."""
    checks: list[SandboxCheck] = []
    try:
        path = find_bwrap(bwrap)
        layout = python_layout(python)
    except SandboxUnavailable as exc:
        return [SandboxCheck("bubblewrap", False, str(exc), exc.fix)]
    try:
        proc = subprocess.run(
            bwrap_prefix(path, layout) + [layout.executable, "-I", "-S", "-c", "print('sandbox-ok')"],
            capture_output=True, text=True, timeout=60, env={"PATH": os.defpath})
        ok = proc.returncode == 0 and proc.stdout.strip() == "sandbox-ok"
        detail = f"{path} runs Python isolated" if ok else (proc.stderr.strip() or proc.stdout.strip())[-300:]
    except (OSError, subprocess.TimeoutExpired) as exc:
        ok, detail = False, str(exc)
    checks.append(SandboxCheck("bubblewrap", ok, detail, "" if ok else
                               "apt-get install bubblewrap; it needs user namespaces or root"))
    if not ok:
        return checks
    try:
        with Calculator(workers=1, timeout_s=20, python=python, bwrap=bwrap) as calc:
            checks.append(SandboxCheck("seccomp", True, "allow-list filter loads in the sandbox; fork, socket "
                                                        "and unlisted syscalls refused"))
            bound = (calc.task_bounds() or [""])[0]
            checks.append(SandboxCheck("threads", bound in TASK_BOUNDS, TASK_BOUNDS.get(bound, f"unknown: {bound}"),
                                       "" if bound != "single" else
                                       "run as a user other than root, or let this process create pids cgroups, "
                                       "to allow threads in calculator calls"))
            res = calc.run("print(sympy.factorint(360))")
    except SandboxUnavailable as exc:
        checks.append(SandboxCheck("seccomp", False, str(exc), exc.fix))
        return checks
    ok = res.status == "ok" and res.stdout.strip() == "{2: 3, 3: 2, 5: 1}"
    checks.append(SandboxCheck("calculator", ok, f"factorint(360) in {res.ms:.0f} ms" if ok else
                               f"{res.status}: {res.detail or res.stderr[-300:]}",
                               "" if ok else "run `mathagent calc 'print(1)'` for details"))
    return checks
