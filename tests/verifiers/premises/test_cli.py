from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MATHAGENT = str(Path(sys.executable).with_name("mathagent"))
PROJECT = Path(__file__).resolve().parents[2] / "fixtures" / "formal" / "premises_project"


def run(args: list[str]) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
    return subprocess.run([MATHAGENT, *args], capture_output=True, text=True, env=e, timeout=300)


def test_index_then_search(tmp_path: Path):
    out = tmp_path / "premises.jsonl"
    p = run(["premises", "index", str(PROJECT), "--out", str(out), "--json"])
    assert p.returncode == 0, p.stderr
    assert json.loads(p.stdout)["files"] == 6 and out.exists()
    s = run(["premises", "search", "⊢ square a ≤ square b", "--k", "3", "--corpus", str(out),
             "--file", "Toy/Main.lean", "--line", "6", "--json"])
    assert s.returncode == 0, s.stderr
    hits = json.loads(s.stdout)["hits"]
    assert len(hits) == 3 and hits[0]["full_name"] == "Toy.square_mono"


def test_search_without_corpus_is_clean_error(tmp_path: Path):
    p = run(["premises", "search", "x", "--corpus", str(tmp_path / "missing.jsonl")])
    assert p.returncode == 2 and p.stderr.startswith("error:") and "fix:" in p.stderr
