"""Database URLs and servers that misbehave: a clear error in seconds, never a hang, never a new database.

The rule (traces/db.py): every URL is parsed into a DatabaseError when malformed (a port that is not a number,
out of range, an empty URL); PostgreSQL connections get a connect timeout, TCP keepalives and a statement
timeout; SQLite a busy timeout; read-only commands open with ``create=False`` (no folder, no file), and a
SQLite path that is not a regular file is refused.
"""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest
from sqlalchemy.engine.url import make_url

from mathagent.errors import DatabaseError, InputError
from mathagent.traces.db import (
    CONNECT_TIMEOUT_S,
    STATEMENT_TIMEOUT_MS,
    _postgres_args,
    database_files,
    make_engine,
    open_database,
    parse_url,
    sqlite_path,
)


@pytest.mark.parametrize("url,needle", [
    ("postgresql+psycopg://u:pw@h:notaport/db", "port is not a number"),
    ("postgresql+psycopg://u@h:99999/db", "port 99999"),
    ("postgresql+psycopg://u@h:0/db", "port 0"),
    ("", "empty"),
    ("   ", "empty"),
    ("not a url at all", "invalid database URL"),
    ("sqlite:////no/such/folder/x.db?mode=ro&uri=true", None),  # parses; fails when opened
], ids=["port-word", "port-too-big", "port-zero", "empty", "blank", "garbage", "ro-uri"])
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
