"""`mathagent export`: traces as a training set (OpenAI chat, ShareGPT, TRL, Parquet) with a card that states the
verification level of the records and the precision measured for each level."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Optional

import typer

from mathagent.cli import options
from mathagent.config import default_db_url, env
from mathagent.errors import InputError


def _parse_date(value: Optional[str], name: str, *, end: bool) -> Optional[datetime]:
    """ISO date or datetime (UTC unless an offset is given); a bare date as ``--until`` includes that day."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{name} {value!r} is not an ISO date", "use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if end and len(value.strip()) == 10:
        parsed += timedelta(days=1)
    return parsed


def export_command(
    fmt: str = typer.Option(..., "--format", "-f", envvar=env("format"),
                            help="openai-chat | sharegpt | trl | parquet"),
    out: str = typer.Option(..., "--out", "-o", envvar=env("out"),
                            help="Output file, or a folder: an existing one or one spelled with a trailing slash "
                                 "(data/ -> data/<format>.jsonl; parquet: data/parquet.parquet)."),
    verified_only: bool = typer.Option(False, "--verified-only", envvar=env("verified_only"),
                                       help="Only traces at level consensus or stronger (consensus, formal, gold)."),
    min_level: Optional[str] = typer.Option(None, "--min-level", envvar=env("min_level"),
                                            help="gold | formal | consensus: only traces at this level or a "
                                                 "stronger one (gold > formal > consensus)."),
    precision_file: Optional[Path] = typer.Option(None, "--precision-file", envvar=env("precision_file"),
                                                  help="A figures file (`mathagent report` writes DIR/levels.json): "
                                                       "the card states the precision it measured per level."),
    correct_only: bool = typer.Option(False, "--correct-only", envvar=env("correct_only"),
                                      help="Only eval traces graded correct against the gold answer."),
    min_checks: int = typer.Option(0, "--min-checks", envvar=env("min_checks"), min=0, max=100,
                                   help="Minimum number of passed verification checks."),
    dataset: Optional[str] = typer.Option(None, "--dataset", envvar=env("export_dataset"), help="e.g. gsm8k, math"),
    strategy: Optional[str] = typer.Option(None, "--strategy", envvar=env("export_strategy"), help="agent | cot | pot"),
    model: Optional[str] = typer.Option(None, "--model", envvar=env("export_model"),
                                        help="Only traces of this model (exact name)."),
    run: Optional[str] = typer.Option(None, "--run", envvar=env("run"), help="Only traces of this eval run."),
    since: Optional[str] = typer.Option(None, "--since", envvar=env("since"), help="Created at or after (ISO)."),
    until: Optional[str] = typer.Option(None, "--until", envvar=env("until"),
                                        help="Created before (ISO; a bare date includes that day)."),
    level: Optional[int] = typer.Option(None, "--level", envvar=env("level"), min=1, max=5,
                                        help="MATH difficulty level."),
    exclude: Optional[list[Path]] = typer.Option(None, "--exclude", envvar=env("exclude"),
                                                 help="Benchmark test file (JSONL or text); repeatable."),
    overlap_threshold: float = typer.Option(0.5, "--overlap-threshold", envvar=env("overlap_threshold"),
                                            min=0.01, max=1.0,
                                            help="Drop a problem when this share of its 13-grams is excluded."),
    max_per_problem: int = typer.Option(1, "--max-per-problem", envvar=env("max_per_problem"), min=1, max=1000,
                                        help="Solutions kept per (normalized) problem."),
    solution_similarity: float = typer.Option(0.9, "--solution-similarity", envvar=env("solution_similarity"),
                                              min=0.01, max=1.0,
                                              help="Solutions of one problem at least this similar are duplicates."),
    attempts: str = typer.Option("all", "--attempts", envvar=env("attempts"),
                                 help="all: keep failed programs and their errors; last: only the one that worked."),
    metadata: Optional[bool] = typer.Option(None, "--metadata/--no-metadata", envvar=env("metadata"),
                                            help="Add a metadata object per record [default: not for openai-chat]."),
    db: str = options.DbOption,
    json_out: bool = options.JsonOption,
) -> None:
    """Export answered traces as a training set and write a dataset card (README.md) next to it."""
    from mathagent.datasets.export import ExportOptions, run_export
    from mathagent.datasets.export.source import ExportFilters

    filters = ExportFilters(verified_only=verified_only, min_level=min_level.strip().lower() if min_level else None,
                            correct_only=correct_only, min_checks=min_checks,
                            dataset=dataset, strategy=strategy, model=model, run=run,
                            since=_parse_date(since, "--since", end=False),
                            until=_parse_date(until, "--until", end=True), math_level=level)
    opts = ExportOptions(fmt=fmt, out=out, filters=filters, exclude=tuple(exclude or ()),
                         overlap_threshold=overlap_threshold, max_per_problem=max_per_problem,
                         solution_similarity=solution_similarity, attempts=attempts,  # type: ignore[arg-type]
                         with_metadata=metadata, precision_file=precision_file)
    if json_out:
        result = run_export(db or default_db_url(), opts)
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    console = Console(stderr=True)
    if not console.is_terminal:  # a bar in a log or pipe is noise
        result = run_export(db or default_db_url(), opts)
    else:
        with Progress(TextColumn("exporting"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("export", total=None)
            result = run_export(db or default_db_url(), opts,
                                progress=lambda done, total: bar.update(task, completed=done, total=total))
    s = result.stats
    out_console = Console()
    out_console.print(f"wrote [bold]{s.written}[/bold] records to {result.output} "
                      f"({s.matched} matched; dropped: {s.contaminated} contaminated, "
                      f"{s.duplicate_problem} duplicate problems, {s.duplicate_solution} near-identical solutions, "
                      f"{s.not_convertible} without an exportable solution) in {result.seconds:.1f} s")
    if s.by_level:
        out_console.print("levels: " + ", ".join(f"{k} {v}" for k, v in s.by_level.items()))
    out_console.print(f"dataset card: {result.card}")


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
