"""The dataset card (README.md) written next to every export.

It states what a reader needs to trust or reuse the file: how many records,
which filters and drops produced them, the runs and models they came from,
and the licenses of the source problems (the table below; a dataset not in
it is listed as "unknown - check before redistributing").
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
    by_route: dict[str, int] = field(default_factory=dict)
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


def render_card(*, fmt: str, output: Path, stats: ExportStats, filters: dict[str, Any], options: dict[str, Any],
                exclusions: list[str], created: datetime | None = None) -> str:
    created = created or datetime.now(timezone.utc)
    lines = [CARD_MARKER, f"# Dataset card: {output.name}", "",
             f"Exported by `mathagent export` on {created.isoformat(timespec='seconds')} "
             f"in the `{fmt}` format from the mathagent trace database: solutions the agent found and checked "
             "(SymPy-sandboxed programs plus independent cross-checks).", "",
             "## Counts", "",
             "| | records |", "|---|---|",
             f"| traces matching the filters | {stats.matched} |",
             f"| written | {stats.written} |",
             f"| dropped: no exportable solution | {stats.not_convertible} |",
             f"| dropped: contaminated (overlap with excluded test sets) | {stats.contaminated} |",
             f"| dropped: duplicate problem | {stats.duplicate_problem} |",
             f"| dropped: near-identical solution | {stats.duplicate_solution} |", ""]
    if stats.by_route:
        lines += ["Solutions by route: " + ", ".join(f"{k}: {v}" for k, v in sorted(stats.by_route.items())), ""]
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
