"""Typer options shared by several commands, each backed by a MATHAGENT_* env var."""

from __future__ import annotations

import typer

from mathagent.config import env



def _db_url(value: str | None) -> str | None:
    """``--db ''`` is a mistake (a variable that expanded to nothing), never a request for the default database."""
    if value is not None and not value.strip():
        raise typer.BadParameter("the database URL is empty (leave --db out for the default database)")
    return value


DbOption = typer.Option(None, "--db", envvar=env("db_url"), callback=_db_url,
                        help="SQLAlchemy URL of the trace database [default: SQLite in the user data dir]")
JsonOption = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object.")
BackendOption = typer.Option("local", "--backend", envvar=env("backend"), help="LLM backend: local | openai")
ModelOption = typer.Option(None, "--model", envvar=env("model"),
                           help="local: path to a .gguf file [default: the embedded model]; openai: model name")
BaseUrlOption = typer.Option(None, "--base-url", envvar=env("base_url"),
                             help="OpenAI-compatible server, e.g. http://127.0.0.1:8000/v1")
ApiKeyOption = typer.Option(None, "--api-key", envvar=env("api_key"), help="API key for the openai backend",
                            show_default=False)
ThreadsOption = typer.Option(None, "--threads", envvar=env("threads"), min=1,
                             help="llama.cpp threads [default: number of cores]")
LLMTimeoutOption = typer.Option(None, "--llm-timeout", envvar=env("llm_timeout"), min=1.0,
                                help="Seconds per LLM request [default: 120 (openai), 300 (local: generation "
                                     "stops there, finish_reason 'timeout')]")
LLMRetriesOption = typer.Option(4, "--llm-retries", envvar=env("llm_retries"), min=0, max=20,
                                help="Retries on 429/5xx/connection errors (openai backend)")
CacheOption = typer.Option(False, "--cache/--no-cache", envvar=env("cache"),
                           help="Reuse identical greedy (temperature 0) completions from the user cache dir; "
                                "traces mark each cached call")


def _prefill(value: str | None) -> str | None:
    from mathagent.agent.llm import PREFILLS

    if value is not None and value not in PREFILLS:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(PREFILLS)}")
    return value


_PREFILL_HELP = ("openai backend: how a prompt's reply start (pot-code's ```python fence) is sent: none (not "
                 "sent; the replies are then the plain prompt's), continue (vLLM, TGI, llama-server), prefix "
                 "(DeepSeek beta, Mistral); only for servers that take that form [default: none]; the local "
                 "backend takes none (it always decodes from the reply start)")
PrefillOption = typer.Option("none", "--prefill", envvar=env("prefill"), callback=_prefill, help=_PREFILL_HELP,
                             show_default=False)
PrefillGivenOption = typer.Option(None, "--prefill", envvar=env("prefill"), callback=_prefill, help=_PREFILL_HELP)
"""``--prefill`` where ``--resume`` must tell a given value from the default (eval)."""
PromptOption = typer.Option(None, "--prompt", envvar=env("prompt"),
                            help="A named prompt for its method (repeatable; see `mathagent prompts`), e.g. "
                                 "pot-plain or cot-qwen25-math [default: pot-code, cot-plain, tir-qwen25-math]")


def note_unsent_reply_starts(chosen: dict[str, str], strategies: tuple[str, ...] | list[str], backend: str,
                             prefill: str) -> None:
    """One ``warning:`` line on stderr when a prompt's reply start will not reach the server (openai,
    ``--prefill none``)."""
    from mathagent.agent.prompts import unsent_reply_starts

    names = unsent_reply_starts(chosen, strategies, backend, prefill)
    if names:
        typer.echo(f"warning: the reply start of {', '.join(names)} is not sent to the server (--prefill none), so "
                   "its replies are the plain prompt's; use --prefill continue (vLLM, TGI, llama-server) or prefix "
                   "(DeepSeek beta, Mistral) where the server takes one, or --prompt pot-plain to say so", err=True)


def parse_strategy(text: str) -> str:
    from mathagent.agent.state import STRATEGIES
    from mathagent.errors import InputError

    if text not in STRATEGIES:
        raise InputError(f"unknown strategy {text!r}", f"use one of {', '.join(STRATEGIES)}")
    return text


def prompt_choice(names: list[str] | tuple[str, ...] | None) -> tuple[tuple[str, str], ...]:
    """Each method's prompt: the defaults with the ``--prompt`` names put in (bad names are bad input)."""
    from mathagent.agent.prompts import PromptError, resolve_prompts
    from mathagent.errors import InputError

    try:
        return tuple(resolve_prompts(tuple(names or ())).items())
    except PromptError as exc:
        raise InputError(str(exc), "see `mathagent prompts` for the names") from None
