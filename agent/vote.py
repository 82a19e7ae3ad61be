"""The vote over derivations: equivalence clusters, the stopping rule, confidence and level.

Pure functions of the derivations (plus the one equivalence judgement of
:mod:`mathagent.verifiers`), so the graph's routers stay small and every rule
here is tested without a model.

* **Clusters.**  Valid answers are grouped by the grader's equivalence: each
  answer is compared with one representative per cluster (the first answer
  that opened it), so n answers cost at most n × clusters comparisons, and
  plain numbers are compared in process (microseconds).  An undecided
  comparison (a parse failure, a timeout) counts as "different".
* **Winner.**  The largest cluster; ties go to the cluster with more distinct
  methods, then to the one that formed first (the greedy sample comes first).
* **Stopping rule** (adaptive consistency, Aggarwal et al. 2023): with ``a``
  votes for the leader and ``b`` for the runner-up, stop when the leader cannot
  be overtaken by the samples left, or when ``P(p_leader > p_runner-up) >=
  threshold`` under a uniform Beta prior, i.e. ``P(Beta(a+1, b+1) > 1/2) =
  P(Binomial(a+b+1, 1/2) <= a)``, with at least ``min_agree`` votes.
* **Confidence** of the winner, gold-free, in [0, 1]: the Beta posterior
  above, times the share of valid derivations that agree.  **Consensus**
  needs at least ``m`` agreeing derivations of at least two methods, among them
  every method the configuration names (a chain of thought by default: its
  reading of the problem is not the program's), no valid derivation
  disagreeing and the confidence at the threshold chosen on dev.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from math import comb

from mathagent.traces.records import Derivation

Equivalent = Callable[[str, str], "bool | None"]


@dataclass(frozen=True)
class Cluster:
    answer: str                  # the representative: the first answer that opened the cluster
    members: tuple[int, ...]     # derivation indexes
    methods: tuple[str, ...]     # distinct methods, in order of appearance


@dataclass(frozen=True)
class Vote:
    clusters: tuple[Cluster, ...]  # largest first (ties: more methods, then earlier)
    valid: int                     # derivations with a valid answer
    total: int                     # derivations drawn

    @property
    def winner(self) -> Cluster | None:
        return self.clusters[0] if self.clusters else None

    @property
    def top(self) -> int:
        return len(self.clusters[0].members) if self.clusters else 0

    @property
    def runner_up(self) -> int:
        return len(self.clusters[1].members) if len(self.clusters) > 1 else 0

    def cluster_of(self) -> dict[int, int]:
        """derivation index -> cluster index."""
        return {d: c for c, cl in enumerate(self.clusters) for d in cl.members}

    def summary(self) -> str:
        if not self.clusters:
            return f"no valid answer among {self.total} derivations"
        parts = [f"{c.answer} ×{len(c.members)} ({'+'.join(c.methods)})" for c in self.clusters[:4]]
        more = f", {len(self.clusters) - 4} more" if len(self.clusters) > 4 else ""
        return f"{'; '.join(parts)}{more} — {self.valid} valid of {self.total}"


def group(answers: Sequence[str], equivalent: Equivalent) -> list[list[int]]:
    """Equivalence classes of ``answers`` as lists of positions, in the order they formed: each answer joins
    the first class whose representative (the answer that opened it) it is equivalent to, else opens a new
    one; an undecided comparison counts as "different".  The vote and maj@k
    (:func:`mathagent.eval.metrics.majority_correct`) both group with this."""
    reps: list[str] = []
    classes: list[list[int]] = []
    for i, answer in enumerate(answers):
        for c, rep in enumerate(reps):
            if equivalent(rep, answer) is True:
                classes[c].append(i)
                break
        else:
            reps.append(answer)
            classes.append([i])
    return classes


def cluster(derivations: Sequence[Derivation], equivalent: Equivalent) -> Vote:
    """Group the valid derivations' answers into equivalence clusters (see the module docstring)."""
    voting = [(d, d.answer) for d in derivations if d.valid and d.answer is not None]
    answers = [answer for _, answer in voting]
    classes = group(answers, equivalent)
    members = [[voting[i][0].index for i in cls] for cls in classes]
    methods = [list(dict.fromkeys(voting[i][0].method for i in cls)) for cls in classes]
    # largest first; ties: more methods, then the class that formed first
    order = sorted(range(len(classes)), key=lambda c: (-len(members[c]), -len(methods[c]), c))
    clusters = tuple(Cluster(answers[classes[c][0]], tuple(members[c]), tuple(methods[c])) for c in order)
    return Vote(clusters, len(voting), len(derivations))


def p_leader(a: int, b: int) -> float:
    """P(Beta(a+1, b+1) > 1/2): the posterior probability that the leader is the true majority of the two."""
    n = a + b + 1
    return sum(comb(n, k) for k in range(a + 1)) / 2 ** n


def settled(vote: Vote, remaining: int, *, threshold: float, min_agree: int) -> bool:
    """Whether more samples could not, or would very likely not, change the winner."""
    a, b = vote.top, vote.runner_up
    if a == 0:
        return False
    if a - b > remaining:
        return True
    return a >= min_agree and p_leader(a, b) >= threshold


def confidence(vote: Vote) -> float:
    """The winner's gold-free confidence in [0, 1] (0 without a valid answer)."""
    if vote.winner is None:
        return 0.0
    return p_leader(vote.top, vote.runner_up) * vote.top / vote.valid


def missing_methods(vote: Vote, needs: Sequence[str]) -> tuple[str, ...]:
    """The methods of ``needs`` that no derivation of the winning cluster used (all of them without a winner)."""
    have = vote.winner.methods if vote.winner is not None else ()
    return tuple(m for m in needs if m not in have)


def consensus(vote: Vote, *, min_agree: int, threshold: float, needs: Sequence[str] = ()) -> bool:
    """Independent derivations of >= 2 methods agree (>= ``min_agree`` of them, every method of ``needs`` among
    them), none valid disagrees, and the confidence reaches ``threshold``."""
    w = vote.winner
    return (w is not None and len(w.members) >= min_agree and len(w.methods) >= 2 and vote.top == vote.valid
            and not missing_methods(vote, needs) and confidence(vote) >= threshold)
