"""`mathagent traces show` and `traces list`: the level, confidence, derivations and checks of a stored trace,
with stored text shown, never obeyed, by the terminal."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mathagent.traces.db import open_database, session_scope
from mathagent.traces.records import Check, Derivation, LLMCall, Step, ToolCall, TraceRecord
from mathagent.traces.store import add_trace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402

ESC = "\x1b]0;pwned\x07\x1b[2J"  # retitle the window, clear the screen
WIDE = {"COLUMNS": "220"}


def voted(**kw) -> TraceRecord:
    code = f"print(18)  # {ESC}"
    fields = {"id": "feedc0de0001", "verified": True, "level": "gold", "correct": True, **kw}
    return TraceRecord(
        problem=f"Janet has 18 eggs. How many? {ESC}", model="m", backend="local", status="answered", answer="18",
        agent_level="consensus", confidence=0.9375, gold="18",
        steps=[Step(0, "pot", code, "18\n", "ok", 3.0), Step(1, "pot", "print(q)", "NameError", "error", 2.0),
               Step(2, "cot", "chain of thought", f"so \\boxed{{18}} {ESC}", "answer", 9.0),
               Step(3, "vote", "3 derivations", "18 ×2 (pot+cot) — 2 valid of 3", "settled", 0.1)],
        tool_calls=[ToolCall(0, "calculator", code, "18\n", "", "ok", 3.0),
                    ToolCall(1, "calculator", "print(q)", "", "NameError", "error", 2.0)],
        llm_calls=[LLMCall(0, "pot", [], f"```python\n{code}\n```", 5, 5), LLMCall(1, "pot", [], "x", 5, 5),
                   LLMCall(2, "cot", [], "so \\boxed{18}", 5, 9)],
        derivations=[Derivation(0, "pot", "pot-plain@1", "18", True, cluster=0, step_index=0),
                     Derivation(1, "pot", "pot-plain@1", None, False, f"the program ended with error {ESC}",
                                step_index=1),
                     Derivation(2, "cot", "cot-plain@1", "18", True, cluster=0, step_index=2)],
        checks=[Check("consensus", "pass", f"18 ×2 (pot+cot); confidence 0.94 {ESC}"),
                Check("smt_equation_claim", "inconclusive", "no single equation", formal=True)], **fields)


def test_show_states_level_confidence_derivations_and_checks(db_url):
    with open_database(db_url) as f, session_scope(f) as s:
        add_trace(s, voted())
    proc = run_cli(["traces", "show", "feedc0de", "--db", db_url], env=WIDE)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "level gold (agent: consensus) · confidence 0.94 · verified" in out
    assert "derivation 0 · pot (pot-plain@1) · answer 18 · valid · cluster 0 (winner)" in out
    assert "derivation 1 · pot (pot-plain@1) · answer None · invalid: the program ended with error" in out
    assert "did not vote" in out and "derivation 2 · cot (cot-plain@1)" in out
    assert "check consensus: pass" in out and "check smt_equation_claim (formal): inconclusive" in out
    assert "gold: 18 (right)" in out
    # stored text is shown, never obeyed: no raw control character reaches the terminal
    assert "\x1b" not in out and "\x07" not in out and "\\x1b]0;pwned\\x07" in out

    shown = json.loads(run_cli(["traces", "show", "feedc0de", "--json", "--db", db_url]).stdout)
    assert (shown["level"], shown["agent_level"], shown["confidence"]) == ("gold", "consensus", 0.9375)
    assert [d["cluster"] for d in shown["derivations"]] == [0, -1, 0] and len(shown["checks"]) == 2


def test_list_shows_the_level_and_filters_verified(db_url):
    with open_database(db_url) as f, session_scope(f) as s:
        add_trace(s, voted())
        add_trace(s, voted(id="feedc0de0002", level="unverified", verified=False, correct=False))
    out = run_cli(["traces", "list", "--db", db_url], env=WIDE).stdout.decode()
    assert "level" in out and "gold" in out and "unverified" in out and "\x1b" not in out
    rows = json.loads(run_cli(["traces", "list", "--verified-only", "--json", "--db", db_url]).stdout)["traces"]
    assert [(r["id"], r["level"]) for r in rows] == [("feedc0de0001", "gold")]


def test_show_a_trace_written_before_derivations(db_url):
    old = TraceRecord(id="0dd0dd0dd001", problem="What is 2+2?", model="m", backend="local", status="answered",
                      answer="4", verified=True, level="consensus", agent_level="consensus",
                      steps=[Step(0, "calc", "print(2+2)", "4\n", "ok", 1.0)],
                      checks=[Check("cot_cross_check", "pass", "chain of thought gave '4', claimed '4': equivalent")],
                      meta={"answer_route": "calc"})
    with open_database(db_url) as f, session_scope(f) as s:
        add_trace(s, old)
    proc = run_cli(["traces", "show", "0dd0dd0dd001", "--db", db_url], env=WIDE)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout.decode()
    assert "level consensus · verified" in out and "print(2+2)" in out and "check cot_cross_check: pass" in out
    assert "derivation" not in out
    assert_clean_error(run_cli(["traces", "show", "0dd0ff", "--db", db_url]), "no trace")
