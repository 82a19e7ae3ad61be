"""Trace database throughput and export memory, measured in one run.

    python bench/traces.py [--pg-url postgresql+psycopg://...] [--inserts 1000] [--counts 10000,100000]
                           [--workdir DIR] [--json]

Reports:
  * inserts/s: ``add_trace`` of agent-shaped traces (a vote over 3 derivations: 2 programs and a chain of
    thought, i.e. 4 steps with the vote, 2 calculator calls, 3 LLM calls with their prompts, 3 derivations,
    1 check), one transaction per trace as the agent and the eval workers write them; on an SQLite file and,
    with --pg-url, on PostgreSQL (a fresh schema, dropped afterwards);
  * export rows/s per format (openai-chat, sharegpt, trl, parquet) from an SQLite file of the largest count;
  * peak memory of exporting N traces, for each N in --counts: ``ru_maxrss`` of a fresh child process that
    only opens the database and runs the export (so the figure is the export's own high-water mark,
    interpreter and imports included).  It must stay flat as N grows: the export streams.
The synthetic databases for the memory runs are filled with bulk Core inserts (fast), not ``add_trace``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

FORMATS = ("openai-chat", "sharegpt", "trl", "parquet")
SYSTEM = ("You are a careful mathematician who solves problems by writing Python programs. " * 6).strip()


def problem_text(i: int) -> str:
    return (f"A farmer has {i} crates with {i % 97 + 3} apples in each crate. He sells {i % 13 + 1} crates and "
            f"gives away half of the apples in the rest. How many apples does he keep? (variant {i})")


def agent_record(i: int, run_id: str | None = None):
    from mathagent.traces.records import Check, Derivation, LLMCall, Step, ToolCall, TraceRecord

    code = f"crates = {i}\nper = {i % 97 + 3}\nleft = (crates - {i % 13 + 1}) * per\nprint(left // 2)"
    msgs = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": problem_text(i)}]
    cot = [{"role": "system", "content": "Solve the problem step by step."}, msgs[1]]
    return TraceRecord(
        problem=problem_text(i), model="bench-model", backend="local", status="answered", answer=str(i),
        verified=True, level="consensus", agent_level="consensus", confidence=0.9375, run_id=run_id,
        dataset="gsm8k", problem_id=str(i) if run_id else None, meta={"level": i % 5 + 1},
        steps=[Step(0, "pot", code, f"{i}\n", "ok", 3.0), Step(1, "pot", code, f"{i}\n", "ok", 3.0),
               Step(2, "cot", "chain of thought", f"... so \\boxed{{{i}}}", "answer", 2000.0),
               Step(3, "vote", "3 derivations", f"{i} ×3 (pot+cot) — 3 valid of 3", "settled", 0.1)],
        tool_calls=[ToolCall(0, "calculator", code, f"{i}\n", "", "ok", 3.0),
                    ToolCall(1, "calculator", code, f"{i}\n", "", "ok", 3.0)],
        llm_calls=[LLMCall(0, "pot", msgs, f"```python\n{code}\n```", 120, 40, "stop", 800.0, batch=2,
                           prompt="pot-plain@1"),
                   LLMCall(1, "pot", msgs, f"```python\n{code}\n```", 0, 40, "stop", 800.0, batch=2,
                           prompt="pot-plain@1"),
                   LLMCall(2, "cot", cot, f"... so \\boxed{{{i}}}", 120, 90, "stop", 2000.0, prompt="cot-plain@1")],
        derivations=[Derivation(0, "pot", "pot-plain@1", str(i), True, cluster=0, step_index=0),
                     Derivation(1, "pot", "pot-plain@1", str(i), True, cluster=0, step_index=1),
                     Derivation(2, "cot", "cot-plain@1", str(i), True, cluster=0, step_index=2)],
        checks=[Check("consensus", "pass", f"{i} ×3 (pot+cot); confidence 0.94")])


def bench_inserts(url: str, n: int) -> dict:
    from mathagent.traces.db import open_database, session_scope
    from mathagent.traces.store import add_trace

    with open_database(url) as f:
        recs = [agent_record(i) for i in range(n)]
        t0 = time.perf_counter()
        for rec in recs:
            with session_scope(f) as s:
                add_trace(s, rec)
        dt = time.perf_counter() - t0
    return {"traces": n, "seconds": round(dt, 2), "traces_per_s": round(n / dt, 1)}


def fill_bulk(url: str, n: int, chunk: int = 2000) -> float:
    """``n`` agent-shaped traces with Core executemany (what add_trace writes, without the ORM)."""
    from sqlalchemy import insert

    from mathagent.traces.db import make_engine, prepare_database
    from mathagent.traces.models import ROWS, Trace
    from mathagent.traces.records import as_json, problem_hash

    engine = make_engine(url)
    prepare_database(engine)
    t0 = time.perf_counter()
    with engine.begin() as conn:
        for start in range(0, n, chunk):
            traces: list[dict] = []
            parts: dict[str, list[dict]] = {name: [] for name in ROWS}
            for i in range(start, min(n, start + chunk)):
                r = agent_record(i)
                tid = uuid.uuid4().hex
                traces.append(dict(id=tid, source="eval", run_id=None, dataset=r.dataset, problem_id=None,
                                   strategy="agent", sample_index=0, problem=r.problem,
                                   problem_hash=problem_hash(r.problem), model=r.model, backend=r.backend,
                                   status=r.status, answer=r.answer, verified=r.verified, level=r.level,
                                   agent_level=r.agent_level, confidence=r.confidence, gold=None, correct=None,
                                   error=None, prompt_tokens=240, completion_tokens=170, seconds=3.0, meta=r.meta))
                for name in ROWS:
                    parts[name] += [dict(trace_id=tid, **as_json(part)) for part in getattr(r, name)]
            conn.execute(insert(Trace), traces)
            for name, row_cls in ROWS.items():
                if parts[name]:
                    conn.execute(insert(row_cls), parts[name])
    engine.dispose()
    return time.perf_counter() - t0


def export_once(url: str, fmt: str, out: Path) -> dict:
    from mathagent.datasets.export import ExportOptions, run_export

    res = run_export(url, ExportOptions(fmt=fmt, out=out))
    return {"format": fmt, "rows": res.stats.written, "seconds": round(res.seconds, 2),
            "rows_per_s": round(res.stats.written / res.seconds, 1),
            "bytes": out.stat().st_size if out.is_file() else res.output.stat().st_size}


def child_export(url: str, fmt: str, out: str) -> None:
    """Entry point of the memory child: export, then print the result with this process's peak RSS."""
    import resource

    result = export_once(url, fmt, Path(out))
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


