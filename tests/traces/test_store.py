from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import inspect, text

from mathagent.errors import DatabaseError
from mathagent.traces import store
from mathagent.traces.db import (current_revision, head_revision, make_engine, open_database, prepare_database,
                                 session_scope)
from mathagent.traces.records import (LLMCallRecord, StepRecord, ToolCallRecord, TraceRecord,
                                      VerificationRecord)


def sample_record(**kw) -> TraceRecord:
    base = dict(problem="What is 2+2?", model="m", backend="local", status="answered", answer="4", verified=True,
                steps=[StepRecord(0, "calc", "print(2+2)", "4\n", "ok", 12.0),
                       StepRecord(1, "reason", "cot", "\\boxed{4}", "answer", 40.0)],
                tool_calls=[ToolCallRecord(0, "calculator", "print(2+2)", "4\n", "", "ok", 12.0)],
                llm_calls=[LLMCallRecord(0, "solve", [{"role": "user", "content": "2+2"}], "```python...", 5, 6,
                                         "stop", 30.0)],
                verifications=[VerificationRecord("cot_cross_check", "pass", "equivalent")])
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
    assert [x["route"] for x in d["steps"]] == ["calc", "reason"]
    assert d["tool_calls"][0]["code"] == "print(2+2)"
    assert d["llm_calls"][0]["messages"] == [{"role": "user", "content": "2+2"}]
    assert d["verification"] == [{"name": "cot_cross_check", "verdict": "pass", "detail": "equivalent"}]


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
    assert {"traces", "steps", "tool_calls", "llm_calls", "verifications", "eval_runs", "alembic_version"} <= tables
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
