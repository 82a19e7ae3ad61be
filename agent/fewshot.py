"""Few-shot reuse of verified traces.

The k verified traces whose problems are most similar to the new one (BM25
over problem text, via ``bm25s``) become (user, assistant) example pairs in
the solver prompt: the problem and the program that solved it.  The trace of
the new problem records which examples were used (``meta.fewshot_ids``).

No leakage: a trace of the same problem (same normalized-text hash, or the
same dataset problem id) is never retrieved, so evaluation can never be
handed the answer to the problem it is grading.
"""

from __future__ import annotations

from dataclasses import dataclass

from mathagent.agent import prompts
from mathagent.traces.records import problem_hash
from mathagent.traces.store import solved_programs

MAX_POOL = 20_000  # verified traces considered, most recent first


@dataclass(frozen=True)
class Example:
    trace_id: str
    problem: str
    problem_hash: str
    problem_id: str | None
    program: str

    def messages(self) -> list[dict]:
        return [prompts.problem_message(self.problem),
                {"role": "assistant", "content": f"```python\n{self.program.strip()}\n```"}]


def load_examples(session, *, limit: int = MAX_POOL, dataset: str | None = None,
                  exclude_run: str | None = None) -> list[Example]:
    """The candidate examples in the trace database ``session`` is open on
    (:func:`mathagent.traces.store.solved_programs`: verified, not contradicted by a gold answer, one per
    problem)."""
    return [Example(p.trace_id, p.problem, p.problem_hash, p.problem_id, p.program)
            for p in solved_programs(session, limit=limit, dataset=dataset, exclude_run=exclude_run)]


class FewShotRetriever:
    """BM25 over the problems of verified traces; built once, queried per problem."""

    def __init__(self, examples: list[Example]):
        self.examples = examples
        self._bm25 = None
        if examples:
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index(bm25s.tokenize([e.problem for e in examples], show_progress=False),
                             show_progress=False)

    def retrieve(self, problem: str, k: int, *, problem_id: str | None = None) -> list[Example]:
        if k <= 0 or self._bm25 is None:
            return []
        import bm25s

        own_hash = problem_hash(problem)
        n = len(self.examples)
        want = min(n, k + 10)  # room to drop the problem itself and its duplicates
        tokens = bm25s.tokenize([problem], show_progress=False)
        if not tokens.vocab:
            return []
        idx, scores = self._bm25.retrieve(tokens, k=want, show_progress=False)
        picked = []
        for i, score in zip(idx[0], scores[0]):
            ex = self.examples[int(i)]
            if ex.problem_hash == own_hash or (problem_id and ex.problem_id == problem_id) or score <= 0:
                continue
            picked.append(ex)
            if len(picked) == k:
                break
        return picked


def fewshot_messages(examples: list[Example]) -> tuple[dict, ...]:
    return tuple(m for ex in examples for m in ex.messages())
