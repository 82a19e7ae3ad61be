"""Benchmark loaders against fixtures copied from the real data, plus malformed files."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

from mathagent.datasets import DatasetError, LoadResult, Problem, RecordError, load_dataset
from mathagent.datasets.loaders.registry import LOADERS
from mathagent.errors import InputError

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "datasets"


def test_registry_has_one_loader_per_benchmark() -> None:
    assert set(LOADERS) == {"gsm8k", "math", "minif2f", "proofnet"}


def test_gsm8k_fixture() -> None:
    res = load_dataset("gsm8k", FIX / "gsm8k" / "dev8.jsonl")
    assert isinstance(res, LoadResult) and res.errors == []
    assert [p.id for p in res.problems] == [f"gsm8k/dev8/{i}" for i in range(8)]
    first = res.problems[0]
    assert first.dataset == "gsm8k" and first.question.startswith("Janet’s ducks lay 16 eggs")
    assert first.answer == "18" and "<<9*2=18>>" in first.solution and "####" not in first.solution
    assert res.file_sha256 == hashlib.sha256((FIX / "gsm8k" / "dev8.jsonl").read_bytes()).hexdigest()


def test_gsm8k_malformed_records_are_reported_with_file_and_line() -> None:
    path = FIX / "gsm8k" / "malformed.jsonl"
    res = load_dataset("gsm8k", path)
    assert [p.id for p in res.problems] == ["gsm8k/malformed/0", "gsm8k/malformed/7"]
    by_line = {e.line: e.message for e in res.errors}
    assert sorted(by_line) == [2, 3, 4, 5, 7, 9]
    assert "invalid JSON" in by_line[2]
    assert "####" in by_line[3]
    assert "JSON object" in by_line[4]
    assert "missing field 'question'" in by_line[5]
    assert "must be a string" in by_line[7]
    assert "UTF-8" in by_line[9]
    assert all(e.file == str(path) for e in res.errors)
    assert str(res.errors[0]).startswith(f"{path}:2: ")


def test_strict_raises_on_first_bad_record() -> None:
    with pytest.raises(DatasetError) as info:
        load_dataset("gsm8k", FIX / "gsm8k" / "malformed.jsonl", strict=True)
    assert isinstance(info.value, InputError)
    assert "malformed.jsonl:2" in info.value.message and info.value.fix


def test_limit_counts_good_problems() -> None:
    assert len(load_dataset("gsm8k", FIX / "gsm8k" / "dev8.jsonl", limit=3).problems) == 3
    assert load_dataset("gsm8k", FIX / "gsm8k" / "dev8.jsonl", limit=0).problems == []
    assert [p.id for p in load_dataset("gsm8k", FIX / "gsm8k" / "malformed.jsonl", limit=2).problems] == [
        "gsm8k/malformed/0", "gsm8k/malformed/7"]
    with pytest.raises(DatasetError):
        load_dataset("gsm8k", FIX / "gsm8k" / "dev8.jsonl", limit=-1)


def test_math_jsonl_fixture() -> None:
    res = load_dataset("math", FIX / "math" / "dev8.jsonl")
    assert res.errors == [] and len(res.problems) == 8
    assert {p.level for p in res.problems} == {1, 2, 3, 4, 5}
    first = res.problems[0]
    assert first.id == "test/algebra/32.json"
    assert first.answer == "7,9,12,13" and first.subject == "Algebra" and first.level == 4
    assert first.meta["level_raw"] == "Level 4" and "\\boxed" in first.solution
    assert len({p.subject for p in res.problems}) == 4


def test_math500_layout_uses_answer_field() -> None:
    res = load_dataset("math", FIX / "math" / "math500_layout.jsonl")
    plain = {p.id: p for p in load_dataset("math", FIX / "math" / "dev8.jsonl").problems}
    assert res.errors == [] and len(res.problems) == 3
    for p in res.problems:
        assert isinstance(p.level, int) and p.subject == plain[p.id].subject
        assert p.answer == plain[p.id].answer


def test_math_folder_of_json_files() -> None:
    res = load_dataset("math", FIX / "math" / "MATH")
    assert res.errors == []
    assert [p.id for p in res.problems] == ["test/algebra/32.json", "test/algebra/40.json", "test/geometry/40.json"]
    # a sub-folder gives the same ids (named from the split folder down)
    assert [p.id for p in load_dataset("math", FIX / "math" / "MATH" / "test" / "algebra").problems] == [
        "test/algebra/32.json", "test/algebra/40.json"]
    jsonl = {p.id: p for p in load_dataset("math", FIX / "math" / "dev8.jsonl").problems}
    for p in res.problems:
        if p.id in jsonl:
            assert dataclasses.replace(p, meta={}) == dataclasses.replace(jsonl[p.id], meta={})


def test_math_malformed() -> None:
    res = load_dataset("math", FIX / "math" / "malformed.jsonl")
    assert [p.id for p in res.problems] == ["test/algebra/32.json", "math/malformed/5"]
    assert res.problems[1].level is None and res.problems[1].answer == "3"
    msgs = {e.line: e.message for e in res.errors}
    assert sorted(msgs) == [2, 3, 4, 5]
    assert "missing field 'problem'" in msgs[2]
    assert "no gold answer" in msgs[3]
    assert "duplicate id" in msgs[4] and "malformed.jsonl:1" in msgs[4]
    assert "invalid JSON" in msgs[5]


def test_minif2f_jsonl_and_folder_agree() -> None:
    js = load_dataset("minif2f", FIX / "minif2f" / "valid5.jsonl")
    folder = load_dataset("minif2f", FIX / "minif2f" / "valid")
    assert js.errors == [] and folder.errors == []
    assert len(js.problems) == len(folder.problems) == 5
    by_id = {p.id: p for p in folder.problems}
    for p in js.problems:
        f = by_id[p.id]
        assert p.formal_statement == f.formal_statement
        assert f.meta["header"] + f.formal_statement == (FIX / "minif2f" / "valid" / f"{p.id.split('/')[1]}.lean").read_text()
        assert p.formal_statement.rstrip().endswith("sorry") and p.answer is None
        assert p.meta["informal"] and not f.meta["informal"]
        assert p.question != p.formal_statement and f.question == f.formal_statement.strip()


def test_minif2f_nested_folder(tmp_path: Path) -> None:
    """The upstream layout (MiniF2F/Valid, MiniF2F/Test) is read at any depth, split from the parent folder."""
    import shutil

    shutil.copytree(FIX / "minif2f" / "valid", tmp_path / "MiniF2F" / "Valid")
    flat = load_dataset("minif2f", FIX / "minif2f" / "valid")
    nested = load_dataset("minif2f", tmp_path)
    assert nested.errors == [] and [p.id for p in nested.problems] == [p.id for p in flat.problems]
    assert all(p.meta["lean_path"].startswith("MiniF2F/Valid/") and p.meta["split"] == "valid"
               for p in nested.problems)


def test_minif2f_malformed_inputs() -> None:
    res = load_dataset("minif2f", FIX / "minif2f" / "malformed.jsonl")
    assert len(res.problems) == 2
    msgs = {e.line: e.message for e in res.errors}
    assert "missing field 'formal_statement'" in msgs[2] and "duplicate id" in msgs[3]
    folder = load_dataset("minif2f", FIX / "minif2f" / "broken_folder")
    assert [p.id for p in folder.problems] == ["minif2f/aimeII_2001_p3"]
    assert len(folder.errors) == 1 and folder.errors[0].line is None
    assert folder.errors[0].file.endswith("no_theorem.lean") and "theorem" in folder.errors[0].message


def test_proofnet_fixture_and_malformed() -> None:
    res = load_dataset("proofnet", FIX / "proofnet" / "valid3.jsonl")
    assert res.errors == [] and len(res.problems) == 3
    p = res.problems[0]
    assert p.id == "proofnet/Shakarchi_exercise_1_13a" and p.subject == "Shakarchi"
    assert p.formal_statement.startswith("theorem Shakarchi_exercise_1_13a") and p.meta["header"].startswith("import Mathlib")
    bad = load_dataset("proofnet", FIX / "proofnet" / "malformed.jsonl")
    assert len(bad.problems) == 2
    assert {e.line for e in bad.errors} == {2, 3}


@pytest.mark.parametrize(
    ("name", "path", "needle"),
    [
        ("gsm9k", FIX / "gsm8k" / "dev8.jsonl", "unknown dataset"),
        ("gsm8k", FIX / "nope.jsonl", "not found"),
        ("gsm8k", FIX / "gsm8k", "is a folder"),
        ("minif2f", FIX / "gsm8k", "no .lean files"),
        ("math", FIX / "minif2f" / "valid", "no .json files"),
    ],
)
def test_unusable_inputs_raise_dataset_error_with_fix(name: str, path: Path, needle: str) -> None:
    with pytest.raises(DatasetError) as info:
        load_dataset(name, path)
    assert needle in info.value.message and info.value.fix


def test_record_types_are_frozen() -> None:
    p = load_dataset("gsm8k", FIX / "gsm8k" / "dev8.jsonl", limit=1).problems[0]
    assert isinstance(p, Problem)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.id = "x"  # type: ignore[misc]
    assert str(RecordError("f.jsonl", 3, "bad")) == "f.jsonl:3: bad"


@pytest.mark.parametrize(
    ("name", "rel", "count"),
    [
        ("gsm8k", "gsm8k/dev.jsonl", 200),
        ("math", "math/dev.jsonl", 500),
        ("minif2f", "minif2f/valid", 244),
        ("minif2f", "minif2f/valid.jsonl", 244),
        ("minif2f", "minif2f/upstream_minif2f_lean4_jsonl_442f415.valid.jsonl", 244),
        ("proofnet", "proofnet/valid.jsonl", 185),
    ],
)
def test_real_data_loads_completely(shared_data: Path, name: str, rel: str, count: int) -> None:
    res = load_dataset(name, shared_data / rel)
    assert res.errors == []
    assert len(res.problems) == count
    assert len({p.id for p in res.problems}) == count
    if name in ("gsm8k", "math"):
        assert all(p.answer for p in res.problems)
    else:
        assert all(p.formal_statement for p in res.problems)
