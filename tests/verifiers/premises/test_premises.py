from __future__ import annotations

import json
from pathlib import Path

import pytest

from mathagent.verifiers.premises import (
    PremiseError, PremiseIndex, build_corpus, read_corpus, tokenize, write_corpus,
)

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "formal"
PROJECT = FIX / "premises_project"


@pytest.fixture(scope="module")
def corpus():
    return build_corpus(PROJECT)


def test_corpus_shape_is_leandojo_compatible(corpus, tmp_path):
    by_path = {e.path: e for e in corpus}
    assert set(by_path) == {"Toy/Basic.lean", "Toy/Order.lean", "Toy/Parity.lean", "Toy/Main.lean",
                            "Toy/Unrelated.lean", "lakefile.lean"}
    assert by_path["Toy/Main.lean"].imports == ["Toy/Order.lean", "Toy/Parity.lean"]
    names = {p.full_name for p in by_path["Toy/Basic.lean"].premises}
    assert {"Toy.double", "Toy.double_eq_two_mul", "Toy.square_mul", "Toy.helper_add_comm"} <= names
    mul = next(p for p in by_path["Toy/Basic.lean"].premises if p.full_name == "Toy.square_mul")
    assert mul.code == "theorem square_mul (a b : Nat) : square (a * b) = square a * square b"
    assert mul.start[0] == 22 and mul.end[0] == 22
    assert "Toy.main_fact" in {p.full_name for p in by_path["Toy/Main.lean"].premises}
    out = tmp_path / "corpus.jsonl"
    write_corpus(corpus, out)
    line = json.loads(out.read_text().splitlines()[0])
    assert set(line) == {"path", "imports", "premises"}
    assert set(line["premises"][0]) == {"full_name", "code", "start", "end", "kind"}
    assert [e.path for e in read_corpus(out)] == [e.path for e in corpus]


def test_accessibility(corpus):
    idx = PremiseIndex(corpus)
    hits = idx.search("double square isEven", k=100, path="Toy/Main.lean", line=6)
    names = {h.premise.full_name for h in hits}
    assert "Other.double_square_unrelated" not in names  # not imported
    assert "Toy.main_fact" not in names  # same file but not earlier
    assert "Toy.double_pos" in names and "Toy.isEven_add" in names  # transitively imported
    hits_order = idx.search("double", k=100, path="Toy/Order.lean", line=8)
    order_names = {h.premise.full_name for h in hits_order}
    assert "Toy.double_le_square" in order_names and "Toy.square_mono" not in order_names


def test_recall_at_10(corpus):
    idx = PremiseIndex(corpus)
    queries = json.loads((FIX / "premises_queries.json").read_text())
    found = total = 0
    for q in queries:
        top = {h.premise.full_name for h in idx.search(q["goal"], k=10, path=q["path"], line=q["line"])}
        found += sum(r in top for r in q["relevant"])
        total += len(q["relevant"])
    recall = found / total
    print(f"\nBM25 recall@10 on the toy project: {found}/{total} = {recall:.2f}")
    assert recall >= 0.8


def test_tokenize_splits_names():
    assert tokenize("Toy.isEven_double n") == ["toy", "is", "even", "double", "n"]


def test_errors_have_fix(tmp_path):
    with pytest.raises(PremiseError) as ei:
        build_corpus(tmp_path)
    assert ei.value.fix
