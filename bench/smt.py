"""SMT backend latency and verdict shares over miniF2F (valid split by default).

    python bench/smt.py [--data PATH] [--timeout 5] [--limit N] [--json | --markdown]

PATH is a miniF2F folder of .lean files or a JSONL with name/formal_statement
(default: ../shared/data/minif2f/valid.jsonl next to the repository, a
developer copy; the product never reads it).  Reports the median and p90 wall
time per check (ms; parse + translate + solve, one process, z3 warm after the
first check), the share of each verdict, and the flagged statements.
`--markdown` prints the coverage table used in docs/formal.md.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DEFAULT_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "minif2f" / "valid.jsonl"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA)
    ap.add_argument("--timeout", type=float, default=5.0, help="per-goal z3 budget in seconds")
    ap.add_argument("--limit", type=int, default=0)
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true")
    fmt.add_argument("--markdown", action="store_true")
    args = ap.parse_args(argv)

    from mathagent.verifiers.formal import FormalInputError, audit_statements, load_statements, summarize
    from mathagent.verifiers.formal.audit import markdown_table
    from mathagent.verifiers.formal.verdicts import VERDICT_KINDS

    try:
        records = load_statements(args.data)
    except FormalInputError as e:
        print(f"error: {e.message}\nfix: {e.fix}", file=sys.stderr)
        return 2
    if args.limit:
        records = records[: args.limit]
    start = time.monotonic()
    results = audit_statements(records, timeout_s=args.timeout)
    wall = time.monotonic() - start
    s = summarize(results)
    n = s["n"]
    shares = {k: round(s["verdicts"][k] / n, 3) for k in VERDICT_KINDS}
    if args.json:
        print(json.dumps({**s, "shares": shares, "timeout_s": args.timeout, "wall_s": round(wall, 1),
                          "reasons": {r.name: r.verdict.reason for r in results if r.flagged}}, ensure_ascii=False))
        return 0
    if args.markdown:
        print(f"miniF2F ({args.data.name}, {n} statements), z3 {args.timeout:g} s per goal: "
              f"median {s['median_ms']} ms, p90 {s['p90_ms']} ms per check.\n")
        print(markdown_table(s))
        return 0
    print(f"{n} statements in {wall:.1f} s (timeout {args.timeout:g} s per goal)")
    print(f"per check: median {s['median_ms']} ms, p90 {s['p90_ms']} ms")
    for k in VERDICT_KINDS:
        print(f"  {k:12} {s['verdicts'][k]:4}  ({shares[k]:.1%})")
    for r in results:
        if r.flagged:
            print(f"  flagged {r.name}: {r.verdict.reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
