"""Database URLs and servers that misbehave: a clear error in seconds, never a hang, never a new database.

The rule (traces/db.py): every URL is parsed into a DatabaseError when malformed (a port that is not a number,
out of range, an empty URL); PostgreSQL connections get a connect timeout, TCP keepalives and a statement
timeout; SQLite a busy timeout; read-only commands open with ``create=False`` (no folder, no file), and a
SQLite path that is not a regular file is refused.

Round three (issue 16): one resolution of the URL (``~`` expanded) is what the engine opens and what the output
checks compare with; read-only commands write nothing (no table, no migration, no switch to WAL: SQLite
connections are query_only); another application's database is refused by every command and an empty one is
filled only by a command that may create a database; a host that is not a host is named as such.
"""

from __future__ import annotations

import os
import socket
import sqlite3
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy.engine.url import make_url

from mathagent.errors import DatabaseError, InputError
from mathagent.traces.db import (
    CONNECT_TIMEOUT_S,
    STATEMENT_TIMEOUT_MS,
    _postgres_args,
    current_revision,
    head_revision,
    make_engine,
    open_database,
    session_scope,
    upgrade,
)
from mathagent.traces.urls import database_files, parse_url, resolve_url, sqlite_path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "mathagent"))
from cli_helpers import assert_clean_error, run_cli  # noqa: E402


@pytest.mark.parametrize("url,needle", [
    ("postgresql+psycopg://u:pw@h:notaport/db", "port is not a number"),
    ("postgresql+psycopg://u@h:99999/db", "port 99999"),
    ("postgresql+psycopg://u@h:0/db", "port 0"),
    ("", "empty"),
    ("   ", "empty"),
    ("not a url at all", "invalid database URL"),
    ("sqlite:////no/such/folder/x.db?mode=ro&uri=true", None),  # parses; fails when opened
    ("postgresql+psycopg://u:pw@[::1/db", "malformed host or IPv6 address"),
    ("postgresql+psycopg://u@::1]/db", "malformed host or IPv6 address"),
    ("postgresql+psycopg://u@[::1]x/db", "malformed host or IPv6 address"),  # SQLAlchemy: no database at all
    ("postgresql+psycopg://u@h]:5432/db", "malformed host or IPv6 address"),
    ("postgresql+psycopg://u@::1/db", "in brackets"),
    ("postgresql+psycopg://u:p:w@[::1]:5432/db", None),  # a bracketed IPv6 address and a colon in the password
    ("postgresql+psycopg://u@[fe80::1%eth0]/db", None),  # with a zone
], ids=["port-word", "port-too-big", "port-zero", "empty", "blank", "garbage", "ro-uri", "ipv6-unclosed",
        "ipv6-stray-bracket", "ipv6-junk-after-bracket", "host-stray-bracket", "ipv6-without-brackets",
        "ipv6-fine", "ipv6-zone-fine"])
def test_malformed_urls_are_database_errors(url, needle):
    if needle is None:
        parse_url(url)
        return
    with pytest.raises(DatabaseError) as info:
        parse_url(url)
    assert needle in info.value.message and info.value.fix


def test_postgres_connections_have_bounded_waits():
    args = _postgres_args(make_url("postgresql+psycopg://u@h/db"))
    assert args["connect_timeout"] == CONNECT_TIMEOUT_S and args["keepalives"] == 1
    assert args["options"] == f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    kept = _postgres_args(make_url("postgresql+psycopg://u@h/db?options=-csearch_path%3Dx&connect_timeout=3"))
    assert "connect_timeout" not in kept  # the URL's own value wins
    assert kept["options"] == f"-csearch_path=x -c statement_timeout={STATEMENT_TIMEOUT_MS}"


