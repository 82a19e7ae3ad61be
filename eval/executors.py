"""Running work items: a thread pool in this process, or Ray actors across a cluster.

Both take the items still to do and call ``on_result`` in the calling thread
for every finished item, in completion order.  Each worker writes its own
traces (one transaction each), so the database - not the executor - is the
record of progress: an executor that dies loses only the items in flight.

Threads: the LLM backends are thread-safe (the local llama.cpp backend
serializes calls with a lock; the openai backend shares one httpx client,
which is thread-safe) and so is the calculator pool.  Worker threads are
daemons, so Ctrl-C or a crash does not wait for items in flight; their
traces are simply not written, exactly as after ``kill -9``.

Ray: ``workers`` actors, each with its own LLM client, calculator pool and
database connection, fed by the driver.  All actors write to the
one database given by ``--db``; across machines that must be a server
database (PostgreSQL), since SQLite files cannot be shared between hosts.
The driver hands items to idle actors itself and bounds each by
``item_timeout_s``: an item past it has its actor killed (threads cannot be,
which is why the thread executor relies on the per-call bounds inside the
agent) and replaced, and ``on_timeout`` records it (a ``timeout`` row).
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from mathagent.eval.items import ItemOutcome, WorkItem

from mathagent.errors import ConfigError

POLL_S = 0.2
RAY_POLL_S = 1.0
ACTOR_START_S = 600.0


class Executor(Protocol):
    def run(self, items: Sequence[WorkItem], on_result: Callable[[ItemOutcome], None]) -> None: ...


class ThreadExecutor:
    """``workers`` daemon threads pulling items from a queue.

    The first exception raised by a worker (broken infrastructure: the
    sandbox, the database) stops the pool and is re-raised in the caller;
    expected failures never raise, they come back as trace statuses.
    """

    def __init__(self, solve: Callable[[WorkItem], ItemOutcome], workers: int = 1):
        if workers < 1:
            raise ValueError("workers must be >= 1")
        self.solve = solve
        self.workers = workers

    def run(self, items: Sequence[WorkItem], on_result: Callable[[ItemOutcome], None]) -> None:
        todo: queue.Queue[WorkItem] = queue.Queue()
        for item in items:
            todo.put(item)
        results: queue.Queue[tuple[str, Any]] = queue.Queue()
        stop = threading.Event()

        def worker() -> None:
            while not stop.is_set():
                try:
                    item = todo.get_nowait()
                except queue.Empty:
                    return
                try:
                    results.put(("ok", self.solve(item)))
                except BaseException as exc:  # noqa: BLE001 - handed to the caller, which re-raises
                    results.put(("error", exc))
                    return

        threads = [threading.Thread(target=worker, name=f"eval-worker-{i}", daemon=True)
                   for i in range(min(self.workers, len(items)))]
        for t in threads:
            t.start()
        received = 0
        try:
            while received < len(items):
                try:
                    kind, value = results.get(timeout=POLL_S)
                except queue.Empty:
                    if not any(t.is_alive() for t in threads) and results.empty():
                        break  # every worker has exited; nothing more can arrive
                    continue
                if kind == "error":
                    raise value
                received += 1
                on_result(value)
        finally:
            stop.set()


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a remote worker needs to build its own solver; must pickle.

    ``llm_factory`` replaces the configured backend (tests pass a scripted
    fake); it must be importable or picklable by value on the workers.
    """

    session: Any                     # mathagent.agent.session.SessionSettings
    spec: Any                        # mathagent.eval.spec.EvalSpec
    run_id: str
    llm_factory: Callable[[], Any] | None = None


def build_solver_session(ws: WorkerSpec):
    """Open an AgentSession for a worker and return (session, ItemSolver); the caller closes the session."""
    from mathagent.agent.session import AgentSession
    from mathagent.eval.items import ItemSolver, trace_writer

    llm = ws.llm_factory() if ws.llm_factory is not None else None
    session = AgentSession(ws.session, llm=llm).__enter__()
    try:
        retriever = session.retriever(exclude_run=ws.run_id) if ws.spec.fewshot else None
        solver = ItemSolver(session.llm, session.calculator, ws.spec, ws.run_id, trace_writer(session.session_factory),
                            retriever=retriever)
    except BaseException:
        session.__exit__(None, None, None)
        raise
    return session, solver


class _EvalActor:
    """One Ray worker: its own LLM client, calculator and database connection."""

    def __init__(self, ws: WorkerSpec):
        self._session, self._solver = build_solver_session(ws)

    def ready(self) -> bool:
        return True

    def solve(self, item: WorkItem) -> ItemOutcome:
        return self._solver(item)

    def close(self) -> bool:
        self._session.__exit__(None, None, None)
        return True


