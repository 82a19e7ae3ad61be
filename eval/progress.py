"""A live progress bar for ``mathagent eval`` (stderr): ETA, throughput, running accuracy per strategy."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence

from mathagent.eval.items import ItemOutcome
from mathagent.eval.metrics import Row


class LiveProgress(contextlib.AbstractContextManager):
    def __init__(self, strategies: Sequence[str], done_rows: Iterable[Row] = ()):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.strategies = list(strategies)
        self.counts = {s: [0, 0] for s in self.strategies}  # correct, attempts
        for r in done_rows:
            if r.strategy in self.counts:
                self.counts[r.strategy][0] += r.correct
                self.counts[r.strategy][1] += 1
        self._rate_items = 0
        self.progress = Progress(
            TextColumn("[bold]eval[/bold]"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(),
            TextColumn("{task.fields[acc]}"), console=Console(stderr=True), transient=False)
        self.task = None

    def __enter__(self) -> LiveProgress:
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def _acc(self) -> str:
        parts = []
        for s, (c, n) in self.counts.items():
            parts.append(f"{s} {c / n:.0%}" if n else f"{s} –")
        return " · ".join(parts)

    def plan(self, total: int, already_done: int) -> None:
        self.task = self.progress.add_task("eval", total=total, completed=already_done, rate="", acc=self._acc())

    def update(self, outcome: ItemOutcome, finished: int, remaining_at_start: int) -> None:
        if outcome.written and outcome.strategy in self.counts:
            self.counts[outcome.strategy][0] += outcome.correct
            self.counts[outcome.strategy][1] += 1
        if self.task is None:
            return
        task = self.progress.tasks[self.task]
        elapsed = task.elapsed or 0.0
        rate = f"{finished / elapsed * 60:.1f}/min" if elapsed > 0 else ""
        self.progress.update(self.task, advance=1, rate=rate, acc=self._acc())
