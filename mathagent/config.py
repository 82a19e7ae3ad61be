"""Settings shared by the CLI commands.

Every CLI option is also readable from an environment variable named
``MATHAGENT_<OPTION>`` (Typer's ``envvar=``); this module holds the names and
defaults so the commands agree on them.  Nothing here does work at import.
"""

from __future__ import annotations

from pathlib import Path

import platformdirs

APP_NAME = "mathagent"


def env(name: str) -> str:
    """The environment variable that backs option ``name``."""
    return "MATHAGENT_" + name.upper().replace("-", "_")


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME))


def default_db_url() -> str:
    """SQLite in the user data directory (created on first use)."""
    return f"sqlite:///{data_dir() / 'traces.db'}"


BACKENDS = ("local", "openai")
DEFAULT_BACKEND = "local"
DEFAULT_OPENAI_BASE_URL = "http://127.0.0.1:8000/v1"
