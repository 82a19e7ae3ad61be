"""The dataset card (README.md) written next to every export.

It states what a reader needs to trust or reuse the file: how many records,
which filters and drops produced them, the verification level of the records
with the precision measured for each level (from a figures file, see
:mod:`mathagent.eval.levels`; "not measured" without one), the runs and models
they came from, and the licenses of the source problems (the table below; a
dataset not in it is listed as "unknown - check before redistributing").
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from mathagent.files import FileProblem, open_input

CARD_MARKER = "<!-- written by `mathagent export` -->"

# name -> (license, copyright / origin)
SOURCE_LICENSES: dict[str, tuple[str, str]] = {
    "gsm8k": ("MIT", "Copyright (c) 2021 OpenAI - github.com/openai/grade-school-math"),
    "math": ("MIT", "Copyright (c) 2021 Dan Hendrycks - github.com/hendrycks/math"),
    "minif2f": ("MIT", "Copyright (c) Meta Platforms, Inc. and affiliates - Lean 4 port yangky11/miniF2F-lean4"),
    "proofnet": ("MIT", "Azerbayev et al. 2023; Lean 4 port rahul3613/ProofNet-lean4 (c) 2024 Rahul Vishwakarma"),
}
UNKNOWN_LICENSE = ("unknown", "check the source's license before redistributing")
MAX_LISTED = 50


def license_of(dataset: str | None) -> tuple[str, str]:
    if not dataset:
        return ("n/a", "problems typed by users (`mathagent solve`): check their origin")
    key = dataset.lower().split("-")[0].split("/")[-1]
    return SOURCE_LICENSES.get(key, UNKNOWN_LICENSE)


@dataclass
class ExportStats:
    """Counts of one export; every dropped trace is counted under exactly one reason."""

    matched: int = 0
    written: int = 0
    not_convertible: int = 0
    contaminated: int = 0
    duplicate_problem: int = 0
    duplicate_solution: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    by_level: dict[str, int] = field(default_factory=dict)
    datasets: dict[str, int] = field(default_factory=dict)
    models: dict[str, int] = field(default_factory=dict)
    runs: dict[str, int] = field(default_factory=dict)

    def note(self, kind: str, key: str | None) -> None:
        table: dict[str, int] = getattr(self, kind)
        k = key if key is not None else "(none)"
        if k in table or len(table) < MAX_LISTED:
            table[k] = table.get(k, 0) + 1

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _table(title: str, counts: dict[str, int]) -> list[str]:
    if not counts:
        return []
    rows = [f"### {title}", "", "| value | records |", "|---|---|"]
    rows += [f"| {k} | {v} |" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]
    if len(counts) >= MAX_LISTED:
        rows.append(f"| (only the first {MAX_LISTED} distinct values are listed) | |")
    return rows + [""]


LEVEL_MEANING = {
    "gold": "graded equal to a known answer (an eval or synth gold answer)",
    "formal": "a claim about the answer was checked by a formal backend (SMT or Lean)",
    "consensus": "independent derivations of at least two methods (a chain of thought among them) agreed, none valid "
                 "disagreed",
    "unverified": "none of the above",
}


def _md(value: Any) -> str:
    """Text from a file, safe in one Markdown table cell."""
    return str(value).replace("|", "\\|").replace("`", "'").replace("\n", " ")[:200]


def _precision_cell(level: str, figures: dict[str, Any] | None) -> tuple[str, str]:
    """(the precision measured for ``level``, where) from a figures file; gold is right by construction."""
    if level == "gold":
        return "1 by construction (graded against the known answer)", "the grader"
    m = ((figures or {}).get("levels") or {}).get(level)
    if not m or not m.get("n"):
        return "not measured", "–"
    from mathagent.eval.metrics import wilson_interval

    lo, hi = wilson_interval(m["correct"], m["n"])
    where = (f"run `{_md(figures.get('run_id'))}` ({_md(figures.get('dataset'))}, strategy "
             f"{_md(figures.get('strategy'))}), agent level against gold")
    return f"{m['correct'] / m['n']:.3f} ({m['correct']}/{m['n']}, 95% CI {lo:.3f}–{hi:.3f})", where


def level_lines(stats: ExportStats, figures: dict[str, Any] | None, with_metadata: bool) -> list[str]:
    """The card's section on verification levels: the records per level and the precision measured for each."""
    lines = ["## Verification levels", ""]
    stated = ("Every record states its level in its metadata (`level`; the agent's own judgement is `agent_level` "
              "with its `confidence`)." if with_metadata else
              "This file's records carry no metadata (export with `--metadata` to have each record state its "
              "level); the level of every record is one of the rows below.")
    lines += [stated, "", "| level | records | meaning | precision measured for this level | measured on |",
              "|---|---|---|---|---|"]
    from mathagent.traces.records import LEVELS

    for level in [lv for lv in LEVELS if lv in stats.by_level] + sorted(set(stats.by_level) - set(LEVELS)):
        precision, where = _precision_cell(level, figures)
        lines.append(f"| {level} | {stats.by_level[level]} | {LEVEL_MEANING.get(level, '?')} | {precision} | "
                     f"{where} |")
    if not stats.by_level:
        lines.append("| (no records) | 0 | | | |")
    return lines + [""]


