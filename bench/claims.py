"""Coverage and precision of the claim builder (mathagent.verifiers.claims.check_claims) on gold and wrong answers.

    python bench/claims.py [--math PATH ...] [--gsm8k PATH ...] [--timeout 5] [--limit N] [--json] [--show N]

Each PATH is a MATH JSONL (``problem``/``solution``/``type``) or a GSM8K JSONL (``question``/``answer``);
by default the developer copies ../shared/data/{math,gsm8k}/{dev,train}.jsonl next to the repository
(the product never reads them).  For every problem the builder reads (a claim is built), the check is
run on the gold answer and on wrong answers: the gold plus one (a number) or the gold with one element
changed (a list), and the gold of another problem of the same shape that the grader calls different.
Printed per file, per shape/template and per MATH subject: problems, claims built, and the verdicts
on gold (pass should be ~all, fail must be 0) and on wrong answers (pass must be 0).  Any gold fail or
wrong pass is listed with its problem id.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "data"
DEFAULT_MATH = [SHARED / "math" / "dev.jsonl", SHARED / "math" / "train.jsonl"]
DEFAULT_GSM8K = [SHARED / "gsm8k" / "dev.jsonl", SHARED / "gsm8k" / "train.jsonl"]


def _wrong_variants(gold: str) -> list[str]:
    """Answers that differ from ``gold``: +1 on a number, or on the first element of a list."""
    from mathagent.verifiers.answers import numeric_value

    v = numeric_value(gold)
    if v is not None:
        from fractions import Fraction

        w = Fraction(v) + 1 if not isinstance(v, float) else v + 1
        if isinstance(w, Fraction):
            return [str(w.numerator) if w.denominator == 1 else f"\\frac{{{w.numerator}}}{{{w.denominator}}}"]
        return [repr(w)]
    if "," in gold and not gold.startswith(("(", "[", "\\{")):
        first, _, rest = gold.partition(",")
        return [f"{first}+1,{rest}", first]
    return [f"{gold}+1"]


def _load(kind: str, path: Path):
    from mathagent.datasets.loaders.registry import load_dataset

    res = load_dataset(kind, path)
    return res.problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--math", type=Path, nargs="*", default=None)
    ap.add_argument("--gsm8k", type=Path, nargs="*", default=None)
    ap.add_argument("--timeout", type=float, default=5.0, help="budget of one check in seconds")
    ap.add_argument("--limit", type=int, default=0, help="first N problems of each file")
    ap.add_argument("--show", type=int, default=20, help="list up to N gold fails / wrong passes / gold undecided")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--seed", type=int, default=13)
    args = ap.parse_args(argv)

    from mathagent.verifiers.equivalence import equivalent
    from mathagent.verifiers.claims import build_claim, check_claims

    files = [("math", p) for p in (DEFAULT_MATH if args.math is None else args.math)]
    files += [("gsm8k", p) for p in (DEFAULT_GSM8K if args.gsm8k is None else args.gsm8k)]
    rng = random.Random(args.seed)
    per_file: dict[str, Counter] = defaultdict(Counter)
    per_shape: dict[str, Counter] = defaultdict(Counter)
    per_subject: dict[str, Counter] = defaultdict(Counter)
    bad: dict[str, list] = defaultdict(list)
    start = time.monotonic()
    for kind, path in files:
        problems = _load(kind, path)
        if args.limit:
            problems = problems[: args.limit]
        built = []
        for p in problems:
            claim = build_claim(p.question)
            fc = per_file[f"{kind}/{path.name}"]
            fc["problems"] += 1
            subj = f"{kind}:{p.subject}" if p.subject else kind
            per_subject[subj]["problems"] += 1
            if claim is None:
                continue
            fc["built"] += 1
            per_subject[subj]["built"] += 1
            built.append((p, claim))
        golds_by_shape: dict[str, list[str]] = defaultdict(list)
        for p, claim in built:
            golds_by_shape[claim.shape].append(p.answer)
        for p, claim in built:
            key = f"{claim.shape}/{claim.template}"
            sc, fc = per_shape[key], per_file[f"{kind}/{path.name}"]
            subj = f"{kind}:{p.subject}" if p.subject else kind
            sc["built"] += 1
            checks = check_claims(p.question, p.answer, timeout_s=args.timeout)
            v = checks[0].verdict if checks else "none"
            for c in (sc, fc, per_subject[subj]):
                c[f"gold_{v}"] += 1
            if v == "fail":
                bad["gold_fail"].append((p.id, p.question[:200], p.answer, checks[0].detail[:300]))
            elif v != "pass":
                bad["gold_undecided"].append((p.id, p.question[:160], p.answer,
                                              checks[0].detail[:200] if checks else ""))
            wrongs = _wrong_variants(p.answer)
            others = [g for g in golds_by_shape[claim.shape] if g != p.answer]
            if others:
                other = rng.choice(others)
                if equivalent(other, p.answer) is False:
                    wrongs.append(other)
            for w in wrongs:
                if equivalent(w, p.answer) is not False:
                    continue
                wc = check_claims(p.question, w, timeout_s=args.timeout)
                wv = wc[0].verdict if wc else "none"
                for c in (sc, fc, per_subject[subj]):
                    c[f"wrong_{wv}"] += 1
                if wv == "pass":
                    bad["wrong_pass"].append((p.id, p.question[:200], p.answer, w, wc[0].detail[:300]))
    wall = time.monotonic() - start
    cols = ["built", "gold_pass", "gold_fail", "gold_inconclusive", "wrong_pass", "wrong_fail", "wrong_inconclusive"]
    if args.json:
        print(json.dumps({"files": per_file, "shapes": per_shape, "subjects": per_subject,
                          "bad": {k: v[: args.show] for k, v in bad.items()}, "wall_s": round(wall, 1)},
                         ensure_ascii=False, default=dict))
        return 0

    def table(title: str, rows: dict[str, Counter], first: str) -> None:
        head = [first] + (["problems"] if first != "shape/template" else []) + cols
        print(f"\n{title}\n| " + " | ".join(head) + " |\n|" + "---|" * len(head))
        total: Counter = Counter()
        for name in sorted(rows):
            c = rows[name]
            total.update(c)
            vals = ([c["problems"]] if first != "shape/template" else []) + [c[k] for k in cols]
            print(f"| {name} | " + " | ".join(str(x) for x in vals) + " |")
        vals = ([total["problems"]] if first != "shape/template" else []) + [total[k] for k in cols]
        print("| **all** | " + " | ".join(f"**{x}**" for x in vals) + " |")

    table("Per file", per_file, "file")
    table("Per shape / template", per_shape, "shape/template")
    table("Per subject (coverage)", per_subject, "subject")
    for k in ("gold_fail", "wrong_pass", "gold_undecided"):
        if bad[k]:
            print(f"\n{k}: {len(bad[k])}")
            for row in bad[k][: args.show]:
                print("  " + " || ".join(str(x).replace("\n", " ") for x in row))
    print(f"\n{wall:.0f} s, timeout {args.timeout:g} s per check")
    return 1 if bad["gold_fail"] or bad["wrong_pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
