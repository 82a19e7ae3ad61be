"""``mathagent report``: a static HTML report of one eval run.

``index.html`` holds the run's configuration, accuracy per strategy with 95%
Wilson intervals (table and chart), the verification levels (per level: the
agent's own gold-free level measured against gold, precision and coverage with
Wilson intervals) and the confidence curve (precision and coverage per
threshold, the smallest threshold that reaches the target precision, and its
coverage), accuracy by MATH level and subject, tool-call counts, failure
categories, the latency distribution and a table of every attempt linking to
``traces/<id>.html`` (problem, level and confidence, derivations, steps, code,
outputs, checks, LLM calls).  ``levels.json`` next to it is the figures file
(:mod:`mathagent.eval.levels`) that ``mathagent export --precision-file`` reads.

Problems, model output and program output are hostile text: every string is
passed through :func:`html.escape` (quotes included), file names are derived
from hex ids only, and each page carries a Content-Security-Policy that
forbids scripts and remote loads, as a second line of defence.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from html import escape
from pathlib import Path
from typing import Any

from mathagent.eval.report import svg
from mathagent.eval.failures import FAILURE_CATEGORIES
from mathagent.eval.report.data import (
    LEVEL_LABELS,
    LEVEL_ROWS,
    LEVELS_NOTE,
    PAIRED_HEADERS,
    PAIRED_NOTE,
    TOOL_BUCKETS,
    ReportData,
    accuracy_by,
    config_items,
    failure_counts,
    latency_stats,
    meta_key,
    paired_cells,
    strategy_comparisons,
    threshold_text,
    tool_call_stats,
)

CATEGORY_COLORS = {"correct": "#4a9a5b", "wrong_answer": "#b8454b", "timeout": "#e07b39",
                   "sandbox_error": "#7d5fb2", "parse_failure": "#8c6d3f", "no_answer": "#9a9a9a",
                   "llm_error": "#c767a5"}
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px auto;max-width:1100px;color:#222;
 padding:0 16px;line-height:1.45}
h1{font-size:1.6em;margin-bottom:4px}h2{margin-top:32px;border-bottom:1px solid #ddd;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0;font-size:14px}th,td{border:1px solid #ddd;padding:4px 8px;
 text-align:left;vertical-align:top}th{background:#f4f6f8}td.num{text-align:right;font-variant-numeric:tabular-nums}
.ok{color:#1f7a35;font-weight:600}.bad{color:#b3261e;font-weight:600}.muted{color:#777}
pre{background:#f6f8fa;border:1px solid #e1e4e8;padding:8px;overflow-x:auto;white-space:pre-wrap;
 word-break:break-word;font-size:13px;max-height:480px;overflow-y:auto}
.step{border:1px solid #ddd;border-radius:6px;padding:8px 12px;margin:10px 0}
.step h3{margin:0 0 6px 0;font-size:15px}.chart{margin:8px 16px 8px 0;border:1px solid #eee;background:#fff}
.charts{display:flex;flex-wrap:wrap}code{background:#f6f8fa;padding:1px 4px}
"""


