"""The calculator worker: runs INSIDE bubblewrap, never in the agent's process.

Started by ``mathagent.tools.calculator`` as
``python -I -S -B /sandbox/_worker.py CONFIG_JSON`` with this file,
``framing.py`` and ``seccomp_filter.py`` bound read-only under ``/sandbox``.
Standard library, sympy and pyseccomp only.

Lifecycle:
  1. import math, fractions and sympy, warm the caches that first calls fill
     (so forked children do not pay for them), build the globals template,
     compile the seccomp filter to BPF once, ``gc.freeze()`` so children do
     not copy pages when the collector touches old objects;
  2. self-test: run a child that checks that fork and socket are refused;
     report the result in a hello frame (the client refuses to start on
     failure);
  3. keep one *spare* child forked and already locked down (setsid, fds
     closed, environment cleared, rlimits, seccomp), blocked on a pipe for
     its code.  Per request: set its RLIMIT_CPU (prlimit from outside, since
     the child itself may not), send the code, collect stdout/stderr while
     enforcing the wall deadline and the output cap with SIGKILL, answer, and
     only then fork the next spare and kill the used child, so fork,
     lock-down and teardown happen between calls, off the critical path.

The child reports "done" by writing its exit code on a status pipe (fd 4)
after flushing its output, so the answer does not wait for the kernel to
tear down a large address space; a notebook cell (``echo``) appends ``e`` and
the number of bytes its echo wrote last on stdout (:func:`_run_cell`).

Each call runs in a fresh fork of the pristine worker, so nothing a call does
(globals, monkey-patched modules, sys.modules) survives into the next one, and
each child also sets the process state it inherits (nice value, scheduling
policy, CPU affinity, every rlimit, umask, signal mask) back to the baseline the
worker recorded when it started; the seccomp filter refuses every way to change
the worker's state from a child (setpriority, sched_set*, ioprio_set, prlimit,
signals).

Threads and processes per worker are bounded (:func:`tasks_mode`): by a pids
cgroup around the whole sandbox when the client could create one, else by
RLIMIT_NPROC when the kernel enforces it for this user (not for root), else a
call may not start threads at all.

Length: the sandbox side of the calculator is one standalone file, because it is imported inside
bubblewrap as a plain module with the standard library only (no package to import helpers from).
"""

from __future__ import annotations

import ast
import collections.abc
import os
import sys
import types

PROTO_IN = 100
PROTO_OUT = 101
READ_CHUNK = 65536
EXIT_OK = 0
EXIT_ERROR = 1
PREDEFINED_SYMBOLS = ("x", "y", "z", "t", "n", "k", "m")
MAX_TASKS = 64  # processes + threads of one worker's sandbox (RLIMIT_NPROC mode; the cgroup's pids.max)
SIGPENDING = 64  # queued signals a call may hold (the count is per user, shared with the host's root)
CPU_SLACK_S = 0.1  # rusage and the kernel's RLIMIT_CPU check may differ by a tick
ECHO_MAX_BYTES = 4096  # a notebook cell's final value longer than this is not shown (no answer is that long)


