"""Two runs (or two strategies) on the same problems: who got which right, and is the gap more than chance.

``mathagent compare RUN_A[:STRATEGY] RUN_B[:STRATEGY]`` pairs the stored rows problem by problem: a problem
pairs only when both runs hold it under the same id *and* the same problem text (its SHA-256), so two files
that reuse ids never pair by accident.  With samples, a problem counts as right when its majority answer is
(as maj@k counts it).  The p-value is the two-sided exact McNemar test on the problems only one side got
right; it is the test for "did this change help" that a per-run accuracy interval cannot give.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mathagent.errors import InputError
from mathagent.eval.metrics import Paired, paired, problem_outcomes
from mathagent.eval.runs import RunInfo, load_run, result_rows
from mathagent.traces.db import session_scope
from mathagent.traces.models import Trace


@dataclass(frozen=True)
class Side:
    run: RunInfo
    strategy: str

    @property
    def label(self) -> str:
        return f"{self.run.id}:{self.strategy}"


@dataclass(frozen=True)
class Comparison:
    a: Side
    b: Side
    result: Paired
    unmatched_a: int  # problems only run A holds (or holds with another text)
    unmatched_b: int

    def to_dict(self) -> dict:
        return {**self.result.as_dict(), "unmatched_a": self.unmatched_a, "unmatched_b": self.unmatched_b}


def parse_side(factory: sessionmaker[Session], text: str) -> Side:
    """``RUN_ID`` or ``RUN_ID:STRATEGY``; without a strategy, ``agent`` if the run has it, else its first."""
    run_id, _, strategy = text.strip().partition(":")
    if not run_id:
        raise InputError("no run id given", "name a run: RUN_ID or RUN_ID:STRATEGY (ids are in `mathagent traces list`)")
    info = load_run(factory, run_id)
    strategies = info.strategies
    if not strategy:
        strategy = "agent" if "agent" in strategies or not strategies else strategies[0]
    elif strategies and strategy not in strategies:
        raise InputError(f"run {run_id} has no strategy {strategy!r}", f"use one of: {', '.join(strategies)}")
    return Side(info, strategy)


def _outcomes(factory: sessionmaker[Session], side: Side) -> tuple[dict[str, bool], dict[str, str]]:
    """``{problem_id: right}`` of one side, and ``{problem_id: problem text SHA-256}``."""
    rows = [r for r in result_rows(factory, side.run.id) if r.strategy == side.strategy]
    with session_scope(factory) as s:
        hashes = dict(s.execute(select(Trace.problem_id, Trace.problem_hash).distinct()
                                .where(Trace.run_id == side.run.id, Trace.strategy == side.strategy)).all())
    samples = side.run.samples
    return problem_outcomes(rows, samples).get(side.strategy, {}), hashes


def compare_runs(factory: sessionmaker[Session], a: str, b: str) -> Comparison:
    side_a, side_b = parse_side(factory, a), parse_side(factory, b)
    if side_a.label == side_b.label:
        raise InputError(f"both sides are {side_a.label}", "compare two runs, or two strategies of one run")
    (out_a, hash_a), (out_b, hash_b) = _outcomes(factory, side_a), _outcomes(factory, side_b)
    same = {p for p in set(out_a) & set(out_b) if hash_a[p] == hash_b[p]}  # an id reused for another text never pairs
    result = paired(side_a.label, {p: out_a[p] for p in same}, side_b.label, {p: out_b[p] for p in same})
    if result.n == 0:
        raise InputError(f"{side_a.label} and {side_b.label} have no finished problem in common",
                         "compare runs over the same dataset file (same problem ids and texts)")
    return Comparison(side_a, side_b, result, len(out_a) - len(same), len(out_b) - len(same))