def import_ray():
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("--executor ray needs Ray", "pip install ray (or use --executor thread)") from exc
    return ray


class RayExecutor:
    """Items as tasks on ``workers`` Ray actors, locally or on the cluster at ``address``."""

    def __init__(self, worker_spec: WorkerSpec, workers: int = 1, address: str | None = None,
                 init_kwargs: dict[str, Any] | None = None, item_timeout_s: float = 1800.0,
                 on_timeout: Callable[[WorkItem, float], ItemOutcome] | None = None):
        if item_timeout_s <= 0:
            raise ValueError("item_timeout_s must be positive")
        self.item_timeout_s = item_timeout_s
        self.on_timeout = on_timeout
        self.worker_spec = worker_spec
        self.workers = max(1, workers)
        self.address = address
        self.init_kwargs = dict(init_kwargs or {})

    def _init(self, ray) -> bool:
        """Connect (or start a local instance); True when this call started Ray and must shut it down."""
        if ray.is_initialized():
            return False
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                  "ignore_reinit_error": True}
        if self.address:
            kwargs["address"] = self.address
        else:
            kwargs["num_cpus"] = max(self.workers, os.cpu_count() or 1)
        kwargs.update(self.init_kwargs)
        try:
            ray.init(**kwargs)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or "a local instance"
            raise ConfigError(f"cannot start or reach Ray ({where}): {exc}",
                              "check --ray-address (e.g. ray://head:10001 or auto), or use --executor thread") from exc
        return True

    def run(self, items: Sequence[WorkItem], on_result: Callable[[ItemOutcome], None]) -> None:
        if not items:
            return
        ray = import_ray()
        started = self._init(ray)
        actor_cls = ray.remote(num_cpus=1, max_restarts=0)(_EvalActor)
        actors = [actor_cls.remote(self.worker_spec) for _ in range(min(self.workers, len(items)))]
        try:
            self._schedule(ray, actor_cls, actors, items, on_result)
            ray.get([a.close.remote() for a in actors], timeout=60)
        finally:
            for a in actors:
                ray.kill(a)
            if started:
                ray.shutdown()

    def _schedule(self, ray, actor_cls, actors: list, items: Sequence[WorkItem],
                  on_result: Callable[[ItemOutcome], None]) -> None:
        """Feed idle actors; collect results; kill and replace the actor of an item past its time.

        An item's clock starts when an actor that has finished starting takes it.
        Bounded: every pass of the loop waits at most ``RAY_POLL_S``, each item
        is retired once (result or timeout), and a start-up past
        ``ACTOR_START_S`` is an error.
        """
        pending = deque(items)
        idle: list[Any] = []
        starting = {a.ready.remote(): (a, time.monotonic()) for a in actors}  # start-up is not item time
        inflight: dict[Any, tuple[Any, WorkItem, float]] = {}
        while pending or inflight:
            if starting:
                up, _ = ray.wait(list(starting), num_returns=len(starting), timeout=0)
                for ref in up:
                    ray.get(ref)  # a worker that failed to start raises here
                    idle.append(starting.pop(ref)[0])
                for ref, (_, t0) in starting.items():
                    if time.monotonic() - t0 > ACTOR_START_S:
                        raise ConfigError(f"a Ray worker did not start in {ACTOR_START_S:.0f} s",
                                          "check the cluster's resources, or use --executor thread")
                if not idle and not inflight:
                    ray.wait(list(starting), num_returns=1, timeout=RAY_POLL_S)
                    continue
            while idle and pending:
                actor, item = idle.pop(), pending.popleft()
                inflight[actor.solve.remote(item)] = (actor, item, time.monotonic())
            if not inflight:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1, timeout=RAY_POLL_S)
            for ref in ready:
                actor, _, _ = inflight.pop(ref)
                outcome = ray.get(ref)  # an actor that died raises here: broken infrastructure
                idle.append(actor)
                on_result(outcome)
            now = time.monotonic()
            for ref, (actor, item, t0) in list(inflight.items()):
                if now - t0 < self.item_timeout_s:
                    continue
                del inflight[ref]
                ray.kill(actor)
                actors.remove(actor)
                fresh = actor_cls.remote(self.worker_spec)
                actors.append(fresh)
                starting[fresh.ready.remote()] = (fresh, time.monotonic())
                if self.on_timeout is not None:
                    on_result(self.on_timeout(item, now - t0))
