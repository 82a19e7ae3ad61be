"""`mathagent export` through the real command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from openai_schema import validate_openai_record
from trace_factories import pot_trace

from mathagent.traces.db import open_database, session_scope
from mathagent.traces.store import add_trace

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402


def _db(url: str) -> None:
    with open_database(url) as f, session_scope(f) as s:
        add_trace(s, pot_trace("What is 6 times 7?", "print(6 * 7)", "42", dataset="gsm8k"))
        add_trace(s, pot_trace("What is 1 plus 1?", "print(2)", "2", level="unverified", dataset="gsm8k"))
        add_trace(s, pot_trace("What is 2 plus 2?", "print(4)", "4", level="formal", dataset="gsm8k"))


def test_export_json_and_human_output(db_url_any, tmp_path):
    _db(db_url_any)
    out = tmp_path / "sft.jsonl"
    proc = run_cli(["export", "--format", "openai-chat", "--verified-only", "--out", str(out), "--db", db_url_any,
                    "--json"])
    assert proc.returncode == 0, proc.stderr
    (report,) = [json.loads(line) for line in proc.stdout.decode().splitlines()]
    assert report["written"] == 2 and report["matched"] == 2 and report["output"] == str(out)
    assert report["by_level"] == {"formal": 1, "consensus": 1}
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    assert all(validate_openai_record(rec) == [] for rec in recs) and len(recs) == 2
    assert "| written | 2 |" in (tmp_path / "README.md").read_text()
    env_proc = run_cli(["export", "--out", str(tmp_path / "pq/")],
                       env={"MATHAGENT_FORMAT": "parquet", "MATHAGENT_DB_URL": db_url_any,
                            "MATHAGENT_MIN_LEVEL": "formal"})
    assert env_proc.returncode == 0, env_proc.stderr
    assert b"wrote 1 records" in env_proc.stdout and (tmp_path / "pq" / "parquet.parquet").is_file()
    assert b"levels: formal 1" in env_proc.stdout


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
    assert_clean_error(run_cli(["export", "-f", "trl", "-o", str(tmp_path / "x.jsonl"), "--db", db,
                                "--min-level", "platinum"]), "--min-level must be one of")
    assert_clean_error(run_cli(["export", "-f", "trl", "-o", str(tmp_path / "x.jsonl"), "--db", db,
                                "--precision-file", str(tmp_path / "none.json")]), "figures file not found")
    assert not (tmp_path / "x.jsonl").exists()
