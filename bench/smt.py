"""SMT backend over miniF2F: verdict counts, their stability over repeated runs, timings.

    python bench/smt.py [--data PATH] [--timeout 5] [--rlimit N] [--runs 3] [--limit N]
                        [--json | --markdown | --update-docs docs/formal.md] [--verdicts OUT.json]

PATH is a miniF2F folder of .lean files or a JSONL with name/formal_statement (default:
../shared/data/minif2f/valid.jsonl next to the repository, a developer copy; the product never reads
it).  Every statement is checked `--runs` times (one process; each check runs in a fresh z3 context, so a
check does not depend on what ran before).  Reported: verdict counts per run and per source, how many
statements changed verdict between runs (stability), what stopped each `unknown` (the deterministic z3
rlimit, a work budget, the check process's memory cap, or the wall clock, which is only the outer safety bound), the constructs behind
`unsupported`, and wall time per check (median, p90; these depend on machine load, the verdicts do not).
`--update-docs FILE` rewrites the block between `<!-- coverage-table:start -->` and
`<!-- coverage-table:end -->` in FILE with the markdown report.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "minif2f" / "valid.jsonl"
START, END = "<!-- coverage-table:start -->", "<!-- coverage-table:end -->"


def run_all(records, timeout: float, rlimit: int | None, runs: int):
    from mathagent.verifiers.formal import audit_statements, summarize

    out = []
    for i in range(runs):
        t0 = time.monotonic()
        results = audit_statements(records, timeout_s=timeout, rlimit=rlimit)
        out.append((results, summarize(results), time.monotonic() - t0))
        print(f"run {i + 1}/{runs}: {out[-1][1]['verdicts']} in {out[-1][2]:.0f} s", file=sys.stderr)
    return out


def stability(runs) -> dict:
    names = [r.name for r in runs[0][0]]
    per = [{r.name: r.verdict.kind for r in results} for results, _s, _w in runs]
    changed = {n: [p[n] for p in per] for n in names if len({p[n] for p in per}) > 1}
    return {"runs": len(runs), "statements": len(names), "changed": changed}


def markdown(data_name: str, timeout: float, rlimit: int, runs, stab: dict) -> str:
    from mathagent.verifiers.formal.audit import markdown_table

    results, s, _wall = runs[0]
    times = sorted(r.verdict.elapsed_ms for res, _s, _w in runs for r in res)
    med = statistics.median(times)
    p90 = times[min(len(times) - 1, int(0.9 * len(times)))]
    lines = [
        f"miniF2F ({data_name}, {s['n']} statements), budget {timeout:g} s = z3 rlimit {rlimit:,} per check "
        f"(wall clock only as the outer bound); {stab['runs']} runs.",
        "",
        markdown_table(s),
        "",
        f"Stability: {len(stab['changed'])} of {stab['statements']} statements changed verdict between the "
        f"{stab['runs']} runs" + (f" ({', '.join(sorted(stab['changed']))})." if stab["changed"] else "."),
        f"Unknown, stopped by: {_counts(s['unknown_stopped_by']) or 'none'}.",
        f"Wall time per check over all runs: median {med:.1f} ms, p90 {p90:.1f} ms (load-dependent; the "
        "verdicts are not).",
        "",
        "Unsupported, by construct: " + (_counts(s["unsupported_constructs"]) or "none") + ".",
    ]
    return "\n".join(lines)


def _counts(d: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in d.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--timeout", type=float, default=5.0, help="per-goal budget in seconds (sets the rlimit)")
    ap.add_argument("--rlimit", type=int, default=None, help="z3 rlimit per check (default: from --timeout)")
    ap.add_argument("--runs", type=int, default=3, help="repeat the whole run to measure stability")
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--verdicts", type=Path, default=None, help="write {name: [kind per run]} as JSON")
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--markdown", action="store_true")
    fmt.add_argument("--update-docs", type=Path, default=None)
    args = ap.parse_args(argv)

    from mathagent.verifiers.formal import FormalInputError, load_statements
    from mathagent.verifiers.formal.api import RLIMIT_PER_SECOND
    from mathagent.verifiers.formal.primes import primality

    try:
        records = load_statements(args.data)
    except FormalInputError as e:
        print(f"error: {e.message}\nfix: {e.fix}", file=sys.stderr)
        return 2
    if args.runs < 1:
        print("error: --runs must be at least 1\nfix: pass --runs 3", file=sys.stderr)
        return 2
    if args.limit:
        records = records[: args.limit]
    primality(2**89 - 1)  # warm the lazily imported number theory (sympy) outside the timed checks
    rlimit = args.rlimit or int(RLIMIT_PER_SECOND * args.timeout)
    runs = run_all(records, args.timeout, args.rlimit, args.runs)
    stab = stability(runs)
    if args.verdicts:
        per = {r.name: [] for r in runs[0][0]}
        for results, _s, _w in runs:
            for r in results:
                per[r.name].append([r.verdict.kind, r.verdict.reason])
        args.verdicts.write_text(json.dumps(per, ensure_ascii=False, indent=0), encoding="utf-8")
    s = runs[0][1]
    if args.json:
        print(json.dumps({**s, "timeout_s": args.timeout, "rlimit": rlimit, "stability": stab,
                          "runs": [r[1]["verdicts"] for r in runs], "wall_s": [round(r[2], 1) for r in runs],
                          "reasons": {r.name: r.verdict.reason for r in runs[0][0] if r.flagged}},
                         ensure_ascii=False))
        return 0
    md = markdown(args.data.name, args.timeout, rlimit, runs, stab)
    if args.update_docs:
        text = args.update_docs.read_text(encoding="utf-8")
        if START not in text or END not in text:
            print(f"error: {args.update_docs} has no {START} ... {END} block\nfix: add the two markers",
                  file=sys.stderr)
            return 2
        head, rest = text.split(START, 1)
        _old, tail = rest.split(END, 1)
        args.update_docs.write_text(f"{head}{START}\n{md}\n{END}{tail}", encoding="utf-8")
        print(md)
        return 0
    if args.markdown:
        print(md)
        return 0
    n = s["n"]
    print(f"{n} statements x {args.runs} runs, rlimit {rlimit:,} per check")
    for i, (_r, si, wall) in enumerate(runs, 1):
        print(f"  run {i}: {si['verdicts']}  ({wall:.0f} s)")
    print(f"  stability: {len(stab['changed'])} statements changed verdict: {stab['changed'] or ''}")
    print(f"  unknown stopped by: {s['unknown_stopped_by']}")
    print(f"  per check: median {s['median_ms']} ms, p90 {s['p90_ms']} ms")
    print(f"  unsupported constructs: {Counter(s['unsupported_constructs']).most_common(10)}")
    for r in runs[0][0]:
        if r.flagged:
            print(f"  flagged {r.name}: {r.verdict.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
