"""The sandboxed calculator: results, limits, concurrency, restarts, refusal."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from mathagent.tools import calculator as calculator_mod
from mathagent.tools.calculator import CalcResult, Calculator, SandboxUnavailable, probe_sandbox

SOLVE = "print(sympy.solve(3*x + 7 - 25, x))"


@pytest.fixture(scope="module")
def calc():
    with Calculator(workers=1, timeout_s=2.0, memory_mb=768) as c:
        yield c


def test_ok_sympy_and_predefined_names(calc):
    res = calc.run(SOLVE)
    assert res.status == "ok", res
    assert res.stdout == "[6]\n"
    assert res.stderr == ""
    assert res.detail == ""
    res = calc.run("print(factorint(360), Fraction(1, 3) + Fraction(1, 6), math.gcd(12, 18), fractions.Fraction(2, 4))")
    assert (res.status, res.stdout) == ("ok", "{2: 3, 3: 2, 5: 1} 1/2 6 1/2\n")
    res = calc.run("a, b = symbols('a b')\nprint(solve([a + b - 3, a - b - 1], [a, b]))")
    assert (res.status, res.stdout) == ("ok", "{a: 2, b: 1}\n")


def test_big_integers_print_in_full(calc):
    res = calc.run("print(len(str(2**100000)))")
    assert (res.status, res.stdout) == ("ok", "30103\n")


def test_calls_do_not_share_state(calc):
    assert calc.run("leak = 41\nimport sympy\nsympy.solve = None").status == "ok"
    res = calc.run("print('leak' in globals(), sympy.solve(x - 1, x))")
    assert (res.status, res.stdout) == ("ok", "False [1]\n")


def test_error_carries_traceback_text(calc):
    res = calc.run("def f(v):\n    return 1 / v\nf(0)")
    assert res.status == "error"
    assert res.detail == "ZeroDivisionError: division by zero"
    assert 'File "<calc>", line 3, in <module>' in res.stderr
    assert "return 1 / v" in res.stderr  # source lines of the user's code are shown
    assert "_worker" not in res.stderr  # the worker's own frames are not


def test_syntax_error_and_exit_codes(calc):
    res = calc.run("def (")
    assert res.status == "error" and res.detail.startswith("SyntaxError")
    assert calc.run("import sys; sys.exit(0)").status == "ok"
    res = calc.run("import sys; sys.exit(3)")
    assert (res.status, res.detail) == ("error", "SystemExit: 3")
    res = calc.run("import os; os._exit(5)")
    assert (res.status, res.detail) == ("error", "exit code 5")


def test_stdout_is_kept_when_the_code_fails(calc):
    res = calc.run("print('partial')\nraise ValueError('boom')")
    assert (res.status, res.stdout, res.detail) == ("error", "partial\n", "ValueError: boom")


@pytest.mark.parametrize("code, stdout, echoed", [
    ("12 + 6", "18\n", True),                                      # a final expression is shown
    ("a = 2; a * 3", "6\n", True),                                 # ... also after a semicolon
    ("factorint(360)", "{2: 3, 3: 2, 5: 1}\n", True),
    ("x**2 + 1", "x**2 + 1\n", True),                              # a sympy expression, as print shows it
    ("try:\n    v = 1 / 0\nexcept ZeroDivisionError:\n    v = 7\nv", "7\n", True),
    ("answer = 12 + 6", "", False),                                 # an assignment shows nothing
    ("print(18)", "18\n", False),                                   # print() returns None: not shown twice
    ("print('x')\nRational(1, 3)", "x\n", False),                   # the code printed: only what it printed
    ("import sys; sys.stdout.write('18\\n')\n3", "18\n", False),    # ... by any route to stdout
    ("import sys; sys.stdout.buffer.write(b'7\\n')\n3", "7\n", False),
    ("print(1), print(2)", "1\n2\n", False),
    ("import io, contextlib\nbuf = io.StringIO()\nwith contextlib.redirect_stdout(buf):\n    print(5)\n6", "6\n", True),
    ("None", "", False),
    ("...", "", False),
    ("18\n'''the answer above'''", "", False),                      # a bare string is a comment; only the last
    ("for i in range(3):\n    i", "", False),                       # statement, at the top level, is shown
    ("def f():\n    return 1\nf", "", False),                       # a function, class, module or generator is no answer
    ("Rational", "", False),
    ("sympy", "", False),
    ("(i for i in range(3))", "", False),
    ("map(int, '12')", "", False),                           # an iterator, an object without its own text
    ("object()", "", False),
    ("list(range(5000))", "", False),                        # longer than ECHO_MAX_BYTES: no answer
    ("import os\nos.write(1, b'hi\\n')\n5", "hi\n", False),  # bytes straight to fd 1 count as printed
    ("import sys, io\nsys.stdout = io.TextIOWrapper(sys.stdout.detach(), encoding='utf-8')\nprint('hi')\n5",
     "hi\n", False),                                         # the code's own stdout, flushed before the echo
    ("import sys\nsys.stdout.close()\n5", "5\n", True),
    ("class Bad:\n    def __str__(self):\n        raise ValueError('no str')\nBad()", "", False),
    ("", "", False),
])
def test_echo_runs_code_as_a_notebook_cell(calc, code, stdout, echoed):
    res = calc.run(code, echo=True)
    assert (res.status, res.stdout, res.stderr, res.echoed) == ("ok", stdout, "", echoed)


def test_without_echo_a_final_expression_prints_nothing(calc):
    assert (calc.run("12 + 6").stdout, calc.run("12 + 6", echo=False).stdout) == ("", "")
    assert not calc.run("12 + 6").echoed


@pytest.mark.parametrize("echo", [False, True])
def test_the_code_compiles_without_the_workers_future_imports(calc, echo):
    res = calc.run("def f(a: int):\n    pass\nprint(f.__annotations__)", echo=echo)
    assert (res.status, res.stdout) == ("ok", "{'a': <class 'int'>}\n")


def test_echo_keeps_errors_and_their_traceback_as_a_script_has_them(calc):
    res = calc.run("def f(v):\n    return 1 / v\nf(0)", echo=True)
    assert (res.status, res.stdout, res.detail) == ("error", "", "ZeroDivisionError: division by zero")
    assert 'File "<calc>", line 3, in <module>' in res.stderr and "return 1 / v" in res.stderr
    assert "_worker" not in res.stderr and not res.echoed
    res = calc.run("print('partial')\nundefined_name", echo=True)
    assert (res.status, res.stdout, res.detail) == ("error", "partial\n",
                                                    "NameError: name 'undefined_name' is not defined")
    for code in ("def (", "print('ran')\nyield 5"):  # nothing runs when any part fails to compile
        res = calc.run(code, echo=True)
        assert (res.status, res.stdout) == ("error", "") and res.detail.startswith("SyntaxError")
        assert "_worker" not in res.stderr


def test_timeout(calc):
    t0 = time.monotonic()
    res = calc.run("while True:\n    pass", timeout_s=1.0)
    assert res.status == "timeout"
    assert res.detail == "wall time exceeded 1 s"
    assert 900 <= res.ms < 4000
    assert time.monotonic() - t0 < 4.0
    assert calc.run(SOLVE).stdout == "[6]\n"


def test_output_limit():
    with Calculator(timeout_s=2.0, output_limit=1000) as small:
        res = small.run("print('a' * 5000)")
        assert res.status == "output_limit"
        assert res.detail == "output exceeded 1000 bytes"
        assert res.stdout == "a" * 1000
        res = small.run("print('b' * 900)")
        assert (res.status, res.stdout) == ("ok", "b" * 900 + "\n")


def test_signal(calc):
    res = calc.run("import ctypes\nctypes.string_at(0)")
    assert (res.status, res.detail) == ("signal", "SIGSEGV")
    res = calc.run("import os\nos.abort()")
    assert (res.status, res.detail) == ("signal", "SIGABRT")


def test_unicode_nul_and_invalid_bytes(calc):
    res = calc.run("print('\\x00é😀∫')")
    assert (res.status, res.stdout) == ("ok", "\x00é😀∫\n")
    res = calc.run("import sys\nsys.stdout.buffer.write(b'ok\\xff\\x00')\nprint('\\ud800')")
    assert res.status == "ok"
    assert res.stdout == "ok\ufffd\x00\\ud800\n"
    res = calc.run("import sys\nsys.stderr.write('\\x00warn')")
    assert (res.status, res.stderr) == ("ok", "\x00warn")


def test_pretty_printing_is_utf8(calc):
    res = calc.run("pprint(sqrt(x) / 2, use_unicode=True)")
    assert res.status == "ok"
    assert "√" in res.stdout


def test_result_to_dict(calc):
    d = calc.run("print(1)").to_dict()
    assert set(d) == {"status", "stdout", "stderr", "ms", "detail", "echoed"}
    assert d["status"] == "ok" and d["stdout"] == "1\n" and d["ms"] > 0
    assert CalcResult("ok", "", "", 1.0).to_dict()["detail"] == ""


def test_concurrent_calls_from_threads():
    with Calculator(workers=2, timeout_s=5.0) as pool:
        results: dict[int, CalcResult] = {}

        def call(i: int) -> None:
            results[i] = pool.run(f"import time\ntime.sleep(0.3)\nprint(factorint({i * 6}))")

        threads = [threading.Thread(target=call, args=(i,)) for i in range(1, 7)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - t0
        assert sorted(results) == [1, 2, 3, 4, 5, 6]
        for i, res in results.items():
            assert res.status == "ok", res
            assert res.stdout.strip() == str(dict(sorted(_factor(i * 6).items())))
        assert elapsed < 6 * 0.3 + 1.5  # two workers really ran in parallel (serial would be >= 1.8 s)
        assert pool.restarts == 0


def _factor(n: int) -> dict[int, int]:
    out: dict[int, int] = {}
    p = 2
    while n > 1:
        while n % p == 0:
            out[p] = out.get(p, 0) + 1
            n //= p
        p += 1
    return out


def test_worker_restart_after_crash():
    with Calculator(timeout_s=2.0) as c:
        assert c.run("print(1)").stdout == "1\n"
        (pid,) = c.worker_pids()
        os.kill(pid, signal.SIGKILL)  # bwrap dies; --die-with-parent takes the worker with it
        time.sleep(0.2)
        res = c.run(SOLVE)
        assert (res.status, res.stdout) == ("ok", "[6]\n")
        assert c.restarts == 1
        assert c.worker_pids() != [pid]


def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:  # a call's child may exit (and be reaped) while we look
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(p) for p in (task / "children").read_text().split()]
    except FileNotFoundError:
        pass
    return out


def test_worker_that_stops_answering_is_replaced(monkeypatch):
    monkeypatch.setattr(calculator_mod, "ANSWER_GRACE_S", 0.5)
    with Calculator(timeout_s=1.0) as c:
        assert c.run("print(1)").status == "ok"
        (bwrap_pid,) = c.worker_pids()
        # bwrap -> its init (pid 1 inside) -> the Python worker: freeze every descendant.
        frontier, stopped = [bwrap_pid], []
        for _ in range(4):
            frontier = [k for p in frontier for k in _children(p)]
            stopped += frontier
        assert stopped, "no sandbox processes found under bwrap"
        frozen = 0
        for p in stopped:
            try:  # a transient helper process may have exited since we listed it
                os.kill(p, signal.SIGSTOP)
                frozen += 1
            except ProcessLookupError:
                continue
        assert frozen, "every sandbox process exited before it could be frozen"
        res = c.run("print(2)", timeout_s=0.5)
        assert res.status == "timeout"
        assert "stopped answering" in res.detail
        res = c.run(SOLVE)
        assert (res.status, res.stdout) == ("ok", "[6]\n")
        assert c.restarts == 1


def test_refuses_when_bwrap_is_missing():
    c = Calculator(bwrap="/nonexistent/bwrap")
    with pytest.raises(SandboxUnavailable) as info:
        c.start()
    assert "bubblewrap" in info.value.fix
    c.close()


def test_prepare_checks_what_needs_no_worker_and_starts_nothing():
    c = Calculator(bwrap="/nonexistent/bwrap")
    with pytest.raises(SandboxUnavailable, match="bubblewrap not found"):
        c.prepare()
    assert c.worker_pids() == []
    c.close()
    ok = Calculator()
    ok.prepare()
    assert ok.worker_pids() == []  # checked, nothing started
    with ok:  # then started as usual
        assert ok.worker_pids()
        assert ok.run("print(2 ** 10)").stdout == "1024\n"


def test_refuses_when_bwrap_fails():
    # A "bwrap" that exits at once stands for one that cannot create namespaces.
    with pytest.raises(SandboxUnavailable) as info:
        Calculator(bwrap="/bin/false").start()
    assert "could not start the sandbox" in str(info.value)
    assert info.value.fix


def test_refuses_when_seccomp_cannot_load(monkeypatch):
    real = calculator_mod.bwrap_argv

    def broken_libseccomp(bwrap, layout, config, extra=()):
        return real(bwrap, layout, dict(config, libseccomp="libseccomp-missing.so.9"), extra)

    monkeypatch.setattr(calculator_mod, "bwrap_argv", broken_libseccomp)
    with pytest.raises(SandboxUnavailable) as info:
        Calculator().start()
    assert "seccomp" in str(info.value)
    assert "pyseccomp" in info.value.fix


def test_run_after_close_refuses():
    c = Calculator()
    c.close()
    with pytest.raises(RuntimeError):
        c.run("print(1)")


def test_invalid_arguments():
    with pytest.raises(ValueError):
        Calculator(workers=0)
    with pytest.raises(ValueError):
        Calculator(timeout_s=0)
    with pytest.raises(TypeError):
        Calculator().run(b"print(1)")  # type: ignore[arg-type]


def test_oversized_code_is_an_error_result(calc):
    res = calc.run("#" * (calculator_mod.MAX_CODE_BYTES + 1))
    assert res.status == "error" and "longer than" in res.detail


def test_workers_die_with_close():
    c = Calculator()
    c.start()
    pids = c.worker_pids()
    c.close()
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_workers_die_with_their_owner_process(tmp_path):
    """A SIGKILLed owner (no close(), no atexit) still takes its sandboxes along."""
    import subprocess

    script = (
        "import os, sys, time\n"
        "from mathagent.tools.calculator import Calculator\n"
        "c = Calculator(); c.start()\n"
        "print(c.worker_pids()[0], flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        bwrap_pid = int(owner.stdout.readline())
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(10)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and Path(f"/proc/{bwrap_pid}").exists():
            if "zombie" in Path(f"/proc/{bwrap_pid}/status").read_text().lower():
                break  # dead, waiting for init to reap it
            time.sleep(0.05)
        alive = Path(f"/proc/{bwrap_pid}").exists() and "zombie" not in Path(f"/proc/{bwrap_pid}/status").read_text().lower()
        assert not alive
    finally:
        owner.kill()
        owner.wait(10)


def test_python_layout_of_another_interpreter_path():
    from mathagent.tools.sandbox import python_layout

    here = python_layout(None)
    other = Path(sys.executable).with_name("python3")
    if not other.exists() or str(other) == sys.executable:
        pytest.skip("no second path to this interpreter to compare with")
    there = python_layout(str(other))  # asks the interpreter itself, in a subprocess
    assert (there.executable, there.prefix, there.package_dirs) == (here.executable, here.prefix, here.package_dirs)
    with pytest.raises(SandboxUnavailable):
        python_layout("/nonexistent/python3")


def test_probe_sandbox_reports_every_layer():
    checks = probe_sandbox()
    assert [c.name for c in checks] == ["bubblewrap", "seccomp", "threads", "calculator"]
    assert all(c.ok for c in checks), checks
    missing = probe_sandbox(bwrap="/nonexistent/bwrap")
    assert len(missing) == 1 and not missing[0].ok and "bubblewrap" in missing[0].fix


# -- issue 16: threads bounded, state reset, statuses that say what happened ---------------------------------

THREAD_BOMB = (
    "import threading\n"
    "threading.stack_size(65536)\n"
    "stop = threading.Event()\n"
    "n = 0\n"
    "try:\n"
    "    while n < 5000:\n"
    "        threading.Thread(target=stop.wait, daemon=True).start()\n"
    "        n += 1\n"
    "except RuntimeError:\n"
    "    pass\n"
    "stop.set()\n"
    "print(n)\n"
)


def test_workers_live_in_a_pids_cgroup_when_the_machine_allows_it():
    from mathagent.tools._worker import MAX_TASKS
    from mathagent.tools.cgroups import TaskLimit

    probe = TaskLimit.create(4)
    if probe is None:
        pytest.skip("no writable pids cgroup here (the workers use RLIMIT_NPROC or no threads instead)")
    probe.close()
    with Calculator(workers=1, timeout_s=10) as calc:
        assert calc.task_bounds() == ["cgroup"]
        limit = calc.task_limits()[0]
        assert (limit.path / "pids.max").read_text().strip() == str(MAX_TASKS)
        assert str(calc.worker_pids()[0]) in (limit.path / "cgroup.procs").read_text().split()
        res = calc.run(THREAD_BOMB)
        assert res.status == "ok" and 0 < int(res.stdout) < MAX_TASKS
        assert calc.run("print(1)").stdout == "1\n" and calc.restarts == 0
    assert not limit.path.exists()


def test_without_a_pids_cgroup_threads_are_still_bounded(monkeypatch):
    from mathagent.tools._worker import MAX_TASKS

    monkeypatch.setattr(calculator_mod.TaskLimit, "create", classmethod(lambda cls, n: None))
    with Calculator(workers=1, timeout_s=10) as calc:
        bound = calc.task_bounds()[0]
        assert bound == ("single" if os.geteuid() == 0 else "nproc")
        res = calc.run(THREAD_BOMB)
        assert res.status == "ok"
        assert int(res.stdout) == 0 if bound == "single" else int(res.stdout) < MAX_TASKS
        assert calc.run("print(sympy.factorint(360))").stdout == "{2: 3, 3: 2, 5: 1}\n"


@pytest.mark.parametrize("sig,cpu_s,expected", [
    ("SIGXCPU", 0.01, ("signal", "SIGXCPU")),  # sent by the code itself
    ("SIGKILL", 0.2, ("signal", "SIGKILL")),
    ("SIGXCPU", 3.0, ("timeout", "CPU time exceeded 3 s")),  # the kernel: the soft limit was reached
    ("SIGKILL", 3.95, ("timeout", "CPU time exceeded 3 s")),  # the hard limit (soft + 1 s)
    ("SIGSEGV", 5.0, ("signal", "SIGSEGV")),
], ids=["self-sigxcpu", "self-sigkill", "cpu-soft-limit", "cpu-hard-limit", "segv"])
def test_a_timeout_is_reported_only_when_a_limit_was_reached(sig, cpu_s, expected):
    import signal

    from mathagent.tools._worker import _verdict

    wstatus = getattr(signal, sig)  # the wait status of a process killed by that signal
    res = _verdict(b"", wstatus, "", b"42\n", b"", 65536, cpu_s, 2.0, 10.0)
    assert (res["status"], res["detail"]) == expected
    assert res["stdout"] == "42\n"


def test_each_call_gets_the_sandbox_limits_on_top_of_the_worker_baseline():
    import resource

    from mathagent.tools import _worker

    _worker.BASELINE.clear()
    _worker.record_baseline()
    limits = _worker.call_limits({"memory_mb": 256, "tasks_mode": "nproc"})
    assert limits[resource.RLIMIT_AS] == (256 << 20, 256 << 20)
    assert limits[resource.RLIMIT_NPROC] == (_worker.MAX_TASKS, _worker.MAX_TASKS)
    assert limits[resource.RLIMIT_MEMLOCK] == (0, 0) and limits[resource.RLIMIT_SIGPENDING][0] <= 64
    assert limits[resource.RLIMIT_STACK] == resource.getrlimit(resource.RLIMIT_STACK)
    assert {getattr(resource, n) for n in dir(resource) if n.startswith("RLIMIT_")} <= set(limits)


def test_the_filter_is_an_allow_list():
    from mathagent.tools import seccomp_filter as sf

    assert not set(sf.ALLOW) & set(sf.DENY)
    assert "fchmodat2" not in sf.ALLOW and "clone3" not in sf.ALLOW and "io_setup" in sf.DENY
    sc = sf.import_pyseccomp()
    f = sf.build_filter(sc)
    import errno

    # the default action (what an unlisted syscall gets) is ENOSYS, never ALLOW
    assert f.get_attr(sc.Attr.ACT_DEFAULT) == sc.ERRNO(errno.ENOSYS)
