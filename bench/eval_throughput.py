"""Eval throughput vs --workers against an OpenAI-compatible server, and the time spent outside model calls.

    python bench/eval_throughput.py --base-url http://127.0.0.1:8080/v1 --data gsm8k/dev.jsonl \\
        [--dataset gsm8k] [--limit 16] [--workers 1,2,4,8] [--strategy agent] [--json]
    python bench/eval_throughput.py --local-server [--server-threads 2] ...  # starts llama_cpp.server itself
    python bench/eval_throughput.py --fake-server-delay 0.2 [--limit 16]   # harness check, no model

For each worker count it runs a fresh eval run (its own SQLite database in a
temporary folder, the real sandboxed calculator) and reports problems per
minute and the fraction of wall time (from the first model call to the last
result, i.e. without the one-off start of the calculator pool) during which
*no* model call was in flight (the union of in-flight intervals is measured by wrapping the LLM):
that is the orchestration overhead - graph, sandbox, grading, database - the
target is <= 5%.

``--local-server`` starts llama-cpp-python's OpenAI-compatible server on
127.0.0.1 (a free port) with the embedded default model, waits until it
answers, and stops it at the end.  That server runs one request at a time,
so more workers can only hide the time spent outside model calls.

``--fake-server-delay S`` starts the test suite's fake OpenAI-compatible
server (tests/agent/fault_server.py answering through tests/eval/fake_brain.py)
in this process with S seconds per reply instead of a real model; without
``--data`` a synthetic GSM8K-like problem set is generated.  Numbers from the
fake server measure the harness, not a model.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SyntheticProblem:
    id: str
    question: str
    answer: str
    level: str | None = None
    subject: str | None = None


def synthetic_problems(n: int) -> list[SyntheticProblem]:
    out = []
    for i in range(n):
        a, b = 3 + 7 * i, 11 + 5 * i
        out.append(SyntheticProblem(f"syn-{i}", f"A shop sells {a} pens in the morning and {b} pens in the "
                                                f"afternoon. How many pens does it sell?", str(a + b)))
    return out


class CallClock:
    """Records [start, end] of every model call, thread-safely."""

    def __init__(self):
        self.lock = threading.Lock()
        self.intervals: list[tuple[float, float]] = []

    def busy_seconds(self, t0: float, t1: float) -> float:
        """Length of the union of the recorded intervals, clipped to [t0, t1]."""
        merged = 0.0
        cur_s = cur_e = None
        for s, e in sorted((max(s, t0), min(e, t1)) for s, e in self.intervals if e > t0 and s < t1):
            if cur_e is None or s > cur_e:
                if cur_e is not None:
                    merged += cur_e - cur_s
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
        if cur_e is not None:
            merged += cur_e - cur_s
        return merged


class TimedLLM:
    """Wraps an LLM and records when each call is in flight."""

    def __init__(self, inner, clock: CallClock):
        self.inner = inner
        self.clock = clock
        self.name = inner.name
        self.backend = inner.backend

    def complete(self, messages, params):
        start = time.perf_counter()
        try:
            return self.inner.complete(messages, params)
        finally:
            with self.clock.lock:
                self.clock.intervals.append((start, time.perf_counter()))

    def sample(self, messages, params, n, *, greedy_first=False):
        """``n`` samples (one batch where the backend batches): one interval in flight."""
        start = time.perf_counter()
        try:
            return self.inner.sample(messages, params, n, greedy_first=greedy_first)
        finally:
            with self.clock.lock:
                self.clock.intervals.append((start, time.perf_counter()))

    def close(self) -> None:
        self.inner.close()


class LocalServer:
    """llama_cpp.server with the embedded model on a free 127.0.0.1 port (bounded start, stopped on exit)."""

    START_S = 180.0

    def __init__(self, threads: int | None):
        import os

        self.threads = threads or os.cpu_count() or 1
        self.proc = None

    def start(self) -> str:
        import socket
        import subprocess

        import httpx
        from mathagent.agent.models import DEFAULT_MODEL, ensure_packaged_model
        from mathagent.config import cache_dir

        model = ensure_packaged_model(DEFAULT_MODEL, cache_dir())
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host",
                                      "127.0.0.1", "--port", str(port), "--n_threads", str(self.threads),
                                      "--n_ctx", "4096"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        url = f"http://127.0.0.1:{port}/v1"
        deadline = time.monotonic() + self.START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"llama_cpp.server exited with status {self.proc.returncode}")
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    return url
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise SystemExit(f"llama_cpp.server did not answer within {self.START_S:.0f} s")

    def stop(self) -> None:
        import subprocess

        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


def run_once(problems, workers: int, args, base_url: str, tmp: Path) -> dict:
    from mathagent.agent.backends import BackendSettings, make_llm
    from mathagent.agent.prompts import prompts_version, resolve_prompts
    from mathagent.agent.session import SessionSettings
    from mathagent.eval import runner
    from mathagent.eval.spec import EvalSpec, code_version
    from mathagent.traces.db import open_database

    clock = CallClock()
    backend = BackendSettings(backend="openai", base_url=base_url, model=args.model, timeout_s=args.llm_timeout,
                              prefill=args.prefill)
    db_url = f"sqlite:///{tmp / f'bench-w{workers}.db'}"
    session = SessionSettings(backend=backend, db_url=db_url, cache_dir=tmp / "cache")
    spec = EvalSpec(dataset=args.dataset, data_path=str(args.data or "synthetic"), dataset_sha256="bench",
                    strategies=tuple(args.strategy.split(",")), backend="openai", model=args.model,
                    prefill=args.prefill,
                    prompts_version=prompts_version(resolve_prompts()), code_version=code_version())
    execution = runner.Execution(session=session, workers=workers,
                                 llm_factory=lambda: TimedLLM(make_llm(backend, tmp / "cache"), clock))
    with open_database(db_url) as factory:
        info = runner.start_run(factory, spec)
        marks: dict[str, float] = {}
        result = runner.run_items(factory, info, spec, problems, execution,
                                  on_result=lambda o, k, n: marks.__setitem__("t1", time.perf_counter()))
    # steady state: from the first model call (the calculator pool and database are up) to the last result
    t0, t1 = min(s for s, _ in clock.intervals), marks["t1"]
    wall = t1 - t0
    busy = clock.busy_seconds(t0, t1)
    return {"workers": workers, "problems": len(problems), "items": result.ran, "wall_s": round(wall, 2),
            "problems_per_min": round(len(problems) / wall * 60, 2), "model_calls": len(clock.intervals),
            "model_busy_s": round(busy, 2), "outside_model_fraction": round(1 - busy / wall, 4) if wall else None,
            "accuracy": {s: m["accuracy"] for s, m in result.summary.items()}}


def main() -> None:
    from mathagent.agent.llm import PREFILLS

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--base-url", help="OpenAI-compatible server, e.g. http://127.0.0.1:8080/v1")
    ap.add_argument("--fake-server-delay", type=float, help="use the test suite's fake server (seconds per reply)")
    ap.add_argument("--data", type=Path, help="benchmark file [default: synthetic problems]")
    ap.add_argument("--dataset", default="gsm8k")
    ap.add_argument("--limit", type=int, default=16)
    ap.add_argument("--workers", default="1,2,4,8")
    ap.add_argument("--strategy", default="agent")
    ap.add_argument("--model", default="default")
    ap.add_argument("--llm-timeout", type=float, default=600.0)
    ap.add_argument("--prefill", choices=PREFILLS, default="none",
                    help="how the server is sent a prompt's reply start (mathagent --prefill) [default: none]")
    ap.add_argument("--local-server", action="store_true",
                    help="start llama_cpp.server with the embedded model on 127.0.0.1")
    ap.add_argument("--server-threads", type=int, default=None, help="llama.cpp threads [default: cores]")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if not args.base_url and args.fake_server_delay is None and not args.local_server:
        ap.error("give --base-url (a running server), --local-server or --fake-server-delay (the fake server)")

    if args.data:
        from mathagent.datasets import load_dataset

        problems = load_dataset(args.dataset, args.data, limit=args.limit).problems
    else:
        problems = synthetic_problems(args.limit)
    worker_counts = [int(w) for w in args.workers.split(",")]

    server = None
    base_url = args.base_url
    if args.fake_server_delay is not None:
        # the package is imported first: tests/mathagent (a folder without __init__) must not shadow it
        import mathagent  # noqa: F401

        sys.path.extend([str(REPO / "tests" / "agent"), str(REPO / "tests" / "eval"), str(REPO / "tests")])
        import fake_brain
        from fault_server import FaultServer

        server = FaultServer([], reply=fake_brain.reply, delay_s=args.fake_server_delay).__enter__()
        base_url = server.url
    local = None
    if args.local_server:
        local = LocalServer(args.server_threads)
        base_url = local.start()
    rows = []
    try:
        with tempfile.TemporaryDirectory(prefix="eval-bench-") as tmp:
            for w in worker_counts:
                rows.append(run_once(problems, w, args, base_url, Path(tmp)))
                if not args.json:
                    r = rows[-1]
                    print(f"workers={w:<3} {r['problems_per_min']:8.2f} problems/min  wall {r['wall_s']:7.2f} s  "
                          f"outside model calls {r['outside_model_fraction']:.1%}  ({r['model_calls']} calls)",
                          flush=True)
    finally:
        if server is not None:
            server.__exit__(None, None, None)
        if local is not None:
            local.stop()
    if args.json:
        where = "fake" if server else (f"llama_cpp.server (embedded model, {local.threads} threads)" if local
                                       else base_url)
        print(json.dumps({"server": where, "strategy": args.strategy, "runs": rows}))


if __name__ == "__main__":
    main()
