"""What the report shows, computed from a run's traces (plain dicts, no HTML here)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from mathagent.eval.failures import FAILURE_CATEGORIES, classify
from mathagent.eval.metrics import Paired, Row, strategy_pairs, summarize, wilson_interval
from mathagent.eval.levels import AGENT_LEVELS, DEFAULT_TARGET, figures, strategies_with_confidence
from mathagent.eval.runs import AGENT_VERIFIED, RunInfo, load_run
from mathagent.traces.db import session_scope
from mathagent.traces.models import ROWS, Trace
from mathagent.traces.store import trace_to_dict
from sqlalchemy import select
from sqlalchemy.orm import selectinload

TOOL_BUCKETS = ("0", "1", "2", "3", "4+")
CONFIG_KEYS = ("dataset", "data_path", "dataset_sha256", "limit", "order", "order_seed", "subjects", "levels",
               "strategies", "samples", "temperature", "seed",
               "max_samples", "max_repairs", "sample_temperature", "calc_timeout_s", "verify", "time_budget_s", "prompts",
               "fewshot",
               "backend", "model", "prefill",
               "model_sha256", "prompts_version", "code_version")


LEGACY_CONFIG_KEYS = ("max_turns", "tie_break")  # runs of the earlier agent (config schema 1)


def config_items(config: dict[str, Any]) -> list[tuple[str, Any]]:
    """The run's settings as the run applied them: read through :class:`EvalSpec`, so a setting added after
    the run was stored shows the value the run actually used; a run of the earlier agent (schema 1) is shown
    as stored, with its own settings (``max_turns``, ``tie_break``), since today's agent settings never
    applied to it."""
    from mathagent.errors import InputError
    from mathagent.eval.spec import CONFIG_SCHEMA, EvalSpec

    if config.get("schema", 1) < CONFIG_SCHEMA:
        keys = [k for k in CONFIG_KEYS if k not in ("max_samples", "sample_temperature", "prompts")]
        return [(k, config[k]) for k in (*keys, *LEGACY_CONFIG_KEYS) if k in config]
    try:
        values = EvalSpec.from_config(config).to_config()
    except (InputError, TypeError, ValueError, AttributeError):  # a hand-edited or foreign row
        values = config
    return [(k, values[k]) for k in CONFIG_KEYS if k in values]


@dataclass(frozen=True)
class ReportData:
    """A run's traces (``trace_to_dict()`` plus ``"category"``), its per-strategy summary and, per strategy that
    judges its own answers, the verification figures (:func:`mathagent.eval.levels.figures`)."""

    run: RunInfo
    strategies: list[str]
    samples: int
    summary: dict[str, dict]
    traces: list[dict[str, Any]]
    levels: dict[str, dict[str, Any]]  # strategy -> figures (levels, confidence curve, threshold at the target)
    target: float = DEFAULT_TARGET


def load_report_data(factory, run_id: str, *, target: float = DEFAULT_TARGET) -> ReportData:
    """Everything the report shows of run ``run_id``; ``target``: the precision the confidence threshold must reach."""
    info = load_run(factory, run_id)
    with session_scope(factory) as s:
        stmt = (select(Trace).where(Trace.run_id == run_id)
                .options(*(selectinload(getattr(Trace, name)) for name in ROWS))
                .order_by(Trace.problem_id, Trace.strategy, Trace.sample_index))
        traces = [trace_to_dict(t) for t in s.scalars(stmt)]
    for t in traces:
        t["category"] = classify(t)
    seen = list(dict.fromkeys(t["strategy"] for t in traces))
    configured = info.strategies
    strategies = configured + [s for s in seen if s not in configured]
    samples = info.samples
    rows = [row_of(t) for t in traces]
    summary = summarize(rows, strategies, samples)
    judged = [s for s in strategies if s in strategies_with_confidence(rows)]
    levels = {s: figures(rows, run_id=info.id, dataset=info.dataset, strategy=s, target=target) for s in judged}
    return ReportData(info, strategies, samples, summary, traces, levels, target)


def row_of(t: dict[str, Any]) -> Row:
    usage = t.get("usage") or {}
    return Row(problem_id=t["problem_id"] or t["id"], strategy=t["strategy"], sample_index=t["sample_index"],
               answer=t["answer"], correct=bool(t["correct"]), verified=t.get("agent_level") in AGENT_VERIFIED,
               seconds=float(t["seconds"] or 0.0),
               tokens=int(usage.get("prompt_tokens") or 0) + int(usage.get("completion_tokens") or 0),
               level=t.get("agent_level") or "unverified", confidence=t.get("confidence"))


@dataclass(frozen=True)
class Cell:
    correct: int
    attempts: int

    @property
    def accuracy(self) -> float | None:
        return self.correct / self.attempts if self.attempts else None

    @property
    def ci(self) -> tuple[float, float]:
        return wilson_interval(self.correct, self.attempts)


def accuracy_by(traces: Sequence[dict], key: Callable[[dict], str | None],
                strategies: Sequence[str]) -> dict[str, dict[str, Cell]]:
    """``{group: {strategy: Cell}}`` for traces where ``key`` gives a group (sorted by group)."""
    acc: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for t in traces:
        g = key(t)
        if g is None or g == "":
            continue
        cell = acc[str(g)][t["strategy"]]
        cell[0] += bool(t["correct"])
        cell[1] += 1
    return {g: {s: Cell(*acc[g][s]) for s in strategies if s in acc[g]} for g in sorted(acc)}


def meta_key(name: str) -> Callable[[dict], str | None]:
    def key(t: dict) -> str | None:
        v = (t.get("meta") or {}).get(name)
        return None if v is None else str(v)
    return key


def failure_counts(traces: Sequence[dict], strategies: Sequence[str]) -> dict[str, dict[str, int]]:
    out = {s: {c: 0 for c in ("correct", *FAILURE_CATEGORIES)} for s in strategies}
    for t in traces:
        out.setdefault(t["strategy"], {})
        out[t["strategy"]][t["category"]] = out[t["strategy"]].get(t["category"], 0) + 1
    return out


def tool_call_stats(traces: Sequence[dict], strategies: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per strategy: mean calls per attempt, a histogram of calls per attempt, and call statuses."""
    out: dict[str, dict[str, Any]] = {}
    for s in strategies:
        ts = [t for t in traces if t["strategy"] == s]
        per = [len(t["tool_calls"]) for t in ts]
        buckets = Counter(str(n) if n < 4 else "4+" for n in per)
        statuses = Counter(c["status"] for t in ts for c in t["tool_calls"])
        out[s] = {"attempts": len(ts), "total": sum(per), "mean": (sum(per) / len(per)) if per else None,
                  "histogram": {b: buckets.get(b, 0) for b in TOOL_BUCKETS}, "statuses": dict(sorted(statuses.items()))}
    return out


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100])."""
    if not values:
        return None
    v = sorted(values)
    idx = min(len(v) - 1, max(0, math.ceil(q / 100 * len(v)) - 1))
    return v[idx]


def latency_stats(traces: Sequence[dict], strategies: Sequence[str]) -> dict[str, dict[str, Any]]:
    out = {}
    for s in strategies:
        secs = [float(t["seconds"] or 0.0) for t in traces if t["strategy"] == s]
        out[s] = {"values": secs, "p50": percentile(secs, 50), "p90": percentile(secs, 90),
                  "max": max(secs) if secs else None}
    return out


def strategy_comparisons(data: ReportData) -> list[Paired]:
    """Every pair of the run's strategies, problem by problem (majority answer when sampled)."""
    return strategy_pairs((row_of(t) for t in data.traces), data.strategies, data.samples)


