"""A throwaway PostgreSQL schema per test (used by the ``db_url_any`` fixture and the benchmark)."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator

from sqlalchemy import create_engine, text
from sqlalchemy.engine.url import make_url


@contextlib.contextmanager
def fresh_pg_schema(base_url: str) -> Iterator[str]:
    """Create schema ``t_<random>``, yield a URL whose connections use it, drop it on exit."""
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.execute(text("SET lock_timeout = '10s'"))
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
