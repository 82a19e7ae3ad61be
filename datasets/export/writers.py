"""Incremental writers: nothing is held beyond one Parquet row group.

JSONL files are UTF-8, one ``json.dumps(..., ensure_ascii=False)`` object a
line; a lone surrogate (it cannot come from the database, which refuses them,
but the writer does not rely on that) is written as its JSON escape
(``errors="backslashreplace"`` produces ``\\udXXX``, which is valid inside a
JSON string), so every line is valid JSON whatever the text.  U+2028, U+2029 and
U+0085 are escaped too: ``str.splitlines`` (and some JSONL readers) break lines
there, and a record must stay on one line.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Protocol

from mathagent.datasets.export.conversation import Conversation
from mathagent.datasets.export.formats import RECORD_BUILDERS, metadata, openai_messages
from mathagent.datasets.export.source import TraceView
from mathagent.errors import InputError

PARQUET_ROW_GROUP = 2000
_LINE_BREAKS = str.maketrans({"\u2028": "\\u2028", "\u2029": "\\u2029", "\x85": "\\u0085"})


class Writer(Protocol):
    path: Path

    def write(self, conv: Conversation, t: TraceView) -> None: ...

    def close(self) -> None: ...


class JsonlWriter:
    def __init__(self, path: Path, fmt: str, with_metadata: bool):
        self.path = path
        self._build = RECORD_BUILDERS[fmt]
        self._with_metadata = with_metadata
        self._fh = path.open("w", encoding="utf-8", errors="backslashreplace", newline="\n")

    def write(self, conv: Conversation, t: TraceView) -> None:
        rec = self._build(conv, t, with_metadata=self._with_metadata)
        self._fh.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")).translate(_LINE_BREAKS))
        self._fh.write("\n")

    def close(self) -> None:
        self._fh.close()


def _parquet_schema():
    import pyarrow as pa

    return pa.schema([
        ("trace_id", pa.string()), ("problem", pa.string()), ("answer", pa.string()), ("gold", pa.string()),
        ("correct", pa.bool_()), ("level", pa.string()), ("agent_level", pa.string()), ("confidence", pa.float64()),
        ("verified", pa.bool_()), ("checks_passed", pa.int32()),
        ("dataset", pa.string()), ("problem_id", pa.string()), ("run_id", pa.string()), ("model", pa.string()),
        ("strategy", pa.string()), ("math_level", pa.int32()), ("created_at", pa.string()), ("method", pa.string()),
        ("messages", pa.string()), ("tools", pa.string()),
    ])


def _safe(value: Any) -> Any:
    """Arrow refuses strings that are not valid UTF-8: escape lone surrogates like the JSONL writer."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return value.encode("utf-8", "backslashreplace").decode("utf-8")
    return value


class ParquetWriter:
    """Rows buffered per row group and appended with ``pyarrow.parquet.ParquetWriter``."""

    def __init__(self, path: Path):
        try:
            import pyarrow.parquet as pq
        except ImportError as exc:
            raise InputError("--format parquet needs pyarrow", "pip install pyarrow") from exc
        self.path = path
        self._schema = _parquet_schema()
        self._writer = pq.ParquetWriter(str(path), self._schema, compression="zstd")
        self._rows: list[dict[str, Any]] = []

    def write(self, conv: Conversation, t: TraceView) -> None:
        meta = metadata(t, conv)
        row = {k: meta[k] for k in ("answer", "gold", "correct", "level", "agent_level", "confidence", "verified",
                                    "checks_passed", "dataset", "problem_id", "run_id", "model", "strategy",
                                    "math_level", "created_at", "method")}
        row.update(trace_id=t.id, problem=t.problem,
                   messages=json.dumps(openai_messages(conv), ensure_ascii=False),
                   tools=json.dumps([conv.tool_schema] if conv.uses_tools else [], ensure_ascii=False))
        self._rows.append({k: _safe(v) for k, v in row.items()})
        if len(self._rows) >= PARQUET_ROW_GROUP:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if self._rows:
            self._writer.write_table(pa.Table.from_pylist(self._rows, schema=self._schema))
            self._rows = []

    def close(self) -> None:
        try:
            self._flush()
        finally:
            self._writer.close()


def open_writer(fmt: str, path: Path, with_metadata: bool) -> Writer:
    if fmt == "parquet":
        return ParquetWriter(path)
    return JsonlWriter(path, fmt, with_metadata)
