"""`mathagent solve "problem"`: solve one problem and show how."""

from __future__ import annotations

import json

import typer

from mathagent import options
from mathagent.config import env
from mathagent.errors import LLMError, SolveFailed
from mathagent.inputs import text_argument


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
    max_turns: int = typer.Option(4, "--max-turns", envvar=env("max_turns"), min=1, max=20,
                                  help="Solver turns (first program, repairs, nudges)."),
    max_repairs: int = typer.Option(2, "--max-repairs", envvar=env("max_repairs"), min=0, max=10,
                                    help="Repairs of a failed program."),
    calc_timeout: float = typer.Option(10.0, "--calc-timeout", envvar=env("calc_timeout"), min=0.1, max=600,
                                       help="Seconds per calculator call."),
    verify: bool = typer.Option(True, "--verify/--no-verify", envvar=env("verify"),
                                help="Re-derive the answer independently and compare."),
    tie_break: bool = typer.Option(True, "--tie-break/--no-tie-break", envvar=env("tie_break"),
                                   help="When program and chain of thought disagree, a third derivation votes."),
    temperature: float = typer.Option(0.0, "--temperature", envvar=env("temperature"), min=0.0, max=2.0),
    seed: int = typer.Option(0, "--seed", envvar=env("seed")),
    formal: bool = typer.Option(False, "--formal", envvar=env("formal"),
                                help="Treat the problem as a formal (Lean 4) statement for the SMT backend."),
    fewshot: int = typer.Option(0, "--fewshot", envvar=env("fewshot"), min=0, max=8,
                                help="Reuse the k most similar verified traces as examples."),
) -> None:
    """Solve a math problem with the agent; print the answer, its verification and the steps."""
    from mathagent.agent.problem import validate_problem

    text = validate_problem(text_argument(problem, "problem"))

    from mathagent.agent.runner import solve_problem
    from mathagent.agent.session import AgentSession
    from mathagent.agent.state import AgentConfig

    settings = options.session_settings(backend=backend, model=model, base_url=base_url, api_key=api_key,
                                        threads=threads, llm_timeout=llm_timeout, llm_retries=llm_retries,
                                        cache=cache, db=db)
    config = AgentConfig(max_turns=max_turns, max_repairs=max_repairs, calc_timeout_s=calc_timeout,
                         verify=verify, tie_break=tie_break, temperature=temperature, seed=seed,
                         formal=formal)
    with AgentSession(settings) as session:
        examples = session.retriever().retrieve(text, fewshot) if fewshot else []
        result = solve_problem(text, session.context(config), examples=examples)
    if json_out:
        typer.echo(json.dumps(result.to_dict(), ensure_ascii=False))
    else:
        _print_human(result)
    if result.status == "error":
        raise LLMError(result.error or "the LLM failed", "see `mathagent doctor`; trace " + result.trace_id)
    if result.status != "answered":
        raise SolveFailed(f"no answer ({result.stop_reason or 'unknown reason'}); trace {result.trace_id}",
                          "try --max-turns/--max-repairs, or a larger model with --model")


def _print_human(result) -> None:
    from rich.console import Console
    from rich.markup import escape

    from mathagent.render import print_checks, print_steps

    con = Console()
    print_steps(con, result.steps)
    print_checks(con, result.verification)
    mark = "[green]verified[/green]" if result.verified else "[yellow]not verified[/yellow]"
    con.print(f"\n[bold]answer:[/bold] {escape(str(result.answer))}  ({mark})")
    con.print(f"[dim]trace {result.trace_id} · {result.model} ({result.backend}) · "
              f"{result.usage['prompt_tokens']}+{result.usage['completion_tokens']} tokens · "
              f"{result.seconds:.1f} s[/dim]")


def register(app: typer.Typer) -> None:
    app.command("solve")(solve_command)
