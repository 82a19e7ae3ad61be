"""Benchmark name -> loader, and :func:`load_dataset`, the one entry point.

Each benchmark is its own small module exposing
``records(path) -> Iterator[(file, line, Problem | RecordError)]``; this
module adds path checks, ``limit``/``strict``/duplicate-id handling
(:class:`~mathagent.datasets.loaders.reading.Collector`) and the input's SHA-256.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

from mathagent.datasets.loaders import gsm8k, hendrycks_math, minif2f, proofnet
from mathagent.datasets.errors import DatasetError, RecordError
from mathagent.datasets.problem import LoadResult, Problem
from mathagent.datasets.loaders.reading import Collector, sha256_of

RecordsFn = Callable[[Path], Iterator[tuple[str, int | None, Problem | RecordError]]]

LOADERS: dict[str, RecordsFn] = {
    gsm8k.NAME: gsm8k.records,
    hendrycks_math.NAME: hendrycks_math.records,
    minif2f.NAME: minif2f.records,
    proofnet.NAME: proofnet.records,
}
ALIASES = {"math500": "math", "math-500": "math", "minif2f-lean4": "minif2f", "mini-f2f": "minif2f"}


def dataset_names() -> list[str]:
    return sorted(LOADERS)


def load_dataset(name: str, path: str | Path, *, limit: int | None = None, strict: bool = False) -> LoadResult:
    """Load benchmark ``name`` from ``path`` (a file or folder in the benchmark's published format).

    Malformed records come back in ``errors`` (file and line) and do not stop
    the others; with ``strict=True`` the first one raises :class:`DatasetError`.
    ``limit`` keeps the first ``limit`` good problems in file order.
    """
    key = ALIASES.get(name.strip().lower(), name.strip().lower())
    loader = LOADERS.get(key)
    if loader is None:
        raise DatasetError(f"unknown dataset {name!r}", f"use one of: {', '.join(dataset_names())}")
    p = Path(path).expanduser()
    if not p.exists():
        raise DatasetError(f"dataset path not found: {p}", f"pass the path of the {key} data you downloaded (a file or folder)")
    collector = Collector(limit, strict)
    try:
        collector.consume(loader(p))
    except OSError as exc:
        raise DatasetError(f"cannot read {p}: {exc.strerror or exc}", "check the path and its permissions") from exc
    return collector.result(sha256_of(p))
