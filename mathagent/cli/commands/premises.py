"""`mathagent premises index|search`: LeanDojo-style premise corpus and BM25 retrieval."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from mathagent.config import env
from mathagent.errors import InputError

premises_app = typer.Typer(help="Build and search a premise corpus from Lean sources.", no_args_is_help=True)


@premises_app.command("index")
def index(
    project: Path = typer.Argument(..., help="Root of a Lean project (its .lean files are parsed)."),
    out: str = typer.Option("premises.jsonl", "--out", envvar=env("out"), help="Corpus file to write."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object."),
) -> None:
    """Write a LeanDojo-compatible corpus.jsonl (files, imports, premises)."""
    from mathagent.outputs import output_path
    from mathagent.verifiers.premises import PremiseError, build_corpus, write_corpus

    target = output_path(out, "--out")  # a folder, a FIFO or a device is refused before any work
    try:
        corpus = build_corpus(project)
        sources = [(project / e.path, "Lean source") for e in corpus]
        write_corpus(corpus, output_path(target, "--out", inputs=sources), inputs=sources)
    except PremiseError as exc:
        raise InputError(exc.message, exc.fix) from None
    except OSError as exc:
        raise InputError(f"cannot write {target}: {exc.strerror}", "choose a writable --out path") from None
    n = sum(len(e.premises) for e in corpus)
    if as_json:
        print(json.dumps({"out": str(target), "files": len(corpus), "premises": n}))
    else:
        print(f"{n} premises from {len(corpus)} files written to {target}")


@premises_app.command("search")
def search(
    goal: str = typer.Argument(..., help="Goal text (e.g. a pretty-printed proof state)."),
    k: int = typer.Option(10, "--k", envvar=env("k"), min=1, max=1000, help="Number of premises."),
    corpus_path: Path = typer.Option(Path("premises.jsonl"), "--corpus", envvar=env("corpus"),
                                     help="Corpus built by `premises index`."),
    file: Optional[str] = typer.Option(None, "--file", envvar=env("file"),
                                       help="Restrict to premises accessible from this corpus path..."),
    line: Optional[int] = typer.Option(None, "--line", envvar=env("line"), help="...before this line."),
    as_json: bool = typer.Option(False, "--json", envvar=env("json"), help="Print one JSON object."),
) -> None:
    """Rank accessible premises for a goal with BM25."""
    from mathagent.verifiers.premises import PremiseError, PremiseIndex, read_corpus

    try:
        corpus = read_corpus(corpus_path)
    except PremiseError as exc:
        raise InputError(exc.message, exc.fix) from None
    if not any(e.premises for e in corpus):
        raise InputError(f"{corpus_path} holds no premises", "build it with `mathagent premises index PROJECT`")
    idx = PremiseIndex(corpus)
    if file is not None and file not in idx.files:
        raise InputError(f"{file} is not a path in {corpus_path}", "use a path exactly as listed in the corpus")
    hits = idx.search(goal, k=k, path=file, line=line)
    if as_json:
        print(json.dumps({"goal": goal, "hits": [{"full_name": h.premise.full_name, "path": h.premise.path,
                                                  "code": h.premise.code, "score": round(h.score, 4)}
                                                 for h in hits]}, ensure_ascii=False))
        return
    from mathagent.cli.terminal import neutralise as n

    for i, h in enumerate(hits, 1):
        print(f"{i:3}. {h.score:7.3f}  {n(h.premise.full_name)}  ({n(h.premise.path)}:{h.premise.start[0]})")


def register(app: typer.Typer) -> None:
    app.add_typer(premises_app, name="premises")
