"""mathagent.processes: children that never outlive this process, and a bounded stop.

Real processes throughout (sleep, sh, a Python owner killed with SIGKILL); nothing is mocked.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from mathagent import processes


def _gone(pid: int, within_s: float = 10.0) -> bool:
    """The process has exited (no /proc entry, or a zombie waiting for a reaper that is not us)."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _from_short_lived_thread(fn):
    box: dict = {}
    t = threading.Thread(target=lambda: box.update(proc=fn()))
    t.start()
    t.join(60)
    return box["proc"]


def test_a_child_spawned_from_a_short_lived_thread_outlives_the_thread():
    owner = os.getpid()
    proc = _from_short_lived_thread(lambda: processes.spawn(
        ["sleep", "30"], preexec_fn=lambda: processes.die_with_parent(expected_parent=owner)))
    try:
        time.sleep(0.5)  # a parent-death signal tied to the finished thread would have fired by now
        assert proc.poll() is None
    finally:
        processes.stop(proc)
    assert proc.returncode == -signal.SIGKILL


def test_why_one_thread_spawns_everything():
    """The kernel behaviour the module exists for: a plain Popen from a thread that then ends kills the child."""
    owner = os.getpid()
    proc = _from_short_lived_thread(lambda: subprocess.Popen(
        ["sleep", "30"], preexec_fn=lambda: processes.die_with_parent(expected_parent=owner)))
    try:
        assert proc.wait(10) == -signal.SIGKILL
    finally:
        processes.stop(proc)


def test_children_die_when_the_owner_process_is_killed(tmp_path):
    owner_script = textwrap.dedent(f"""
        import os, sys, time
        sys.path[:0] = {sys.path!r}
        from mathagent import processes
        me = os.getpid()
        kids = [processes.spawn(["sleep", "60"], preexec_fn=lambda: processes.die_with_parent(expected_parent=me))
                for _ in range(2)]
        print(" ".join(str(k.pid) for k in kids), flush=True)
        time.sleep(60)
    """)
    owner = subprocess.Popen([sys.executable, "-c", owner_script], stdout=subprocess.PIPE, text=True)
    try:
        pids = [int(p) for p in owner.stdout.readline().split()]
        assert len(pids) == 2 and all(not _gone(p, 0.2) for p in pids)
        owner.kill()  # kill -9: no atexit, no cleanup code runs
        owner.wait(10)
        assert all(_gone(p) for p in pids)
    finally:
        processes.stop(owner)


def test_stop_kills_a_whole_session_and_closes_pipes():
    proc = processes.spawn(["sh", "-c", "sleep 60 & echo $!; wait"], stdout=subprocess.PIPE, text=True,
                           start_new_session=True)
    grandchild = int(proc.stdout.readline())
    processes.stop(proc, group=True)
    assert proc.returncode == -signal.SIGKILL and proc.stdout.closed
    assert _gone(grandchild)
    processes.stop(proc)  # idempotent, never raises


def test_a_spawn_that_does_not_start_in_time_is_an_error_and_the_late_child_is_stopped():
    gate = threading.Event()
    processes._executor().submit(gate.wait, 30)  # the one spawner thread is busy
    try:
        with pytest.raises(processes.SpawnTimeout, match="took more than 0.2 s"):
            processes.spawn(["sleep", "30"], timeout_s=0.2)
    finally:
        gate.set()
    # the spawn queued behind the gate still runs; its process is stopped, not leaked
    late = processes._executor().submit(lambda: None)
    late.result(30)
    time.sleep(0.2)
    out = subprocess.run(["pgrep", "-P", str(os.getpid()), "-x", "sleep"], capture_output=True, text=True)
    assert out.stdout.strip() == ""


def test_missing_program_raises_what_popen_raises():
    with pytest.raises(FileNotFoundError):
        processes.spawn(["/nonexistent/program-xyz"])


def test_a_forked_child_gets_its_own_spawner():
    processes.spawn(["true"]).wait(10)  # this process's spawner thread exists now
    pid = os.fork()
    if pid == 0:  # the child has no spawner thread: it must make one, not wait on the parent's
        code = 1
        try:
            code = processes.spawn(["true"], timeout_s=10).wait(10)
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
