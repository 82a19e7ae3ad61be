"""Engine, sessions and schema migrations.

One engine and one sessionmaker per database URL; sessions are opened by the
caller (``with session_scope(factory) as s: ...``).  SQLite runs in WAL mode
with foreign keys on.  At start-up :func:`prepare_database` brings an older
schema up to date with the append-only Alembic migrations and refuses to run
on a schema newer than this code knows.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL, make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from mathagent.errors import DatabaseError, InputError
from mathagent.files import kind_of
from mathagent.traces.coltypes import lenient_sqlite

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


CONNECT_TIMEOUT_S = 10  # a server that accepts connections but never answers fails in seconds, not minutes
STATEMENT_TIMEOUT_MS = 300_000  # PostgreSQL cancels any one statement past this (migrations and exports included)
SQLITE_BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for another one's lock


def parse_url(url: str) -> URL:
    """``url`` parsed, or a :class:`DatabaseError` saying what is wrong with it (never a raw ValueError)."""
    fix = "use an SQLAlchemy URL such as sqlite:///path/traces.db or postgresql+psycopg://user@host:5432/db"
    if not isinstance(url, str) or not url.strip():
        raise DatabaseError("the database URL is empty", "leave --db out for the default database, or " + fix)
    try:
        parsed = make_url(url)
        port = parsed.port
    except (ArgumentError, ValueError) as exc:  # ValueError: a port that is not a number
        raise DatabaseError(f"invalid database URL ({_url_problem(exc)})", fix) from None
    if port is not None and not 0 < port < 65536:
        raise DatabaseError(f"invalid database URL (port {port} is not in 1..65535)", fix)
    return parsed


def _url_problem(exc: Exception) -> str:
    text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return "the port is not a number" if "invalid literal for int()" in text else text


def sqlite_path(url: str | URL) -> Path | None:
    """The file of a SQLite URL (``file:`` URIs too); None for other databases and in-memory ones."""
    parsed = parse_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() != "sqlite":
        return None
    db = parsed.database
    if parsed.query.get("uri") and db and db.startswith("file:"):
        db = db[len("file:"):].split("?", 1)[0]
        if parsed.query.get("mode") == "memory":
            return None
    if not db or db == ":memory:":
        return None
    return Path(db).expanduser()


def database_files(url: str) -> list[tuple[Path, str]]:
    """The files a SQLite database lives in (``(path, what)``), which no command may write over."""
    path = sqlite_path(url)
    if path is None:
        return []
    return [(path, "trace database")] + [(Path(f"{path}{suffix}"), f"trace database's {suffix[1:]} file")
                                         for suffix in ("-wal", "-shm", "-journal")]


def make_engine(url: str, *, create: bool = True) -> Engine:
    """An engine for ``url``, with bounded waits on every backend.

    ``create=False`` (read-only commands): a SQLite file that does not exist is an error, and no
    folder is created for it.  A SQLite path that is not a regular file (a folder, a FIFO, a device)
    is refused.  PostgreSQL connections get a connect timeout, TCP keepalives and a statement
    timeout; SQLite a busy timeout.
    """
    parsed = parse_url(url)
    kwargs: dict = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            _check_sqlite_file(path, create=create and parsed.query.get("mode") != "ro")
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_timeout"] = CONNECT_TIMEOUT_S * 3
        if backend == "postgresql":
            kwargs["connect_args"] = _postgres_args(parsed)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {parsed.render_as_string(hide_password=True)}: {exc}",
                            "install the driver (e.g. pip install 'psycopg[binary]') or fix the URL") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        lenient_sqlite(engine.dialect)  # a row holding garbage reads as None / 0 / text, never a crash
    return engine


def _check_sqlite_file(path: Path, *, create: bool) -> None:
    where = "choose a database file with --db / MATHAGENT_DB_URL"
    try:
        st = os.stat(path)
    except FileNotFoundError:
        if not create:  # a wrong path is bad input (exit 2), as it always was for export
            raise InputError(f"no trace database at {path}",
                             "run `mathagent solve` or `mathagent eval` first, or point --db at the database") \
                from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DatabaseError(f"cannot create the folder for {path}: {exc.strerror}",
                                "choose a writable path with --db / MATHAGENT_DB_URL") from exc
        return
    except OSError as exc:
        raise DatabaseError(f"cannot open the trace database {path}: {exc.strerror}", where) from None
    if not stat.S_ISREG(st.st_mode):
        raise DatabaseError(f"the trace database {path} is {kind_of(st.st_mode)}, not a database file", where)


def _postgres_args(parsed: URL) -> dict:
    """libpq settings that bound every wait; a value given in the URL's query wins."""
    given = set(parsed.query)
    args: dict = {}
    defaults = {"connect_timeout": CONNECT_TIMEOUT_S, "keepalives": 1, "keepalives_idle": 30,
                "keepalives_interval": 10, "keepalives_count": 3}
    for key, value in defaults.items():
        if key not in given:
            args[key] = value
    timeout = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    options = parsed.query.get("options")
    if isinstance(options, str):
        if "statement_timeout" not in options:
            args["options"] = f"{options} {timeout}"
    else:
        args["options"] = timeout
    return args


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    try:
        cur.execute("PRAGMA journal_mode=WAL")
    except Exception:  # noqa: BLE001 - a read-only file cannot switch modes; reads still work
        pass
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextlib.contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on error."""
    session = factory()
    try:
        with session.begin():
            yield session
    except OperationalError as exc:
        raise DatabaseError(f"database error: {_short(exc)}",
                            "check that the database is reachable and writable (--db / MATHAGENT_DB_URL)") from exc
    finally:
        session.close()


def _short(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    return str(orig if orig is not None else exc).splitlines()[0]


def _alembic_config(engine: Engine):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["engine"] = engine
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()


def current_revision(engine: Engine) -> str | None:
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return None
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
            return row[0] if row else None
    except SQLAlchemyDatabaseError as exc:  # unreachable, or (SQLite) a file that is not a database
        raise DatabaseError(f"cannot open the trace database: {_short(exc)}",
                            "check the URL, that the server is running and that you may connect "
                            "(--db / MATHAGENT_DB_URL)") from exc


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {rev.revision for rev in ScriptDirectory(str(MIGRATIONS_DIR)).walk_revisions()}


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    try:
        command.upgrade(_alembic_config(engine), revision)
    except OperationalError as exc:
        raise DatabaseError(f"cannot migrate the trace database: {_short(exc)}",
                            "check that the database is writable (--db / MATHAGENT_DB_URL)") from exc


MIGRATION_LOCK_KEY = 0x6D61746861  # "matha": the PostgreSQL advisory lock that serializes migrations


@contextlib.contextmanager
def _migration_lock(engine: Engine) -> Iterator[None]:
    """On PostgreSQL, one process at a time checks and migrates (several eval workers may start together).

    SQLite needs no lock here: a second migrator fails on the existing tables and re-reads the revision.
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    try:
        conn = engine.connect()
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": MIGRATION_LOCK_KEY})
        conn.commit()
    except OperationalError as exc:
        raise DatabaseError(f"cannot open the trace database: {_short(exc)}",
                            "check the URL, that the server is running and that you may connect "
                            "(--db / MATHAGENT_DB_URL)") from exc
    try:
        yield
    finally:
        try:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": MIGRATION_LOCK_KEY})
            conn.commit()
        finally:
            conn.close()


