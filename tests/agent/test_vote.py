"""The vote's rules: clusters, winner, stopping, confidence, consensus."""

from __future__ import annotations

import pytest

from mathagent.agent.vote import cluster, confidence, consensus, missing_methods, p_leader, settled
from mathagent.traces.records import Derivation
from mathagent.verifiers.equivalence import equivalent


def d(i, answer, method="pot", valid=True):
    return Derivation(index=i, method=method, prompt="p", answer=answer, valid=valid)


def test_answers_cluster_under_the_graders_equivalence_not_their_spelling():
    v = cluster([d(0, "18"), d(1, "18.0"), d(2, "\\frac{36}{2}", "cot"), d(3, "17"), d(4, "$18")],
                lambda a, b: equivalent(a, b))
    assert [(c.answer, c.members, c.methods) for c in v.clusters] == [
        ("18", (0, 1, 2, 4), ("pot", "cot")), ("17", (3,), ("pot",))]
    assert v.top == 4 and v.runner_up == 1 and v.valid == 5


def test_invalid_derivations_do_not_vote():
    v = cluster([d(0, "4.5", valid=False), d(1, None, valid=False), d(2, "3")], lambda a, b: a == b)
    assert [c.answer for c in v.clusters] == ["3"] and v.valid == 1 and v.total == 3


def test_ties_go_to_more_methods_then_to_the_earlier_cluster():
    v = cluster([d(0, "1"), d(1, "2"), d(2, "2", "cot"), d(3, "1")], lambda a, b: a == b)
    assert v.winner.answer == "2"  # two methods beat one
    v = cluster([d(0, "1"), d(1, "2"), d(2, "2"), d(3, "1")], lambda a, b: a == b)
    assert v.winner.answer == "1"  # the greedy sample's cluster formed first


def test_undecided_comparisons_count_as_different():
    v = cluster([d(0, "x"), d(1, "y")], lambda a, b: None)
    assert len(v.clusters) == 2


@pytest.mark.parametrize("a,b,p", [(3, 0, 15 / 16), (4, 0, 31 / 32), (3, 1, 26 / 32), (0, 0, 0.5), (1, 1, 0.5)])
def test_p_leader_is_the_beta_posterior(a, b, p):
    assert p_leader(a, b) == pytest.approx(p)


def test_stopping_rule():
    eq = lambda a, b: a == b  # noqa: E731
    four = cluster([d(i, "5") for i in range(4)], eq)
    assert settled(four, 8, threshold=0.95, min_agree=3)             # 4-0: P = 0.97
    three = cluster([d(i, "5") for i in range(3)], eq)
    assert not settled(three, 8, threshold=0.95, min_agree=3)        # 3-0: P = 0.94
    split = cluster([d(0, "5"), d(1, "5"), d(2, "6"), d(3, "6")], eq)
    assert not settled(split, 8, threshold=0.95, min_agree=3)
    assert settled(cluster([d(0, "5"), d(1, "5"), d(2, "6")], eq), 0, threshold=0.95, min_agree=3)  # can't move
    assert not settled(cluster([], eq), 8, threshold=0.95, min_agree=3)


def test_confidence_and_consensus():
    eq = lambda a, b: a == b  # noqa: E731
    agree = cluster([d(0, "5"), d(1, "5"), d(2, "5"), d(3, "5", "cot")], eq)
    assert confidence(agree) == pytest.approx(31 / 32)
    assert consensus(agree, min_agree=3, threshold=0.9)
    one_method = cluster([d(i, "5") for i in range(5)], eq)
    assert not consensus(one_method, min_agree=3, threshold=0.9)
    dissent = cluster([d(0, "5"), d(1, "5"), d(2, "5", "cot"), d(3, "6")], eq)
    assert not consensus(dissent, min_agree=3, threshold=0.0)
    assert confidence(cluster([], eq)) == 0.0


def test_consensus_needs_the_named_methods_among_the_agreeing():
    eq = lambda a, b: a == b  # noqa: E731
    programs_only = cluster([d(0, "5"), d(1, "5"), d(2, "5"), d(3, "5", "tir")], eq)  # two methods, both code
    assert consensus(programs_only, min_agree=3, threshold=0.9)
    assert not consensus(programs_only, min_agree=3, threshold=0.9, needs=("cot",))
    assert missing_methods(programs_only, ("cot",)) == ("cot",)
    with_cot = cluster([d(0, "5"), d(1, "5"), d(2, "5", "tir"), d(3, "5", "cot")], eq)
    assert consensus(with_cot, min_agree=3, threshold=0.9, needs=("cot",))
    assert missing_methods(with_cot, ("cot", "tir")) == ()
    # a chain of thought that disagrees is a dissent, not the needed method
    cot_dissents = cluster([d(0, "5"), d(1, "5"), d(2, "5", "tir"), d(3, "6", "cot")], eq)
    assert missing_methods(cot_dissents, ("cot",)) == ("cot",)
    assert not consensus(cot_dissents, min_agree=3, threshold=0.0, needs=("cot",))
    assert missing_methods(cluster([], eq), ("cot",)) == ("cot",)
