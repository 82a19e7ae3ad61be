"""Build a LeanDojo-compatible premise corpus from Lean 4 sources.

Output shape (one JSON object per file, as LeanDojo's `corpus.jsonl`):
`{"path": "Pkg/A.lean", "imports": ["Pkg/B.lean", ...], "premises": [{"full_name",
"code", "start": [line, col], "end": [line, col], "kind"}]}`.

The parser is deliberately light (no Lean needed): `import` lines, `namespace`/
`section`/`end` nesting for full names, and declarations found by keyword at
the start of a line; a declaration's statement runs to its top-level `:=`,
`where` or `|`.  Imports of modules outside the project are kept as
`<Module>.lean` paths so accessibility can still be computed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from mathagent.files import FileProblem, JsonProblem, loads_json, read_bytes, read_lines, regular_files
from mathagent.outputs import AtomicOutput
from mathagent.verifiers.premises.errors import PremiseError

MAX_FILES = 50_000
MAX_SOURCE_BYTES = 16 * 1024 * 1024
DECL_KINDS = ("theorem", "lemma", "def", "abbrev", "instance", "structure", "class", "inductive", "axiom")
_DECL_RE = re.compile(
    r"^(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec|partial|unsafe|scoped)\s+)*"
    r"(" + "|".join(DECL_KINDS) + r")\s+([^\s:({\[⦃]+)"
)
_IMPORT_RE = re.compile(r"^import\s+(.+)$")
_NS_RE = re.compile(r"^(namespace|section|end)\b\s*([^\s]*)")


@dataclass
class Premise:
    full_name: str
    code: str
    path: str
    start: tuple[int, int]
    end: tuple[int, int]
    kind: str = "commanddeclaration"

    def to_dict(self) -> dict[str, object]:
        return {"full_name": self.full_name, "code": self.code, "start": list(self.start),
                "end": list(self.end), "kind": self.kind}


@dataclass
class FileEntry:
    path: str
    imports: list[str] = field(default_factory=list)
    premises: list[Premise] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return {"path": self.path, "imports": self.imports, "premises": [p.to_dict() for p in self.premises]}


def module_to_path(module: str) -> str:
    return module.replace(".", "/") + ".lean"


def _strip_comments(text: str) -> str:
    """Blank out comments, keeping line/column positions."""
    out = list(text)
    i, n, depth = 0, len(text), 0
    while i < n:
        if depth == 0 and text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            for k in range(i, j):
                out[k] = " "
            i = j
            continue
        if text.startswith("/-", i):
            depth += 1
            out[i] = out[i + 1] = " "
            i += 2
            continue
        if depth and text.startswith("-/", i):
            depth -= 1
            out[i] = out[i + 1] = " "
            i += 2
            continue
        if depth and text[i] != "\n":
            out[i] = " "
        i += 1
    return "".join(out)


def _statement_end(lines: list[str], row: int) -> tuple[int, int, str]:
    """Find where a declaration's statement ends (top-level `:=`, `where`, `|`), scanning ≤ 60 lines."""
    depth = 0
    parts: list[str] = []
    for r in range(row, min(len(lines), row + 60)):
        line = lines[r]
        if r > row and (_DECL_RE.match(line) or _NS_RE.match(line)):
            return r - 1, len(lines[r - 1]), " ".join(parts)
        for c, ch in enumerate(line):
            if ch in "([{⦃⟨":
                depth += 1
            elif ch in ")]}⦄⟩":
                depth -= 1
            elif depth == 0 and (line.startswith(":=", c) or line.startswith(" where", c) or (
                    ch == "|" and r > row and not line[:c].strip())):
                parts.append(line[:c])
                return r, c, " ".join(p.strip() for p in parts if p.strip())
        parts.append(line)
    return min(len(lines), row + 60) - 1, 0, " ".join(p.strip() for p in parts if p.strip())


