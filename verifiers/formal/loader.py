"""Minimal reader for miniF2F-style statement collections.

Accepts a folder of `.lean` files (one theorem each; the file stem is the
name), searched recursively (miniF2F-lean4 keeps `MiniF2F/Valid` and
`MiniF2F/Test` side by side), or a JSONL file with `formal_statement` and
`name` (`header` is ignored: the SMT reader needs only the theorem).  The
general dataset loaders live in `mathagent.datasets`; this one exists so the
verifier has no upward dependency, and :func:`lean_files` is the folder walk
both use (`mathagent.datasets.loaders.minif2f` reads its files through it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from mathagent.files import FileProblem, JsonProblem, loads_json, read_lines, read_text, regular_files
from mathagent.verifiers.formal.errors import FormalInputError

MAX_RECORDS = 100_000
_NAMED = re.compile(r"(?:theorem|lemma)\s+([^\s(:{\[]+)")
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class StatementRecord:
    name: str
    formal_statement: str
    source: str  # file the record came from


def load_statements(path: str | Path) -> list[StatementRecord]:
    """Every statement of a folder of ``.lean`` files or of a JSONL file (read through :mod:`mathagent.files`:
    regular files only, bounded sizes and lines, JSON without oversized numbers or nesting)."""
    p = Path(path)
    if not p.exists():
        raise FormalInputError(f"{p} does not exist", "pass a folder of .lean files or a .jsonl file")
    try:
        return _folder(p) if p.is_dir() else _jsonl(p)
    except FileProblem as exc:
        raise FormalInputError(exc.message, exc.fix) from None


def lean_files(root: Path, limit: int = MAX_RECORDS) -> list[Path]:
    """The ``.lean`` files under ``root`` at any depth, in the order of their paths relative to ``root``; regular
    files only (a folder, FIFO or dangling link named ``x.lean`` is no statement), at most ``limit``."""
    found = sorted(root.rglob("*.lean"), key=lambda f: f.relative_to(root).as_posix())
    return regular_files(found)[:limit]


def _folder(p: Path) -> list[StatementRecord]:
    files = lean_files(p)
    if not files:
        raise FormalInputError(f"no .lean files in {p}", "point --data at the folder holding the .lean files")
    out: list[StatementRecord] = []
    for f in files:
        out += file_statements(f.stem, read_text(f, ".lean file", max_bytes=MAX_FILE_BYTES), str(f))
    return out


def file_statements(stem: str, text: str, source: str) -> list[StatementRecord]:
    """The statements of one ``.lean`` file: the file itself (named by its stem) when it holds one declaration;
    one record per theorem (the file's header, then that theorem; named by the theorem) when it holds several
    theorems, lemmas or examples and nothing else, since a statement is checked as one declaration.  Any other
    mix stays whole (the check refuses it as more than one declaration)."""
    from mathagent.verifiers.formal.errors import MalformedStatement
    from mathagent.verifiers.formal.parser import declarations

    try:
        found = declarations(text)
    except MalformedStatement:
        found = []
    if len(found) < 2 or any(t.text not in ("theorem", "lemma", "example") for t in found):
        return [StatementRecord(stem, text, source)]
    header = text[:found[0].pos]
    out = []
    for i, (t, end) in enumerate(zip(found, [*(u.pos for u in found[1:]), len(text)])):
        chunk = text[t.pos:end]
        m = _NAMED.match(chunk)
        name = m.group(1) if m else ""
        out.append(StatementRecord(name or f"{stem}.example{i}", header + chunk, f"{source}:{name or i}"))
    return out


def _jsonl(p: Path) -> list[StatementRecord]:
    out: list[StatementRecord] = []
    for i, raw in read_lines(p, "statements file"):
        if i > MAX_RECORDS:
            break
        if raw is None:
            raise FormalInputError(f"{p}:{i}: line too long", "each line must be one JSON object")
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise FormalInputError(f"{p}:{i}: not valid UTF-8 (byte {exc.start})", "save the file as UTF-8") \
                from None
        if not line.strip():
            continue
        try:
            rec = loads_json(line)
        except JsonProblem as exc:
            raise FormalInputError(f"{p}:{i}: {exc.reason}", "each line must be one JSON object") from None
        stmt = rec.get("formal_statement") if isinstance(rec, dict) else None
        if not isinstance(stmt, str):
            raise FormalInputError(f"{p}:{i}: no 'formal_statement' string",
                                   "use miniF2F JSONL with 'name' and 'formal_statement'")
        name = rec.get("name") or rec.get("id")
        name = str(name).strip() if isinstance(name, (str, int)) and not isinstance(name, bool) else ""
        out.append(StatementRecord(name or f"line{i}", stmt, f"{p}:{i}"))
    if not out:
        raise FormalInputError(f"{p} holds no statements", "use a non-empty JSONL file")
    return out