def e(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def safe_name(trace_id: str) -> str:
    """A file name for a trace page: the id when it is plain hex, else a hash of it."""
    if re.fullmatch(r"[0-9a-f]{1,64}", trace_id or ""):
        return trace_id
    return hashlib.sha256(str(trace_id).encode("utf-8", "replace")).hexdigest()[:32]


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{e(title)}</title><style>{STYLE}</style></head><body>{body}</body></html>\n")


def _pct(v: float | None) -> str:
    return "–" if v is None else f"{v:.1%}"


def _num(v: Any, fmt: str = "{:.2f}") -> str:
    return "–" if v is None else fmt.format(v)


def _table(headers: list[str], rows: list[list[str]], *, raw: bool = False) -> str:
    """A table; cells are escaped unless ``raw`` (then the caller escaped them)."""
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{c if raw else e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _config_section(data: ReportData) -> str:
    c = data.run.config
    rows = [[k, ", ".join(map(str, v)) if isinstance(v, list) else str(v)] for k, v in config_items(c)]
    created = data.run.created_at.isoformat(timespec="seconds") if data.run.created_at else "?"
    return (f"<h1>Eval run {e(data.run.id)}</h1><p class=\"muted\">dataset {e(data.run.dataset)} · status "
            f"{e(data.run.status)} · created {e(created)} · {len(data.traces)} attempts</p>"
            f"<details><summary>Configuration</summary>{_table(['setting', 'value'], rows)}</details>")


def _accuracy_section(data: ReportData) -> str:
    headers = ["strategy", "problems", "attempts", "correct", "accuracy", "95% CI"]
    k = data.samples
    if k > 1:
        headers += [f"maj@{k}", f"pass@{k}"]
    headers += ["verified precision", "verified coverage", "mean s", "tokens"]
    rows = []
    for s in data.strategies:
        m = data.summary[s]
        lo, hi = m["accuracy_ci95"]
        row = [s, str(m["n"]), str(m["attempts"]), str(m["correct"]), _pct(m["accuracy"]), f"{lo:.1%} – {hi:.1%}"]
        if k > 1:
            row += [_pct(m.get("maj_at_k")), _pct(m.get("pass_at_k"))]
        row += [_pct(m["verified_precision"]), _pct(m["verified_coverage"]), _num(m["mean_seconds"]),
                str(m["tokens"])]
        rows.append(row)
    chart = svg.bar_chart("Accuracy per strategy (95% Wilson CI)", data.strategies,
                          [data.summary[s]["accuracy"] for s in data.strategies],
                          [tuple(data.summary[s]["accuracy_ci95"]) for s in data.strategies])
    return f"<h2>Accuracy per strategy</h2>{_table(headers, rows)}<div class=\"charts\">{chart}</div>"


def _level_section(data: ReportData) -> str:
    if not data.levels:
        return ("<h2>Verification levels</h2><p class=\"muted\">No strategy of this run judged its own answers "
                "(levels and confidence come from the agent strategy).</p>")
    rows = []
    for s, fig in data.levels.items():
        for key in LEVEL_ROWS:
            m = fig["levels"][key]
            lo, hi = m["ci95"]
            rows.append([s, LEVEL_LABELS[key], str(m["n"]), str(m["correct"]), _pct(m["precision"]),
                         f"{lo:.1%} – {hi:.1%}" if m["n"] else "–", _pct(m["coverage"])])
    table = _table(["strategy", "agent level", "attempts", "right", "precision", "95% CI", "coverage"], rows)
    return f"<h2>Verification levels</h2>{table}<p class=\"muted\">{e(LEVELS_NOTE)}</p>"


def _confidence_section(data: ReportData) -> str:
    parts = []
    for s, fig in data.levels.items():
        curve = fig["curve"]
        if not curve:
            continue
        xs = [p["threshold"] for p in curve]
        chosen = fig.get("threshold")
        chart = svg.line_chart(f"{s}: precision and coverage by confidence threshold", xs,
                               {"precision": [p["precision"] for p in curve],
                                "coverage": [p["coverage"] for p in curve]},
                               x_label="confidence threshold (answers with confidence ≥ t)",
                               hline=(f"target {fig['target']:.0%}", fig["target"]),
                               mark_x=chosen["threshold"] if chosen else None)
        parts.append(f"<div class=\"charts\">{chart}</div><p>{e(threshold_text(fig))}</p>")
    if not parts:
        return ""
    return "<h2>Confidence: precision and coverage</h2>" + "".join(parts)


def _paired_section(data: ReportData) -> str:
    pairs = strategy_comparisons(data)
    if not pairs:
        return ""
    table = _table(list(PAIRED_HEADERS), [paired_cells(c) for c in pairs])
    return f"<h2>Strategies compared problem by problem</h2>{table}<p class=\"muted\">{e(PAIRED_NOTE)}</p>"


def _grouped_section(data: ReportData, title: str, meta_name: str) -> str:
    groups = accuracy_by(data.traces, meta_key(meta_name), data.strategies)
    if not groups:
        return ""
    rows = []
    for g, cells in groups.items():
        row = [e(g)]
        for s in data.strategies:
            c = cells.get(s)
            if c is None:
                row.append("–")
            else:
                lo, hi = c.ci
                row.append(f"{_pct(c.accuracy)} <span class=\"muted\">({c.correct}/{c.attempts}, "
                           f"{lo:.0%}–{hi:.0%})</span>")
        rows.append(row)
    return f"<h2>{e(title)}</h2>" + _table([meta_name, *data.strategies], rows, raw=True)


def _tools_section(data: ReportData) -> str:
    stats = tool_call_stats(data.traces, data.strategies)
    rows = []
    for s in data.strategies:
        st = stats[s]
        statuses = ", ".join(f"{k}: {v}" for k, v in st["statuses"].items()) or "–"
        rows.append([s, str(st["total"]), _num(st["mean"]), *[str(st["histogram"][b]) for b in TOOL_BUCKETS],
                     statuses])
    headers = ["strategy", "tool calls", "per attempt", *[f"{b} calls" for b in TOOL_BUCKETS], "call statuses"]
    return "<h2>Tool calls</h2>" + _table(headers, rows)


def _failures_section(data: ReportData) -> str:
    counts = failure_counts(data.traces, data.strategies)
    cats = ["correct", *FAILURE_CATEGORIES]
    rows = [[s, *[str(counts[s].get(c, 0)) for c in cats]] for s in data.strategies]
    chart = svg.stacked_bars("Outcomes per strategy", data.strategies, cats, [counts[s] for s in data.strategies],
                             CATEGORY_COLORS)
    return ("<h2>Failure categories</h2>" + _table(["strategy", *cats], rows)
            + f"<div class=\"charts\">{chart}</div>")


def _latency_section(data: ReportData) -> str:
    stats = latency_stats(data.traces, data.strategies)
    rows = [[s, _num(stats[s]["p50"]), _num(stats[s]["p90"]), _num(stats[s]["max"])] for s in data.strategies]
    chart = svg.histogram("Seconds per attempt", {s: stats[s]["values"] for s in data.strategies})
    return ("<h2>Latency</h2>" + _table(["strategy", "p50 s", "p90 s", "max s"], rows)
            + f"<div class=\"charts\">{chart}</div>")


def _traces_section(data: ReportData) -> str:
    rows = []
    for t in data.traces:
        mark = ('<span class="ok">✓</span>' if t["correct"] else '<span class="bad">✗</span>')
        rows.append([f"<a href=\"traces/{safe_name(t['id'])}.html\">{e(t['problem_id'] or t['id'][:12])}</a>",
                     e(t["strategy"]), e(t["sample_index"]), e(_clip(t["answer"], 60)), e(_clip(t["gold"], 60)),
                     mark, e(t.get("agent_level")), e(_num(t.get("confidence"))), e(t["category"]),
                     e(f"{t['seconds']:.2f}")])
    headers = ["problem", "strategy", "sample", "answer", "gold", "correct", "agent level", "confidence", "category",
               "s"]
    return "<h2>Attempts</h2>" + _table(headers, rows, raw=True)


def _clip(text: Any, n: int) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= n else s[: n - 1] + "…"


def render_index(data: ReportData) -> str:
    body = "".join([
        _config_section(data), _accuracy_section(data), _level_section(data), _confidence_section(data),
        _paired_section(data),
        _grouped_section(data, "Accuracy by MATH level", "level"),
        _grouped_section(data, "Accuracy by subject", "subject"),
        _tools_section(data), _failures_section(data), _latency_section(data), _traces_section(data),
    ])
    return _page(f"mathagent eval {data.run.id}", body)


CODE_ROUTES = ("pot", "repair", "calc")  # steps whose input is a program (calc: rows written before derivations)


def _derivations_table(t: dict[str, Any]) -> str:
    if not t.get("derivations"):
        return "<p class=\"muted\">no derivations recorded</p>"
    rows = [[str(d["index"]), d["method"], d["prompt"], _clip(d["answer"], 60) or "–",
             "valid" if d["valid"] else f"invalid: {d['reason']}",
             {0: "0 (winner)", -1: "– (did not vote)"}.get(d["cluster"], str(d["cluster"])), str(d["step_index"])]
            for d in t["derivations"]]
    return _table(["#", "method", "prompt", "answer", "valid", "cluster", "step"], rows)


def render_trace(t: dict[str, Any], run_id: str) -> str:
    verdict = '<span class="ok">correct</span>' if t["correct"] else '<span class="bad">incorrect</span>'
    grade = (t.get("meta") or {}).get("grade") or {}
    parts = [
        "<p><a href=\"../index.html\">← back to the run</a></p>",
        f"<h1>{e(t['problem_id'])} · {e(t['strategy'])} · sample {e(t['sample_index'])}</h1>",
        (f"<p class=\"muted\">trace {e(t['id'])} · run {e(run_id)} · {e(t['model'])} ({e(t['backend'])}) · "
         f"{e(t['usage']['prompt_tokens'])}+{e(t['usage']['completion_tokens'])} tokens · "
         f"{float(t['seconds'] or 0.0):.2f} s</p>"),
        "<h2>Problem</h2>", f"<pre>{e(t['problem'])}</pre>",
        "<h2>Result</h2>",
        _table(["answer", "gold", "grade", "level", "agent level", "confidence", "status", "category"],
               [[e(t["answer"]), e(t["gold"]), f"{verdict} <span class=\"muted\">{e(grade.get('detail', ''))}</span>",
                 e(t.get("level")), e(t.get("agent_level")), e(_num(t.get("confidence"))), e(t["status"]),
                 e(t.get("category", ""))]], raw=True),
    ]
    if t.get("error"):
        parts.append(f"<p class=\"bad\">error: {e(t['error'])}</p>")
    parts += ["<h2>Derivations</h2>", _derivations_table(t), "<h2>Steps</h2>"]
    for s in t["steps"]:
        title = f"step {s['index']} · {s['route']} · {s['status']} · {s['ms']:.0f} ms"
        if s["route"] in CODE_ROUTES:
            inner = f"<div>code</div><pre>{e(s['input'])}</pre><div>output</div><pre>{e(s['output'])}</pre>"
        else:
            inner = f"<div class=\"muted\">{e(s['input'])}</div><pre>{e(s['output'])}</pre>"
        parts.append(f"<div class=\"step\"><h3>{e(title)}</h3>{inner}</div>")
    if not t["steps"]:
        parts.append("<p class=\"muted\">no steps recorded</p>")
    parts.append("<h2>Checks</h2>")
    parts.append(_table(["check", "verdict", "independent", "formal", "detail"],
                        [[c["name"], c["verdict"], "yes" if c.get("independent", True) else "no",
                          "yes" if c.get("formal") else "no", c["detail"]] for c in t["checks"]])
                 if t["checks"] else "<p class=\"muted\">no checks ran</p>")
    parts.append("<h2>LLM calls</h2>")
    for i, c in enumerate(t["llm_calls"]):
        msgs = "".join(f"<div><b>{e(m.get('role'))}</b></div><pre>{e(m.get('content'))}</pre>"
                       for m in c["messages"] if isinstance(m, dict))
        parts.append(f"<details><summary>call {i} · {e(c['purpose'])} · {e(c['prompt_tokens'])}+"
                     f"{e(c['completion_tokens'])} tokens · {float(c['ms'] or 0.0):.0f} ms</summary>"
                     f"{msgs}<div><b>response</b></div><pre>{e(c['response'])}</pre></details>")
    return _page(f"trace {t['id']}", "".join(parts))


FIGURES_FILE = "levels.json"


def write_report(data: ReportData, out_dir: Path, inputs: Iterable[tuple[str | Path, str]] = ()) -> Path:
    """Write index.html, report.md (the same tables as Markdown), one page per trace and, when a strategy judged
    its own answers, ``levels.json`` (the figures file of the agent strategy, else the first); return the index
    path.

    Every path is checked before anything is written or removed (:func:`mathagent.outputs.output_path`: never one
    of ``inputs``, e.g. the trace database, never a special file; :func:`mathagent.outputs.distinct_outputs`);
    folders are created only when the first file is written, and each file goes through
    :func:`mathagent.outputs.write_text` (a temporary file renamed into place).  Without figures, a
    ``levels.json`` left by an earlier report is removed (it would be quoted as this run's), but only a figures
    file: anything else of that name is left alone."""
    from mathagent.eval.report.markdown import markdown_report
    from mathagent.outputs import distinct_outputs, output_path, write_text

    inputs = tuple(inputs)
    figures_path = out_dir / FIGURES_FILE
    pages: list[tuple[Path, Callable[[], str]]] = [
        (out_dir / "traces" / f"{safe_name(t['id'])}.html", functools.partial(render_trace, t, data.run.id))
        for t in data.traces]
    pages += [(out_dir / "index.html", lambda: render_index(data)),
              (out_dir / "report.md", lambda: markdown_report(data))]
    if data.levels:
        figures = data.levels.get("agent") or next(iter(data.levels.values()))
        pages.append((figures_path, lambda: json.dumps(figures, indent=1) + "\n"))
    # before any work: every file this report writes (or removes) is checked, and told apart from the others
    targets = [output_path(path, "--out", inputs=inputs, create_parent=True) for path, _ in pages]
    stale = None if data.levels else output_path(figures_path, "--out", inputs=inputs, create_parent=True)
    distinct_outputs([(t, "--out") for t in targets])
    if stale is not None and not _is_figures_file(stale):
        stale = None
    for target, (_, render) in zip(targets, pages):
        write_text(target, render(), inputs=inputs)
    if stale is not None:
        stale.unlink(missing_ok=True)
    return targets[len(data.traces)]  # index.html


def _is_figures_file(path: Path) -> bool:
    """Whether ``path`` is a figures file (one a report wrote), not some other file that happens to share its name."""
    from mathagent.errors import InputError
    from mathagent.eval.levels import read_figures

    if not path.is_file():
        return False
    try:
        read_figures(path)
    except InputError:
        return False
    return True