class _Silent:
    """Accepts TCP connections and never answers (a hung server, a wrong port behind a proxy)."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.port = self.sock.getsockname()[1]
        self.held: list = []
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return


def test_a_server_that_never_answers_fails_in_seconds():
    pytest.importorskip("psycopg")
    server = _Silent()
    url = f"postgresql+psycopg://u@127.0.0.1:{server.port}/db"
    make_engine(url).dispose()  # imports the driver (slow on a loaded machine) before the clock starts
    t0 = time.monotonic()
    try:
        with pytest.raises(DatabaseError, match="timeout"):
            with open_database(url, create=False):
                pass
    finally:
        server.sock.close()
    assert time.monotonic() - t0 < 2 * CONNECT_TIMEOUT_S
    assert len(server.held) == 1  # one attempt, no retry loop


def test_read_only_opens_create_nothing(tmp_path):
    url = f"sqlite:///{tmp_path}/new/dir/x.db"
    with pytest.raises(InputError, match="no trace database"):
        make_engine(url, create=False)
    assert not (tmp_path / "new").exists()
    make_engine(url).dispose()  # a writing command may create it
    assert (tmp_path / "new" / "dir").is_dir()


@pytest.mark.parametrize("make,needle", [
    (lambda p: p.mkdir(), "folder"),
    (lambda p: os.mkfifo(p), "FIFO"),
    (lambda p: p.symlink_to("/dev/zero"), "character device"),
], ids=["folder", "fifo", "device"])
def test_a_database_path_must_be_a_regular_file(tmp_path, make, needle):
    path = tmp_path / "traces.db"
    make(path)
    for create in (True, False):
        with pytest.raises(DatabaseError, match=needle):
            make_engine(f"sqlite:///{path}", create=create)


def test_database_files_name_every_file_sqlite_keeps(tmp_path):
    names = [p.name for p, _ in database_files(f"sqlite:///{tmp_path}/t.db")]
    assert names == ["t.db", "t.db-wal", "t.db-shm", "t.db-journal"]
    assert sqlite_path(f"sqlite:///file:{tmp_path}/t.db?mode=ro&uri=true") == tmp_path / "t.db"
    assert database_files("sqlite://") == [] and database_files("postgresql+psycopg://u@h/db") == []


def test_postgres_read_only_sessions_refuse_writes():
    args = _postgres_args(make_url("postgresql+psycopg://u@h/db"), read_only=True)
    assert args["options"] == f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c default_transaction_read_only=on"


# -- one resolution of the database path: what SQLite opens is what the checks look at ------------------------


def _seed(path: Path) -> None:
    with open_database(f"sqlite:///{path}"):
        pass


def test_a_tilde_is_the_home_folder_for_the_engine_and_for_the_checks(tmp_path):
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    (work / "~").mkdir(parents=True)
    decoy = work / "~" / "r.db"  # what SQLite opened for sqlite:///~/r.db while the checks looked at the home folder
    _seed(decoy)
    decoy_bytes = decoy.read_bytes()
    env = {"HOME": str(home)}
    # the audit's case: --out is the file SQLite used to open; now the database is ~/r.db, which does not exist
    proc = run_cli(["export", "--format", "openai-chat", "--out", f"{work}/~/r.db", "--db", "sqlite:///~/r.db"],
                   cwd=str(work), env=env)
    assert_clean_error(proc, f"no trace database at {home / 'r.db'}")
    assert decoy.read_bytes() == decoy_bytes and not (home / "r.db").exists()
    # a read-only command on the same URL creates nothing, here or at home
    proc = run_cli(["traces", "list", "--db", "sqlite:///~/r.db"], cwd=str(work), env=env)
    assert_clean_error(proc, "no trace database")
    assert not (home / "r.db").exists() and sorted(os.listdir(work / "~")) == ["r.db"]
    # --out ~/r.db is the database the export reads: refused, the database intact
    _seed(home / "r.db")
    home_bytes = (home / "r.db").read_bytes()
    proc = run_cli(["export", "--format", "trl", "--out", "~/r.db", "--db", "sqlite:///~/r.db"], cwd=str(work),
                   env=env)
    assert_clean_error(proc, "would overwrite the trace database")
    assert (home / "r.db").read_bytes() == home_bytes
    # a writing command creates its database at home, not in a folder named ~
    proc = run_cli(["db", "upgrade", "--db", "sqlite:///~/new.db"], cwd=str(work), env=env)
    assert proc.returncode == 0, proc.stderr
    assert (home / "new.db").is_file() and not (work / "~" / "new.db").exists()


def test_a_tilde_in_a_file_uri_resolves_the_same_way(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    url = "sqlite:///file:~/t.db?mode=ro&uri=true"
    assert sqlite_path(url) == tmp_path / "t.db"
    assert resolve_url(url).database == f"file:{tmp_path}/t.db"
    assert [p for p, _ in database_files("sqlite:///~/t.db")][0] == tmp_path / "t.db"
    assert resolve_url("sqlite:///rel/t.db").database == "rel/t.db"  # a relative path stays relative


# -- read-only commands write nothing; another application's database is never written -----------------------


def _other_app_db(path: Path) -> bytes:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    con.execute("INSERT INTO notes (body) VALUES ('keep me')")
    con.commit()
    con.close()
    return path.read_bytes()


@pytest.mark.parametrize("read_only,create", [(True, False), (False, False), (False, True)],
                         ids=["read-only", "writes-an-existing-one", "may-create"])
def test_another_applications_database_is_refused_and_left_untouched(tmp_path, read_only, create):
    other = tmp_path / "other.db"
    before = _other_app_db(other)
    with pytest.raises(InputError, match="not a trace database .*notes"):
        with open_database(f"sqlite:///{other}", read_only=read_only, create=create):
            pass
    assert other.read_bytes() == before  # not even switched to WAL
    assert sorted(os.listdir(tmp_path)) == ["other.db"]


def test_an_empty_file_is_filled_only_by_a_command_that_may_create_a_database(tmp_path):
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    for read_only, create in ((True, False), (False, False)):
        with pytest.raises(InputError, match="empty, not a trace database"):
            with open_database(f"sqlite:///{empty}", read_only=read_only, create=create):
                pass
        assert empty.read_bytes() == b""
    proc = run_cli(["db", "current", "--db", f"sqlite:///{empty}"])
    assert_clean_error(proc, "empty, not a trace database", "db upgrade")
    assert empty.read_bytes() == b""
    proc = run_cli(["db", "upgrade", "--db", f"sqlite:///{empty}", "--json"])  # eval and solve alike
    assert proc.returncode == 0, proc.stderr
    engine = make_engine(f"sqlite:///{empty}", read_only=True)
    assert current_revision(engine) == head_revision()
    engine.dispose()


def test_read_only_connections_cannot_write(tmp_path):
    from mathagent.traces.models import EvalRun

    db = tmp_path / "t.db"
    _seed(db)
    with open_database(f"sqlite:///{db}", read_only=True) as factory:
        with pytest.raises(DatabaseError, match="readonly|read-only|query_only"):
            with session_scope(factory) as s:
                s.add(EvalRun(id="r", dataset="gsm8k", config={}))


def test_an_older_schema_is_refused_not_migrated_by_a_read_only_command(tmp_path):
    db = tmp_path / "old.db"
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine, "0002_llm_call_cached")
    engine.dispose()
    before = db.read_bytes()
    proc = run_cli(["traces", "list", "--db", f"sqlite:///{db}"])
    assert_clean_error(proc, "revision 0002_llm_call_cached", "db upgrade")
    assert db.read_bytes() == before
    proc = run_cli(["db", "upgrade", "--db", f"sqlite:///{db}", "--json"])
    assert proc.returncode == 0, proc.stderr
