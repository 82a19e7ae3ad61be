from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# test support modules (`import fakes`); never tests/ itself, whose folders would shadow
# `mathagent` and its subpackage names as namespace packages
sys.path.insert(0, str(REPO / "tests" / "support"))
SHARED_DATA = Path(os.environ.get("MATHAGENT_SHARED_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real benchmark data not present at {SHARED_DATA} (only fixtures are shipped)")
    return SHARED_DATA


@pytest.fixture(scope="session")
def calculator():
    """One warm, real sandboxed calculator for the session."""
    from mathagent.tools.calculator import Calculator

    with Calculator(workers=1, timeout_s=5.0) as calc:
        yield calc


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'traces.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url_any(request, tmp_path):
    """A fresh, empty trace database: an SQLite file, and (second parameter) a new PostgreSQL schema.

    PostgreSQL needs MATHAGENT_TEST_PG_URL (``scripts/postgres.sh start`` prints one); each test gets its own
    schema through the connection's ``search_path``, dropped afterwards, so tests never see each other's rows.
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'traces.db'}"
        return
    from pg_schema import fresh_pg_schema

    base = os.environ.get("MATHAGENT_TEST_PG_URL")
    if not base:
        pytest.skip("MATHAGENT_TEST_PG_URL is not set (start a server with `bash scripts/postgres.sh start`)")
    with fresh_pg_schema(base) as url:
        yield url


@pytest.fixture
def isolated_home(tmp_path, monkeypatch):
    """Point platformdirs (XDG) at a temporary home so tests never touch the user's data."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    return tmp_path
