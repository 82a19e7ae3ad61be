"""Benchmark loaders (GSM8K, MATH, miniF2F, ProofNet) and trace exports.

``load_dataset(name, path)`` is the entry point; the record type is
:class:`Problem`.  The names below are loaded lazily so that importing
``mathagent.datasets`` (e.g. for exports) does no work.
"""

from __future__ import annotations

from typing import Any

_EXPORTS = {
    "load_dataset": "mathagent.datasets.loaders.registry",
    "dataset_names": "mathagent.datasets.loaders.registry",
    "LOADERS": "mathagent.datasets.loaders.registry",
    "Problem": "mathagent.datasets.problem",
    "LoadResult": "mathagent.datasets.problem",
    "RecordError": "mathagent.datasets.errors",
    "DatasetError": "mathagent.datasets.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mathagent.datasets' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
