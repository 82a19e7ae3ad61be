"""Property: whatever text a trace holds, every exported line is valid JSON (all JSONL formats)."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trace_factories import cot_trace, pot_trace

from mathagent.datasets.export.conversation import build_conversation
from mathagent.datasets.export import ExportOptions, run_export
from mathagent.datasets.export.source import DerivationView, ExportFilters, ReplyView, ToolView, TraceView
from mathagent.datasets.export.writers import JsonlWriter
from mathagent.traces.db import open_database, session_scope
from mathagent.traces.store import add_trace, clean_text

ANY_TEXT = st.text(alphabet=st.characters(exclude_categories=()), max_size=60)  # surrogates and NUL included


def view(problem: str, code: str, stdout: str, response: str, answer: str) -> TraceView:
    return TraceView(id="t1", created_at=None, run_id=None, dataset=problem[:5], problem_id=None, strategy="agent",
                     sample_index=0, problem=problem, problem_hash="h", model=answer, answer=answer, verified=True,
                     gold=None, correct=None, meta={"level": problem}, checks_passed=1, level="consensus",
                     agent_level="consensus", confidence=0.9, tool_calls=(ToolView(0, code, stdout, "", "ok"),),
                     replies=(ReplyView(0, "pot", response + "\n```python\n" + code + "\n```"),),
                     derivations=(DerivationView(0, "pot", "pot-plain@1", answer, True, 0, 0),))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(problem=ANY_TEXT, code=ANY_TEXT, stdout=ANY_TEXT, response=ANY_TEXT, answer=ANY_TEXT)
def test_every_line_is_json_for_any_unicode(tmp_path: Path, problem, code, stdout, response, answer):
    t = view(problem, code, stdout, response, answer)
    conv = build_conversation(t)
    assert conv is not None
    for fmt in ("openai-chat", "trl", "sharegpt"):
        path = tmp_path / f"{fmt}.jsonl"
        w = JsonlWriter(path, fmt, with_metadata=True)
        w.write(conv, t)
        w.close()
        lines = path.read_bytes().decode("utf-8").split("\n")
        assert len(path.read_text(encoding="utf-8").splitlines()) == 1
        assert lines[-1] == "" and len(lines) == 2  # exactly one line: no raw newline escapes the JSON string
        rec = json.loads(lines[0])
        if fmt == "openai-chat":
            assert rec["messages"][1]["content"] == problem
            assert json.loads(rec["messages"][2]["tool_calls"][0]["function"]["arguments"])["code"] == code


def test_database_round_trip_of_hostile_text(db_url_any, tmp_path):
    hostile = "nul\x00 lone\ud800 surrogate, emoji 🧮, RTL \u202e, CJK 数学, \u2028 line sep, \"quotes\" \\ back"
    with open_database(db_url_any) as f, session_scope(f) as s:
        add_trace(s, pot_trace(hostile, f"print({hostile!r})", "1", stdout=hostile))
        add_trace(s, cot_trace("reason " + hostile, hostile + " \\boxed{1}", "1"))
    for fmt in ("openai-chat", "trl", "sharegpt", "parquet"):
        res = run_export(db_url_any, ExportOptions(fmt=fmt, out=tmp_path / fmt / "", filters=ExportFilters()))
        assert res.stats.written == 2
        if fmt == "parquet":
            continue
        recs = [json.loads(line) for line in res.output.read_text(encoding="utf-8").splitlines()]
        assert len(recs) == 2
        if fmt == "openai-chat":
            problems = sorted(r["messages"][1]["content"] for r in recs)
            assert problems == sorted([clean_text(hostile), clean_text("reason " + hostile)])
            assert "\x00" not in problems[0] and "\ufffd" in problems[0]
