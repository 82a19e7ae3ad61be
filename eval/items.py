"""Work items of an eval run and solving one of them (with grading before the write).

One item is one (problem, strategy, sample).  :class:`ItemSolver` runs the
agent on it with a recorder that grades the answer against the gold answer
*before* the trace is written, so every row in the database already carries
``gold`` and ``correct`` and the write stays one transaction.  A duplicate
key (the item was finished by another worker or process) is reported, not
raised: the unique constraint is what keeps concurrent resumes honest.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mathagent.eval.failures import ITEM_TIMEOUT
from mathagent.eval.spec import EvalSpec
from mathagent.traces.records import VERIFIED_LEVELS, TraceRecord
from sqlalchemy.orm import Session, sessionmaker

GRADE_TIMEOUT_S = 5.0


def gold_of(problem: Any) -> str:
    """The gold a problem is graded against: the dataset's raw answer (``meta["answer_raw"]``, e.g. a MATH
    box's content as written), falling back to the normalized ``answer``.  Normalizing throws information
    away (``y = ...`` loses its left side, ``\\text{North}`` its case), so grading never starts from it."""
    raw = (getattr(problem, "meta", None) or {}).get("answer_raw")
    return raw if isinstance(raw, str) and raw.strip() else problem.answer


def grade_attempt(answer: str | None, gold: str, *, timeout_s: float = GRADE_TIMEOUT_S):
    """The :class:`~mathagent.eval.grading.GradeResult` of one recorded answer (as the model wrote it)
    against ``gold``; the eval recorder and ``regrade`` both grade through here."""
    from mathagent.eval.grading import grade

    return grade(answer, gold, timeout_s=timeout_s)


@dataclass(frozen=True)
class WorkItem:
    problem_id: str
    question: str
    gold: str
    strategy: str
    sample_index: int
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)  # level, subject: shown in reports

    @property
    def key(self) -> tuple[str, str, int]:
        return (self.problem_id, self.strategy, self.sample_index)


@dataclass(frozen=True)
class ItemOutcome:
    problem_id: str
    strategy: str
    sample_index: int
    written: bool          # False: the row already existed (another worker finished it first)
    status: str            # the trace status: answered | no_answer | error
    correct: bool
    verified: bool
    seconds: float
    tokens: int


def plan_items(problems: list[Any], strategies: tuple[str, ...], samples: int,
               done: set[tuple[str, str, int]]) -> tuple[list[WorkItem], int]:
    """The items not yet done, problem-major (all strategies of a problem together), and the total."""
    items: list[WorkItem] = []
    total = 0
    for p in problems:
        meta = {k: v for k, v in (("level", p.level), ("subject", p.subject)) if v not in (None, "")}
        for s in range(samples):
            for strategy in strategies:
                total += 1
                if (p.id, strategy, s) in done:
                    continue
                items.append(WorkItem(p.id, p.question, gold_of(p), strategy, s, meta))
    return items, total


def trace_writer(factory: sessionmaker[Session]) -> Callable[[TraceRecord], bool]:
    """The store's one writer bound to ``factory``: :func:`~mathagent.traces.store.add_trace_once` (one
    transaction per trace; False when its (run, problem, strategy, sample) exists)."""
    from functools import partial

    from mathagent.traces.store import add_trace_once

    return partial(add_trace_once, factory)


class ItemSolver:
    """Solve, grade and record one item with a shared LLM and calculator pool (thread-safe)."""

    def __init__(self, llm, calculator, spec: EvalSpec, run_id: str, write: Callable[[TraceRecord], bool],
                 retriever=None):
        self.llm = llm
        self.retriever = retriever  # few-shot examples for the agent strategy (never this run's traces)
        self.calculator = calculator
        self.spec = spec
        self.run_id = run_id
        self.write = write
        self._configs: dict[int, Any] = {}

    def _config(self, sample_index: int):
        cfg = self._configs.get(sample_index)
        if cfg is None:
            cfg = self._configs[sample_index] = self.spec.agent_config(sample_index)
        return cfg

    def __call__(self, item: WorkItem) -> ItemOutcome:
        from mathagent.agent.runner import solve_problem
        from mathagent.agent.state import AgentContext

        done: dict[str, bool] = {}

        def record(rec: TraceRecord) -> None:
            verdict = grade_attempt(rec.answer, item.gold)
            rec.correct = verdict.correct
            rec.meta = {**rec.meta, "grade": verdict.as_meta()}
            apply_gold(rec)
            done["correct"] = verdict.correct
            done["written"] = self.write(rec)

        ctx = AgentContext(llm=self.llm, calculator=self.calculator, config=self._config(item.sample_index),
                           recorder=record)
        examples = []
        if self.retriever is not None and item.strategy == "agent":
            examples = self.retriever.retrieve(item.question, self.spec.fewshot, problem_id=item.problem_id)
        res = solve_problem(item.question, ctx, strategy=item.strategy, examples=examples, run_id=self.run_id,
                            dataset=self.spec.dataset, problem_id=item.problem_id, sample_index=item.sample_index,
                            gold=item.gold, source="eval", meta=dict(item.meta))
        return ItemOutcome(item.problem_id, item.strategy, item.sample_index, done.get("written", False),
                           res.status, done.get("correct", False), res.verified, res.seconds,
                           res.usage["prompt_tokens"] + res.usage["completion_tokens"])


def graded_level(correct: bool | None, level: str) -> str:
    """The level after grading against a known answer: ``gold`` when correct, ``unverified`` when wrong (a known
    wrong answer is never verified), ``level`` unchanged when ungraded (``correct`` is None)."""
    if correct is True:
        return "gold"
    if correct is False:
        return "unverified"
    return level


def apply_gold(rec: TraceRecord) -> None:
    """Set ``rec.level`` (and ``verified``: consensus or stronger) from its grade (:func:`graded_level`); the agent's
    own gold-free level stays in ``agent_level``."""
    rec.level = graded_level(rec.correct, rec.level)
    rec.verified = rec.level in VERIFIED_LEVELS


def timed_out_item(item: WorkItem, spec: EvalSpec, run_id: str, seconds: float, limit_s: float,
                   write: Callable[[TraceRecord], bool]) -> ItemOutcome:
    """Record an item abandoned at the executor's per-item limit: a ``no_answer`` row, category timeout.

    The row makes the attempt final (a resume does not retry it forever) and says
    which limit was hit, so the report counts it as a timeout, not a wrong answer.
    """
    rec = TraceRecord(problem=item.question, model=spec.model or spec.backend, backend=spec.backend,
                      status="no_answer", source="eval", run_id=run_id, dataset=spec.dataset,
                      problem_id=item.problem_id, strategy=item.strategy, sample_index=item.sample_index,
                      gold=item.gold, correct=False, seconds=seconds,
                      error=f"item stopped after {seconds:.0f} s: over the per-item limit of {limit_s:g} s",
                      meta={**item.meta, "limits_hit": [ITEM_TIMEOUT], "limits": {"item_timeout_s": limit_s}})
    written = write(rec)
    return ItemOutcome(item.problem_id, item.strategy, item.sample_index, written, rec.status, False, False,
                       seconds, 0)
