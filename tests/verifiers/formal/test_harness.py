"""The soundness harness (issue 15): no verdict may contradict a known truth.

1. A generated corpus of small statements per rule of Lean's semantics, with truth from an independent
   oracle (tests/support/formal_harness.py): `proved` only for true ones, `refuted` only for false ones, and most decided.
2. Mutants of the miniF2F valid statements (tests/fixtures/formal/minif2f_valid, a copy; the tests never
   read /work/shared): the negated goal of a proved statement is never proved, no mutant is proved together
   with its negation, and dropping a hypothesis never turns a refuted statement into a proved one.

Budgets are small rlimits, so the verdicts are the same on every machine.  The full mutation run (every
mutant of every proved statement) is marked slow; CI runs a seeded sample.
"""

from __future__ import annotations

import json
import random
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from mathagent.verifiers.formal import check_statement
from mathagent.verifiers.formal.errors import MalformedStatement

from formal_harness import corpus, mutants, negated

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "formal" / "minif2f_valid" / "valid.jsonl"
RLIMIT = 3_000_000  # about 0.4 s of z3 on an idle machine
SAMPLE = 40  # proved statements whose mutants CI checks


def kind(text: str, rlimit: int = RLIMIT) -> str:
    try:
        return check_statement(text, 1.0, rlimit=rlimit).kind
    except MalformedStatement:
        return "malformed"


@pytest.fixture(scope="module")
def corpus_results():
    cases = corpus(seed=15, per_rule=6)
    return [(c, check_statement(c.text, 1.0, rlimit=RLIMIT)) for c in cases]


def test_corpus_has_no_wrong_verdict(corpus_results):
    wrong = []
    for case, v in corpus_results:
        if v.kind == "proved" and case.truth is not True:
            wrong.append(f"proved but {case.truth}: {case.text} [{case.rule}]")
        if v.kind == "refuted" and case.truth is not False:
            wrong.append(f"refuted but {case.truth}: {case.text} [{case.rule}] {v.reason}")
    assert not wrong, "\n".join(wrong)


def test_corpus_is_mostly_decided(corpus_results):
    by_rule: dict[str, Counter] = defaultdict(Counter)
    for case, v in corpus_results:
        if case.truth is not None:
            by_rule[case.rule][v.kind in ("proved", "refuted")] += 1
    print(f"\ncorpus: {len(corpus_results)} statements, {len(by_rule)} rules")
    undecided = {r: c[False] for r, c in by_rule.items() if c[False]}
    total = sum(sum(c.values()) for c in by_rule.values())
    assert sum(undecided.values()) <= 0.05 * total, undecided


def _records() -> list[tuple[str, str]]:
    return [(r["name"], r["formal_statement"]) for r in map(json.loads, FIXTURE.read_text(encoding="utf-8").splitlines())]


@pytest.fixture(scope="module")
def minif2f_verdicts():
    t0 = time.monotonic()
    out = {name: (text, kind(text)) for name, text in _records()}
    print(f"\nminiF2F fixture: {Counter(k for _, k in out.values())} in {time.monotonic() - t0:.0f} s")
    return out


def test_fixture_is_the_valid_split(minif2f_verdicts):
    assert len(minif2f_verdicts) == 244
    assert sum(k == "proved" for _, k in minif2f_verdicts.values()) >= 120


def test_negated_goal_of_a_proved_statement_is_never_proved(minif2f_verdicts):
    bad = []
    for name, (text, k) in minif2f_verdicts.items():
        if k != "proved":
            continue
        neg = negated(text)
        if neg is not None and kind(neg) == "proved":
            bad.append(name)
    assert not bad, f"both the goal and its negation proved: {bad}"


def _check_mutants(minif2f_verdicts, names: list[str], rng: random.Random) -> Counter:
    seen: Counter = Counter()
    bad = []
    for name in names:
        text, k = minif2f_verdicts[name]
        for what, m in mutants(text, rng):
            mk = kind(m)
            seen[(what, mk)] += 1
            if mk == "proved":
                neg = negated(m)
                if neg is not None and kind(neg) == "proved":
                    bad.append(f"{name} ({what}): mutant and its negation both proved")
            if what == "drop" and mk == "proved" and k == "refuted":
                bad.append(f"{name}: refuted, but proved with a hypothesis dropped")
    assert not bad, "\n".join(bad)
    return seen


def test_mutants_of_proved_statements_sample(minif2f_verdicts):
    proved = sorted(n for n, (_, k) in minif2f_verdicts.items() if k == "proved")
    rng = random.Random(15)
    names = rng.sample(proved, min(SAMPLE, len(proved)))
    seen = _check_mutants(minif2f_verdicts, names, rng)
    print(f"\nmutants of {len(names)} proved statements: {dict(seen)}")


@pytest.mark.slow
def test_mutants_of_all_statements(minif2f_verdicts):
    rng = random.Random(1515)
    seen = _check_mutants(minif2f_verdicts, sorted(minif2f_verdicts), rng)
    print(f"\nmutants of all statements: {dict(seen)}")