def _setup_fds() -> None:
    """Move the protocol pipes out of the way; fds 0/1 become harmless."""
    os.dup2(0, PROTO_IN)
    os.dup2(1, PROTO_OUT)
    devnull = os.open("/dev/null", os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # stray prints of the worker go to its stderr, never the protocol
    os.close(devnull)


def _warm(ns: dict) -> None:
    """Run typical first calls once so their lazy imports and caches live in the parent."""
    import io
    import linecache  # noqa: F401 - imported for the children
    import traceback

    snippets = (
        "print(solve(3*x + 7 - 25, x))",
        "print(factorint(360), isprime(2**61 - 1), nsimplify(0.5))",
        "print(simplify(sin(x)**2 + cos(x)**2), expand((x + 1)**5), factor(x**2 - 1))",
        "print(integrate(x**2, (x, 0, 1)), diff(sin(x), x), limit(sin(x)/x, x, 0))",
        "print(Matrix([[1, 2], [3, 4]]).det(), N(pi, 30), Rational(3, 4) + Fraction(1, 3))",
        "print(series(exp(x), x, 0, 4), summation(k, (k, 1, n)), binomial(10, 3))",
        "print(latex(sqrt(x)), pretty(x**2), gcd(12, 18), solveset(x**2 - 4, x, S.Reals))",
    )
    sink = io.StringIO()
    saved = sys.stdout
    sys.stdout = sink
    try:
        for src in snippets:
            exec(compile(src, "<warm>", "exec"), dict(ns))  # noqa: S102 - trusted warm-up
        try:
            exec(compile("1/0", "<warm>", "exec"), dict(ns))  # noqa: S102
        except ZeroDivisionError as exc:
            traceback.format_exception(exc)
    finally:
        sys.stdout = saved


def _globals_template() -> dict:
    import builtins
    import fractions
    import math

    import sympy

    ns: dict = {}
    exec("from sympy import *", ns)  # noqa: S102 - trusted
    ns.update({
        "__name__": "__main__",
        "__builtins__": builtins,
        "sympy": sympy,
        "math": math,
        "fractions": fractions,
        "Fraction": fractions.Fraction,
    })
    for name in PREDEFINED_SYMBOLS:
        ns[name] = sympy.Symbol(name)
    return ns


class Spare:
    """A forked child, already locked down, waiting for the code of the next call."""

    def __init__(self, pid: int, pidfd: int, req_w: int, out_r: int, err_r: int, status_r: int):
        self.pid = pid
        self.pidfd = pidfd
        self.req_w = req_w
        self.out_r = out_r
        self.err_r = err_r
        self.status_r = status_r

    def dispose(self) -> None:
        """SIGKILL its process group and close our ends; reaped later by reap_zombies()."""
        import signal

        for kill in (os.killpg, os.kill):
            try:
                kill(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        _DISPOSED.add(self.pid)
        for fd in (self.pidfd, self.req_w, self.out_r, self.err_r, self.status_r):
            try:
                os.close(fd)
            except OSError:
                pass


_DISPOSED: set[int] = set()


def reap_zombies() -> None:
    """Collect disposed children without waiting (their teardown must not delay a call)."""
    for pid in list(_DISPOSED):
        try:
            done, _status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _DISPOSED.discard(pid)


def fork_spare(cfg: dict, ns: dict, sc, filt) -> Spare:
    import fcntl

    req_r, req_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    status_r, status_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        _child(cfg, ns, sc, filt, (req_r, out_w, err_w, status_w))
    for fd in (req_r, out_w, err_w, status_w):
        os.close(fd)
    for fd in (out_r, err_r, status_r):
        fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    return Spare(pid, os.pidfd_open(pid), req_w, out_r, err_r, status_r)


def _child_setup(cfg: dict, fds: tuple[int, int, int, int], sc, filt) -> None:
    """In the forked child, before any code: isolate, limit, lock down.  Raises on failure.

    fd layout afterwards: 0 /dev/null, 1 stdout pipe, 2 stderr pipe,
    3 request pipe (closed once the code is read), 4 status pipe.
    """
    import fcntl
    import io

    os.setsid()
    high = [fcntl.fcntl(fd, fcntl.F_DUPFD, 200) for fd in fds]
    req, out, err, status = high
    devnull = os.open("/dev/null", os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(out, 1)
    os.dup2(err, 2)
    os.dup2(req, 3)
    os.dup2(status, 4)
    os.closerange(5, 1 << 16)
    os.environ.clear()
    _reset_state(cfg)
    sys.modules["seccomp_filter"].lock_down(sc, filt, os.getpid())

    sys.stdin = sys.__stdin__ = io.TextIOWrapper(io.FileIO(0, "r", closefd=False), encoding="utf-8")
    for fd, name in ((1, "stdout"), (2, "stderr")):
        stream = io.TextIOWrapper(
            io.BufferedWriter(io.FileIO(fd, "w", closefd=False)),
            encoding="utf-8", errors="backslashreplace", line_buffering=True,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


BASELINE: dict = {}


def record_baseline() -> None:
    """The worker's own process state at start, which every call's child is set back to."""
    import resource

    BASELINE["nice"] = os.getpriority(os.PRIO_PROCESS, 0)
    BASELINE["affinity"] = os.sched_getaffinity(0)
    BASELINE["rlimits"] = {
        which: resource.getrlimit(which) for which in
        (getattr(resource, name) for name in dir(resource) if name.startswith("RLIMIT_"))
    }


def call_limits(cfg: dict) -> dict[int, tuple[int, int]]:
    """Every rlimit of a call: the worker's baseline, with the sandbox's own bounds on top.

    RLIMIT_CPU is set per call by the worker (prlimit) right before the code is sent.
    """
    import resource

    mem = int(cfg["memory_mb"]) * 1024 * 1024
    limits = dict(BASELINE.get("rlimits", {}))
    limits.update({
        resource.RLIMIT_AS: (mem, mem),
        resource.RLIMIT_FSIZE: (1 << 20, 1 << 20),
        resource.RLIMIT_NOFILE: (32, 32),
        resource.RLIMIT_CORE: (0, 0),
        resource.RLIMIT_MEMLOCK: (0, 0),
        resource.RLIMIT_MSGQUEUE: (0, 0),
        resource.RLIMIT_SIGPENDING: (SIGPENDING, SIGPENDING),
        resource.RLIMIT_NICE: (0, 0),
        resource.RLIMIT_RTPRIO: (0, 0),
    })
    if cfg.get("tasks_mode") == "nproc":
        limits[resource.RLIMIT_NPROC] = (MAX_TASKS, MAX_TASKS)
    return limits


def _reset_state(cfg: dict) -> None:
    """Set what a fork inherits back to the worker's baseline (and the sandbox's limits), before any code."""
    import resource
    import signal

    for action in (
        lambda: os.setpriority(os.PRIO_PROCESS, 0, BASELINE["nice"]),
        lambda: os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0)),
        lambda: os.sched_setaffinity(0, BASELINE["affinity"]),
    ):
        try:  # best effort: lowering nice needs a privilege the sandbox lacks, and nothing can raise it now
            action()
        except (OSError, KeyError):
            pass
    os.umask(0o022)
    os.chdir("/tmp")
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    for which, (soft, hard) in call_limits(cfg).items():
        if which == resource.RLIMIT_CPU:
            continue
        resource.setrlimit(which, (soft, hard))


def _child_run(code: str, ns: dict, echo: bool = False) -> tuple[int, int]:
    """Run ``code`` in ``ns``: (exit status, bytes echoed: 0 or what :func:`_run_cell` wrote last)."""
    import linecache
    import traceback

    status, echoed = EXIT_OK, 0
    try:
        linecache.cache["<calc>"] = (len(code), None, code.splitlines(True), "<calc>")
        if echo:
            echoed = _run_cell(code, ns)
        else:
            exec(compile(code, "<calc>", "exec", dont_inherit=True), ns)  # noqa: S102 - the sandboxed call
    except SystemExit as exc:
        if exc.code not in (None, 0):
            print(f"SystemExit: {exc.code}", file=sys.stderr)
            status = EXIT_ERROR
    except BaseException as exc:  # noqa: BLE001 - report everything the code raised
        tb = exc.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename == _SELF:  # drop this file's frames
            tb = tb.tb_next
        traceback.print_exception(type(exc), exc, tb)
        status = EXIT_ERROR
    return status, echoed


_SELF = _child_run.__code__.co_filename  # this file, whose frames a traceback of the user's code leaves out


def _echo_text(value: object) -> bytes | None:
    """``print(value)``'s bytes, or None when the value is no answer to show: None, ``...``, a function, class,
    module, iterator or generator, an object without its own text (``<... at 0x...>``), text longer than
    ``ECHO_MAX_BYTES``, or a value whose ``str()`` fails (echo never makes a program fail)."""
    hidden = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, types.ModuleType, type,
              collections.abc.Iterator)
    kind = type(value)
    if value is None or value is Ellipsis or isinstance(value, hidden) or (
            kind.__repr__ is object.__repr__ and kind.__str__ is object.__str__):
        return None
    try:
        data = (str(value) + "\n").encode("utf-8", "backslashreplace")
    except Exception:  # noqa: BLE001 - a broken __str__: show nothing, as the script would
        return None
    return data if len(data) <= ECHO_MAX_BYTES else None


def _run_cell(code: str, ns: dict) -> int:
    """Run ``code`` as a notebook cell: when its last top-level statement is an expression (not a bare string: a
    trailing comment in quotes), write its value to stdout last, as ``print(value)`` would (:func:`_echo_text`).
    The worker keeps that text only if the code wrote nothing else to stdout (it sees every byte of fd 1) and
    drops it otherwise, so a program that printed answers exactly what it printed.  Both parts compile before
    anything runs, so a syntax error stops the cell as it stops a script.  Returns the bytes echoed."""
    tree = compile(code, "<calc>", "exec", ast.PyCF_ONLY_AST, dont_inherit=True)  # a builtin: no extra frame
    last = tree.body[-1] if tree.body else None
    if not isinstance(last, ast.Expr) or (isinstance(last.value, ast.Constant) and isinstance(last.value.value, str)):
        exec(compile(tree, "<calc>", "exec", dont_inherit=True), ns)  # noqa: S102 - the sandboxed call
        return 0
    tree.body.pop()
    body = compile(tree, "<calc>", "exec", dont_inherit=True)
    final = compile(ast.Expression(last.value), "<calc>", "eval", dont_inherit=True)
    exec(body, ns)  # noqa: S102 - the sandboxed call
    data = _echo_text(eval(final, ns))  # noqa: S307 - sandboxed
    if data is None:
        return 0
    for stream in {id(s): s for s in (sys.stdout, sys.__stdout__) if s is not None}.values():
        try:  # what the code printed goes first: the echo must be the last bytes on fd 1
            stream.flush()
        except Exception:  # noqa: BLE001 - e.g. the code closed or detached it
            pass
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(1, view):]
    except OSError:
        return 0
    return len(data)


