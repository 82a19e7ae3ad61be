"""What ``--verify``'s confirming derivation changes, replayed from stored eval runs without the model.

    python bench/confirmation.py RUN_ID [RUN_ID ...] [--baseline RUN_ID] [--db URL] [--json]

With ``--verify``, when programs settle the vote and no valid derivation dissents, the agent draws one more
derivation by another method (a chain of thought) before it answers (agent/graph.py, ``decision="confirm"``).
Without ``--verify`` it answers at that vote.  Every derivation before it is drawn the same way in both (same
prompts, seeds and order), so each ``agent`` trace of a run made with ``--verify`` is cut at its first vote that
decided to confirm: the leader there (agent/vote.py, over the run's own equivalence classes: the stored cluster of
each derivation, which a later derivation never changes) is the answer the agent gives without ``--verify``,
graded against the stored gold (eval.items.grade_attempt).

Printed per run: agent traces; right with the confirmation (as stored) and without it; answers the confirmation
changed (wrong -> right, right -> wrong); traces where it was drawn; and, over the traces none of whose completions
came from the cache (``--cache``: their times are real), the median model-and-tool seconds of the whole trace and of
its part before the confirmation: its LLM calls' shares of their batches, its calculator runs and its votes (the
graph's own bookkeeping is left out of both, so they compare like with like).  ``--baseline RUN_ID``: the same
median over that run's fresh ``pot`` traces, for the ratio.

The database is opened read-only.  A run not made with ``--verify``, an unknown run id or a vote step in another
format is bad input: an ``error:`` line and a non-zero status.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys


def _seconds(trace, cut: int) -> float:
    """Model-and-tool seconds of ``trace`` before step ``cut``: LLM calls (shares of their batches), calculator runs,
    votes."""
    return (sum(c.ms for c in trace.llm_calls if c.step_index < cut)
            + sum(t.ms for t in trace.tool_calls if t.step_index < cut)
            + sum(st.ms for st in trace.steps if st.index < cut and st.route == "vote")) / 1000


def _fresh(trace) -> bool:
    return bool(trace.llm_calls) and not any(c.cached for c in trace.llm_calls)


def replay(db_url: str, run_ids: list[str], baseline: str | None = None) -> dict:
    """The figures above, one dict per run id (in the order given), and the baseline's median if one is named."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from mathagent.agent.vote import cluster
    from mathagent.errors import InputError
    from mathagent.eval.items import grade_attempt
    from mathagent.eval.runs import load_run
    from mathagent.traces.db import open_database
    from mathagent.traces.models import Trace
    from mathagent.traces.records import Derivation, as_json

    parts = (selectinload(Trace.derivations), selectinload(Trace.steps), selectinload(Trace.llm_calls),
             selectinload(Trace.tool_calls))
    runs = []
    with open_database(db_url, read_only=True) as factory:
        for run_id in run_ids:
            if load_run(factory, run_id).config.get("verify") is not True:
                raise InputError(f"run {run_id!r} was not made with --verify: it drew no confirmation to leave out",
                                 "name runs made with `mathagent eval ... --verify`")
        if baseline is not None:
            load_run(factory, baseline)
        for run_id in run_ids:
            counts = {"traces": 0, "right_with": 0, "right_without": 0, "wrong_to_right": 0, "right_to_wrong": 0,
                      "confirmed": 0, "fresh_traces": 0}
            whole, before = [], []
            with factory() as s:
                query = (select(Trace).where(Trace.run_id == run_id, Trace.strategy == "agent",
                                             Trace.gold.is_not(None)).options(*parts))
                for trace in s.scalars(query):
                    steps = sorted(trace.steps, key=lambda st: st.index)
                    confirm = next((st for st in steps if st.route == "vote" and st.status == "confirm"), None)
                    right_with = bool(trace.correct)
                    if confirm is None:
                        right_without, cut = right_with, len(steps)
                    else:
                        counts["confirmed"] += 1
                        drawn = confirm.input.split()[0] if confirm.input.endswith(" derivations") else ""
                        if not drawn.isdigit():
                            raise InputError(f"trace {trace.id}: a vote step reads {confirm.input[:40]!r}, not "
                                             "'N derivations'", "replay runs stored by mathagent's agent")
                        ds = [Derivation(**as_json(d)) for d in sorted(trace.derivations, key=lambda d: d.index)]
                        classes = {d.answer: d.cluster for d in ds if d.valid and d.answer is not None}
                        winner = cluster(ds[:int(drawn)], lambda a, b: classes[a] == classes[b]).winner
                        right_without = winner is not None and grade_attempt(winner.answer, trace.gold).correct
                        cut = confirm.index
                    counts["traces"] += 1
                    counts["right_with"] += right_with
                    counts["right_without"] += right_without
                    counts["wrong_to_right"] += right_with and not right_without
                    counts["right_to_wrong"] += right_without and not right_with
                    if _fresh(trace):
                        counts["fresh_traces"] += 1
                        whole.append(_seconds(trace, len(steps)))
                        before.append(_seconds(trace, cut))
            runs.append({"run_id": run_id, "counts": counts, "median_s_with": _median(whole),
                         "median_s_without": _median(before)})
        fig: dict = {"runs": runs}
        if baseline is not None:
            with factory() as s:
                pots = [_seconds(t, len(t.steps)) for t in s.scalars(
                    select(Trace).where(Trace.run_id == baseline, Trace.strategy == "pot").options(*parts))
                        if _fresh(t)]
            fig["baseline"] = {"run_id": baseline, "fresh_pot_traces": len(pots), "median_s": _median(pots)}
    return fig


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 1) if values else None


def render(fig: dict) -> str:
    lines = []
    for r in fig["runs"]:
        c = r["counts"]
        n = c["traces"] or 1
        lines.append(f"{r['run_id']}: {c['traces']} agent traces, the confirmation drawn in {c['confirmed']}")
        lines.append(f"  right with the confirmation (--verify): {c['right_with']} ({c['right_with'] / n:.3f}); "
                     f"without it: {c['right_without']} ({c['right_without'] / n:.3f}); it changed wrong -> right "
                     f"{c['wrong_to_right']}, right -> wrong {c['right_to_wrong']}")
        if r["median_s_with"] is not None:
            lines.append(f"  median model-and-tool seconds over the {c['fresh_traces']} traces without a cached "
                         f"completion: {r['median_s_with']} with, {r['median_s_without']} before the confirmation")
    base = fig.get("baseline")
    if base is not None:
        lines.append(f"baseline {base['run_id']}: median model-and-tool seconds of its {base['fresh_pot_traces']} "
                     f"fresh pot traces: {base['median_s']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run_ids", nargs="+", help="eval runs made with --verify")
    ap.add_argument("--baseline", default=None, help="an eval run whose fresh pot traces give the cost ratio's base")
    ap.add_argument("--db", default=os.environ.get("MATHAGENT_DB_URL"),
                    help="SQLAlchemy URL of the trace database [default: MATHAGENT_DB_URL, else the user's SQLite]")
    ap.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    args = ap.parse_args(argv)

    from mathagent.config import default_db_url
    from mathagent.cli.console import print_error
    from mathagent.errors import MathAgentError

    try:
        fig = replay(args.db or default_db_url(), [r.strip() for r in args.run_ids], args.baseline)
    except MathAgentError as exc:
        print_error(exc.message, exc.fix)
        return exc.exit_code
    print(json.dumps(fig) if args.json else render(fig))
    return 0


if __name__ == "__main__":
    sys.exit(main())
