"""`mathagent export` through the real command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from openai_schema import validate_openai_record
from trace_factories import calc_trace

from mathagent.traces.db import open_database, session_scope
from mathagent.traces.store import add_trace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402


def _db(url: str) -> None:
    with open_database(url) as f, session_scope(f) as s:
        add_trace(s, calc_trace("What is 6 times 7?", "print(6 * 7)", "42", dataset="gsm8k"))
        add_trace(s, calc_trace("What is 1 plus 1?", "print(2)", "2", checks=("fail",), dataset="gsm8k"))


def test_export_json_and_human_output(db_url_any, tmp_path):
    _db(db_url_any)
    out = tmp_path / "sft.jsonl"
    proc = run_cli(["export", "--format", "openai-chat", "--verified-only", "--out", str(out), "--db", db_url_any,
                    "--json"])
    assert proc.returncode == 0, proc.stderr
    (report,) = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert report["written"] == 1 and report["matched"] == 1 and report["output"] == str(out)
    (rec,) = [json.loads(line) for line in out.read_text().splitlines()]
    assert validate_openai_record(rec) == []
    assert "| written | 1 |" in (tmp_path / "README.md").read_text()
    env_proc = run_cli(["export", "--out", str(tmp_path / "pq/")],
                       env={"MATHAGENT_FORMAT": "parquet", "MATHAGENT_DB_URL": db_url_any})
    assert env_proc.returncode == 0, env_proc.stderr
    assert b"wrote 2 records" in env_proc.stdout and (tmp_path / "pq" / "parquet.parquet").is_file()


def test_export_user_errors_are_clean(tmp_path):
    missing = f"sqlite:///{tmp_path / 'none.db'}"
    assert_clean_error(run_cli(["export", "-f", "openai-chat", "-o", str(tmp_path / "x.jsonl"), "--db", missing]),
                       "no trace database")
    db = f"sqlite:///{tmp_path / 't.db'}"
    _db(db)
    assert_clean_error(run_cli(["export", "-f", "csv", "-o", str(tmp_path / "x.jsonl"), "--db", db]),
                       "unknown format")
    assert_clean_error(run_cli(["export", "-f", "trl", "-o", str(tmp_path / "x.jsonl"), "--db", db,
                                "--exclude", str(tmp_path / "nope.jsonl")]), "exclude file not found")
    assert_clean_error(run_cli(["export", "-f", "trl", "-o", str(tmp_path / "x.jsonl"), "--db", db,
                                "--since", "yesterday"]), "not an ISO date")
    assert not (tmp_path / "x.jsonl").exists()
