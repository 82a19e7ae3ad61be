"""Writing synthetic records (JSONL, one per line, as they are made) and a readable markdown sample."""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from mathagent.datasets.errors import DatasetError
from mathagent.datasets.synth import SeedOutcome, SynthReport
from mathagent.outputs import AtomicOutput, write_text

SAMPLE_SEEDS = 10


class JsonlWriter(contextlib.AbstractContextManager):
    """Writes records to ``path``, one JSON object a line, flushing each so an interrupted run keeps them.

    The records go to a temporary file beside ``path`` (:class:`mathagent.outputs.AtomicOutput`), renamed
    onto it by :meth:`finish` (an empty file when the run kept nothing) or, when the run stops early
    (an error, Ctrl-C), as soon as one record was kept; a run that fails before either leaves no file and
    the old one untouched.  ``inputs`` are files the output may never replace.
    """

    def __init__(self, path: Path, inputs: Iterable[tuple[str | Path, str]] = ()):
        self.path = path
        self.inputs = tuple(inputs)
        self.out: AtomicOutput | None = None
        self.fh: IO[str] | None = None
        self.written = 0

    def _open(self) -> IO[str]:
        if self.fh is None:
            try:
                self.out = AtomicOutput(self.path, inputs=self.inputs)
                self.fh = self.out.open("w", encoding="utf-8")
            except OSError as exc:
                raise DatasetError(f"cannot write {self.path}: {exc.strerror or exc}", "choose a writable --out file") \
                    from exc
        return self.fh

    def __call__(self, record: dict[str, Any]) -> None:
        fh = self._open()
        try:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            fh.flush()
        except OSError as exc:
            raise DatasetError(f"cannot write {self.path}: {exc.strerror or exc}", "free some space or choose "
                               "another --out file") from exc
        self.written += 1

    def finish(self) -> None:
        self._open()
        self._close(keep=True)

    def _close(self, *, keep: bool) -> None:
        if self.fh is not None:
            self.fh.close()
            self.fh = None
        if self.out is not None and not self.out.done:
            if keep:
                self.out.commit()
            else:
                self.out.discard()

    def __exit__(self, *exc) -> None:
        self._close(keep=self.written > 0)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line.strip() else ">" for line in text.strip().splitlines())


def _seed_section(o: SeedOutcome) -> list[str]:
    seed = o.seed
    lines = [f"## {o.problem.id}", "", f"**Seed** (answer: `{seed.answer}`)", "", _quote(o.problem.question),
             "", "Program:", "", "```python", seed.program.rstrip(), "```", ""]
    rejects = ", ".join(f"{k} {v}" for k, v in sorted(o.rejects.items())) or "none"
    lines += [f"Kept {len(o.variants)} of {o.attempted} attempts (rejected: {rejects}).", ""]
    for rec in o.variants:
        change = ", ".join(f"{old} → {new}" for old, new in rec["perturbation"].items())
        level = f"level {rec.get('level', '?')}" + (f", confidence {rec['confidence']:.2f}"
                                                     if isinstance(rec.get("confidence"), (int, float)) else "")
        lines += [f"**{rec['id']}** (answer: `{rec['answer']}`; {level}; {change})", "", _quote(rec["question"]), ""]
    return lines


def samples_markdown(report: SynthReport, *, max_seeds: int = SAMPLE_SEEDS) -> str:
    """Seeds next to their kept variants: the yield and reject counts first, then up to ``max_seeds`` seeds."""
    lines = ["# Synthetic problems: a sample", "",
             (f"Seeds: {report.seeds} read, {report.seeds_used} usable. "
              f"Variants: {report.kept} kept of {report.attempted} attempted (yield {report.yield_rate:.1%})."), ""]
    if report.seed_rejects:
        lines += ["Seeds not used: " + ", ".join(f"{k} {v}" for k, v in sorted(report.seed_rejects.items())), ""]
    if report.rejects:
        lines += ["Variants rejected: " + ", ".join(f"{k} {v}" for k, v in sorted(report.rejects.items())), ""]
    levels = Counter(rec.get("level", "?") for o in report.outcomes for rec in o.variants)
    if levels:
        lines += ["Every kept variant's answer equals the recomputed ground truth and reached the agent's own level "
                  "(gold-free): " + ", ".join(f"{k} {v}" for k, v in sorted(levels.items())) + ".", ""]
    shown = [o for o in report.outcomes if o.variants][:max_seeds]
    if not shown:
        lines += ["No variant was kept.", ""]
    for o in shown:
        lines += _seed_section(o)
    return "\n".join(lines).rstrip() + "\n"


def write_samples(path: Path, report: SynthReport, inputs: Iterable[tuple[str | Path, str]] = ()) -> None:
    write_text(path, samples_markdown(report), inputs=inputs, flag="--samples-file")