PAIRED_NOTE = ("Only the problems both strategies finished; with samples, a problem counts as right when its majority "
               "answer is. The p-value is the two-sided exact McNemar test on the problems only one got right.")
PAIRED_HEADERS = ("A vs B", "problems", "both right", "only A right", "only B right", "neither", "exact McNemar p")


def paired_cells(c: Paired) -> list[str]:
    """One comparison as table cells (shared by the HTML and the Markdown report)."""
    return [f"{c.a} vs {c.b}", str(c.n), str(c.both), str(c.only_a), str(c.only_b), str(c.neither),
            f"{c.p_value:.3g}"]


LEVEL_ROWS = (*AGENT_LEVELS[:2], "verified", AGENT_LEVELS[2])
LEVEL_LABELS = {"formal": "formal", "consensus": "consensus", "verified": "consensus or stronger",
                "unverified": "unverified"}
LEVELS_NOTE = ("The agent's own level of each attempt (gold-free: formal = a claim about the answer checked by a "
               "formal backend; consensus = independent derivations of two or more methods, a chain of thought among "
               "them, agree and no valid one disagrees) measured against the gold answer: precision = right / attempts at that level, "
               "coverage = attempts at that level / all attempts; 95% Wilson intervals.")


def threshold_text(fig: dict[str, Any]) -> str:
    """One sentence: the smallest confidence threshold reaching the target precision and its coverage."""
    t, target = fig.get("threshold"), f"{fig['target'] * 100:g}%"
    if t is None:
        best = max((p["precision"] for p in fig["curve"] if p["precision"] is not None), default=None)
        shown = "no answered attempt has a confidence" if best is None else f"the best precision is {best:.1%}"
        return f"No confidence threshold reaches precision {target} ({shown})."
    lo, hi = t["ci95"]
    return (f"Smallest confidence threshold reaching precision {target}: {t['threshold']:.4g} "
            f"(precision {t['precision']:.1%}, {t['correct']}/{t['n']}, 95% CI {lo:.1%}–{hi:.1%}; "
            f"coverage {t['coverage']:.1%} of {t['total']} attempts).")
