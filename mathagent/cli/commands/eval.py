"""`mathagent eval gsm8k|math --data FILE ...`: batch evaluation, side by side, resumable.

Options that decide the results (strategies, samples, decoding, agent bounds,
backend, model, prefill) default to None here so that ``--resume`` can tell a value
the user gave from a default: on resume the run's stored configuration is
used, and a given value that contradicts it is refused.  Progress goes to
stderr; ``--json`` prints only the summary object on stdout.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import typer

from mathagent.cli import options
from mathagent.config import env
from mathagent.errors import InputError


def eval_command(
    dataset: str = typer.Argument(..., help="gsm8k | math | minif2f"),
    data: Path = typer.Option(None, "--data", envvar=env("data"),
                              help="The benchmark file, in its published format (resume: the recorded path)"),
    strategy: str = typer.Option(None, "--strategy", envvar=env("strategy"),
                                 help="Comma-separated: agent, pot, cot, tir (default: agent)"),
    limit: int = typer.Option(None, "--limit", envvar=env("limit"), min=1,
                              help="First N problems in --order (with --resume: a larger N extends the run)"),
    order: str = typer.Option(None, "--order", envvar=env("order"),
                              help="Which problems --limit takes: file (the file's order), shuffled (seeded), "
                                   "stratified (shuffled, subjects in turn) (default: file)"),
    order_seed: int = typer.Option(None, "--order-seed", envvar=env("order_seed"),
                                   help="Seed of the shuffled/stratified order (default: 0)"),
    subject: str = typer.Option(None, "--subject", envvar=env("subject"),
                                help="math: only these subjects, comma-separated (e.g. Algebra,Geometry)"),
    level: str = typer.Option(None, "--level", envvar=env("level"),
                              help="math: only these levels, e.g. 4,5 or 1-3"),
    samples: int = typer.Option(None, "--samples", envvar=env("samples"), min=1, max=64,
                                help="Samples per problem and strategy (maj@k, pass@k) (default: 1)"),
    temperature: float = typer.Option(None, "--temperature", envvar=env("temperature"), min=0.0, max=2.0,
                                      help="Sampling temperature (default: 0.0)"),
    seed: int = typer.Option(None, "--seed", envvar=env("seed"), help="Base seed; sample i uses seed+i (default: 0)"),
    workers: int = typer.Option(1, "--workers", envvar=env("workers"), min=1, max=256,
                                help="Problems solved concurrently"),
    executor: str = typer.Option("thread", "--executor", envvar=env("executor"), help="thread | ray"),
    ray_address: str = typer.Option(None, "--ray-address", envvar=env("ray_address"),
                                    help="Ray cluster address (e.g. auto or ray://host:10001) (default: local)"),
    item_timeout: float = typer.Option(1800.0, "--item-timeout", envvar=env("item_timeout"), min=1.0,
                                       help="--executor ray: seconds one attempt may take before its worker is "
                                            "replaced and the attempt recorded as a timeout"),
    resume: str = typer.Option(None, "--resume", envvar=env("resume"), help="Continue the eval run with this id"),
    strict: bool = typer.Option(False, "--strict", envvar=env("strict"), help="Stop at the first malformed record"),
    json_out: bool = options.JsonOption,
    db: str = options.DbOption,
    backend: str = typer.Option(None, "--backend", envvar=env("backend"), help="local | openai (default: local)"),
    model: str = options.ModelOption,
    base_url: str = options.BaseUrlOption,
    api_key: str = options.ApiKeyOption,
    threads: int = options.ThreadsOption,
    llm_timeout: float = options.LLMTimeoutOption,
    llm_retries: int = options.LLMRetriesOption,
    cache: bool = options.CacheOption,
    prefill: str = options.PrefillGivenOption,
    max_samples: int = typer.Option(None, "--max-samples", envvar=env("max_samples"), min=1, max=64,
                                    help="agent: derivations drawn at most; it stops early once the vote is settled "
                                         "(default: 12)"),
    max_repairs: int = typer.Option(None, "--max-repairs", envvar=env("max_repairs"), min=0, max=10,
                                    help="agent: failed or implausible programs fed back for a fix (default: 1)"),
    sample_temperature: float = typer.Option(None, "--sample-temperature", envvar=env("sample_temperature"),
                                             min=0.0, max=2.0,
                                             help="agent: decoding of the samples after the first (default: 0.7)"),
    calc_timeout: float = typer.Option(None, "--calc-timeout", envvar=env("calc_timeout"), min=0.1, max=600,
                                       help="Seconds per calculator call (default: 10)"),
    verify: bool = typer.Option(None, "--verify/--no-verify", envvar=env("verify"),
                                help="agent: when programs settle the vote and none dissents, confirm with a chain of "
                                     "thought, as the consensus level needs (default: no-verify)"),
    time_budget: float = typer.Option(None, "--time-budget", envvar=env("time_budget"), min=1.0,
                                      help="agent: stop drawing samples for a problem after this many seconds "
                                           "(default: no bound)"),
    prompt: list[str] = options.PromptOption,
    fewshot: int = typer.Option(None, "--fewshot", envvar=env("fewshot"), min=0, max=8,
                                help="agent strategy: reuse the k most similar verified traces of OTHER runs "
                                     "as examples (default: 0)"),
) -> None:
    """Evaluate strategies side by side on a benchmark; every attempt is a row in the trace database."""
    if dataset == "minif2f":
        if any(v is not None for v in (order, order_seed, subject, level)):
            raise InputError("--order, --order-seed, --subject and --level select gsm8k and math problems",
                             "drop them for minif2f (it runs the statements in the file's order; use --limit)")
        from mathagent.cli.commands.eval_formal import run_minif2f

        run_minif2f(data, limit=limit, json_out=json_out)
        return
    from mathagent.eval.api import evaluate
    from mathagent.eval.plan import parse_strategies

    started: list[Any] = []  # the planned run, once evaluate() has planned it

    def progress(plan, finished_rows):
        started.append(plan)
        _announce(plan, dataset)
        if json_out:
            return contextlib.nullcontext(None)
        from mathagent.eval.progress import LiveProgress

        return LiveProgress(plan.spec.strategies, finished_rows)

    try:
        result = evaluate(
            dataset, data, strategies=parse_strategies(strategy) if strategy is not None else None, limit=limit,
            resume=resume, db_url=db, backend=backend, model=model, base_url=base_url, api_key=api_key,
            threads=threads, llm_timeout=llm_timeout, llm_retries=llm_retries, cache=cache, workers=workers,
            executor=executor, ray_address=ray_address, item_timeout_s=item_timeout, strict=strict,
            progress=progress, samples=samples, temperature=temperature, seed=seed, max_samples=max_samples,
            max_repairs=max_repairs, sample_temperature=sample_temperature, calc_timeout_s=calc_timeout,
            verify=verify, time_budget_s=time_budget, prompts=_prompts_given(prompt), fewshot=fewshot,
            prefill=prefill, **_selection_given(order, order_seed, subject, level))
    except KeyboardInterrupt:
        if started:
            run_id = started[0].info.id
            _err(f"run {run_id} interrupted; finished items are saved. "
                 f"Continue with: mathagent eval {dataset} --resume {run_id}")
        raise
    plan = started[0]
    summary = {"run_id": result.run_id, "dataset": result.dataset, "status": result.status,
               "n": len(plan.problems), "items": {"total": result.total, "done": result.done,
                                                  "this_call": result.ran},
               "samples": plan.spec.samples, "skipped_records": len(plan.skipped), "strategies": result.summary,
               "paired": result.paired}
    if json_out:
        typer.echo(json.dumps(summary, ensure_ascii=False))
    else:
        _print_summary(summary)
    if result.status != "finished":
        _err(f"run {result.run_id} is {result.status}: {result.total - result.done} items left; "
             f"rerun with --resume {result.run_id}")
        raise typer.Exit(1)


def _announce(plan, dataset: str) -> None:
    """Skipped records (the first 20) and the run's line with its resume command, on stderr."""
    for msg in plan.skipped[:20]:
        _err(f"warning: skipped record: {msg}")
    if len(plan.skipped) > 20:
        _err(f"warning: {len(plan.skipped) - 20} more records skipped")
    spec = plan.spec
    chosen = "" if spec.selection.is_whole_file else f" ({spec.selection.describe()})"
    _err(f"run {plan.info.id}: {len(plan.problems)} problems{chosen} × {len(spec.strategies)} strategies × "
         f"{spec.samples} sample(s)  (resume with: mathagent eval {dataset} --resume {plan.info.id})")
    from mathagent.agent.prompts import resolve_prompts

    options.note_unsent_reply_starts(resolve_prompts(spec.prompts), spec.strategies, spec.backend, spec.prefill)


