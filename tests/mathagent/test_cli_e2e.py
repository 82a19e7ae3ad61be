"""End to end through the CLI on the real embedded model (slow: ~15 s a problem on 2 cores).

The golden cases (tests/data/golden_solve.jsonl) are problems the default model
solves reliably at temperature 0.  Each run goes through `mathagent solve
--json` in a fresh process, then the trace is read back with `mathagent traces
show --json` and directly from the SQLite file.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cli_helpers import run_cli  # noqa: E402

CASES = [json.loads(line) for line in (Path(__file__).parents[1] / "data" / "golden_solve.jsonl").open()]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    d = tmp_path_factory.mktemp("e2e")
    return {"MATHAGENT_DB_URL": f"sqlite:///{d / 'traces.db'}", "XDG_DATA_HOME": str(d / "data")}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_solve_real_model(case, env):
    proc = run_cli(["solve", "--json", case["problem"]], env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["answer"] == case["answer"], out
    for key in ("verified", "level", "confidence", "checks", "steps", "derivations", "trace_id", "model", "usage",
                "seconds"):
        assert key in out
    assert out["model"].startswith("qwen2.5-coder-1.5b")
    assert out["usage"]["prompt_tokens"] > 0 and out["usage"]["completion_tokens"] > 0
    program_steps = [s for s in out["steps"] if s["route"] in ("pot", "repair")]
    winners = [d for d in out["derivations"] if d["cluster"] == 0 and d["valid"]]
    assert winners and any(d["method"] == "pot" for d in winners), \
        "the answer must come from the calculator, not only the model's arithmetic"
    assert out["verified"] == (out["level"] in ("formal", "consensus"))
    assert 0.0 <= out["confidence"] <= 1.0

    shown = run_cli(["traces", "show", "--json", out["trace_id"]], env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr.decode()
    trace = json.loads(shown.stdout)
    assert trace["answer"] == case["answer"]
    assert [(s["index"], s["route"], s["status"]) for s in trace["steps"]] == \
        [(s["index"], s["route"], s["status"]) for s in out["steps"]]
    assert len(trace["tool_calls"]) >= len([s for s in program_steps if s["status"] != "no_code"])
    assert all(c["stdout"] or c["stderr"] for c in trace["tool_calls"] if c["status"] == "ok")
    assert len(trace["llm_calls"]) >= 1 and trace["llm_calls"][0]["response"]
    assert trace["checks"] == out["checks"] and trace["derivations"] == out["derivations"]
    assert (trace["level"], trace["confidence"]) == (out["level"], out["confidence"])

    con = sqlite3.connect(env["MATHAGENT_DB_URL"].removeprefix("sqlite:///"))
    try:
        n_steps = con.execute("SELECT count(*) FROM steps WHERE trace_id=?", (out["trace_id"],)).fetchone()[0]
        n_tools = con.execute("SELECT count(*) FROM tool_calls WHERE trace_id=?", (out["trace_id"],)).fetchone()[0]
    finally:
        con.close()
    assert n_steps == len(out["steps"]) and n_tools == len(trace["tool_calls"])


def test_human_output_shows_answer_level_and_trace(env):
    proc = run_cli(["solve", "What is 17 * 23?"], env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr.decode()
    text = proc.stdout.decode()
    assert "answer: 391" in text and "pot" in text and "trace " in text
    assert any(level in text for level in ("consensus", "formal", "unverified"))
