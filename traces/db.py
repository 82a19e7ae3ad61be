"""Engine, sessions and schema migrations.

One engine and one sessionmaker per database URL; sessions are opened by the
caller (``with session_scope(factory) as s: ...``).  SQLite runs in WAL mode
with foreign keys on.  At start-up :func:`prepare_database` brings an older
schema up to date with the append-only Alembic migrations and refuses to run
on a schema newer than this code knows.

One resolution of the URL (:func:`resolve_url`: a SQLite path's ``~`` is
expanded) is what the engine opens and what every check (:func:`sqlite_path`,
:func:`database_files`) looks at.

What a command may do to the database it is given:

* read-only commands (``read_only=True``: traces, report, compare, export, doctor, ``db current``,
  ``regrade --dry-run``) write nothing: no file, no folder, no table, no migration, no switch to WAL
  (SQLite connections are ``query_only``, PostgreSQL sessions ``default_transaction_read_only``); a
  database on an older schema is refused with ``mathagent db upgrade`` as the fix;
* a database that holds tables and is not a mathagent trace database (another application's) is
  refused by every command, before anything is written to it;
* an empty database (a 0-byte file, a new PostgreSQL database) is given the schema only by a command
  that may create one (solve, eval, synth, ``db upgrade``); read-only commands and ``regrade`` refuse it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import URL
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from mathagent.errors import DatabaseError, InputError
from mathagent.files import kind_of
from mathagent.traces.coltypes import lenient_sqlite
from mathagent.traces.urls import resolve_url, sqlite_path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


CONNECT_TIMEOUT_S = 10  # a server that accepts connections but never answers fails in seconds, not minutes
STATEMENT_TIMEOUT_MS = 300_000  # PostgreSQL cancels any one statement past this (migrations and exports included)
SQLITE_BUSY_TIMEOUT_S = 30  # how long a SQLite writer waits for another one's lock


def make_engine(url: str, *, create: bool = True, read_only: bool = False) -> Engine:
    """An engine for ``url`` (as :func:`resolve_url` resolves it), with bounded waits on every backend.

    ``create=False``: a SQLite file that does not exist is an error, and no folder is created for it.
    ``read_only=True`` (implies ``create=False``): every connection refuses to write (SQLite ``query_only``,
    PostgreSQL ``default_transaction_read_only``).  A SQLite path that is not a regular file (a folder, a
    FIFO, a device) is refused.  PostgreSQL connections get a connect timeout, TCP keepalives and a
    statement timeout; SQLite a busy timeout.  Nothing is written here: WAL mode is switched on by
    :func:`prepare_database`, once the database is known to be ours.
    """
    parsed = resolve_url(url)
    kwargs: dict = {}
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(parsed)
        if path is not None:
            _check_sqlite_file(path, create=create and not read_only and parsed.query.get("mode") != "ro")
        kwargs["connect_args"] = {"timeout": SQLITE_BUSY_TIMEOUT_S}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["pool_timeout"] = CONNECT_TIMEOUT_S * 3
        if backend == "postgresql":
            kwargs["connect_args"] = _postgres_args(parsed, read_only=read_only)
    try:
        engine = create_engine(parsed, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError, ValueError) as exc:
        raise DatabaseError(f"cannot use database URL {parsed.render_as_string(hide_password=True)}: {exc}",
                            "install the driver (e.g. pip install 'psycopg[binary]') or fix the URL") from exc
    if backend == "sqlite":
        event.listen(engine, "connect", functools.partial(_sqlite_pragmas, read_only=read_only))
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


def _postgres_args(parsed: URL, *, read_only: bool = False) -> dict:
    """libpq settings that bound every wait (and, ``read_only``, refuse writes); a value given in the URL's
    query wins."""
    given = set(parsed.query)
    args: dict = {}
    defaults = {"connect_timeout": CONNECT_TIMEOUT_S, "keepalives": 1, "keepalives_idle": 30,
                "keepalives_interval": 10, "keepalives_count": 3}
    for key, value in defaults.items():
        if key not in given:
            args[key] = value
    timeout = f"-c statement_timeout={STATEMENT_TIMEOUT_MS}"
    if read_only:
        timeout += " -c default_transaction_read_only=on"
    options = parsed.query.get("options")
    if isinstance(options, str):
        if "statement_timeout" not in options:
            args["options"] = f"{options} {timeout}"
    else:
        args["options"] = timeout
    return args


def _sqlite_pragmas(dbapi_conn, _record, *, read_only: bool = False) -> None:
    """Per-connection settings only (they write nothing to the file); ``read_only`` connections cannot write."""
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    if read_only:
        cur.execute("PRAGMA query_only=ON")
    cur.close()


def _use_wal(engine: Engine) -> None:
    """Switch a SQLite database to WAL mode (kept in the file): done once the database is known to be ours,
    since switching writes the file's header."""
    if engine.dialect.name != "sqlite":
        return
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA journal_mode=WAL")
    except SQLAlchemyError:  # a read-only file or a locked one cannot switch modes; it works without WAL
        pass


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


