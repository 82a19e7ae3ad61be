"""The answer checks (verifiers/plausibility.py) measured without the model: against gold answers, and replayed
over stored agent runs.

    python bench/plausibility.py gold DATASET FILE [FILE ...] [--json] [--show N]
    python bench/plausibility.py replay [RUN_ID ...] [--db URL] [--json]

``gold``: every gold answer of the files (gsm8k or math, their published format; a file without one problem of
that format is bad input) is checked as if a derivation had answered it, for its own problem.  A right answer
must never be rejected (it could then never be the agent's answer, whatever the model does), so each rejection
is a wrong rule; printed: problems, gold answers rejected, the count per reason, and the first ``--show``
rejected problems of each reason.

``replay``: for every stored ``agent`` trace of the given eval runs (default: every eval run in the database),
reading only the stored rows, each derivation that has an answer is checked again with the current rules for
the trace's problem (an answer's validity is exactly this check: agent/methods.py), so a rule changed since the
run rejects some that voted and accepts some that did not; the vote is run again with today's verdicts
(agent/vote.py, with the grader's equivalence as the graph uses it) and its winner graded against the stored
gold (eval.items.grade_attempt).  Printed: each trace that changes and the counts (derivations newly rejected
and newly accepted, traces touched, answers right -> wrong and wrong -> right).  Not replayed: the derivations
the agent would have drawn after a vote that today's verdicts leave unsettled (or would not have drawn after one
they settle), and the repairs a rejected program would have had: the replay takes the winner of what was drawn.

Bad input (an unknown run or dataset, a missing file) is an ``error:`` line on stderr and a non-zero status.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
from collections import Counter
from pathlib import Path


def gold(dataset: str, files: list[Path], show: int = 5) -> dict:
    """Which gold answers of ``files`` today's checks reject, by reason (see the module docstring)."""
    from mathagent.datasets import load_dataset
    from mathagent.errors import InputError
    from mathagent.eval.items import gold_of
    from mathagent.verifiers.plausibility import expectation, reject_reason

    per_file, reasons, examples = {}, Counter(), {}
    for path in files:
        loaded = load_dataset(dataset, path)
        problems = loaded.problems
        if not problems:
            raise InputError(f"{path} holds no {dataset} problem ({len(loaded.errors)} unreadable records)",
                             f"pass a {dataset} file in its published format")
        rejected = 0
        for p in problems:
            answer = gold_of(p)
            reason = reject_reason(answer, expectation(p.question))
            if reason is None:
                continue
            rejected += 1
            kind = re.sub(r"'[^']*'|\S*\d\S*", "X", reason.split(", and ")[0])  # the reason without its values
            reasons[kind] += 1
            examples.setdefault(kind, [])
            if len(examples[kind]) < show:
                examples[kind].append({"id": p.id, "gold": answer, "reason": reason, "question": p.question[-160:]})
        per_file[str(path)] = {"problems": len(problems), "gold_rejected": rejected,
                               "unreadable_records": len(loaded.errors)}
    return {"dataset": dataset, "files": per_file, "reasons": dict(reasons.most_common()), "examples": examples}


def render_gold(fig: dict) -> str:
    lines = [f"{path}: {f['gold_rejected']} of {f['problems']} gold answers rejected"
             + (f" ({f['unreadable_records']} unreadable records skipped)" if f["unreadable_records"] else "")
             for path, f in fig["files"].items()]
    for kind, n in fig["reasons"].items():
        lines.append(f"  {n:5d}  {kind}")
        for ex in fig["examples"].get(kind, []):
            lines.append(f"         {ex['id']}: {ex['gold']!r} | ...{ex['question'][-100:]!r}")
    return "\n".join(lines)