def _child(cfg: dict, ns: dict, sc, filt, fds: tuple[int, int, int, int]) -> None:
    """Never returns: every path ends in os._exit (threads die with it)."""
    import framing

    code_out = EXIT_ERROR
    try:
        try:
            _child_setup(cfg, fds, sc, filt)
        except BaseException as exc:  # noqa: BLE001
            os.write(2, f"sandbox setup failed: {type(exc).__name__}: {exc}\n".encode())
            os._exit(98)
        try:
            req = framing.read_frame(3, None, max_size=int(cfg["max_code_bytes"]) * 8 + 1024)
        except framing.FrameError:
            os._exit(97)  # the worker went away or disposed of us
        os.close(3)
        code_out, echoed = _child_run(req["code"], ns, req.get("echo") is True)
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except BaseException:  # noqa: BLE001 - e.g. the code closed it
                pass
        try:
            os.write(4, b"%d" % code_out + (b"e%d" % echoed if echoed else b""))
        except OSError:
            pass
    finally:
        os._exit(code_out)


def _drain(fd: int, buf: bytearray, cap: int) -> bool:
    """Read what is buffered (up to just past ``cap``) without blocking; False once at EOF."""
    for _ in range(cap // READ_CHUNK + 2):
        if len(buf) > cap:
            return True
        try:
            chunk = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return True
        except OSError:
            return False
        if not chunk:
            return False
        buf += chunk
    return True


def _collect(spare: Spare, timeout_s: float, limit: int) -> dict:
    """Read output until the child reports or exits; SIGKILL on deadline or output cap."""
    import select
    import time

    start = time.monotonic()
    deadline = start + timeout_s
    out, err, status = bytearray(), bytearray(), bytearray()
    bufs = {spare.out_r: out, spare.err_r: err, spare.status_r: status}
    open_fds = [spare.out_r, spare.err_r, spare.status_r]
    killed_for = ""
    exited = False
    while True:
        if status or exited:
            break
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            killed_for = "timeout"
            break
        watch = open_fds + [spare.pidfd]
        ready, _, _ = select.select(watch, [], [], remaining)
        for fd in ready:
            if fd == spare.pidfd:
                exited = True
            elif not _drain(fd, bufs[fd], limit):
                open_fds.remove(fd)
        if len(out) + len(err) > limit:
            killed_for = "output_limit"
            break
    # Everything the child wrote before reporting or dying is in the pipes now.
    if not killed_for:
        for fd in (spare.out_r, spare.err_r):
            _drain(fd, bufs[fd], limit)
        if len(out) + len(err) > limit:
            killed_for = "output_limit"
    wstatus, cpu_s = None, 0.0
    if exited and not status:
        try:
            _, wstatus, rusage = os.wait4(spare.pid, 0)
            cpu_s = rusage.ru_utime + rusage.ru_stime
        except ChildProcessError:
            wstatus = None
    elapsed_ms = (time.monotonic() - start) * 1000.0
    return _verdict(bytes(status), wstatus, killed_for, bytes(out), bytes(err), limit,
                    cpu_s, timeout_s, elapsed_ms)


def _verdict(reported: bytes, wstatus: int | None, killed_for: str, out: bytes, err: bytes,
             limit: int, cpu_s: float, timeout_s: float, elapsed_ms: float) -> dict:
    import math
    import signal

    detail = ""
    code = None
    if reported:
        code = EXIT_OK if reported[:1] == b"0" else EXIT_ERROR
    elif wstatus is not None and os.WIFEXITED(wstatus):
        code = os.WEXITSTATUS(wstatus)
    if killed_for == "output_limit":
        status = "output_limit"
        detail = f"output exceeded {limit} bytes"
        out = out[:limit]
        err = err[: max(0, limit - len(out))]
    elif killed_for == "timeout":
        status = "timeout"
        detail = f"wall time exceeded {timeout_s:g} s"
    elif code is None and wstatus is not None and os.WIFSIGNALED(wstatus):
        sig = os.WTERMSIG(wstatus)
        cpu_limit = math.ceil(timeout_s) + 1
        # a timeout only when the CPU limit was really reached: the code can send itself SIGXCPU or SIGKILL
        if sig in (signal.SIGXCPU, signal.SIGKILL) and cpu_s >= cpu_limit - CPU_SLACK_S:
            status = "timeout"
            detail = f"CPU time exceeded {cpu_limit} s"
        else:
            status = "signal"
            try:
                detail = signal.Signals(sig).name
            except ValueError:
                detail = f"signal {sig}"
    elif code == EXIT_OK:
        status = "ok"
    else:
        status = "error"
        lines = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
        last = lines[-1].strip() if lines else ""
        detail = last[:500] if code == EXIT_ERROR else f"exit code {code}: {last[:400]}".rstrip(": ")
    echoed = False
    if status == "ok" and reported.startswith(b"0e") and reported[2:].isdigit():
        n = int(reported[2:])  # the child's echo wrote the last n bytes of stdout
        if 0 < n <= len(out):
            echoed = n == len(out)
            out = out if echoed else out[:-n]  # the code printed: its answer is what it printed
    return {
        "status": status,
        "echoed": echoed,
        "stdout": out.decode("utf-8", "replace"),
        "stderr": err.decode("utf-8", "replace"),
        "detail": detail,
        "worker_ms": round(elapsed_ms, 3),
    }


def _send(spare: Spare, req: dict, cfg: dict) -> tuple[float, dict | None]:
    """Hand the request to the waiting spare child.  Returns (timeout, early result or None)."""
    import math
    import resource

    import framing

    code = req.get("code")
    timeout_s = float(req.get("timeout_s", cfg["timeout_s"]))
    if not isinstance(code, str):
        return timeout_s, {"status": "error", "stdout": "", "stderr": "", "detail": "request without code"}
    cpu = int(math.ceil(timeout_s)) + 1
    try:
        resource.prlimit(spare.pid, resource.RLIMIT_CPU, (cpu, cpu + 1))
        framing.write_frame(spare.req_w, {"code": code, "echo": req.get("echo") is True})
    except OSError as exc:
        # The spare died before the code reached it (e.g. its setup failed): report how.
        res = _collect(spare, 5.0, int(cfg["output_limit"]))
        res["detail"] = f"sandbox child unavailable ({exc}); {res['detail']}"
        res["status"] = "error" if res["status"] == "ok" else res["status"]
        return timeout_s, res
    return timeout_s, None


def _call(spare: Spare, req: dict, cfg: dict) -> dict:
    timeout_s, early = _send(spare, req, cfg)
    return early or _collect(spare, timeout_s, int(cfg["output_limit"]))


def _self_test(sc, filt, cfg: dict, ns: dict) -> tuple[bool, str]:
    """Prove in a child that the filter loads, refuses fork and sockets (EPERM) and a syscall it does not
    list (ENOSYS: the filter is an allow list)."""
    unlisted = sc.resolve_syscall(sc.Arch.NATIVE, "vhangup")  # in neither list; EPERM without a filter
    probe = (
        "import ctypes, errno, os, socket\n"
        "for what, fn in (('fork', os.fork), ('socket', socket.socket)):\n"
        "    try:\n"
        "        fn()\n"
        "    except PermissionError:\n"
        "        pass\n"
        "    else:\n"
        "        raise SystemExit(what + ' was allowed')\n"
        f"if {unlisted} >= 0:\n"
        "    libc = ctypes.CDLL(None, use_errno=True)\n"
        f"    if libc.syscall({unlisted}) != -1 or ctypes.get_errno() != errno.ENOSYS:\n"
        "        raise SystemExit('a syscall outside the allow list was not refused')\n"
        "print('seccomp-ok')\n"
    )
    spare = fork_spare(cfg, ns, sc, filt)
    try:
        res = _call(spare, {"code": probe, "timeout_s": 10.0}, cfg)
    finally:
        spare.dispose()
    if res["status"] == "ok" and res["stdout"].strip() == "seccomp-ok":
        return True, "allow-list filter loaded; fork, socket and unlisted syscalls refused"
    return False, (res["detail"] or res["stderr"] or res["status"])[-500:]


def tasks_mode(cfg: dict) -> str:
    """How the processes and threads of this sandbox are bounded.

    ``cgroup``: the client put the sandbox in a pids cgroup (``pids.max``), which counts every thread;
    ``nproc``: RLIMIT_NPROC, checked here by a probe, since the kernel ignores it for root (also for root
    mapped into a user namespace); ``single``: neither works, so a call may not start threads at all
    (the seccomp filter refuses ``clone`` of threads): a bound that always holds.
    """
    if cfg.get("tasks_limit") == "cgroup":
        return "cgroup"
    import resource

    pid = os.fork()
    if pid == 0:
        code = 2
        try:
            resource.setrlimit(resource.RLIMIT_NPROC, (1, 1))  # this user already has two: worker and probe
            try:
                grandchild = os.fork()
            except BlockingIOError:
                code = 0  # refused: the kernel enforces it
            else:
                if grandchild == 0:
                    os._exit(0)
                os.waitpid(grandchild, 0)
                code = 1
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    return "nproc" if os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0 else "single"


def _reap_now(spare: Spare, timeout_s: float = 5.0) -> None:
    """Dispose of ``spare`` and wait (bounded) until it is gone, so its processes and threads are freed."""
    import time

    spare.dispose()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(spare.pid, os.WNOHANG)
        except ChildProcessError:
            break
        if done:
            break
        time.sleep(0.005)
    _DISPOSED.discard(spare.pid)


def next_spare(old: Spare, cfg: dict, ns: dict, sc, filt) -> Spare:
    """Fork the next call's child, then dispose of ``old``; when the task limit is used up (the old call's
    threads still count), dispose of ``old`` first and try again."""
    try:
        spare = fork_spare(cfg, ns, sc, filt)
    except BlockingIOError:
        _reap_now(old)
        return fork_spare(cfg, ns, sc, filt)
    old.dispose()
    return spare


def main() -> None:
    import gc
    import json

    _setup_fds()
    cfg = json.loads(sys.argv[1])
    sys.path[:0] = [p for p in cfg["paths"] if p not in sys.path]
    import framing

    hello: dict = {"type": "hello", "ok": False, "pid": os.getpid()}
    try:
        record_baseline()
        cfg["tasks_mode"] = tasks_mode(cfg)
        import seccomp_filter

        sc = seccomp_filter.import_pyseccomp(cfg["libseccomp"])
        filt = seccomp_filter.PreparedFilter(
            sc, seccomp_filter.build_filter(sc, threads=cfg["tasks_mode"] != "single"))
    except Exception as exc:  # noqa: BLE001 - reported to the client, which refuses to start
        hello.update(stage="seccomp", error=f"{type(exc).__name__}: {exc}")
        framing.write_frame(PROTO_OUT, hello)
        return
    try:
        ns = _globals_template()
        _warm(ns)
        sys.set_int_max_str_digits(0)  # big results are bounded by time and output caps instead
    except Exception as exc:  # noqa: BLE001
        hello.update(stage="sympy", error=f"{type(exc).__name__}: {exc}")
        framing.write_frame(PROTO_OUT, hello)
        return
    gc.collect()
    gc.freeze()
    ok, detail = _self_test(sc, filt, cfg, ns)
    hello.update(ok=ok, stage="ready" if ok else "seccomp", error="" if ok else detail, seccomp=detail,
                 tasks=cfg["tasks_mode"])
    framing.write_frame(PROTO_OUT, hello)
    if not ok:
        return
    max_code = int(cfg["max_code_bytes"]) * 8 + 1024
    spare = fork_spare(cfg, ns, sc, filt)
    while True:
        try:
            req = framing.read_frame(PROTO_IN, None, max_size=max_code)
        except framing.FrameError:
            return  # the client went away or spoke nonsense: exit, it will restart us
        if not isinstance(req, dict):
            return
        framing.write_frame(PROTO_OUT, _call(spare, req, cfg))
        # Fork and lock down the next call's child now, between calls, off the critical path.
        spare = next_spare(spare, cfg, ns, sc, filt)
        reap_zombies()


if __name__ == "__main__":
    main()
