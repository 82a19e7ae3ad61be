"""miniF2F (Lean 4) loader: a folder of ``.lean`` files, or a JSONL index.

* Folder (as in yangky11/miniF2F-lean4 ``MiniF2F/Valid``), searched recursively by the formal
  verifier's :func:`~mathagent.verifiers.formal.loader.lean_files`: each ``.lean`` file
  holds imports/opens then one ``theorem <name> ... := by sorry``; the header
  goes to ``meta["header"]`` and header + statement reproduce the file exactly.
  These files carry no informal statement, so the question is the statement.
* JSONL with ``formal_statement``, ``informal_stmt``, ``informal_proof``,
  ``header`` and ``name`` (or ``id``), as in the upstream ``minif2f_lean4.jsonl``.

Ids are ``minif2f/<theorem name>``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from mathagent.datasets.errors import DatasetError, RecordError
from mathagent.datasets.loaders.lean_statements import formal_problem, split_lean_file
from mathagent.datasets.problem import Problem
from mathagent.datasets.loaders.reading import file_text, jsonl_records
from mathagent.verifiers.formal.loader import lean_files

NAME = "minif2f"
MAX_FILE_BYTES = 1024 * 1024


def _folder_records(root: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    files = lean_files(root)
    if not files:
        raise DatasetError(f"minif2f: no .lean files under {root}", "pass the folder of miniF2F .lean files or a .jsonl file")
    for path in files:
        file = str(path)
        try:
            text = file_text(path, MAX_FILE_BYTES)
        except ValueError as exc:
            yield file, None, RecordError(file, None, f"unreadable: {exc}")
            continue
        parts = split_lean_file(text)
        if parts is None:
            yield file, None, RecordError(file, None, "no 'theorem <name>' declaration found")
            continue
        header, statement, name = parts
        yield file, None, Problem(
            id=f"{NAME}/{name}",
            dataset=NAME,
            question=statement.strip(),
            formal_statement=statement,
            meta={"header": header, "informal": False, "lean_path": path.relative_to(root).as_posix(),
                  "split": path.parent.name.lower()},
        )


def records(path: Path) -> Iterator[tuple[str, int | None, Problem | RecordError]]:
    if path.is_dir():
        yield from _folder_records(path)
        return
    yield from jsonl_records(path, lambda obj, line: formal_problem(NAME, obj, ("name", "id")))