@dataclass(frozen=True)
class DatabaseState:
    """What a database holds before a command touches it: its tables and its schema revision (None: none)."""

    tables: frozenset[str]
    revision: str | None

    @property
    def empty(self) -> bool:
        return not self.tables


UNREADABLE_REVISION = "(unreadable)"  # an alembic_version table that is not ours (no version_num column)


def database_state(engine: Engine) -> DatabaseState:
    """The tables and revision of the database, read without writing anything."""
    try:
        with engine.connect() as conn:
            tables = frozenset(inspect(conn).get_table_names())
            revision = None
            if "alembic_version" in tables:
                try:
                    row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
                    revision = str(row[0]) if row else None
                except SQLAlchemyDatabaseError:
                    revision = UNREADABLE_REVISION
            return DatabaseState(tables, revision)
    except SQLAlchemyDatabaseError as exc:  # unreachable, or (SQLite) a file that is not a database
        raise DatabaseError(f"cannot open the trace database: {_short(exc)}",
                            "check the URL, that the server is running and that you may connect "
                            "(--db / MATHAGENT_DB_URL)") from exc


def current_revision(engine: Engine) -> str | None:
    return database_state(engine).revision


def describe(engine: Engine) -> str:
    """The database in words for a message: the SQLite file, or the URL without its password."""
    path = sqlite_path(engine.url)
    return str(path) if path is not None else engine.url.render_as_string(hide_password=True)


def our_tables() -> frozenset[str]:
    from mathagent.traces.models import Base

    return frozenset(Base.metadata.tables) | {"alembic_version"}


def check_database(engine: Engine, *, allow_empty: bool) -> DatabaseState:
    """The database's state, once it is known to be a trace database (or, ``allow_empty``, an empty one).

    Refused (exit code 2): a database holding tables of another application (tables that are not ours and no
    revision of ours; a partly created schema of ours is ours), or an empty one when not ``allow_empty``.
    A newer revision of ours is left to :func:`prepare_database` to word."""
    state = database_state(engine)
    fix = "point --db / MATHAGENT_DB_URL at a mathagent trace database, or at a new file"
    if state.revision is None or (state.revision not in known_revisions() and "traces" not in state.tables):
        foreign = sorted(state.tables - our_tables()) if state.revision is None else sorted(state.tables)
        if foreign:
            shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
            raise InputError(f"{describe(engine)} is not a trace database (it holds other tables: {shown})", fix)
    if state.empty and not allow_empty:
        raise InputError(f"{describe(engine)} is empty, not a trace database",
                         "run `mathagent db upgrade` (or solve, eval) to create one there, or " + fix[0].lower()
                         + fix[1:])
    return state


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


def prepare_database(engine: Engine, *, auto_upgrade: bool = True, read_only: bool = False,
                     create: bool = True) -> str:
    """Check the database before anything is written to it; then upgrade an older schema, refuse a newer one.

    Another application's database is refused; an empty one gets the schema only when ``create`` (a command
    that may create a database).  ``read_only`` writes nothing: an older schema is refused (``db upgrade``)."""
    head = head_revision()
    state = check_database(engine, allow_empty=create and not read_only)
    if state.revision == head:
        if not read_only:
            _use_wal(engine)
        return head
    if state.revision is not None and state.revision not in known_revisions():
        raise _newer(state.revision, head)
    if read_only or not auto_upgrade:
        raise DatabaseError(f"the trace database is at revision {state.revision or 'empty'}, code expects {head}",
                            "run `mathagent db upgrade`")
    _use_wal(engine)
    with _migration_lock(engine):
        return _check_and_upgrade(engine, head, auto_upgrade)


def _newer(current: str, head: str) -> DatabaseError:
    return DatabaseError(
        f"the trace database has schema revision {current}, newer than this mathagent knows (head {head})",
        "upgrade mathagent, or point --db / MATHAGENT_DB_URL at another database")


def _check_and_upgrade(engine: Engine, head: str, auto_upgrade: bool) -> str:
    current = current_revision(engine)
    if current == head:
        return head
    if current is not None and current not in known_revisions():
        raise _newer(current, head)
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
def open_database(url: str, *, auto_upgrade: bool = True, create: bool = True,
                  read_only: bool = False) -> Iterator[sessionmaker[Session]]:
    """Engine + checked schema + session factory, disposed on exit.

    ``create=False``: never create a database (or its folder, or the schema in an empty one).  Read-only
    commands pass ``read_only=True``: nothing is written at all (see the module's docstring)."""
    engine = make_engine(url, create=create, read_only=read_only)
    try:
        prepare_database(engine, auto_upgrade=auto_upgrade, read_only=read_only, create=create)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
