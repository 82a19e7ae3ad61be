"""Synthetic problems with known answers, by perturbing the numbers of solved seed problems.

Per seed problem (the GSM-Ranges / InfinityMATH / ReasonAgain idea):

1. The agent solves the seed.  The seed is used only if its answer reaches
   ``gold`` (equivalent to the dataset's gold answer) or, without a gold
   answer, the agent's own ``consensus`` or ``formal`` level.  The program is
   the first program derivation of the winning cluster whose printed answer is
   the agent's answer.
2. The input numbers are the values both in the text and among the
   program's literals (:mod:`~mathagent.datasets.synth.numbers`).
3. Each attempt draws new values (:mod:`~mathagent.datasets.synth.perturb`),
   deterministic per ``(seed, problem id)``, so ``--limit`` or the order of
   the file does not change another seed's variants.
4. The perturbed program runs in the sandbox; its output is the new ground
   truth.  It must be a number of the seed answer's kind: an integer answer
   stays an integer, a positive answer stays positive.
5. The text is rewritten with the new values.
6. The agent solves the new text from scratch (it never sees the program);
   the variant is kept only if that answer reaches the agent's own
   ``consensus`` or ``formal`` level *and* is equivalent to the ground truth
   (its trace is then at level ``gold``); the record states the agent's level
   and confidence.

The agent is handed in (``solve``, with :func:`mathagent.agent.runner.solve_problem`'s signature): this
module composes a solver with the sandbox and grading, it does not pick one.

Every loop is bounded: ``max_attempts`` perturbations per seed (each costs at
most one sandbox run and one agent solve), a bounded number of draws per
perturbation.  Rejections are data (a reason per attempt), never exceptions.
"""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from mathagent.datasets.problem import Problem
from mathagent.datasets.synth.numbers import InputNumber, find_inputs, format_decimal, rewrite_program, rewrite_text
from mathagent.datasets.synth.perturb import draw_perturbation, value_range

SEED_REJECTS = ("seed_error", "seed_no_answer", "seed_unverified", "seed_wrong", "seed_no_program", "seed_no_numbers")
VARIANT_REJECTS = ("order", "duplicate", "program_error", "no_output", "non_numeric", "non_integer", "sign",
                   "agent_error", "agent_no_answer", "agent_unverified", "agent_wrong")
SOURCE = "synth"
AGENT_VERIFIED = ("formal", "consensus")  # the agent's own levels a kept answer must reach


@dataclass(frozen=True)
class SynthSettings:
    variants: int = 5
    max_attempts: int | None = None  # perturbations tried per seed; default 3 x variants
    seed: int = 0
    words: bool = True               # map number words ("three") as well as digits
    keep_order: bool = True          # every pair of inputs keeps its order

    def attempts(self) -> int:
        return self.max_attempts if self.max_attempts is not None else 3 * self.variants


@dataclass(frozen=True)
class Seed:
    """A usable seed: the problem, its answer, the program and the numbers that can move."""

    problem: Problem
    answer: str
    program: str
    inputs: tuple[InputNumber, ...]
    trace_id: str


@dataclass(frozen=True)
class Judged:
    """The agent's own, gold-free judgement of an answer: ``level`` formal | consensus | unverified."""

    level: str
    confidence: float | None


@dataclass(frozen=True)
class SeedRejected:
    problem_id: str
    reason: str
    detail: str = ""


@dataclass(frozen=True)
class Variant:
    record: dict[str, Any]


@dataclass(frozen=True)
class VariantRejected:
    reason: str
    detail: str = ""


@dataclass
class SeedOutcome:
    problem: Problem
    seed: Seed | None
    rejected: SeedRejected | None
    variants: list[dict[str, Any]] = field(default_factory=list)
    rejects: Counter = field(default_factory=Counter)
    attempted: int = 0


@dataclass
class SynthReport:
    seeds: int = 0
    seeds_used: int = 0
    attempted: int = 0
    kept: int = 0
    rejects: Counter = field(default_factory=Counter)
    seed_rejects: Counter = field(default_factory=Counter)
    outcomes: list[SeedOutcome] = field(default_factory=list)

    @property
    def yield_rate(self) -> float:
        return self.kept / self.attempted if self.attempted else 0.0

    def add(self, outcome: SeedOutcome) -> None:
        self.outcomes.append(outcome)
        self.seeds += 1
        if outcome.rejected is not None:
            self.seed_rejects[outcome.rejected.reason] += 1
            return
        self.seeds_used += 1
        self.attempted += outcome.attempted
        self.kept += len(outcome.variants)
        self.rejects.update(outcome.rejects)

    def to_dict(self) -> dict[str, Any]:
        return {"seeds": self.seeds, "seeds_used": self.seeds_used, "attempted": self.attempted, "kept": self.kept,
                "yield": round(self.yield_rate, 4), "rejects": dict(sorted(self.rejects.items())),
                "seed_rejects": dict(sorted(self.seed_rejects.items()))}


