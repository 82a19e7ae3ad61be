"""Lean REPL processes do not outlive their owner (checked in the process table).

An owner process opens a pool, borrows both REPLs from short-lived threads
(the threads exit; the REPLs must not), leaves one REPL busy in a long request
(not reading stdin, so only the parent-death signal can stop it), prints the
REPL pids and is then killed with SIGKILL.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

FAKE = Path(__file__).resolve().parents[2] / "fixtures" / "lean" / "fake_repl.py"

OWNER = r"""
import json, sys, threading, time
from mathagent.verifiers.lean.pool import ReplPool
from mathagent.verifiers.lean.repl import ReplConfig

pool = ReplPool(ReplConfig(command=[sys.executable, sys.argv[1]], timeout_s=600, memory_mb=1024), size=2)
def borrow_both():
    with pool.acquire(10) as a, pool.acquire(10) as b:
        a.command("theorem t : True := trivial"); b.command("theorem u : True := trivial")
t = threading.Thread(target=borrow_both); t.start(); t.join()
pids = [r.proc.pid for r in pool._all]
def busy():
    with pool.acquire(10) as r:
        r.command("hang")
threading.Thread(target=busy, daemon=True).start()
time.sleep(0.5)
print(json.dumps(pids), flush=True)
time.sleep(600)
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    return state not in ("Z", "X")


def test_pool_processes_die_with_their_owner():
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(FAKE)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    try:
        line = owner.stdout.readline()
        pids = json.loads(line)
        assert len(pids) == 2 and all(alive(p) for p in pids)  # the borrowing thread's exit did not kill them
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait(timeout=10)
        deadline = time.monotonic() + 10
        while any(alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert [p for p in pids if alive(p)] == []
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait(timeout=10)
