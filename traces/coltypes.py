"""Column types that read whatever a row holds without crashing the command that reads it.

A database is input too: rows written by another tool, by hand, or by an older
version can hold ``created_at = 'not a date'`` (SQLite stores any text in any
column) or a JSON column with ``[1, 2, 3]`` or malformed text where an object
is expected.  Reading such a row must not take down ``traces list``,
``report`` or ``compare`` with an internal error: an unreadable timestamp reads
as ``None`` and an unreadable or non-object JSON value as ``{}`` (or ``[]``
for list columns).  Writing is unchanged.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.types import TypeDecorator


class StoredDateTime(TypeDecorator):
    """``DateTime(timezone=True)``; a stored value that is not a date reads as ``None``."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def result_processor(self, dialect, coltype):
        parse = super().result_processor(dialect, coltype)
        if parse is None:
            return None

        def process(value: Any) -> Any:
            try:
                return parse(value)
            except (ValueError, TypeError, OverflowError):
                return None

        return process


class StoredJSON(TypeDecorator):
    """JSON whose value must be a ``shape`` (dict or list); anything else reads as an empty one."""

    impl = JSON
    cache_ok = True

    def __init__(self, shape: type = dict):
        super().__init__()
        self.shape = shape

    def result_processor(self, dialect, coltype):
        parse = super().result_processor(dialect, coltype)

        def process(value: Any) -> Any:
            try:
                value = parse(value) if parse is not None else value
            except (ValueError, TypeError, RecursionError):  # malformed JSON text
                return self.shape()
            if value is None:
                return None
            return value if isinstance(value, self.shape) else self.shape()

        return process
