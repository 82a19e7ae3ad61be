from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text

from mathagent.errors import DatabaseError
from mathagent.traces import store
from mathagent.traces.db import (current_revision, head_revision, make_engine, open_database, prepare_database,
                                 session_scope)
from mathagent.traces.records import PARTS, Check, Derivation, LLMCall, Step, ToolCall, TraceRecord, as_json


def sample_record(**kw) -> TraceRecord:
    base = dict(problem="What is 2+2?", model="m", backend="local", status="answered", answer="4", verified=True,
                level="consensus", agent_level="consensus", confidence=0.9375,
                steps=[Step(0, "pot", "print(2+2)", "4\n", "ok", 12.0),
                       Step(1, "cot", "chain of thought", "\\boxed{4}", "answer", 40.0),
                       Step(2, "vote", "2 derivations", "4 ×2 (pot+cot)", "settled", 0.1)],
                tool_calls=[ToolCall(0, "calculator", "print(2+2)", "4\n", "", "ok", 12.0)],
                llm_calls=[LLMCall(0, "pot", [{"role": "user", "content": "2+2"}], "```python...", 5, 6,
                                   "stop", 30.0, batch=4, prompt="pot-plain@1"),
                           LLMCall(1, "cot", [{"role": "user", "content": "2+2"}], "\\boxed{4}", 5, 9, "stop", 40.0,
                                   prompt="cot-plain@1")],
                checks=[Check("consensus", "pass", "4 ×2 (pot+cot)"),
                        Check("smt_equation_claim", "inconclusive", "not one equation", independent=True, formal=True)],
                derivations=[Derivation(0, "pot", "pot-plain@1", "4", True, cluster=0, step_index=0),
                             Derivation(1, "cot", "cot-plain@1", "4", True, cluster=0, step_index=1),
                             Derivation(2, "pot", "pot-plain@1", None, False, "the program ended with error",
                                        cluster=-1, step_index=0)])
    base.update(kw)
    return TraceRecord(**base)


def test_roundtrip_with_children(db_url_any):
    rec = sample_record()
    with open_database(db_url_any) as f:
        with session_scope(f) as s:
            store.add_trace(s, rec)
        with session_scope(f) as s:
            d = store.trace_to_dict(store.find_trace(s, rec.id))
    assert d["answer"] == "4" and d["verified"] is True
    assert (d["level"], d["agent_level"], d["confidence"]) == ("consensus", "consensus", 0.9375)
    for name in PARTS:  # every part comes back with exactly its record's fields and values
        assert d[name] == [as_json(part) for part in getattr(rec, name)], name
    assert [x["route"] for x in d["steps"]] == ["pot", "cot", "vote"]
    assert d["llm_calls"][0]["messages"] == [{"role": "user", "content": "2+2"}]
    assert d["checks"][1] == {"name": "smt_equation_claim", "verdict": "inconclusive", "detail": "not one equation",
                              "independent": True, "formal": True}
    assert [(x["index"], x["cluster"], x["valid"]) for x in d["derivations"]] == [(0, 0, True), (1, 0, True),
                                                                               (2, -1, False)]


def test_verified_only_lists_consensus_or_stronger(db_url_any):
    with open_database(db_url_any) as f:
        with session_scope(f) as s:
            for lv in ("gold", "formal", "consensus", "unverified"):
                store.add_trace(s, sample_record(id=f"t_{lv}", level=lv, verified=lv != "unverified"))
        with session_scope(f) as s:
            assert sorted(t.id for t in store.list_traces(s, verified_only=True)) == ["t_consensus", "t_formal",
                                                                                       "t_gold"]
            assert len(store.list_traces(s)) == 4


def test_prefix_lookup_and_ambiguity(db_url_any):
    a, b = sample_record(id="abcdef0001"), sample_record(id="abcdef0002")
    with open_database(db_url_any) as f:
        with session_scope(f) as s:
            store.add_trace(s, a)
            store.add_trace(s, b)
        with session_scope(f) as s:
            assert store.find_trace(s, "abcdef0001").id == "abcdef0001"
            assert sorted(store.find_trace(s, "abcdef")) == ["abcdef0001", "abcdef0002"]
            assert store.find_trace(s, "abc") is None  # too short for a prefix
            assert store.find_trace(s, "zzzzzzzz") is None


def test_failed_transaction_writes_nothing(db_url_any):
    with open_database(db_url_any) as f:
        with pytest.raises(RuntimeError), session_scope(f) as s:
            store.add_trace(s, sample_record(id="t1"))
            raise RuntimeError("crash between writes")
        with session_scope(f) as s:
            assert store.list_traces(s) == []
            assert s.execute(text("SELECT count(*) FROM steps")).scalar() == 0


def test_unique_run_item(db_url_any):
    from sqlalchemy.exc import IntegrityError

    from mathagent.traces.models import EvalRun

    with open_database(db_url_any) as f:
        with session_scope(f) as s:
            s.add(EvalRun(id="run1", dataset="gsm8k", config={}))
        with session_scope(f) as s:
            store.add_trace(s, sample_record(id="x1", run_id="run1", problem_id="p1"))
        with pytest.raises(IntegrityError), session_scope(f) as s:
            store.add_trace(s, sample_record(id="x2", run_id="run1", problem_id="p1"))


def test_migrations_create_schema_and_wal(db_url_any, tmp_path):
    engine = make_engine(db_url_any)
    assert current_revision(engine) is None
    assert prepare_database(engine) == head_revision()
    tables = set(inspect(engine).get_table_names())
    assert {"traces", "steps", "tool_calls", "llm_calls", "verifications", "derivations", "eval_runs",
            "alembic_version"} <= tables
    if engine.dialect.name == "sqlite":
        with engine.connect() as c:
            assert c.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


def test_newer_schema_is_refused(db_url_any):
    engine = make_engine(db_url_any)
    prepare_database(engine)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num='9999_from_the_future'"))
    with pytest.raises(DatabaseError) as exc:
        prepare_database(engine)
    engine.dispose()
    assert "newer than this mathagent knows" in exc.value.message


def test_models_match_migrations(db_url_any):
    """The Alembic migrations produce exactly the tables and columns the models declare."""
    from mathagent.traces.models import Base

    engine = make_engine(db_url_any)
    prepare_database(engine)
    insp = inspect(engine)
    for table in Base.metadata.sorted_tables:
        assert {c["name"] for c in insp.get_columns(table.name)} == {c.name for c in table.columns}, table.name
    engine.dispose()


def test_unreachable_and_invalid_urls():
    with pytest.raises(DatabaseError):
        make_engine("not a url")
    with pytest.raises(DatabaseError):
        with open_database("sqlite:////proc/definitely/not/here.db"):
            pass


def test_read_only_database_via_uri(tmp_path):
    path = tmp_path / "ro.db"
    with open_database(f"sqlite:///{path}") as f, session_scope(f) as s:
        store.add_trace(s, sample_record(id="keep"))
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(DatabaseError), open_database(url) as f, session_scope(f) as s:
        store.add_trace(s, sample_record(id="new"))
    con = sqlite3.connect(path)
    assert con.execute("SELECT id FROM traces").fetchall() == [("keep",)]
    con.close()
