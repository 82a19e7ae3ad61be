"""Tests on the real miniF2F valid split (the copy in tests/fixtures/formal/minif2f_valid)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from mathagent.verifiers.formal import audit_statements, check_statement, load_statements, summarize
from mathagent.verifiers.formal.errors import OutOfBudget, Refusal
from mathagent.verifiers.formal.parser import parse_theorem
from mathagent.verifiers.formal.problem import build_problem
from mathagent.verifiers.formal.verdicts import Proved, Refuted, Vacuous


def _records(path: Path) -> dict[str, str]:
    return {r["name"]: r["formal_statement"] for r in map(json.loads, path.read_text().splitlines())}


def test_every_statement_parses_or_is_refused_with_reason(minif2f_valid: Path) -> None:
    recs = _records(minif2f_valid)
    assert len(recs) == 244
    built = refused = 0
    for name, text in recs.items():
        try:
            build_problem(parse_theorem(text))
            built += 1
        except Refusal as r:
            assert r.reason.startswith("unsupported: ") and r.construct.strip(), name
            refused += 1
        except OutOfBudget as b:
            assert b.stopped_by in ("work budget", "wall clock"), name
            refused += 1
    print(f"\nminiF2F valid: {built} translated, {refused} refused with a reason")
    assert built >= 150


def test_audit_finds_the_known_bad_statements(minif2f_valid: Path) -> None:
    recs = _records(minif2f_valid)
    names = ["mathd_algebra_433", "mathd_algebra_437", "aime_1996_p5"]
    results = {r.name: r for r in audit_statements([{"name": n, "formal_statement": recs[n]} for n in names])}
    v433 = results["mathd_algebra_433"].verdict
    assert isinstance(v433, Refuted) and v433.counterexample.get("f 8") == "1"
    assert "f 8 = 1" in v433.reason
    for n in ("mathd_algebra_437", "aime_1996_p5"):
        v = results[n].verdict
        assert isinstance(v, Vacuous) and "contradictory" in v.reason and v.contradictory, n
    assert all(r.flagged for r in results.values())


def _perturb_goal(text: str) -> str | None:
    """Add one to the last numeral of the goal (the text between the last ' : ' at depth 0 and ':=')."""
    body = text[: text.rindex(":=")]
    depth, colon = 0, -1
    for i, ch in enumerate(body):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == ":" and depth == 0:
            colon = i
    if colon < 0:
        return None
    goal = body[colon:]
    nums = list(re.finditer(r"(?<![\w.₀-₉])\d+(?![\w.])", goal))
    if not nums:
        return None
    m = nums[-1]
    new_goal = goal[: m.start()] + str(int(m.group()) + 1) + goal[m.end():]
    return body[:colon] + new_goal + " := by sorry"


def test_fidelity_perturbed_proved_goals_are_mostly_refuted(minif2f_valid: Path) -> None:
    recs = _records(minif2f_valid)
    proved = []
    for name, text in sorted(recs.items()):
        if name.startswith("mathd_") and isinstance(check_statement(text, 1.0), Proved):
            proved.append((name, text))
    assert len(proved) >= 60
    refuted, kinds = 0, {}
    for name, text in proved:
        mutated = _perturb_goal(text)
        if mutated is None:
            continue
        v = check_statement(mutated, 1.0)
        kinds[v.kind] = kinds.get(v.kind, 0) + 1
        refuted += isinstance(v, Refuted)
    share = refuted / len(proved)
    print(f"\nfidelity: {refuted}/{len(proved)} perturbed proved goals refuted ({share:.0%}); {kinds}")
    assert share >= 0.75


def test_loader_reads_folder_and_jsonl(fixtures_dir: Path) -> None:
    folder = load_statements(fixtures_dir / "minif2f_mini")
    jsonl = load_statements(fixtures_dir / "minif2f_mini.jsonl")
    assert [r.name for r in folder] == [r.name for r in jsonl]
    s = summarize(audit_statements(folder, timeout_s=2.0))
    assert s["verdicts"]["proved"] == 2 and s["verdicts"]["refuted"] == 1
    assert s["verdicts"]["vacuous"] == 1 and s["verdicts"]["unsupported"] == 1
    assert sorted(s["flagged"]) == ["false_sqrt", "vacuous_cubes"]


def test_loader_reads_a_nested_folder_like_the_dataset_loader(fixtures_dir: Path, tmp_path: Path) -> None:
    """miniF2F-lean4 keeps MiniF2F/Valid and MiniF2F/Test apart: the folder is searched at any depth, in the
    order of the relative paths, and the dataset loader walks it through the same function."""
    import shutil

    from mathagent.datasets import load_dataset
    from mathagent.verifiers.formal.loader import lean_files

    names = sorted(f.stem for f in (fixtures_dir / "minif2f_mini").glob("*.lean"))
    root = tmp_path / "MiniF2F"
    for i, name in enumerate(names):
        (root / ("Valid" if i % 2 else "Test/deep")).mkdir(parents=True, exist_ok=True)
        shutil.copy(fixtures_dir / "minif2f_mini" / f"{name}.lean", root / ("Valid" if i % 2 else "Test/deep"))
    (root / "Valid" / "folder.lean").mkdir()  # a folder named like a statement is skipped
    files = lean_files(tmp_path)
    assert [f.relative_to(tmp_path).as_posix() for f in files] == sorted(
        f.relative_to(tmp_path).as_posix() for f in tmp_path.rglob("*.lean") if f.is_file())
    records = load_statements(tmp_path)
    assert sorted(r.name for r in records) == names and [r.source for r in records] == [str(f) for f in files]
    loaded = load_dataset("minif2f", tmp_path)
    assert [p.meta["lean_path"] for p in loaded.problems] == [f.relative_to(tmp_path).as_posix() for f in files]