# ------------------------------------------------------------------ answers as numbers


def as_number(answer: str | None) -> Fraction | None:
    """A plain number (integer, decimal, ``a/b``, ``\\frac{a}{b}``, ``1.5e-05``, with units or ``$``) as an
    exact fraction, else ``None``; read by the equivalence judgement's number reader."""
    from mathagent.verifiers.reading import read_number

    number = read_number(answer or "")
    return None if number is None else number.value


def answer_text(value: Fraction, raw: str) -> str:
    """The ground truth as text: an integer plainly, else the program's own printed form, normalized."""
    from mathagent.verifiers.answers import normalize_answer

    if value.denominator == 1:
        return str(value.numerator)
    return normalize_answer(raw) or raw


def _same(a: str | None, b: str | None) -> bool:
    from mathagent.verifiers.equivalence import equivalent

    return bool(a) and bool(b) and equivalent(a, b) is True


# ------------------------------------------------------------------ the pipeline


Solve = Callable[..., Any]  # solve(text, ctx, *, strategy, source, dataset, problem_id, gold, meta) -> SolveResult


class Synthesizer:
    """Runs the pipeline against one agent context (its LLM, calculator and trace recorder) with ``solve``."""

    def __init__(self, ctx, settings: SynthSettings, solve: Solve):
        self.ctx = ctx
        self.settings = settings
        self.solve = solve

    # -- solving -------------------------------------------------------------------------------------

    def _solve(self, text: str, *, problem_id: str, gold: str | None, dataset: str | None,
               meta: dict) -> tuple[Any, Judged]:
        """One fresh agent solve, graded against ``gold`` and recorded like an eval trace (level ``gold`` when
        right); returns the result and the agent's own judgement of it."""
        from mathagent.eval.items import apply_gold

        outer = self.ctx.recorder
        seen: dict[str, Any] = {}

        def record(rec) -> None:
            seen.update(agent_level=rec.agent_level, confidence=rec.confidence)
            if gold is not None:
                rec.correct = _same(rec.answer, gold)
                apply_gold(rec)
            if outer is not None:
                outer(rec)

        ctx = dataclasses.replace(self.ctx, recorder=record)
        res = self.solve(text, ctx, strategy="agent", source=SOURCE, dataset=dataset, problem_id=problem_id,
                            gold=gold, meta=meta)
        return res, Judged(seen.get("agent_level", "unverified"), seen.get("confidence"))

    def prepare_seed(self, problem: Problem) -> Seed | SeedRejected:
        res, judged = self._solve(problem.question, problem_id=problem.id, gold=problem.answer,
                                  dataset=problem.dataset, meta={"synth": {"role": "seed"}})
        if res.status == "error":
            return SeedRejected(problem.id, "seed_error", res.error or "")
        if not res.answer:
            return SeedRejected(problem.id, "seed_no_answer", res.stop_reason or "")
        if problem.answer is not None and not _same(res.answer, problem.answer):
            return SeedRejected(problem.id, "seed_wrong", f"answer {res.answer}, gold {problem.answer}")
        if problem.answer is None and judged.level not in AGENT_VERIFIED:  # no gold: the agent's own level
            return SeedRejected(problem.id, "seed_unverified", f"answer {res.answer} at level {judged.level}")
        program = seed_program(res.steps, res.derivations, res.answer)
        if program is None:
            return SeedRejected(problem.id, "seed_no_program", "the answer did not come from a program")
        mapping = find_inputs(problem.question, program, words=self.settings.words)
        inputs = tuple(i for i in (mapping.inputs if mapping else ()) if value_range(i) is not None)
        if not inputs:
            return SeedRejected(problem.id, "seed_no_numbers", "no number is both in the text and the program")
        return Seed(problem, problem.answer or res.answer, program, inputs, res.trace_id)

    # -- one variant ---------------------------------------------------------------------------------

    def truth(self, seed: Seed, program: str) -> str | VariantRejected:
        """The perturbed program's printed answer, if it is a number of the seed answer's kind."""
        from mathagent.agent.parsing import answer_from_output

        res = self.ctx.calculator.run(program, self.ctx.config.calc_timeout_s, echo=True)  # a seed that ended with its value
        if res.status != "ok":
            return VariantRejected("program_error", f"{res.status}: {(res.stderr or res.stdout).strip()[-200:]}")
        raw = answer_from_output(res.stdout)
        if not raw:
            return VariantRejected("no_output", "the program printed nothing")
        value, seed_value = as_number(raw), as_number(seed.answer)
        if seed_value is None:  # a non-numeric seed answer: take the output as it is
            return raw.strip()
        if value is None:
            return VariantRejected("non_numeric", raw.strip()[:200])
        if seed_value.denominator == 1 and value.denominator != 1:
            return VariantRejected("non_integer", raw.strip()[:200])
        if (seed_value > 0 and value <= 0) or (seed_value >= 0 and value < 0):
            return VariantRejected("sign", raw.strip()[:200])
        return answer_text(value, raw)

    def try_variant(self, seed: Seed, new: dict[Fraction, Fraction], index: int) -> Variant | VariantRejected:
        program = rewrite_program(seed.program, seed.inputs, new)
        truth = self.truth(seed, program)
        if isinstance(truth, VariantRejected):
            return truth
        question = rewrite_text(seed.problem.question, seed.inputs, new)
        variant_id = f"{SOURCE}/{seed.problem.id}/{index}"
        perturbation = {inp.label: _new_label(inp, new[inp.value]) for inp in seed.inputs if inp.value in new}
        res, judged = self._solve(question, problem_id=variant_id, gold=truth, dataset=SOURCE,
                                  meta={"synth": {"role": "variant", "seed_id": seed.problem.id,
                                                  "perturbation": perturbation}})
        if res.status == "error":
            return VariantRejected("agent_error", res.error or "")
        if not res.answer:
            return VariantRejected("agent_no_answer", res.stop_reason or "")
        if judged.level not in AGENT_VERIFIED:
            return VariantRejected("agent_unverified", f"answer {res.answer} at level {judged.level}, truth {truth}")
        if not _same(res.answer, truth):
            return VariantRejected("agent_wrong", f"answer {res.answer}, truth {truth}")
        return Variant({"id": variant_id, "question": question, "answer": truth, "seed_id": seed.problem.id,
                        "seed_question": seed.problem.question, "seed_answer": seed.answer,
                        "perturbation": perturbation, "program": program, "agent_trace_id": res.trace_id,
                        "seed_trace_id": seed.trace_id, "verified": True, "level": judged.level,
                        "confidence": judged.confidence})

    # -- one seed ------------------------------------------------------------------------------------

    def run_seed(self, problem: Problem, on_record: Callable[[dict], None] | None = None) -> SeedOutcome:
        seed = self.prepare_seed(problem)
        if isinstance(seed, SeedRejected):
            return SeedOutcome(problem, None, seed)
        out = SeedOutcome(problem, seed, None)
        rng = random.Random(f"{self.settings.seed}:{problem.id}")
        ranges = {inp.value: value_range(inp) for inp in seed.inputs}
        tried: set[tuple[Fraction, ...]] = set()
        for _ in range(self.settings.attempts()):
            if len(out.variants) >= self.settings.variants:
                break
            out.attempted += 1
            new = draw_perturbation(ranges, rng, keep_order=self.settings.keep_order)
            if new is None:
                out.rejects["order"] += 1
                continue
            key = tuple(new[v] for v in ranges)
            if key in tried:
                out.rejects["duplicate"] += 1
                continue
            tried.add(key)
            result = self.try_variant(seed, new, len(tried) - 1)
            if isinstance(result, VariantRejected):
                out.rejects[result.reason] += 1
                continue
            out.variants.append(result.record)
            if on_record is not None:
                on_record(result.record)
        return out