def _err(text: str) -> None:
    typer.echo(text, err=True)


def _prompts_given(names: list[str] | None) -> tuple[str, ...] | None:
    if not names:
        return None
    options.prompt_choice(names)  # bad names are bad input now, not at the first problem
    return tuple(names)


def _selection_given(order: str | None, order_seed: int | None, subject: str | None,
                     level: str | None) -> dict[str, Any]:
    from mathagent.datasets.selection import ORDERS, SelectionError, parse_levels, parse_subjects

    if order is not None and order not in ORDERS:
        raise InputError(f"unknown order {order!r}", f"use --order {' | '.join(ORDERS)}")
    try:
        return {"order": order, "order_seed": order_seed,
                "subjects": parse_subjects(subject) if subject is not None else None,
                "levels": parse_levels(level) if level is not None else None}
    except SelectionError as exc:
        raise InputError(str(exc), "see mathagent eval --help for --subject and --level") from None


def _print_summary(summary: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    k = summary["samples"]
    table = Table(title=f"{summary['dataset']} · run {summary['run_id']} · {summary['n']} problems")
    cols = ["strategy", "accuracy", "95% CI", "correct/attempts"]
    if k > 1:
        cols += [f"maj@{k}", f"pass@{k}"]
    cols += ["verified prec.", "verified cov.", "mean s", "tokens"]
    for c in cols:
        table.add_column(c, justify="left" if c == "strategy" else "right")
    pct = lambda v: "–" if v is None else f"{v:.1%}"
    for name, m in summary["strategies"].items():
        lo, hi = m["accuracy_ci95"]
        row = [name, pct(m["accuracy"]), f"{lo:.0%}–{hi:.0%}", f"{m['correct']}/{m['attempts']}"]
        if k > 1:
            row += [pct(m.get("maj_at_k")), pct(m.get("pass_at_k"))]
        row += [pct(m["verified_precision"]), pct(m["verified_coverage"]),
                "–" if m["mean_seconds"] is None else f"{m['mean_seconds']:.2f}", str(m["tokens"])]
        table.add_row(*row)
    console = Console()
    console.print(table)
    for p in summary.get("paired", []):
        console.print(f"{p['a']} vs {p['b']}: only {p['a']} right {p['only_a']}, only {p['b']} right {p['only_b']} "
                      f"of {p['n']} (exact McNemar p = {p['p_value']:.3g})")


def register(app: typer.Typer) -> None:
    app.command("eval")(eval_command)

