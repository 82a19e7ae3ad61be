"""Concurrent writers on one run: no lost and no duplicated rows (SQLite and PostgreSQL).

Several threads and several processes insert traces for overlapping (run, problem, strategy, sample) keys,
as eval workers resuming the same run do; the unique constraint picks one winner per key and
``add_trace_once`` reports the losers as "already done".
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

from sqlalchemy import func, select

from mathagent.traces.db import open_database, session_scope
from mathagent.traces.models import DerivationRow, EvalRun, StepRow, ToolCallRow, Trace

sys.path.insert(0, str(Path(__file__).resolve().parent))
from concurrent_writer import KEYS, write_all  # noqa: E402

WRITER = Path(__file__).resolve().with_name("concurrent_writer.py")


def _check(url: str, total_written: int) -> None:
    with open_database(url) as f, session_scope(f) as s:
        rows = s.execute(select(Trace.problem_id, Trace.strategy)).all()
        assert sorted(rows) == sorted(KEYS)  # each key exactly once
        assert s.scalar(select(func.count()).select_from(StepRow)) == len(KEYS)  # no orphaned children
        assert s.scalar(select(func.count()).select_from(ToolCallRow)) == len(KEYS)
        assert s.scalar(select(func.count()).select_from(DerivationRow)) == len(KEYS)
    assert total_written == len(KEYS)  # every key reported written exactly once overall


def _prepare(url: str) -> None:
    with open_database(url) as f, session_scope(f) as s:
        s.add(EvalRun(id="run1", dataset="gsm8k", config={}))


def test_threads_write_overlapping_keys(db_url_any):
    _prepare(db_url_any)
    counts: list[int] = []
    lock = threading.Lock()

    def work(i: int) -> None:
        n = write_all(db_url_any, f"thread{i}", 5 * i)
        with lock:
            counts.append(n)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not any(t.is_alive() for t in threads) and len(counts) == 6
    _check(db_url_any, sum(counts))


def test_processes_write_overlapping_keys(db_url_any):
    _prepare(db_url_any)
    procs = [subprocess.Popen([sys.executable, str(WRITER), db_url_any, f"proc{i}", str(7 * i)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(3)]
    counts = []
    try:
        for p in procs:
            out, err = p.communicate(timeout=300)
            assert p.returncode == 0, err
            counts.append(int(out.strip()))
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    _check(db_url_any, sum(counts))