def measure_memory(url: str, fmt: str, out: Path) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child-export", url, fmt, str(out)],
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(proc.stdout.strip().splitlines()[-1])


def baseline_rss() -> float:
    code = ("import resource, mathagent.datasets.export, sqlalchemy, pyarrow.parquet;"
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    return round(float(out.stdout.strip()), 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pg-url", default=os.environ.get("MATHAGENT_TEST_PG_URL"))
    ap.add_argument("--inserts", type=int, default=1000)
    ap.add_argument("--counts", default="10000,100000")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child-export", nargs=3, metavar=("URL", "FORMAT", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child_export:
        child_export(*args.child_export)
        return
    counts = [int(c) for c in args.counts.split(",") if c.strip()]
    work = Path(args.workdir or tempfile.mkdtemp(prefix="mathagent-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict = {"inserts": {}, "export": [], "memory": [], "baseline_rss_mb": baseline_rss()}

    report["inserts"]["sqlite"] = bench_inserts(f"sqlite:///{work / 'inserts.db'}", args.inserts)
    if args.pg_url:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "support"))
        from pg_schema import fresh_pg_schema

        with fresh_pg_schema(args.pg_url) as url:
            report["inserts"]["postgresql"] = bench_inserts(url, args.inserts)
    for n in counts:
        url = f"sqlite:///{work / f'traces_{n}.db'}"
        if not (work / f"traces_{n}.db").exists():
            report.setdefault("fill_seconds", {})[n] = round(fill_bulk(url, n), 1)
        for fmt in ("openai-chat", "parquet"):
            mem = measure_memory(url, fmt, work / f"mem_{n}_{fmt}.{'parquet' if fmt == 'parquet' else 'jsonl'}")
            report["memory"].append({"traces": n, **mem})
    biggest = f"sqlite:///{work / f'traces_{max(counts)}.db'}"
    for fmt in FORMATS:
        report["export"].append(export_once(biggest, fmt, work / f"speed_{fmt}.{'parquet' if fmt == 'parquet' else 'jsonl'}"))
    report["workdir"] = str(work)
    if args.json:
        print(json.dumps(report))
        return
    print(f"baseline RSS (imports only): {report['baseline_rss_mb']} MB")
    for backend, r in report["inserts"].items():
        print(f"insert {backend:10s}: {r['traces_per_s']:8.1f} traces/s ({r['traces']} in {r['seconds']} s)")
    for r in report["export"]:
        print(f"export {r['format']:11s}: {r['rows_per_s']:8.1f} rows/s ({r['rows']} rows, {r['bytes'] / 1e6:.1f} MB)")
    for r in report["memory"]:
        print(f"memory {r['format']:11s} {r['traces']:>7d} traces: peak RSS {r['peak_rss_mb']} MB "
              f"({r['rows_per_s']} rows/s)")


if __name__ == "__main__":
    main()