def render_card(*, fmt: str, output: Path, stats: ExportStats, filters: dict[str, Any], options: dict[str, Any],
                exclusions: list[str], created: datetime | None = None, figures: dict[str, Any] | None = None,
                with_metadata: bool = True) -> str:
    """The card's Markdown; ``figures``: a figures file (:func:`mathagent.eval.levels.figures`) or None."""
    created = created or datetime.now(timezone.utc)
    lines = [CARD_MARKER, f"# Dataset card: {output.name}", "",
             f"Exported by `mathagent export` on {created.isoformat(timespec='seconds')} "
             f"in the `{fmt}` format from the mathagent trace database: solutions the agent found and checked "
             "(SymPy-sandboxed programs, tool-integrated reasoning and chains of thought, voted over and checked; "
             "the level of each record is stated below).", "",
             "## Counts", "",
             "| | records |", "|---|---|",
             f"| traces matching the filters | {stats.matched} |",
             f"| written | {stats.written} |",
             f"| dropped: no exportable solution | {stats.not_convertible} |",
             f"| dropped: contaminated (overlap with excluded test sets) | {stats.contaminated} |",
             f"| dropped: duplicate problem | {stats.duplicate_problem} |",
             f"| dropped: near-identical solution | {stats.duplicate_solution} |", ""]
    if stats.by_method:
        lines += ["Solutions by method (pot: program, tir: tool-integrated reasoning, cot: chain of thought): "
                  + ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_method.items())), ""]
    lines += level_lines(stats, figures, with_metadata)
    lines += ["## Filters", ""]
    lines += [f"- `{k}`: {v}" for k, v in filters.items()] or ["- none (all answered traces)"]
    lines += [f"- `{k}`: {v}" for k, v in options.items()]
    lines += ["", "## Contamination guard", ""]
    if exclusions:
        lines += [f"- excluded: {src}" for src in exclusions]
        lines += [f"- {stats.contaminated} problems dropped (13-gram overlap at or above "
                  f"{options.get('overlap_threshold')})", ""]
    else:
        lines += ["- none: no `--exclude` files were given; check for benchmark overlap before training.", ""]
    lines += ["## Sources", ""]
    lines += _table("Datasets", stats.datasets) + _table("Models", stats.models) + _table("Eval runs", stats.runs)
    lines += ["## Licenses of the source problems", "", "| dataset | license | origin |", "|---|---|---|"]
    for name in sorted(stats.datasets):
        lic, origin = license_of(None if name == "(none)" else name)
        lines.append(f"| {name} | {lic} | {origin} |")
    lines += ["", "The solutions were generated by the models above; their use may be subject to those models' "
              "licenses.", ""]
    return "\n".join(lines)


def card_path(output: Path) -> Path:
    """``README.md`` next to the output, unless that file exists and was not written by us."""
    folder = output if output.is_dir() else output.parent
    readme = folder / "README.md"
    if os.path.lexists(readme):
        try:  # a FIFO or a device named README.md is not ours either (and must not block the export)
            with open_input(readme, "README.md") as f:
                head = f.read(800).decode("utf-8", errors="replace")[:200]
        except (OSError, FileProblem):
            head = ""
        if CARD_MARKER not in head:
            return folder / f"{output.stem if not output.is_dir() else output.name}.README.md"
    return readme
