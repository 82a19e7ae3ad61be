"""`mathagent db upgrade|current` and the start-up schema check, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlalchemy import text

from mathagent.traces.db import head_revision, make_engine

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402


def test_upgrade_current_and_newer_schema_refused(db_url_any):
    up = run_cli(["db", "upgrade", "--db", db_url_any, "--json"])
    assert up.returncode == 0, up.stderr
    assert json.loads(up.stdout) == {"from": None, "to": head_revision()}
    again = run_cli(["db", "upgrade", "--db", db_url_any, "--json"])
    assert json.loads(again.stdout) == {"from": head_revision(), "to": head_revision()}
    cur = run_cli(["db", "current", "--json"], env={"MATHAGENT_DB_URL": db_url_any})
    assert json.loads(cur.stdout) == {"current": head_revision(), "head": head_revision()}

    engine = make_engine(db_url_any)
    with engine.begin() as c:
        c.execute(text("UPDATE alembic_version SET version_num='9999_future'"))
    engine.dispose()
    for args in (["traces", "list"], ["db", "upgrade"], ["export", "-f", "trl", "-o", "/tmp/never.jsonl"]):
        proc = run_cli([*args, "--db", db_url_any])
        assert proc.returncode == 5
        assert_clean_error(proc, "newer than this mathagent knows")


def test_unreachable_postgres_is_a_clean_error():
    proc = run_cli(["traces", "list", "--db", "postgresql+psycopg://nobody@127.0.0.1:1/none"])
    assert_clean_error(proc, "cannot open the trace database")
