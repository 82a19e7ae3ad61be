"""Exporting traces as training data (``mathagent export``), each record with its verification level.

The pipeline is one pass over a stream: SQL filters -> conversation ->
contamination guard -> deduplication -> writer, with every dropped trace
counted under one reason, then the dataset card.  Memory stays flat in the
number of traces: the database streams in batches (:mod:`export_source`), the
deduplicator keeps only the current problem's kept solutions, the writers
append as they go.  The output is written to a temporary file in the target
folder and renamed at the end, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sqlalchemy.exc import OperationalError

from mathagent.datasets.card import ExportStats, card_path, render_card
from mathagent.datasets.contamination import ContaminationIndex, load_exclusions
from mathagent.datasets.conversation import build_conversation
from mathagent.datasets.dedup import Deduplicator
from mathagent.datasets.export_formats import FORMATS
from mathagent.datasets.export_source import MIN_LEVELS, ExportFilters, count_matching, stream_traces
from mathagent.datasets.writers import open_writer
from mathagent.errors import DatabaseError, InputError

Progress = Callable[[int, int | None], None]  # (traces processed, total or None)


@dataclass(frozen=True)
class ExportOptions:
    fmt: str
    out: Path
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


def output_file(fmt: str, out: Path) -> Path:
    """A folder (existing, or spelled with a trailing slash, or without a suffix for parquet) gets a file name."""
    ext = ".parquet" if fmt == "parquet" else ".jsonl"
    as_dir = out.is_dir() or str(out).endswith(("/", os.sep)) or (fmt == "parquet" and not out.suffix)
    path = out / f"{fmt}{ext}" if as_dir else out
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"cannot create the output folder {path.parent}: {exc.strerror}",
                         "choose a writable --out path") from exc
    return path


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
    """The engine on a checked schema; a missing SQLite file is an input error, not a new empty database."""
    from mathagent.traces.db import make_engine, prepare_database

    engine = make_engine(db_url)  # words an invalid URL as a DatabaseError
    url = engine.url
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:") \
            and not url.query.get("uri") and not Path(url.database).expanduser().exists():
        engine.dispose()
        raise InputError(f"no trace database at {url.database}",
                         "run `mathagent solve` or `mathagent eval` first, or point --db at the database")
    try:
        prepare_database(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def run_export(db_url: str, opts: ExportOptions, progress: Progress | None = None) -> ExportResult:
    """Export the traces of ``db_url`` selected by ``opts``; writes the data file and its card."""
    _check_options(opts)
    t0 = time.perf_counter()
    figures = None
    if opts.precision_file is not None:
        from mathagent.eval.levels import read_figures

        figures = read_figures(opts.precision_file)
    index: ContaminationIndex | None = load_exclusions(opts.exclude, opts.overlap_threshold) if opts.exclude else None
    with_metadata = opts.with_metadata if opts.with_metadata is not None else opts.fmt != "openai-chat"
    path = output_file(opts.fmt, opts.out)
    tmp = path.with_name(f".{path.name}.partial")
    stats = ExportStats()
    dedup = Deduplicator(opts.max_per_problem, opts.solution_similarity)
    engine = _open_engine(db_url)
    try:
        writer = open_writer(opts.fmt, tmp, with_metadata)
        try:
            with engine.connect() as conn:
                total = count_matching(conn, opts.filters) if progress else None
                contaminated_hash: tuple[str, bool] | None = None
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
        finally:
            writer.close()
        os.replace(tmp, path)
    except OperationalError as exc:
        raise DatabaseError(f"database error while exporting: {str(getattr(exc, 'orig', exc)).splitlines()[0]}",
                            "check that the database is reachable (--db / MATHAGENT_DB_URL)") from exc
    finally:
        engine.dispose()
        if tmp.exists():
            tmp.unlink()
    card = card_path(path)
    card.write_text(render_card(fmt=opts.fmt, output=path, stats=stats, filters=opts.filters.describe(),
                                options=opts.describe(), exclusions=index.sources if index else [],
                                figures=figures, with_metadata=with_metadata),
                    encoding="utf-8")
    return ExportResult(path, card, stats, time.perf_counter() - t0)
