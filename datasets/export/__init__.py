"""Exporting traces as training data (``mathagent export``), each record with its verification level.

The pipeline is one pass over a stream: SQL filters -> conversation ->
contamination guard -> deduplication -> writer, with every dropped trace
counted under one reason, then the dataset card.  Memory stays flat in the
number of traces: the database streams in batches (:mod:`export_source`), the
deduplicator keeps only the current problem's kept solutions, the writers
append as they go.  The output is written to a temporary file in the target
folder and renamed at the end, so a failed export leaves no half-written file; it is never an input
of the export (the database, an --exclude file) nor a special file (:mod:`mathagent.files`).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import OperationalError

from mathagent.datasets.export.card import ExportStats, card_path, render_card
from mathagent.datasets.export.contamination import ContaminationIndex, load_exclusions
from mathagent.datasets.export.conversation import build_conversation
from mathagent.datasets.export.dedup import Deduplicator
from mathagent.datasets.export.formats import FORMATS
from mathagent.datasets.export.source import MIN_LEVELS, ExportFilters, count_matching, stream_traces
from mathagent.datasets.export.writers import open_writer
from mathagent.errors import DatabaseError, InputError
from mathagent.outputs import AtomicOutput, distinct_outputs, output_path, write_text

Progress = Callable[[int, int | None], None]  # (traces processed, total or None)


@dataclass(frozen=True)
class ExportOptions:
    fmt: str
    out: str | Path  # as typed: a trailing slash means a folder
    filters: ExportFilters = field(default_factory=ExportFilters)
    exclude: tuple[Path, ...] = ()
    overlap_threshold: float = 0.5
    max_per_problem: int = 1
    solution_similarity: float = 0.9
    attempts: Literal["all", "last"] = "all"
    with_metadata: bool | None = None   # None: the format's default
    precision_file: Path | None = None  # a figures file (eval.levels): the precision measured per level, for the card
    batch: int = 500

    def describe(self) -> dict:
        return {"format": self.fmt, "max_per_problem": self.max_per_problem,
                "solution_similarity": self.solution_similarity, "attempts": self.attempts,
                "overlap_threshold": self.overlap_threshold}


@dataclass(frozen=True)
class ExportResult:
    output: Path
    card: Path
    stats: ExportStats
    seconds: float

    def to_dict(self) -> dict:
        return {"output": str(self.output), "card": str(self.card), "seconds": round(self.seconds, 3),
                **self.stats.to_dict()}


def output_file(fmt: str, out: str | Path, inputs: tuple[tuple[Path, str], ...] = ()) -> Path:
    """The data file ``--out`` names: a folder (existing, spelled with a trailing slash, or without a suffix
    for parquet) gets ``<format>.<ext>`` inside it (a missing folder is created when the writing starts, not
    here).  Checked by :func:`mathagent.outputs.output_path`: never one of ``inputs`` (the database, the --exclude
    files), never a special file."""
    ext = ".parquet" if fmt == "parquet" else ".jsonl"
    text = os.fspath(out)
    if fmt == "parquet" and text.strip() and not Path(text).suffix and not text.endswith(("/", os.sep)):
        text += os.sep
    return output_path(text, "--out", default_name=f"{fmt}{ext}", inputs=inputs, create_parent=True)


def _check_options(opts: ExportOptions) -> None:
    if opts.fmt not in FORMATS:
        raise InputError(f"unknown format {opts.fmt!r}", f"use one of: {', '.join(FORMATS)}")
    if opts.max_per_problem < 1:
        raise InputError("--max-per-problem must be at least 1", "use 1 to keep one solution per problem")
    if not 0.0 < opts.solution_similarity <= 1.0:
        raise InputError("--solution-similarity must be in (0, 1]", "use e.g. 0.9")
    if opts.attempts not in ("all", "last"):
        raise InputError(f"--attempts must be all or last, not {opts.attempts!r}", "use --attempts all")
    if opts.filters.min_level is not None and opts.filters.min_level not in MIN_LEVELS:
        raise InputError(f"--min-level must be one of {', '.join(MIN_LEVELS)}, not {opts.filters.min_level!r}",
                         "use --min-level consensus (consensus, formal or gold rows)")


def _open_engine(db_url: str):
    """The engine on a checked schema, read-only: a missing SQLite file is an error, never a new empty database,
    and nothing (no table, no migration) is written to the database an export reads."""
    from mathagent.traces.db import make_engine, prepare_database

    engine = make_engine(db_url, read_only=True)  # words an invalid URL as a DatabaseError
    try:
        prepare_database(engine, read_only=True)
    except BaseException:
        engine.dispose()
        raise
    return engine


def run_export(db_url: str, opts: ExportOptions, progress: Progress | None = None) -> ExportResult:
    """Export the traces of ``db_url`` selected by ``opts``; writes the data file and its card."""
    from mathagent.traces.urls import database_files

    _check_options(opts)
    t0 = time.perf_counter()
    inputs = (*database_files(db_url), *((Path(p), "--exclude file this command reads") for p in opts.exclude),
              *(((Path(opts.precision_file), "--precision-file this command reads"),) if opts.precision_file else ()))
    path = output_file(opts.fmt, opts.out, inputs)  # before any work: an output is never an input
    card = output_path(card_path(path), "the dataset card", inputs=inputs, create_parent=True)
    distinct_outputs([(path, "--out"), (card, "the dataset card")])  # nor another output: the card over the data
    figures = None
    if opts.precision_file is not None:
        from mathagent.eval.levels import read_figures

        figures = read_figures(opts.precision_file)
    index: ContaminationIndex | None = load_exclusions(opts.exclude, opts.overlap_threshold) if opts.exclude else None
    with_metadata = opts.with_metadata if opts.with_metadata is not None else opts.fmt != "openai-chat"
    stats = ExportStats()
    dedup = Deduplicator(opts.max_per_problem, opts.solution_similarity)
    engine = _open_engine(db_url)
    output = AtomicOutput(path, inputs=inputs)
    try:
        writer = open_writer(opts.fmt, output.tmp, with_metadata)
        try:
            with engine.connect() as conn:
                _write_rows(conn, opts, writer, stats, dedup, index, progress)
        finally:
            writer.close()
        output.commit()
    except OperationalError as exc:
        raise DatabaseError(f"database error while exporting: {str(getattr(exc, 'orig', exc)).splitlines()[0]}",
                            "check that the database is reachable (--db / MATHAGENT_DB_URL)") from exc
    finally:
        engine.dispose()
        if not output.done:
            output.discard()
    write_text(card, render_card(fmt=opts.fmt, output=path, stats=stats, filters=opts.filters.describe(),
                                 options=opts.describe(), exclusions=index.sources if index else [],
                                 figures=figures, with_metadata=with_metadata),
               inputs=(*inputs, (path, "--out data file")), flag="the dataset card")
    return ExportResult(path, card, stats, time.perf_counter() - t0)


def _write_rows(conn, opts: ExportOptions, writer, stats: ExportStats, dedup: Deduplicator,
                index: ContaminationIndex | None, progress: Progress | None) -> None:
    """Stream the matching traces through conversion, decontamination and dedup into ``writer``; count in ``stats``."""
    total = count_matching(conn, opts.filters) if progress else None
    contaminated_hash: tuple[str, bool] | None = None  # traces come grouped by problem: one check per problem
    for t in stream_traces(conn, opts.filters, batch=opts.batch):
        stats.matched += 1
        if progress and stats.matched % 100 == 0:
            progress(stats.matched, total)
        conv = build_conversation(t, attempts=opts.attempts)
        if conv is None:
            stats.not_convertible += 1
            continue
        if index is not None:
            if contaminated_hash is None or contaminated_hash[0] != t.problem_hash:
                contaminated_hash = (t.problem_hash, index.is_contaminated(t.problem))
            if contaminated_hash[1]:
                stats.contaminated += 1
                continue
        verdict = dedup.check(t.problem_hash, conv.solution_text)
        if verdict != "keep":
            setattr(stats, verdict, getattr(stats, verdict) + 1)
            continue
        writer.write(conv, t)
        stats.written += 1
        stats.by_method[conv.method] = stats.by_method.get(conv.method, 0) + 1
        stats.by_level[t.level] = stats.by_level.get(t.level, 0) + 1
        stats.note("datasets", t.dataset)
        stats.note("models", t.model)
        if t.run_id:
            stats.note("runs", t.run_id)
    if progress:
        progress(stats.matched, total)