def prepare_database(engine: Engine, *, auto_upgrade: bool = True) -> str:
    """Check the schema version; upgrade an older one, refuse a newer one."""
    head = head_revision()
    if current_revision(engine) == head:
        return head
    with _migration_lock(engine):
        return _check_and_upgrade(engine, head, auto_upgrade)


def _check_and_upgrade(engine: Engine, head: str, auto_upgrade: bool) -> str:
    current = current_revision(engine)
    if current == head:
        return head
    if current is not None and current not in known_revisions():
        raise DatabaseError(
            f"the trace database has schema revision {current}, newer than this mathagent knows (head {head})",
            "upgrade mathagent, or point --db / MATHAGENT_DB_URL at another database")
    if not auto_upgrade:
        raise DatabaseError(f"the trace database is at revision {current or 'empty'}, code expects {head}",
                            "run `mathagent db upgrade`")
    try:
        upgrade(engine)
    except DatabaseError:
        if current_revision(engine) == head:  # another process migrated the same file meanwhile
            return head
        raise
    return head


@contextlib.contextmanager
def open_database(url: str, *, auto_upgrade: bool = True, create: bool = True) -> Iterator[sessionmaker[Session]]:
    """Engine + checked schema + session factory, disposed on exit.

    Read-only commands pass ``create=False``: they never create a database (or its folder)."""
    engine = make_engine(url, create=create)
    try:
        prepare_database(engine, auto_upgrade=auto_upgrade)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
