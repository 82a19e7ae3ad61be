"""Reading whatever a row holds without crashing the command that reads it.

A database is input too: rows written by another tool, by hand or by an older
version.  SQLite stores any value in any column (``created_at = 'not a date'``,
``seconds = 'fast'``, a BLOB where text belongs, ``config = '[1, 2, 3]'`` or
malformed JSON).  Two rules, both at the root rather than at each reader:

* :func:`lenient_sqlite` gives a SQLite engine's dialect lenient readers for
  every column type (present and future): a value that is not what its column
  says reads as ``None`` (a date, a truth value, JSON), ``0`` (a number) or
  text decoded with replacement (bytes, numbers in a text column).  Writing is
  unchanged.  PostgreSQL enforces column types, so it needs none of this.
* :class:`StoredJSON` reads a JSON column whose value must be an object (or a
  list) as an empty one when it is anything else, on every backend.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import types as sqltypes
from sqlalchemy.dialects.sqlite import DATETIME
from sqlalchemy.dialects.sqlite.json import JSON as SQLITE_JSON
from sqlalchemy.types import TypeDecorator


def _lenient(parse, fallback: Any, accept: tuple[type, ...], convert):
    """A result processor: ``parse`` (the dialect's own, may be None), then ``convert`` unless the value is
    already one of ``accept``; anything that fails reads as ``fallback``."""

    def process(value: Any) -> Any:
        if value is None:
            return None
        try:
            if parse is not None:
                value = parse(value)
            return value if isinstance(value, accept) else convert(value)
        except (ValueError, TypeError, OverflowError, ArithmeticError, RecursionError):
            return fallback

    return process


def _to_int(value: Any) -> int:
    if isinstance(value, float) and not math.isfinite(value):
        return 0
    return int(value) if not isinstance(value, str) else int(float(value))


def _to_bool(value: Any) -> bool | None:
    text = value.decode("ascii", "replace") if isinstance(value, bytes) else str(value)
    return {"1": True, "true": True, "0": False, "false": False}.get(text.strip().lower())


def _to_text(value: Any) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, (bytes, bytearray, memoryview)) \
        else str(value)


def _bad_date(value: Any) -> Any:
    raise ValueError("not a date")


class _LenientDateTime(DATETIME):
    def result_processor(self, dialect, coltype):
        return _lenient(super().result_processor(dialect, coltype), None, (object,), _bad_date)


class _LenientInteger(sqltypes.Integer):
    def result_processor(self, dialect, coltype):
        return _lenient(super().result_processor(dialect, coltype), 0, (int,), _to_int)


class _LenientFloat(sqltypes.Float):
    def result_processor(self, dialect, coltype):
        return _lenient(super().result_processor(dialect, coltype), 0.0, (float,), float)


class _LenientBoolean(sqltypes.Boolean):
    def result_processor(self, dialect, coltype):
        return _lenient(None, None, (bool,), _to_bool)


class _LenientString(sqltypes.String):
    def result_processor(self, dialect, coltype):
        return _lenient(super().result_processor(dialect, coltype), "", (str,), _to_text)


class _LenientJSON(SQLITE_JSON):
    def result_processor(self, dialect, coltype):
        return _lenient(super().result_processor(dialect, coltype), None, (object,), _bad_date)


def lenient_sqlite(dialect) -> None:
    """Give this (SQLite) dialect instance the lenient readers above for every column type.

    ``colspecs`` is the documented per-dialect map from generic types to the dialect's own (an instance
    attribute overrides the class's); it is set before the engine's first use, so every column type
    the schema has now or later reads through it.
    """
    dialect.colspecs = {
        **dialect.colspecs,
        sqltypes.DateTime: _LenientDateTime,
        sqltypes.Integer: _LenientInteger,
        sqltypes.Float: _LenientFloat,
        sqltypes.Boolean: _LenientBoolean,
        sqltypes.String: _LenientString,
        sqltypes.JSON: _LenientJSON,
    }


class StoredJSON(TypeDecorator):
    """JSON whose value must be a ``shape`` (dict or list); anything else (or NULL) reads as an empty one."""

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
            return value if isinstance(value, self.shape) else self.shape()

        return process
