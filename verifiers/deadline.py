"""Run a CPU-bound call with a wall-clock deadline, without SIGALRM.

Why threads and not ``signal.alarm``: alarms only work on the main thread of
the main interpreter, and the agent and the evaluator call the verifiers from
worker threads (and from asyncio executors).  Why not a subprocess per call:
importing SymPy costs about a second, far more than a typical comparison.

The price of threads is that Python cannot kill one: when the deadline passes
we stop *waiting* and report a timeout, and the worker finishes (or not) in the
background as a daemon thread, so it never blocks interpreter exit.  To keep
that bounded, at most ``MAX_STRAGGLERS`` abandoned workers may be alive at
once; while that many are still running, new calls are refused immediately
(reported as a timeout) instead of piling more CPU work on the machine.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Callable, Generic, TypeVar

T = TypeVar("T")

MAX_STRAGGLERS = 4

_lock = threading.Lock()
_stragglers = 0


@dataclass(frozen=True)
class Finished(Generic[T]):
    """The call returned ``value`` before the deadline."""

    value: T


@dataclass(frozen=True)
class Raised:
    """The call raised ``error`` before the deadline."""

    error: BaseException


@dataclass(frozen=True)
class TimedOut:
    """The deadline passed (or too many earlier calls are still running)."""

    refused: bool = False


Outcome = Finished | Raised | TimedOut


def stragglers() -> int:
    """How many abandoned workers are still running (for tests and diagnostics)."""
    with _lock:
        return _stragglers


def run_with_deadline(fn: Callable[[], T], timeout_s: float, *, name: str = "deadline-worker") -> Outcome:
    """Call ``fn()`` in a daemon thread and wait at most ``timeout_s`` seconds.

    Returns :class:`Finished`, :class:`Raised` or :class:`TimedOut`; it never
    raises itself.  A non-positive ``timeout_s`` times out at once.
    """
    global _stragglers
    if timeout_s <= 0:
        return TimedOut()
    with _lock:
        if _stragglers >= MAX_STRAGGLERS:
            return TimedOut(refused=True)

    done = threading.Event()
    box: list[Outcome] = []
    state = {"abandoned": False}

    def worker() -> None:
        global _stragglers
        try:
            box.append(Finished(fn()))
        except BaseException as exc:  # noqa: BLE001 - reported as data to the caller
            box.append(Raised(exc))
        finally:
            with _lock:
                done.set()
                if state["abandoned"]:
                    _stragglers -= 1

    thread = threading.Thread(target=worker, name=name, daemon=True)
    thread.start()
    done.wait(timeout_s)
    with _lock:
        # The worker sets ``done`` under the same lock after storing its
        # outcome, so either the outcome is there or the worker will see
        # ``abandoned`` and decrement the straggler count itself.
        if not done.is_set():
            state["abandoned"] = True
            _stragglers += 1
            return TimedOut()
    return box[0]
