"""The grader on its golden cases and on stored runs: wrong verdicts per path, and the cost of a comparison.

    python bench/grading.py [--cases tests/eval/grading_cases.jsonl] [--results docs/results.md] [--json]

Runs every golden grading case through ``grade`` (the API behind ``mathagent grade``), the eval path (the
recorded answer against the dataset's raw gold), rows stored with both sides normalized (what ``regrade``
sees in older runs) and the agent's cross-check ``compare_answers``, and counts the verdicts that differ
from the expected ones.  ``--results`` re-grades the per-problem tables of a results file (stored answer
against stored gold, as ``regrade`` would) and lists every verdict that changes.  Also reports the CPU cost
of a 28-pair vote over 8 numeric samples (in process) and the median wall time of an expression comparison
(in the SymPy worker, warm).
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CASES = ROOT / "tests" / "eval" / "grading_cases.jsonl"
VOTE_SAMPLES = ["18", "18.0", "\\$18", "18 dollars", "17", "\\frac{36}{2}", "18.00", "1.8e+01"]
EXPRESSIONS = [("x^2+2x+1", "(x+1)^2"), ("\\sqrt{12}", "2\\sqrt{3}"), ("x<3", "(-\\infty, 3)"),
               ("14 - I", "14 - i"), ("y = 2x+1", "2x - y + 1 = 0"), ("e^{-40}", "e^{-41}")]


def golden(cases_file: Path) -> dict:
    from mathagent.eval.grading import gold_answer, grade, prediction_answer
    from mathagent.eval.items import grade_attempt
    from mathagent.verifiers.answers import normalize_answer
    from mathagent.verifiers.extraction import extract_final_answer
    from mathagent.verifiers.checks import compare_answers

    cases = [json.loads(line) for line in cases_file.read_text(encoding="utf-8").splitlines() if line.strip()]
    wrong: dict[str, list[str]] = {"grade": [], "eval": [], "stored_normalized": [], "cross_check": []}
    verdict_cases = 0
    for c in cases:
        fmt = c.get("gold_format", "auto")
        want = c["expected"] == "correct"
        if grade(c["prediction"], c["gold"], gold_format=fmt).status != c["expected"]:
            wrong["grade"].append(c["id"])
        if c["expected"] not in ("correct", "incorrect"):
            continue
        verdict_cases += 1
        raw_gold = gold_answer(c["gold"], fmt) or c["gold"]
        raw = prediction_answer(c["prediction"])
        if grade_attempt(raw, raw_gold).correct != want:
            wrong["eval"].append(c["id"])
        if grade(normalize_answer(raw) or raw, normalize_answer(raw_gold)).correct != want:
            wrong["stored_normalized"].append(c["id"])
        claimed = extract_final_answer(c["prediction"]) or c["prediction"]
        if compare_answers("x", claimed, raw_gold, how="h").verdict != ("pass" if want else "fail"):
            wrong["cross_check"].append(c["id"])
    return {"cases": len(cases), "verdict_cases": verdict_cases, "wrong": {k: len(v) for k, v in wrong.items()},
            "wrong_ids": wrong}


def results_tables(path: Path) -> dict:
    """Re-grade every 'answer ✓/✗' cell of the per-problem tables in a results file."""
    from mathagent.eval.grading import grade

    rows, header, run = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"### Run `([^`]+)`", line)
        if m:
            run, header = m.group(1), None
            continue
        if line.startswith("| problem |"):
            header = [h.strip() for h in line.strip("|").split("|")]
            continue
        if header and line.startswith("| ") and not line.startswith("|---"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
            if len(cells) != len(header):
                continue
            for strategy, cell in zip(header[2:], cells[2:], strict=True):
                m = re.match(r"(.*) ([✓✗])(?: \(verified\))?$", cell)
                if m:
                    answer = m.group(1).replace("\\|", "|")
                    rows.append((run, cells[0], strategy, None if answer == "none" else answer,
                                 cells[1].replace("\\|", "|"), m.group(2) == "✓"))
        elif line.strip() and not line.startswith("|"):
            header = None
    changes = []
    for run, pid, strategy, answer, gold, was in rows:
        got = grade(answer, gold)
        if got.correct != was:
            changes.append({"run": run, "problem": pid, "strategy": strategy, "answer": answer, "gold": gold,
                            "was_correct": was, "now": got.status, "detail": got.detail})
    return {"rows": len(rows), "changed": len(changes), "changes": changes}


def costs() -> dict:
    from mathagent.verifiers.equivalence import equivalent

    equivalent("1", "1")
    start = time.process_time()
    for _ in range(20):
        for i, a in enumerate(VOTE_SAMPLES):
            for b in VOTE_SAMPLES[i + 1:]:
                equivalent(a, b)
    vote_ms = (time.process_time() - start) / 20 * 1000
    equivalent("x", "x+0", timeout_s=60)  # start and warm a worker
    walls = []
    for a, b in EXPRESSIONS * 3:
        t0 = time.perf_counter()
        equivalent(a, b, timeout_s=60)
        walls.append((time.perf_counter() - t0) * 1000)
    return {"vote_of_8_cpu_ms": round(vote_ms, 2), "expression_median_ms": round(statistics.median(walls), 1)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    ap.add_argument("--results", type=Path, default=None, help="a results file with per-problem tables")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    out = {"golden": golden(args.cases), "costs": costs()}
    if args.results is not None:
        out["results"] = results_tables(args.results)
    if args.json:
        print(json.dumps(out, ensure_ascii=False))
        return 0
    g = out["golden"]
    print(f"golden cases: {g['cases']} ({g['verdict_cases']} with a verdict); wrong: " +
          ", ".join(f"{k} {v}" for k, v in g["wrong"].items()))
    for k, ids in g["wrong_ids"].items():
        if ids:
            print(f"  {k}: {', '.join(ids)}")
    c = out["costs"]
    print(f"a vote over 8 numeric samples: {c['vote_of_8_cpu_ms']} ms CPU; an expression in the worker: "
          f"{c['expression_median_ms']} ms (median, warm)")
    if "results" in out:
        r = out["results"]
        print(f"{args.results}: {r['rows']} stored verdicts re-graded, {r['changed']} changed")
        for ch in r["changes"]:
            print(f"  {ch['run']} {ch['problem']} {ch['strategy']}: {ch['answer']!r} vs {ch['gold']!r}: "
                  f"{'✓' if ch['was_correct'] else '✗'} -> {ch['now']} ({ch['detail']})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