def parse_file(text: str, path: str) -> FileEntry:
    clean = _strip_comments(text)
    lines = clean.splitlines()
    entry = FileEntry(path)
    scopes: list[tuple[str, str]] = []
    for row, line in enumerate(lines):
        m = _IMPORT_RE.match(line)
        if m:
            entry.imports.extend(module_to_path(mod) for mod in m.group(1).split())
            continue
        m = _NS_RE.match(line)
        if m:
            kind, name = m.groups()
            if kind in ("namespace", "section"):
                scopes.append((kind, name))
            elif scopes:
                scopes.pop()
            continue
        m = _DECL_RE.match(line)
        if not m:
            continue
        kind, name = m.groups()
        if kind == "instance" and (name.startswith(":") or name in ("where",)):
            continue
        ns = ".".join(n for k, n in scopes if k == "namespace" and n)
        full = name[1:] if name.startswith("_root_.") else (f"{ns}.{name}" if ns else name)
        end_row, end_col, code = _statement_end(lines, row)
        entry.premises.append(Premise(full.replace("_root_.", ""), code, path, (row + 1, 1), (end_row + 1, end_col + 1),
                                      kind))
    return entry


def build_corpus(project: str | Path) -> list[FileEntry]:
    """Parse every `.lean` file under `project` (skipping `.lake/` build folders; regular files only, each
    at most MAX_SOURCE_BYTES: a FIFO or device named `x.lean` would block or never end)."""
    root = Path(project)
    if not root.is_dir():
        raise PremiseError(f"{root} is not a folder", "pass the root of a Lean project")
    files = regular_files(p for p in sorted(root.rglob("*.lean"))
                          if ".lake" not in p.parts and "lake-packages" not in p.parts)
    if not files:
        raise PremiseError(f"no .lean files under {root}", "pass the root of a Lean project")
    out = []
    for p in files[:MAX_FILES]:
        rel = p.relative_to(root).as_posix()
        try:
            data = read_bytes(p, "Lean source", max_bytes=MAX_SOURCE_BYTES)
        except FileProblem as exc:
            raise PremiseError(exc.message, exc.fix) from None
        out.append(parse_file(data.decode("utf-8", errors="replace").removeprefix("\ufeff"), rel))
    return out


def write_corpus(entries: list[FileEntry], out: str | Path, *, inputs: Iterable[tuple[str | Path, str]] = ()) -> None:
    """Write the corpus through a temporary file renamed onto `out` when complete (`inputs`: files it may not be)."""
    with AtomicOutput(Path(out), inputs=inputs) as target:
        with target.open("w", encoding="utf-8") as fh:
            for e in entries:
                fh.write(json.dumps(e.to_dict(), ensure_ascii=False) + "\n")


def read_corpus(path: str | Path) -> list[FileEntry]:
    """A corpus written by :func:`write_corpus`; every line is checked (types included) and a bad one is a
    :class:`PremiseError` naming the file and line."""
    p = Path(path)
    if not p.exists():
        raise PremiseError(f"{p} does not exist", "build one with `mathagent premises index PROJECT --out FILE`")
    out: list[FileEntry] = []
    try:
        for i, raw in read_lines(p, "premise corpus"):
            if raw is not None and not raw.strip():
                continue
            try:
                if raw is None:
                    raise ValueError("line too long")
                out.append(_entry(loads_json(raw.decode("utf-8"))))
            except (ValueError, KeyError, TypeError) as e:  # JsonProblem and UnicodeDecodeError are ValueErrors
                reason = (e.reason if isinstance(e, JsonProblem)
                          else f"missing field {e}" if isinstance(e, KeyError) else str(e))
                raise PremiseError(f"{p}:{i}: not a corpus line ({reason})", "rebuild with `mathagent premises index`") \
                    from None
    except FileProblem as exc:
        raise PremiseError(exc.message, exc.fix) from None
    return out


def _str(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _position(value: object, what: str) -> tuple[int, int]:
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) for v in value)):
        raise TypeError(f"{what} must be [line, column]")
    return int(value[0]), int(value[1])


def _entry(d: object) -> FileEntry:
    if not isinstance(d, dict):
        raise TypeError(f"expected a JSON object, got {type(d).__name__}")
    path = _str(d["path"], "path")
    imports = d.get("imports", [])
    if not isinstance(imports, list):
        raise TypeError("imports must be a list")
    premises = d.get("premises", [])
    if not isinstance(premises, list):
        raise TypeError("premises must be a list")
    entry = FileEntry(path, [_str(m, "an import") for m in imports])
    for pr in premises:
        if not isinstance(pr, dict):
            raise TypeError("a premise must be an object")
        entry.premises.append(Premise(_str(pr["full_name"], "full_name"), _str(pr.get("code", ""), "code"), path,
                                      _position(pr.get("start", (0, 0)), "start"),
                                      _position(pr.get("end", (0, 0)), "end"),
                                      _str(pr.get("kind", "commanddeclaration"), "kind")))
    return entry