def _new_label(inp: InputNumber, value: Fraction) -> str:
    first = inp.text[0]
    if first.word:
        from mathagent.datasets.synth.numbers import format_text_number

        return format_text_number(first, value)
    return format_decimal(value, inp.decimals, commas=first.commas)


def seed_program(steps: list[dict], derivations: list[dict], answer: str) -> str | None:
    """The program whose output became ``answer``: the first program derivation of the winning cluster (cluster
    0) whose step ran and printed it (``steps`` and ``derivations`` as :class:`SolveResult` gives them)."""
    from mathagent.agent.parsing import answer_from_output

    by_index = {s.get("index"): s for s in steps}
    for d in sorted(derivations, key=lambda d: d.get("index", 0)):
        if d.get("method") != "pot" or d.get("cluster") != 0 or not d.get("valid"):
            continue
        step = by_index.get(d.get("step_index"))
        if step is None or step.get("status") != "ok":
            continue
        printed = answer_from_output(step.get("output") or "")
        if printed and _same(printed, answer):
            return step.get("input") or None
    return None


def synthesize(problems: Iterable[Problem], ctx, settings: SynthSettings, *, solve: Solve,
               on_record: Callable[[dict], None] | None = None,
               on_seed: Callable[[SeedOutcome], None] | None = None) -> SynthReport:
    """Run the pipeline over ``problems``, each solve through ``solve`` (the caller's agent, e.g.
    :func:`mathagent.agent.runner.solve_problem`); kept records go to ``on_record`` as they are made."""
    synth = Synthesizer(ctx, settings, solve)
    report = SynthReport()
    for problem in problems:
        outcome = synth.run_seed(problem, on_record)
        report.add(outcome)
        if on_seed is not None:
            on_seed(outcome)
    return report
