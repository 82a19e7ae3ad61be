"""Start-up of the agent before its first token: one part after the other vs in the background, measured in one run.

    python bench/startup.py [--repeats 3] [--model PATH.gguf] [--json]

Each figure is the median wall time (seconds) over ``--repeats`` fresh Python processes (imports are what a
process start costs, so each measurement is a new interpreter), from the process's first line to the moment
the agent could draw its first sample:

* ``sequential``: the order ``mathagent solve`` used before: import the graph (LangGraph), open the trace
  database, start the sandboxed calculator's worker, load the model; each part is also timed alone;
* ``overlapped``: what ``mathagent solve`` does now (agent/api.py): open the
  :class:`~mathagent.agent.session.AgentSession` (database, then the calculator and the model start in two
  background threads), import the graph meanwhile, wait until both started.

The trace database is a fresh SQLite file in a temporary directory.  Run it on a quiet machine: the model load
and the calculator's worker each want a core.  ``mathagent solve``'s whole wall time adds Python's and the
CLI's start and the decoding (docs/results.md).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

_SEQUENTIAL = """
import time
t0 = time.monotonic(); laps = {}
def lap(name):
    global t0
    t = time.monotonic(); laps[name] = t - t0; t0 = t
import mathagent.agent.runner
lap("import the graph")
from mathagent.traces.db import open_database
with open_database(DB_URL):
    lap("open the database")
    from mathagent.tools.calculator import Calculator
    with Calculator(workers=1, memory_mb=1536):
        lap("start the calculator")
        from mathagent.agent.backends import BackendSettings, make_llm
        from mathagent.config import cache_dir
        llm = make_llm(BackendSettings(backend="local", model=MODEL), cache_dir())
        lap("load the model")
        llm.close()
print(json.dumps(laps))
"""

_OVERLAPPED = """
import time
t0 = time.monotonic(); laps = {}
from mathagent.agent.session import AgentSession, SessionSettings
with AgentSession(SessionSettings.build(backend="local", model=MODEL, db=DB_URL)) as session:
    import mathagent.agent.runner
    session.ready()
    laps["overlapped"] = time.monotonic() - t0
print(json.dumps(laps))
"""


def _run(body: str, db_url: str, model: str | None) -> dict[str, float]:
    code = f"import json\nDB_URL = {db_url!r}\nMODEL = {model!r}\n" + body
    try:
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired:
        raise SystemExit("error: a measurement took more than 300 s (is the machine busy?)") from None
    if proc.returncode != 0:
        raise SystemExit(f"error: the measurement failed: {(proc.stderr.strip().splitlines() or ['?'])[-1]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(repeats: int, model: str | None) -> dict:
    """Median seconds per part (sequential), their sum, and the overlapped start, over ``repeats`` processes."""
    runs: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(repeats):  # alternate, so a slow spell of the machine touches both
            for mode, body in (("sequential", _SEQUENTIAL), ("overlapped", _OVERLAPPED)):
                db_url = f"sqlite:///{Path(tmp) / f'{mode}{i}.db'}"
                laps = _run(body, db_url, model)
                for name, seconds in laps.items():
                    runs.setdefault(name, []).append(seconds)
                if mode == "sequential":
                    runs.setdefault("sequential", []).append(sum(laps.values()))
    return {"repeats": repeats, "median_s": {name: round(statistics.median(v), 2) for name, v in runs.items()}}


def render(fig: dict) -> str:
    med = fig["median_s"]
    lines = [f"start-up before the first token (median of {fig['repeats']} fresh processes):"]
    for name, seconds in med.items():
        if name not in ("sequential", "overlapped"):
            lines.append(f"  {name:<22} {seconds:6.2f} s")
    lines.append(f"  {'sequential, in all':<22} {med['sequential']:6.2f} s")
    lines.append(f"  {'overlapped':<22} {med['overlapped']:6.2f} s   "
                 f"({med['overlapped'] / med['sequential']:.2f} x sequential)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3, help="fresh processes per figure (default 3)")
    ap.add_argument("--model", default=None, help="a .gguf file (default: the embedded model)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args(argv)
    if not 1 <= args.repeats <= 50:
        print("error: --repeats must be between 1 and 50", file=sys.stderr)
        return 2
    fig = measure(args.repeats, args.model)
    print(json.dumps(fig) if args.json else render(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
