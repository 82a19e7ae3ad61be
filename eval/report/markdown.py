"""A run as Markdown (``mathagent report RUN_ID --markdown``): the tables docs and papers quote.

Everything is computed from the run's rows (``ReportData``), never typed in:
the configuration stored with the run, accuracy per strategy with Wilson 95%
intervals, the agent's verified precision and coverage, the verification
levels (per level: precision and coverage of the agent's own gold-free level
against gold, Wilson 95% intervals), the confidence curve with the smallest
threshold reaching the target precision and its coverage, failure categories,
accuracy by MATH level and subject, and one line per problem.  Latency is
the median over *fresh* attempts only: an attempt with any call served from
the completion cache (``--cache``) did not pay for its model time.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from typing import Any

from mathagent.eval.failures import FAILURE_CATEGORIES
from mathagent.eval.runs import AGENT_VERIFIED
from mathagent.eval.report.data import (
    LEVEL_LABELS,
    LEVEL_ROWS,
    LEVELS_NOTE,
    PAIRED_HEADERS,
    PAIRED_NOTE,
    ReportData,
    accuracy_by,
    config_items,
    failure_counts,
    meta_key,
    paired_cells,
    strategy_comparisons,
    threshold_text,
)


def _cell(text: Any) -> str:
    """Table-cell text: pipes escaped, one line, no raw HTML (model output is untrusted)."""
    return (str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("|", "\\|")
            .replace("\n", " "))


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def _fresh(t: dict[str, Any]) -> bool:
    return not any(c.get("cached") for c in t.get("llm_calls") or [])


def strategy_table(data: ReportData) -> list[str]:
    lines = ["| strategy | correct / attempts | accuracy | 95% CI | marked verified | verified and correct | "
             "verified precision | verified coverage | median s (fresh attempts) | mean tokens |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for s in data.strategies:
        m = data.summary.get(s)
        if not m:
            continue
        ts = [t for t in data.traces if t["strategy"] == s]
        verified = [t for t in ts if t.get("agent_level") in AGENT_VERIFIED]
        fresh = [float(t["seconds"] or 0.0) for t in ts if _fresh(t)]
        tokens = [sum((t.get("usage") or {}).values()) for t in ts]
        lo, hi = m["accuracy_ci95"]
        median = f"{statistics.median(fresh):.1f} (n={len(fresh)})" if fresh else "–"
        lines.append(f"| {s} | {m['correct']} / {m['attempts']} | {_pct(m['accuracy'])} | {lo:.2f}–{hi:.2f} | "
                     f"{len(verified)} | {sum(bool(t['correct']) for t in verified)} | "
                     f"{_pct(m['verified_precision'])} | {_pct(m['verified_coverage'])} | {median} | "
                     f"{round(statistics.mean(tokens)) if tokens else '–'} |")
    return lines


CURVE_ROWS = 12


def level_table(data: ReportData) -> list[str]:
    """Per strategy that judges its own answers: each agent level's attempts, precision and coverage."""
    if not data.levels:
        return ["### Verification levels", "", "No strategy of this run judged its own answers.", ""]
    lines = ["### Verification levels", "",
             "| strategy | agent level | attempts | right | precision | 95% CI | coverage |",
             "|---|---|---|---|---|---|---|"]
    for s, fig in data.levels.items():
        for key in LEVEL_ROWS:
            m = fig["levels"][key]
            lo, hi = m["ci95"]
            ci = f"{lo:.2f}–{hi:.2f}" if m["n"] else "–"
            lines.append(f"| {s} | {LEVEL_LABELS[key]} | {m['n']} | {m['correct']} | {_pct(m['precision'])} | "
                         f"{ci} | {_pct(m['coverage'])} |")
    return [*lines, "", LEVELS_NOTE, ""]


def curve_points(curve: list[dict[str, Any]], chosen: dict[str, Any] | None, n: int = CURVE_ROWS) -> list[dict]:
    """At most ``n`` points of a confidence curve, evenly spread, always with the first, the last and ``chosen``."""
    if len(curve) <= n:
        return list(curve)
    picks = {round(i * (len(curve) - 1) / (n - 1)) for i in range(n)}
    out = [p for i, p in enumerate(curve) if i in picks]
    if chosen is not None and chosen not in out:
        out = sorted([*out, chosen], key=lambda p: p["threshold"])
    return out


def confidence_table(data: ReportData) -> list[str]:
    out: list[str] = []
    for s, fig in data.levels.items():
        if not fig["curve"]:
            continue
        out += [f"### Confidence: precision and coverage ({s})", "", threshold_text(fig), "",
                "| confidence ≥ | attempts | right | precision | 95% CI | coverage |", "|---|---|---|---|---|---|"]
        for p in curve_points(fig["curve"], fig.get("threshold")):
            lo, hi = p["ci95"]
            mark = " ←" if fig.get("threshold") and p["threshold"] == fig["threshold"]["threshold"] else ""
            out.append(f"| {p['threshold']:.4g}{mark} | {p['n']} | {p['correct']} | {_pct(p['precision'])} | "
                       f"{lo:.2f}–{hi:.2f} | {_pct(p['coverage'])} |")
        out.append("")
    return out


