"""Engine, sessions and schema migrations.

One engine and one sessionmaker per database URL; sessions are opened by the
caller (``with session_scope(factory) as s: ...``).  SQLite runs in WAL mode
with foreign keys on.  At start-up :func:`prepare_database` brings an older
schema up to date with the append-only Alembic migrations and refuses to run
on a schema newer than this code knows.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine
from sqlalchemy.engine.url import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import DatabaseError as SQLAlchemyDatabaseError
from sqlalchemy.orm import Session, sessionmaker

from mathagent.errors import DatabaseError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def make_engine(url: str) -> Engine:
    """Create an engine for ``url``; SQLite parent folders are created."""
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise DatabaseError(f"invalid database URL {url!r}",
                            "use an SQLAlchemy URL such as sqlite:///path/traces.db or "
                            "postgresql+psycopg://user@host/db") from exc
    kwargs: dict = {}
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if db and db != ":memory:":
            try:
                Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(f"cannot create the folder for {db}: {exc.strerror}",
                                    "choose a writable path with --db / MATHAGENT_DB_URL") from exc
        kwargs["connect_args"] = {"timeout": 30}
    else:
        kwargs["pool_pre_ping"] = True
    try:
        engine = create_engine(url, **kwargs)
    except (ArgumentError, ImportError, SQLAlchemyError) as exc:
        raise DatabaseError(f"cannot use database URL {parsed.render_as_string(hide_password=True)}: {exc}",
                            "install the driver (e.g. pip install 'psycopg[binary]') or fix the URL") from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


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
def open_database(url: str, *, auto_upgrade: bool = True) -> Iterator[sessionmaker[Session]]:
    """Engine + checked schema + session factory, disposed on exit."""
    engine = make_engine(url)
    try:
        prepare_database(engine, auto_upgrade=auto_upgrade)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
