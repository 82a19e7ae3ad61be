"""The killable verifier worker pool."""

from __future__ import annotations

import time

from mathagent.verifiers import isolation
from mathagent.verifiers.deadline import Finished, Raised, TimedOut


def test_finished_and_raised_come_back_as_data() -> None:
    assert isolation.run_isolated("math:factorial", (5,), 30) == Finished(120)
    raised = isolation.run_isolated("math:factorial", (-1,), 30)
    assert isinstance(raised, Raised) and isinstance(raised.error, isolation.WorkerError)
    assert "ValueError" in str(raised.error)
    missing = isolation.run_isolated("no_such_module_xyz:f", (), 30)
    assert isinstance(missing, Raised) and "ModuleNotFoundError" in str(missing.error)


def test_a_runaway_call_is_killed_and_the_pool_recovers() -> None:
    isolation.run_isolated("math:factorial", (3,), 30)  # warm a worker first
    start = time.monotonic()
    # one C-level big-integer power: holds the GIL, so only killing the process stops it
    out = isolation.run_isolated("builtins:pow", (7, 10**12), 0.5)
    assert isinstance(out, TimedOut) and not out.refused
    assert time.monotonic() - start < 10.0
    assert isolation.run_isolated("math:factorial", (4,), 60) == Finished(24)


def test_non_positive_timeout_times_out_at_once() -> None:
    assert isinstance(isolation.run_isolated("math:factorial", (3,), 0), TimedOut)


def test_sending_to_a_stuck_worker_is_bounded_by_the_deadline() -> None:
    """A worker that stops reading (SIGSTOP) while a request larger than the pipe buffer is written."""
    import os
    import signal

    worker = isolation._Worker()
    try:
        os.kill(worker.proc.pid, signal.SIGSTOP)
        start = time.monotonic()
        sent = worker.send(("builtins:len", ("x" * 4_000_000,)), time.monotonic() + 0.5)
        assert sent is False and time.monotonic() - start < 5.0
    finally:
        worker.kill()
    fresh = isolation._Worker()
    try:
        assert fresh.send(("builtins:len", ("x" * 4_000_000,)), time.monotonic() + 30)
        assert fresh.receive(30) == ("ok", 4_000_000)
    finally:
        fresh.kill()


def test_an_idle_worker_that_died_is_replaced_not_reported() -> None:
    """A worker killed while idle (out of memory, a stray signal) costs the next call nothing."""
    import os
    import signal

    assert isolation.run_isolated("math:factorial", (3,), 60) == Finished(6)  # a warm, idle worker
    with isolation._pool._cond:
        idle = list(isolation._pool._idle)
    for worker in idle:
        os.kill(worker.proc.pid, signal.SIGKILL)
        worker.proc.wait(10)
    assert isolation.run_isolated("math:factorial", (5,), 60) == Finished(120)


def test_a_worker_started_from_a_short_lived_thread_outlives_the_thread() -> None:
    """Eval items and deadline threads start workers; the worker must live as long as this process, not the
    thread (the parent-death signal follows the forking thread, so every spawn goes through one long-lived one)."""
    import threading

    isolation._pool.shutdown()
    box: dict = {}
    t = threading.Thread(target=lambda: box.update(out=isolation.run_isolated("math:factorial", (6,), 60)))
    t.start()
    t.join(120)
    assert box["out"] == Finished(720)
    time.sleep(0.5)  # a parent-death signal would have been delivered by now
    with isolation._pool._cond:
        idle = list(isolation._pool._idle)
    assert idle and all(w.alive() for w in idle)
    assert isolation.run_isolated("math:factorial", (3,), 60) == Finished(6)