def paired_table(data: ReportData) -> list[str]:
    pairs = strategy_comparisons(data)
    if not pairs:
        return []
    lines = ["### Strategies compared problem by problem", "",
             "| " + " | ".join(PAIRED_HEADERS) + " |", "|---|" + "---|" * (len(PAIRED_HEADERS) - 1)]
    lines += ["| " + " | ".join(paired_cells(c)) + " |" for c in pairs]
    return [*lines, "", PAIRED_NOTE, ""]


def failure_table(data: ReportData) -> list[str]:
    counts = failure_counts(data.traces, data.strategies)
    cats = ("correct", *FAILURE_CATEGORIES)
    lines = ["| strategy | " + " | ".join(c.replace("_", " ") for c in cats) + " |",
             "|---|" + "---|" * len(cats)]
    for s in data.strategies:
        lines.append(f"| {s} | " + " | ".join(str(counts.get(s, {}).get(c, 0)) for c in cats) + " |")
    return lines


def grouped_table(data: ReportData, field: str, title: str) -> list[str]:
    groups = accuracy_by(data.traces, meta_key(field), data.strategies)
    if not groups:
        return []
    lines = [f"### Accuracy by {title}", "", f"| {title} | " + " | ".join(data.strategies) + " |",
             "|---|" + "---|" * len(data.strategies)]
    for g, cells in groups.items():
        row = [f"{cells[s].correct}/{cells[s].attempts}" if s in cells else "–" for s in data.strategies]
        lines.append(f"| {_cell(g)} | " + " | ".join(row) + " |")
    return lines + [""]


def problem_table(data: ReportData) -> list[str]:
    by_problem: dict[str, dict[str, dict]] = defaultdict(dict)
    gold: dict[str, str] = {}
    for t in data.traces:
        pid = t["problem_id"] or t["id"]
        by_problem[pid].setdefault(t["strategy"], t)  # first sample
        gold[pid] = t["gold"]
    lines = ["| problem | gold | " + " | ".join(data.strategies) + " |", "|---|---|" + "---|" * len(data.strategies)]

    def mark(t: dict | None) -> str:
        if t is None:
            return "–"
        text = f"{_cell(str(t['answer'] or 'none')[:40])} {'✓' if t['correct'] else '✗'}"
        level = t.get("agent_level") or "unverified"
        return text + (f" ({level})" if level != "unverified" else "")

    def order(pid: str):
        head, _, tail = pid.rpartition("/")
        return (head, int(tail)) if tail.isdigit() else (pid, -1)

    for pid in sorted(by_problem, key=order):
        lines.append(f"| {_cell(pid)} | {_cell(str(gold[pid])[:40])} | "
                     + " | ".join(mark(by_problem[pid].get(s)) for s in data.strategies) + " |")
    return lines


def markdown_report(data: ReportData, *, per_problem: bool = True) -> str:
    cfg = data.run.config
    n = len({t["problem_id"] for t in data.traces})
    out = [f"## Run `{data.run.id}`: {data.run.dataset}, {n} problem{'' if n == 1 else 's'}", "",
           f"Status: {data.run.status}.", "", "Configuration stored with the run:", ""]
    out += [f"- `{k}`: `{_cell(v)}`" for k, v in config_items(cfg)]
    events = [h for h in cfg.get("history") or [] if isinstance(h, dict) and h.get("event") == "extended"]
    out += [f"- extended: limit {h.get('previous_limit')} → {h.get('limit')} at {h.get('at')}" for h in events]
    out += [f"- regraded: {h.get('changed')} verdict(s) changed at {h.get('at')} (`{_cell(h.get('code_version'))}`)"
            for h in cfg.get("history") or [] if isinstance(h, dict) and h.get("event") == "regraded"]
    codes = list(dict.fromkeys(h["code_version"] for h in cfg.get("history") or []
                               if isinstance(h, dict) and h.get("event") == "start" and h.get("code_version")))
    if codes:
        out.append("- code of the (re)starts: " + ", ".join(f"`{_cell(c)}`" for c in codes))
    out += ["", "### Accuracy per strategy", "", *strategy_table(data), "", *level_table(data),
            *confidence_table(data), *paired_table(data), "### Failure categories", "", *failure_table(data), ""]
    out += grouped_table(data, "level", "MATH level") + grouped_table(data, "subject", "subject")
    if per_problem:
        out += ["### Per problem (✓ correct, ✗ wrong; in brackets the agent's own level when above unverified)", "",
                *problem_table(data), ""]
    return "\n".join(out)
