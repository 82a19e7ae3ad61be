"""Errors raised by the benchmark loaders.

A *record* problem (bad JSON on one line, a missing field) is data: a
:class:`RecordError` naming the file and line, collected while the other
records load.  Only an unusable *input* (missing path, unknown benchmark, or
any record error under ``strict=True``) raises :class:`DatasetError`.
"""

from __future__ import annotations

from dataclasses import dataclass

from mathagent.errors import InputError


class DatasetError(InputError):
    """The dataset path or name is unusable, or a record is bad under ``strict``."""

    def __init__(self, message: str, fix: str | None = None):
        super().__init__(message, fix)


@dataclass(frozen=True)
class RecordError:
    """One malformed record: ``file`` and 1-based ``line`` (``None`` for a whole file)."""

    file: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.message}"
