"""Latency of the sandboxed calculator vs a fresh `python -c`, measured in one run.

    python bench/calculator.py [--n 50] [--fresh-n 20] [--gap-ms 50] [--json]

For each snippet it reports the median and p90 wall time per call (ms) of:
  * warm sandbox, back to back: Calculator.run() called in a tight loop;
  * warm sandbox, spaced: the same with --gap-ms between calls, which is how
    an agent calls it (the worker prepares the next child between calls);
  * fresh `python -c`, unsandboxed: a new interpreter per call that imports
    sympy, the approach of spawn-per-call executors.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

SNIPPETS = {
    "solve(3*x+7-25, x)": (
        "print(sympy.solve(3*x + 7 - 25, x))",
        "import sympy; x = sympy.Symbol('x'); print(sympy.solve(3*x + 7 - 25, x))",
        "[6]",
    ),
    "sum(range(10**6))": (
        "print(sum(range(10**6)))",
        "print(sum(range(10**6)))",
        "499999500000",
    ),
}


def _stats(samples: list[float]) -> dict:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(round(0.9 * (len(ordered) - 1))))]
    return {"median_ms": round(statistics.median(ordered), 1), "p90_ms": round(p90, 1), "n": len(ordered)}


def _warm(calc, code: str, expect: str, n: int, gap_s: float) -> dict:
    samples = []
    for _ in range(n):
        if gap_s:
            time.sleep(gap_s)
        t0 = time.perf_counter()
        res = calc.run(code)
        samples.append((time.perf_counter() - t0) * 1000)
        if res.status != "ok" or res.stdout.strip() != expect:
            raise SystemExit(f"unexpected result: {res}")
    return _stats(samples)


def _fresh(code: str, expect: str, n: int) -> dict:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
        samples.append((time.perf_counter() - t0) * 1000)
        if proc.returncode != 0 or proc.stdout.strip() != expect:
            raise SystemExit(f"unexpected result: {proc.stderr}")
    return _stats(samples)


def main() -> None:
    from mathagent.tools.calculator import Calculator

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=50, help="calls per warm measurement")
    ap.add_argument("--fresh-n", type=int, default=20, help="calls per fresh-process measurement")
    ap.add_argument("--gap-ms", type=float, default=50.0, help="pause between spaced warm calls")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    args = ap.parse_args()

    t0 = time.perf_counter()
    with Calculator(workers=1, timeout_s=30.0) as calc:
        start_ms = round((time.perf_counter() - t0) * 1000, 1)
        calc.run("print(1)")  # first call after start
        report: dict = {"worker_start_ms": start_ms, "snippets": {}}
        for name, (sandboxed, fresh, expect) in SNIPPETS.items():
            report["snippets"][name] = {
                "warm_back_to_back": _warm(calc, sandboxed, expect, args.n, 0.0),
                "warm_spaced": _warm(calc, sandboxed, expect, args.n, args.gap_ms / 1000),
                "fresh_python_c": _fresh(fresh, expect, args.fresh_n),
            }
    if args.json:
        print(json.dumps(report))
        return
    print(f"worker start (import + warm sympy, self-test): {start_ms} ms")
    print(f"{'snippet':22} {'mode':28} {'median ms':>10} {'p90 ms':>8} {'n':>4}")
    for name, modes in report["snippets"].items():
        for mode, st in modes.items():
            label = {"warm_back_to_back": "warm sandbox, back to back",
                     "warm_spaced": f"warm sandbox, {args.gap_ms:g} ms apart",
                     "fresh_python_c": "fresh python -c (no sandbox)"}[mode]
            print(f"{name:22} {label:28} {st['median_ms']:>10} {st['p90_ms']:>8} {st['n']:>4}")


if __name__ == "__main__":
    main()
