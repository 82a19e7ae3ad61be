"""Database URLs: parsed with a clear error (:func:`parse_url`), resolved once (:func:`resolve_url`: a SQLite
path's ``~`` expanded), and the files a SQLite database lives in (:func:`sqlite_path`, :func:`database_files`),
which the engine opens and every output check looks at."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import ArgumentError

from mathagent.errors import DatabaseError


def parse_url(url: str) -> URL:
    """``url`` parsed, or a :class:`DatabaseError` saying what is wrong with it (never a raw ValueError)."""
    fix = "use an SQLAlchemy URL such as sqlite:///path/traces.db or postgresql+psycopg://user@host:5432/db"
    if not isinstance(url, str) or not url.strip():
        raise DatabaseError("the database URL is empty", "leave --db out for the default database, or " + fix)
    host_problem = _host_problem(url)
    if host_problem:
        raise DatabaseError(f"invalid database URL ({host_problem})", fix)
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise DatabaseError(f"invalid database URL ({_url_problem(exc)})", fix) from None
    if port is not None and not 0 < port < 65536:
        raise DatabaseError(f"invalid database URL (port {port} is not in 1..65535)", fix)
    return parsed


# SQLAlchemy's own split of a URL: name://[user[:password]@]host[:port][/database][?query]
_AUTHORITY = re.compile(r"^[\w+]+://(?:[^:/]*(?::[^@]*)?@)?(?P<hostport>[^/?]*)")
_BRACKETED_HOST = re.compile(r"\[[0-9A-Fa-f:.]+(?:%[\w.-]+)?\](?::[^:\[\]]*)?")


def _host_problem(url: str) -> str | None:
    """What is wrong with the host part of ``url`` (an unclosed or stray bracket, an IPv6 address without
    brackets), which the URL parser would misread as a port or a database name; None when nothing is."""
    m = _AUTHORITY.match(url)
    hostport = m.group("hostport") if m else ""
    if "[" in hostport or "]" in hostport:
        if not _BRACKETED_HOST.fullmatch(hostport):
            return f"malformed host or IPv6 address {hostport!r}: write an IPv6 address as [::1] or [::1]:5432"
    elif hostport.count(":") > 1:
        return f"malformed host {hostport!r}: an IPv6 address goes in brackets, e.g. [::1]:5432"
    return None


def _url_problem(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "the port is not a number" if "invalid literal for int()" in text else text


def resolve_url(url: str | URL) -> URL:
    """``url`` parsed, a SQLite file's leading ``~`` expanded (as in every other path option).

    The one URL a command opens *and* checks its outputs against: SQLite itself would read ``~/t.db`` as a
    folder named ``~`` in the working directory, while the checks looked at the home folder."""
    parsed = parse_url(url) if isinstance(url, str) else url
    db = parsed.database
    if parsed.get_backend_name() != "sqlite" or not db:
        return parsed
    prefix = "file:" if parsed.query.get("uri") and db.startswith("file:") else ""
    path, sep, rest = db[len(prefix):].partition("?")
    if not path.startswith("~"):
        return parsed
    return parsed.set(database=prefix + os.path.expanduser(path) + sep + rest)


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (``file:`` URIs too, ``~`` expanded as :func:`resolve_url` does for the engine);
    None for other databases and in-memory ones."""
    parsed = resolve_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    if parsed.query.get("uri") and db and db.startswith("file:"):
        db = db[len("file:"):].split("?", 1)[0]
        if parsed.query.get("mode") == "memory":
            return None
    if not db or db == ":memory:":
        return None
    return Path(db)


def database_files(url: str) -> list[tuple[Path, str]]:
    """The files a SQLite database lives in (``(path, what)``), which no command may write over."""
    path = sqlite_path(url)
    if path is None:
        return []
    return [(path, "trace database")] + [(Path(f"{path}{suffix}"), f"trace database's {suffix[1:]} file")
                                         for suffix in ("-wal", "-shm", "-journal")]
