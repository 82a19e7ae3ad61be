"""`mathagent synth`: new problems with known answers, by perturbing the numbers of solved seed problems."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

from mathagent.cli import options
from mathagent.config import env
from mathagent.errors import InputError, LLMError

ANSWER_DATASETS = ("gsm8k", "math")
MAX_WARNINGS = 20


@dataclass(frozen=True)
class SynthRequest:
    """Everything the command needs, checked; tests build one directly."""

    source: Path
    out: Path
    dataset: str = "gsm8k"
    variants: int = 5
    limit: int | None = None
    seed: int = 0
    max_attempts: int | None = None
    samples_file: Path | None = None
    words: bool = True
    keep_order: bool = True


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def check_request(req: SynthRequest, inputs: tuple[tuple[Path, str], ...] = ()) -> tuple[tuple[Path, str], ...]:
    """Fail on unusable paths before anything expensive (a model, a database) is opened.

    Returns what the outputs may never overwrite: the --from file, ``inputs`` (the trace database's
    files) and, for --samples-file, --out (:func:`mathagent.outputs.output_path`).
    """
    from mathagent.outputs import output_path

    if req.dataset.strip().lower() not in ANSWER_DATASETS:
        raise InputError(f"synth needs word problems with answers; {req.dataset!r} is not supported",
                         f"use --dataset {' or --dataset '.join(ANSWER_DATASETS)}")
    if not req.source.exists():
        raise InputError(f"--from file not found: {req.source}", "pass the path of a gsm8k/math .jsonl file")
    protected = ((req.source, "--from file this command reads"), *inputs)
    output_path(req.out, "--out", inputs=protected)
    if req.samples_file is not None:
        output_path(req.samples_file, "--samples-file", inputs=(*protected, (req.out, "--out file")))
    return protected


def load_seeds(req: SynthRequest) -> list:
    from mathagent.datasets import load_dataset
    from mathagent.eval.plan import usable_problems

    loaded = load_dataset(req.dataset, req.source, limit=req.limit)
    problems, errors = usable_problems(loaded.problems, req.source, [str(e) for e in loaded.errors])
    from mathagent.cli.terminal import neutralise

    for msg in errors[:MAX_WARNINGS]:
        _err(neutralise(f"warning: skipped record: {msg}"))
    if len(errors) > MAX_WARNINGS:
        _err(f"warning: {len(errors) - MAX_WARNINGS} more records skipped")
    if not problems:
        raise InputError(f"no usable problems in {req.source}", f"check that it is a {req.dataset} file")
    return problems


def run_synth(req: SynthRequest, session, config, *, problems: list | None = None,
              progress=None, inputs: tuple[tuple[Path, str], ...] = ()) -> dict[str, Any]:
    """The pipeline over ``req``'s seeds with an open :class:`AgentSession`; returns the summary.

    ``--out`` is created with the first kept record (or empty at the end), so
    a run that fails early (a dead LLM) leaves no empty file behind.
    """
    from mathagent.agent.runner import solve_problem
    from mathagent.datasets.synth import SynthSettings, synthesize
    from mathagent.datasets.synth.output import JsonlWriter, write_samples

    protected = check_request(req, inputs)
    if problems is None:
        problems = load_seeds(req)
    settings = SynthSettings(variants=req.variants, max_attempts=req.max_attempts, seed=req.seed, words=req.words,
                             keep_order=req.keep_order)
    used = []

    def on_seed(outcome) -> None:
        if outcome.rejected is None:
            used.append(outcome.problem.id)
        elif outcome.rejected.reason == "seed_error" and not used:  # the LLM is down: stop, do not churn
            raise LLMError(f"the LLM failed on the first seed problem: {outcome.rejected.detail}",
                           "check the backend with `mathagent doctor`")
        if progress is not None:
            progress(outcome)

    with JsonlWriter(req.out, protected) as writer:
        report = synthesize(problems, session.context(config), settings, solve=solve_problem, on_record=writer,
                            on_seed=on_seed)
        writer.finish()
    summary = {"out": str(req.out), **report.to_dict()}
    if req.samples_file is not None:
        try:
            write_samples(req.samples_file, report, (*protected, (req.out, "--out file")))
        except OSError as exc:
            raise InputError(f"cannot write {req.samples_file}: {exc.strerror or exc}",
                             "choose a writable --samples-file") from exc
        summary["samples_file"] = str(req.samples_file)
    return summary


def synth_command(
    source: Path = typer.Option(..., "--from", envvar=env("from"), help="Seed problems (a gsm8k or math file)."),
    out: str = typer.Option(..., "--out", "-o", envvar=env("out"), help="Output JSONL, one variant per line."),
    dataset: str = typer.Option("gsm8k", "--dataset", envvar=env("dataset"), help="Format of --from: gsm8k | math"),
    variants: int = typer.Option(5, "--variants", envvar=env("variants"), min=1, max=100,
                                 help="Variants kept per seed problem (at most)."),
    limit: int = typer.Option(None, "--limit", envvar=env("limit"), min=1, help="First N seed problems."),
    seed: int = typer.Option(0, "--seed", envvar=env("synth_seed"),
                             help="Perturbation seed (not the LLM's seed)."),
    max_attempts: int = typer.Option(None, "--max-attempts", envvar=env("max_attempts"), min=1, max=1000,
                                     help="Perturbations tried per seed (default: 3 x --variants)."),
    samples_file: str = typer.Option(None, "--samples-file", envvar=env("samples_file"),
                                      help="Also write a readable markdown sample (seeds next to variants)."),
    words: bool = typer.Option(True, "--words/--no-words", envvar=env("words"),
                               help="Also perturb numbers written as words (three, twenty)."),
    keep_order: bool = typer.Option(True, "--keep-order/--no-keep-order", envvar=env("keep_order"),
                                    help="Keep the order between the problem's numbers."),
    json_out: bool = options.JsonOption,
    backend: str = options.BackendOption,
    model: str = options.ModelOption,
    base_url: str = options.BaseUrlOption,
    api_key: str = options.ApiKeyOption,
    db: str = options.DbOption,
    threads: int = options.ThreadsOption,
    llm_timeout: float = options.LLMTimeoutOption,
    llm_retries: int = options.LLMRetriesOption,
    cache: bool = options.CacheOption,
    prefill: str = options.PrefillOption,
    calc_timeout: float = typer.Option(10.0, "--calc-timeout", envvar=env("calc_timeout"), min=0.1, max=600,
                                       help="Seconds per calculator call."),
) -> None:
    """Make verified variants of seed problems: perturb their numbers, recompute, re-solve, keep what checks."""
    from mathagent.config import default_db_url
    from mathagent.outputs import output_path
    from mathagent.traces.urls import database_files

    req = SynthRequest(source=source, out=output_path(out, "--out"), dataset=dataset, variants=variants,
                       limit=limit, seed=seed, max_attempts=max_attempts,
                       samples_file=None if samples_file is None else output_path(samples_file, "--samples-file"),
                       words=words, keep_order=keep_order)
    inputs = tuple(database_files(db or default_db_url()))
    check_request(req, inputs)
    problems = load_seeds(req)  # bad data fails here, before the model loads

    from mathagent.agent.session import AgentSession, SessionSettings
    from mathagent.agent.state import AgentConfig

    settings = SessionSettings.build(backend=backend, model=model, base_url=base_url, api_key=api_key,
                                     threads=threads, llm_timeout=llm_timeout, llm_retries=llm_retries,
                                     cache=cache, db=db, prefill=prefill)
    config = AgentConfig(calc_timeout_s=calc_timeout, verify=True)  # a kept answer needs consensus: a CoT agreeing
    options.note_unsent_reply_starts(dict(config.prompts), ("agent",), backend, prefill)
    with AgentSession(settings) as session:
        summary = run_synth(req, session, config, problems=problems,
                            progress=None if json_out else _progress, inputs=inputs)
    if json_out:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)


def _progress(outcome) -> None:
    from mathagent.cli.terminal import neutralise

    if outcome.rejected is not None:
        _err(neutralise(f"{outcome.problem.id}: seed skipped ({outcome.rejected.reason})"))
    else:
        _err(neutralise(f"{outcome.problem.id}: kept {len(outcome.variants)} of {outcome.attempted}"))


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console

    con = Console()
    con.print(f"wrote [bold]{summary['kept']}[/bold] variants to {summary['out']} from {summary['seeds_used']} of "
              f"{summary['seeds']} seeds; yield {summary['kept']}/{summary['attempted']} ({summary['yield']:.1%})")
    if summary["seed_rejects"]:
        con.print("seeds not used: " + ", ".join(f"{k} {v}" for k, v in summary["seed_rejects"].items()))
    if summary["rejects"]:
        con.print("variants rejected: " + ", ".join(f"{k} {v}" for k, v in summary["rejects"].items()))
    if summary.get("samples_file"):
        con.print(f"sample: {summary['samples_file']}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth_command)
