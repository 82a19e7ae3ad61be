"""Bad input to the CLI: a one-line error, a non-zero exit, nothing written."""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402


@pytest.fixture
def env(tmp_path):
    return {"MATHAGENT_DB_URL": f"sqlite:///{tmp_path / 't.db'}", "XDG_DATA_HOME": str(tmp_path / "data")}


def db_rows(env) -> int:
    path = Path(env["MATHAGENT_DB_URL"].removeprefix("sqlite:///"))
    if not path.exists():
        return 0
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM traces").fetchone()[0]
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


@pytest.mark.parametrize("args,stdin,needle", [
    (["solve", ""], None, "the problem is empty"),
    (["solve", "   "], None, "the problem is empty"),
    (["solve", "x" * 100_000], None, "too long"),
    (["solve", "-"], b"\xff\xfe not utf-8 \xc3", "not valid UTF-8"),
    (["solve"], b"", "the problem is empty"),
    (["solve", "-"], b"a" * 2_000_000, "larger than"),
])
def test_solve_bad_input(args, stdin, needle, env):
    proc = run_cli(args, stdin=stdin, env=env, timeout=60)
    assert_clean_error(proc, *([needle] if needle else []))
    assert proc.returncode == 2
    assert db_rows(env) == 0


def test_solve_nul_on_stdin(env):
    proc = run_cli(["solve", "-"], stdin=b"2+2\x00", env=env, timeout=60)
    assert_clean_error(proc, "NUL")


def test_unknown_backend_and_bad_option(env):
    proc = run_cli(["solve", "2+2", "--backend", "nope"], env=env, timeout=60)
    assert_clean_error(proc, "unknown backend")
    proc = run_cli(["solve", "2+2", "--max-samples", "abc"], env=env, timeout=60)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr


def test_missing_and_corrupt_model_files(env, tmp_path):
    proc = run_cli(["solve", "2+2", "--model", str(tmp_path / "missing.gguf")], env=env, timeout=60)
    assert_clean_error(proc, "model file not found")
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a model")
    proc = run_cli(["solve", "2+2", "--model", str(bad)], env=env, timeout=60)
    assert_clean_error(proc, "not a GGUF model file")


def test_openai_backend_without_url(env):
    proc = run_cli(["solve", "2+2", "--backend", "openai"], env=env, timeout=60)
    assert_clean_error(proc, "needs a server URL")


def test_unreachable_database(env):
    env = dict(env, MATHAGENT_DB_URL="postgresql+psycopg://nobody@127.0.0.1:9/none")
    proc = run_cli(["traces", "list"], env=env, timeout=60)
    assert_clean_error(proc)


def test_traces_show_unknown_id(env):
    proc = run_cli(["traces", "show", "doesnotexist"], env=env, timeout=60)
    assert_clean_error(proc, "no trace database")  # a read-only command creates no database
    assert db_rows(env) == 0 and not Path(env["MATHAGENT_DB_URL"].removeprefix("sqlite:///")).exists()
    assert run_cli(["db", "upgrade"], env=env, timeout=60).returncode == 0
    proc = run_cli(["traces", "show", "doesnotexist"], env=env, timeout=60)
    assert_clean_error(proc, "no trace with id")


def test_no_locals_or_traceback_on_internal_errors(env):
    proc = run_cli(["traces", "list", "--limit", "0"], env=env, timeout=60)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
