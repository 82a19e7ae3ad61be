"""Minimal reader for miniF2F-style statement collections.

Accepts a folder of `.lean` files (one theorem each; the file stem is the
name) or a JSONL file with `formal_statement` and `name` (`header` is
ignored: the SMT reader needs only the theorem).  The general dataset loaders
live in `mathagent.datasets`; this one exists so the verifier has no upward
dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from mathagent.verifiers.formal.errors import FormalInputError

MAX_RECORDS = 100_000


@dataclass(frozen=True)
class StatementRecord:
    name: str
    formal_statement: str
    source: str  # file the record came from


def load_statements(path: str | Path) -> list[StatementRecord]:
    p = Path(path)
    if not p.exists():
        raise FormalInputError(f"{p} does not exist", "pass a folder of .lean files or a .jsonl file")
    if p.is_dir():
        files = sorted(p.glob("*.lean"))[:MAX_RECORDS]
        if not files:
            raise FormalInputError(f"no .lean files in {p}", "point --data at the folder holding the .lean files")
        return [StatementRecord(f.stem, f.read_text(encoding="utf-8"), str(f)) for f in files]
    out: list[StatementRecord] = []
    with p.open(encoding="utf-8") as fh:
        for i, line in enumerate(fh, 1):
            if i > MAX_RECORDS:
                break
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as e:
                raise FormalInputError(f"{p}:{i}: invalid JSON ({e.msg})",
                                       "each line must be one JSON object") from None
            stmt = rec.get("formal_statement") if isinstance(rec, dict) else None
            if not isinstance(stmt, str):
                raise FormalInputError(f"{p}:{i}: no 'formal_statement' string",
                                       "use miniF2F JSONL with 'name' and 'formal_statement'")
            out.append(StatementRecord(str(rec.get("name") or rec.get("id") or f"line{i}"), stmt, f"{p}:{i}"))
    if not out:
        raise FormalInputError(f"{p} holds no statements", "use a non-empty JSONL file")
    return out
