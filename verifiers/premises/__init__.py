"""Premise retrieval for Lean proof search.

* ``build_corpus(project) -> list[FileEntry]``, ``write_corpus``/``read_corpus``: LeanDojo-compatible
  ``corpus.jsonl`` (path, imports, premises with full_name/code/start/end).
* ``PremiseIndex(corpus).search(goal, k, path=None, line=None) -> list[Hit]``: BM25 over accessible premises.
"""

from __future__ import annotations

from mathagent.verifiers.premises.corpus import FileEntry, Premise, build_corpus, read_corpus, write_corpus
from mathagent.verifiers.premises.errors import PremiseError
from mathagent.verifiers.premises.retrieval import Hit, PremiseIndex, tokenize

__all__ = ["FileEntry", "Premise", "build_corpus", "read_corpus", "write_corpus", "PremiseError", "Hit",
           "PremiseIndex", "tokenize"]
