"""`mathagent solve "problem"`: solve one problem and show how."""

from __future__ import annotations

import contextlib
import json
import time

import typer

from mathagent.cli import options
from mathagent.config import env
from mathagent.errors import LLMError, SolveFailed
from mathagent.cli.inputs import text_argument

from mathagent.agent.state import AgentConfig

_AGENT = AgentConfig()


def solve_command(
    problem: str = typer.Argument(None, help="The problem text; '-' or nothing reads stdin."),
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
    strategy: str = typer.Option("agent", "--strategy", envvar=env("strategy"),
                                 help="agent (adaptive vote) | pot | cot | tir (one derivation)"),
    max_samples: int = typer.Option(_AGENT.max_samples, "--max-samples", envvar=env("max_samples"), min=1, max=64,
                                    help="Derivations the agent may draw (it stops early once the vote is settled)."),
    max_repairs: int = typer.Option(_AGENT.max_repairs, "--max-repairs", envvar=env("max_repairs"), min=0, max=10,
                                    help="Failed or implausible programs fed back for a fix."),
    calc_timeout: float = typer.Option(_AGENT.calc_timeout_s, "--calc-timeout", envvar=env("calc_timeout"),
                                       min=0.1, max=600, help="Seconds per calculator call."),
    time_budget: float = typer.Option(None, "--time-budget", envvar=env("time_budget"), min=1.0,
                                      help="Stop drawing samples after this many seconds (default: no bound)."),
    verify: bool = typer.Option(_AGENT.verify, "--verify/--no-verify", envvar=env("verify"),
                                help="When programs settle the vote and none dissents, confirm with a chain of thought "
                                     "(needed for the consensus level)."),
    temperature: float = typer.Option(_AGENT.temperature, "--temperature", envvar=env("temperature"), min=0.0,
                                      max=2.0, help="Decoding of the first sample (and of pot/cot/tir)."),
    sample_temperature: float = typer.Option(_AGENT.sample_temperature, "--sample-temperature",
                                             envvar=env("sample_temperature"), min=0.0, max=2.0,
                                             help="Decoding of the agent's further samples."),
    seed: int = typer.Option(0, "--seed", envvar=env("seed")),
    prompt: list[str] = options.PromptOption,
    formal: bool = typer.Option(False, "--formal", envvar=env("formal"),
                                help="Treat the problem as a formal (Lean 4) statement for the SMT backend."),
    fewshot: int = typer.Option(0, "--fewshot", envvar=env("fewshot"), min=0, max=8,
                                help="Reuse the k most similar verified traces as examples."),
) -> None:
    """Solve a math problem with the agent; print the answer, its verification and the steps."""
    from mathagent.agent.api import solve  # validates the problem before it loads anything

    text = text_argument(problem, "problem")
    prompts = options.prompt_choice(prompt)
    options.note_unsent_reply_starts(dict(prompts), (strategy,), backend, prefill)
    with _progress(enabled=not json_out) as progress:
        result = solve(text, strategy=options.parse_strategy(strategy), backend=backend, model=model,
                       base_url=base_url, api_key=api_key, db_url=db, threads=threads, llm_timeout=llm_timeout,
                       llm_retries=llm_retries, cache=cache, fewshot=fewshot, progress=progress,
                       max_samples=max_samples, max_repairs=max_repairs, calc_timeout_s=calc_timeout,
                       time_budget_s=time_budget, verify=verify, temperature=temperature,
                       sample_temperature=sample_temperature, seed=seed, formal=formal,
                       prompts=prompts, prefill=prefill)
    if json_out:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_human(result)
    if result.status == "error":
        raise LLMError(result.error or "the LLM failed", "see `mathagent doctor`; trace " + result.trace_id)
    if result.status != "answered":
        raise SolveFailed(f"no answer ({result.stop_reason or 'unknown reason'}); trace {result.trace_id}",
                          "try --max-samples, or a larger model with --model")


@contextlib.contextmanager
def _progress(*, enabled: bool):
    """A status line on stderr (rich) showing what the agent does now; nothing in --json mode or off a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console

    console = Console(stderr=True)
    if not console.is_terminal:
        yield None
        return
    t0 = time.monotonic()
    with console.status("starting") as status:
        yield lambda message: status.update(f"{message}  [dim]({time.monotonic() - t0:.0f} s)[/dim]")


def _print_human(result) -> None:
    from rich.console import Console
    from rich.markup import escape

    from mathagent.cli.render import print_checks, print_steps

    con = Console()
    print_steps(con, result.steps)
    print_checks(con, result.checks)
    color = {"formal": "green", "consensus": "green", "gold": "green"}.get(result.level, "yellow")
    conf = "" if result.confidence is None else f", confidence {result.confidence:.2f}"
    con.print(f"\n[bold]answer:[/bold] {escape(str(result.answer))}  ([{color}]{result.level}[/{color}]{conf})")
    con.print(f"[dim]trace {result.trace_id} · {result.model} ({result.backend}) · "
              f"{result.usage['prompt_tokens']}+{result.usage['completion_tokens']} tokens · "
              f"{result.seconds:.1f} s[/dim]")


def register(app: typer.Typer) -> None:
    app.command("solve")(solve_command)
