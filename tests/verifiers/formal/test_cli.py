"""`mathagent prove` and `mathagent audit minif2f` end to end (subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

MATHAGENT = str(Path(sys.executable).with_name("mathagent"))


def run(args: list[str], env: dict | None = None) -> subprocess.CompletedProcess:
    e = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
    e.update(env or {})
    return subprocess.run([MATHAGENT, *args], capture_output=True, text=True, env=e, timeout=300)


def test_prove_statement_smt_checked():
    p = run(["prove", "--statement", "theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry", "--json"])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    assert out["kind"] == "proved" and out["label"] == "SMT-checked" and out["backend"] == "z3"


def test_prove_human_output_and_file(fixtures_dir: Path):
    p = run(["prove", str(fixtures_dir / "minif2f_mini" / "false_sqrt.lean")])
    assert p.returncode == 0, p.stderr
    assert "refuted" in p.stdout and "SMT-checked" in p.stdout and "f 3 = 3" in p.stdout


def test_prove_statement_from_env_var():
    p = run(["prove", "--json"], env={"MATHAGENT_STATEMENT": "theorem t : (2 : ℕ) + 2 = 5 := by sorry"})
    assert json.loads(p.stdout)["kind"] == "refuted"


def test_prove_lean_backend_without_lean_is_a_clean_error():
    p = run(["prove", "--statement", "theorem t : True := by sorry", "--backend", "lean"],
            env={"MATHAGENT_LEAN": "/nonexistent/lean"})
    assert p.returncode == 3 and "Traceback" not in p.stderr
    assert p.stderr.startswith("error: Lean is not usable here") and "fix:" in p.stderr


def test_prove_needs_exactly_one_input():
    p = run(["prove"])
    assert p.returncode == 2 and p.stderr.startswith("error:") and "Traceback" not in p.stderr


def test_audit_folder_json(fixtures_dir: Path):
    p = run(["audit", "minif2f", "--data", str(fixtures_dir / "minif2f_mini"), "--json", "--timeout", "2"])
    assert p.returncode == 0, p.stderr
    out = json.loads(p.stdout)
    flagged = {f["name"]: f for f in out["flagged"]}
    assert set(flagged) == {"false_sqrt", "vacuous_cubes"}
    assert flagged["false_sqrt"]["counterexample"] == {"f 3": "3"}
    assert "contradictory" in flagged["vacuous_cubes"]["reason"]
    assert out["summary"]["verdicts"]["proved"] == 2 and len(out["results"]) == 5


def test_audit_human_table(fixtures_dir: Path):
    p = run(["audit", "minif2f", "--data", str(fixtures_dir / "minif2f_mini.jsonl")])
    assert p.returncode == 0, p.stderr
    assert "2 flagged" in p.stdout and "| source |" in p.stdout and "false_sqrt" in p.stdout


def test_audit_missing_data_is_clean_error(tmp_path: Path):
    p = run(["audit", "minif2f", "--data", str(tmp_path / "nope")])
    assert p.returncode == 2 and p.stderr.startswith("error:") and "fix:" in p.stderr


def test_prove_malformed_statement_is_a_one_line_error():
    p = run(["prove", "--statement", "theorem t (x : ℕ : x = x"])
    assert p.returncode == 2 and "Traceback" not in p.stderr
    lines = p.stderr.strip().splitlines()
    assert lines[0].startswith("error: malformed Lean statement: '(' is never closed") and lines[1].startswith("fix:")
    assert p.stdout == ""


def test_prove_refusal_names_the_construct_and_is_not_checked():
    p = run(["prove", "--statement", "theorem t (x : ℝ) (h : 0 < x) : Real.log x < x := sorry"])
    assert p.returncode == 0, p.stderr
    assert p.stdout.startswith("unsupported: Real.log") and "not checked" in p.stdout and "SMT-checked" not in p.stdout
    j = json.loads(run(["prove", "--statement", "theorem t (x : ℕ) (h : x ≤ ⊤) : x = x := sorry", "--json"]).stdout)
    assert j["kind"] == "unsupported" and j["construct"] == "notation ⊤" and j["label"] == "not checked"


def test_prove_rlimit_stops_with_the_reason_recorded():
    stmt = ("theorem t (x y z : ℤ) (h : x ^ 3 + y ^ 3 + z ^ 3 = 33) (h2 : x * y * z ≠ 0) : "
            "x ^ 2 + y ^ 2 + z ^ 2 < 10 := by sorry")
    j = json.loads(run(["prove", "--statement", stmt, "--rlimit", "100000", "--json"]).stdout)
    assert j["kind"] == "unknown" and j["stopped_by"] == "rlimit"
