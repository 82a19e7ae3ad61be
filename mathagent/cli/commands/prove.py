"""`mathagent prove`: check a Lean 4 statement.

`--backend smt` (default) runs the z3 translation and labels its verdict
"SMT-checked" (a refusal, `unsupported: <construct>`, is "not checked").  Text
that is not a well-formed Lean declaration (unbalanced brackets, truncated, no
declaration) is bad input: a one-line error and exit code 2.  `--backend lean` needs a real Lean toolchain with Mathlib and
the REPL (see docker/); it checks the file as written with the Lean REPL and
reports "Lean-verified" only when Lean accepts a proof without `sorry`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from mathagent.config import env
from mathagent.errors import InputError, MathAgentError
from mathagent.cli.inputs import text_argument, text_file


def _read_statement(path: Optional[Path], statement: Optional[str]) -> str:
    if (path is None) == (statement is None):
        raise InputError("give either a .lean file or --statement, exactly one",
                         "mathagent prove --statement 'theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry'")
    if statement is not None:
        text = text_argument(statement, "statement")
    else:
        text = text_file(path, "file holding one theorem")
    if not text.strip():
        raise InputError("the statement is empty", "give a Lean theorem, e.g. 'theorem t (x : ℕ) : x + 0 = x'")
    return text


def prove(
    path: Optional[Path] = typer.Argument(None, help="A .lean file holding one theorem."),
    statement: Optional[str] = typer.Option(None, "--statement", "-s", envvar=env("statement"),
                                            help="The theorem text instead of a file."),
    backend: str = typer.Option("smt", "--backend", envvar=env("prove_backend"),
                                help="smt (z3) or lean (Lean REPL)."),
    search: bool = typer.Option(False, "--search", envvar=env("prove_search"),
                                help="With --backend lean: LLM-guided best-first tactic search (local model) "
                                     "instead of checking the given proof."),
    max_expansions: int = typer.Option(64, "--max-expansions", envvar=env("max_expansions"), min=1, max=10_000,
                                       help="Search budget: node expansions."),
    timeout: float = typer.Option(5.0, "--timeout", envvar=env("timeout"), min=0.05, max=3600.0,
                                  help="Per-goal budget in seconds: a deterministic z3 resource limit of that size "
                                       "decides (the wall clock stops a check only at 10x + 5 s)."),
    rlimit: Optional[int] = typer.Option(None, "--rlimit", envvar=env("rlimit"), min=1,
                                         help="z3 resource limit (overrides the one --timeout implies)."),
    project: Optional[Path] = typer.Option(None, "--lean-project", envvar=env("lean_project"),
                                           help="Lean project with Mathlib and the REPL (for --backend lean)."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object."),
) -> None:
    """Prove, refute or flag a Lean 4 statement (SMT by default; Lean where installed)."""
    from mathagent.verifiers.formal import MalformedStatement, check_statement, verdict_to_dict

    text = _read_statement(path, statement)
    if backend == "smt":
        try:
            verdict = check_statement(text, timeout, rlimit=rlimit)
        except MalformedStatement as exc:
            raise InputError(exc.message, exc.fix) from None
    elif backend == "lean":
        from mathagent.verifiers.lean import LeanUnavailable, check_with_repl

        try:
            if search:
                verdict = _search(text, project, timeout, max_expansions)
            else:
                verdict = check_with_repl(text, project=project, timeout_s=timeout)
        except LeanUnavailable as exc:
            raise MathAgentError(str(exc), exc.fix, exit_code=3) from None
    else:
        raise InputError(f"unknown backend {backend!r}", "use --backend smt or --backend lean")
    if as_json:
        print(json.dumps(verdict_to_dict(verdict), ensure_ascii=False))
        return
    from rich.console import Console

    from rich.markup import escape

    style = {"proved": "green", "refuted": "red", "vacuous": "yellow"}.get(verdict.kind, "cyan")
    if verdict.kind == "unsupported":  # the reason reads "unsupported: <construct> (...)"
        Console().print(f"[bold {style}]{escape(verdict.reason)}[/] ({verdict.label}, {verdict.backend}, "
                        f"{verdict.elapsed_ms:.0f} ms)", highlight=False)
        return
    Console().print(f"[bold {style}]{verdict.kind}[/] ({verdict.label}, {verdict.backend}, "
                    f"{verdict.elapsed_ms:.0f} ms): {escape(verdict.reason)}", highlight=False)


def _search(text: str, project: Optional[Path], timeout: float, max_expansions: int):
    """LLM-guided search on the Lean REPL; the found proof is re-checked as a whole file."""
    from mathagent.agent.backends import BackendSettings, make_llm
    from mathagent.agent.prover import prove_by_search
    from mathagent.config import cache_dir
    from mathagent.verifiers.lean import LeanUnavailable, check_with_repl, detect_lean
    from mathagent.verifiers.lean.repl import LeanRepl, ReplConfig
    from mathagent.verifiers.lean.search import ReplTacticEnv, SearchBudget

    info = detect_lean()
    if not info.available or project is None:
        raise LeanUnavailable(f"proof search needs Lean and a Lean project: {info.reason or 'no --lean-project'}",
                              "use the docker/ image, or --backend smt")
    from mathagent.verifiers.lean.check import split_header

    header, _ = split_header(text)
    llm = make_llm(BackendSettings(), cache_dir())
    with LeanRepl(ReplConfig(cwd=str(project), header=header or None, timeout_s=timeout)) as repl:
        return prove_by_search(text, ReplTacticEnv(repl, timeout), llm,
                               budget=SearchBudget(max_expansions=max_expansions),
                               recheck=lambda proof: check_with_repl(proof, project=project, timeout_s=timeout))


def register(app: typer.Typer) -> None:
    app.command("prove")(prove)