def replay(db_url: str, run_ids: list[str]) -> dict:
    """The figures (see the module docstring) for ``run_ids`` (empty: every eval run)."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from mathagent.agent.graph import EQUIVALENCE_TIMEOUT_S
    from mathagent.agent.vote import cluster
    from mathagent.eval.items import grade_attempt
    from mathagent.eval.runs import load_run
    from mathagent.traces.db import open_database
    from mathagent.traces.models import Trace
    from mathagent.traces.records import Derivation, as_json
    from mathagent.verifiers.equivalence import equivalent
    from mathagent.verifiers.plausibility import expectation, reject_reason

    def same(a: str, b: str) -> bool | None:
        return equivalent(a, b, timeout_s=EQUIVALENCE_TIMEOUT_S)

    changed, counts = [], {"traces": 0, "derivations_rejected": 0, "derivations_accepted": 0, "traces_touched": 0,
                           "right_to_wrong": 0, "wrong_to_right": 0, "no_valid_answer_left": 0}
    with open_database(db_url) as factory:
        for run_id in run_ids:
            load_run(factory, run_id)  # a clear error for an unknown id
        with factory() as s:
            query = (select(Trace).where(Trace.strategy == "agent", Trace.run_id.is_not(None),
                                         Trace.gold.is_not(None)).options(selectinload(Trace.derivations)))
            if run_ids:
                query = query.where(Trace.run_id.in_(run_ids))
            for trace in s.scalars(query):
                counts["traces"] += 1
                expect = expectation(trace.problem)
                derivations = [Derivation(**as_json(d)) for d in sorted(trace.derivations, key=lambda d: d.index)]
                now = [d if d.answer is None else dataclasses.replace(d, valid=reject_reason(d.answer, expect) is None)
                       for d in derivations]
                rejected = [d for d, n in zip(derivations, now) if d.valid and not n.valid]
                accepted = [d for d, n in zip(derivations, now) if n.valid and not d.valid]
                if not rejected and not accepted:
                    continue
                counts["traces_touched"] += 1
                counts["derivations_rejected"] += len(rejected)
                counts["derivations_accepted"] += len(accepted)
                winner = cluster(now, same).winner
                answer = winner.answer if winner is not None else None
                right = answer is not None and grade_attempt(answer, trace.gold).correct
                was = bool(trace.correct)
                counts["right_to_wrong"] += was and not right
                counts["wrong_to_right"] += right and not was
                counts["no_valid_answer_left"] += winner is None
                changed.append({"run_id": trace.run_id, "problem_id": trace.problem_id, "gold": trace.gold,
                                "rejected": [d.answer for d in rejected], "accepted": [d.answer for d in accepted],
                                "answer": trace.answer, "correct": was,
                                "new_answer": answer, "new_correct": right})
    return {"runs": run_ids or "all", "counts": counts, "changed": changed}


def render_replay(fig: dict) -> str:
    c = fig["counts"]
    lines = [f"agent traces read: {c['traces']}; touched by today's rules: {c['traces_touched']} "
             f"({c['derivations_rejected']} derivations newly rejected, {c['derivations_accepted']} newly accepted); "
             f"right -> wrong {c['right_to_wrong']}, wrong -> right {c['wrong_to_right']}, no valid answer left "
             f"{c['no_valid_answer_left']}"]
    verdict = {True: "right", False: "wrong"}
    for ch in fig["changed"]:
        lines.append(f"  {ch['run_id']} {ch['problem_id']}: rejects {ch['rejected']}, accepts {ch['accepted']}; "
                     f"{ch['answer']!r} "
                     f"({verdict[ch['correct']]}) -> {ch['new_answer']!r} ({verdict[ch['new_correct']]}); "
                     f"gold {ch['gold']!r}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="command", required=True)
    g = sub.add_parser("gold", help="check the gold answers of benchmark files")
    g.add_argument("dataset", help="gsm8k | math")
    g.add_argument("files", nargs="+", type=Path, help="benchmark files in their published format")
    g.add_argument("--show", type=int, default=5, help="rejected problems printed per reason [default: 5]")
    r = sub.add_parser("replay", help="replay stored agent runs with today's checks")
    r.add_argument("run_ids", nargs="*", help="eval run ids [default: every eval run in the database]")
    r.add_argument("--db", default=os.environ.get("MATHAGENT_DB_URL"),
                   help="SQLAlchemy URL of the trace database [default: MATHAGENT_DB_URL, else the user's SQLite]")
    for p in (g, r):
        p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)

    from mathagent.config import default_db_url
    from mathagent.cli.console import print_error
    from mathagent.errors import MathAgentError

    try:
        if args.command == "gold":
            fig = gold(args.dataset, args.files, args.show)
            text = render_gold
        else:
            fig = replay(args.db or default_db_url(), [r.strip() for r in args.run_ids])
            text = render_replay
    except MathAgentError as exc:
        print_error(exc.message, exc.fix)
        return exc.exit_code
    print(json.dumps(fig) if args.json else text(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
