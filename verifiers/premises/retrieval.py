"""BM25 premise retrieval restricted to accessible premises (ReProver's baseline).

A premise is accessible from (file, line) if it is declared earlier in the
same file or anywhere in a transitively imported file.  Ranking is BM25
(`bm25s`) over the premise name (split at `.`, `_` and camelCase) and its
statement; filtering happens on the full score vector, so the top-k are the
best *accessible* premises, not a filtered top-k.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mathagent.verifiers.premises.corpus import FileEntry, Premise

_WORD = re.compile(r"[A-Za-z]+|\d+|[^\sA-Za-z\d(){}\[\],.:_'⦃⦄⟨⟩]")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def tokenize(text: str) -> list[str]:
    toks: list[str] = []
    for w in _WORD.findall(text):
        parts = _CAMEL.split(w) if w[:1].isalpha() else [w]
        toks.extend(p.lower() for p in parts if p)
    return toks


@dataclass(frozen=True)
class Hit:
    premise: Premise
    score: float


class PremiseIndex:
    def __init__(self, corpus: list[FileEntry]):
        import bm25s

        self.files = {e.path: e for e in corpus}
        self.premises: list[Premise] = [p for e in corpus for p in e.premises]
        docs = [tokenize(p.full_name.replace(".", " ")) + tokenize(p.code) for p in self.premises]
        self.bm25: Any = bm25s.BM25()
        if self.premises:
            self.bm25.index(docs, show_progress=False)

    def imported_closure(self, path: str) -> set[str]:
        seen: set[str] = set()
        stack = [path]
        for _ in range(1_000_000):
            if not stack:
                break
            cur = stack.pop()
            entry = self.files.get(cur)
            for imp in entry.imports if entry else []:
                if imp not in seen:
                    seen.add(imp)
                    stack.append(imp)
        return seen

    def accessible(self, path: str | None, line: int | None) -> list[bool]:
        if path is None:
            return [True] * len(self.premises)
        closure = self.imported_closure(path)
        return [p.path in closure or (p.path == path and (line is None or p.end[0] < line)) for p in self.premises]

    def search(self, query: str, k: int = 10, path: str | None = None, line: int | None = None) -> list[Hit]:
        if not self.premises:
            return []
        toks = tokenize(query)
        scores = self.bm25.get_scores(toks) if toks else [0.0] * len(self.premises)
        mask = self.accessible(path, line)
        ranked = sorted((i for i in range(len(self.premises)) if mask[i]), key=lambda i: -float(scores[i]))
        return [Hit(self.premises[i], float(scores[i])) for i in ranked[:k]]
