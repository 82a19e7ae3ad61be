"""`mathagent doctor`: which parts work here, found by actually running each one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import asdict, dataclass

import typer

from mathagent.cli import options
from mathagent.config import cache_dir, default_db_url


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _check_local_model(model: str | None) -> list[Check]:
    out = []
    try:
        import llama_cpp

        out.append(Check("llama-cpp-python", True, f"version {llama_cpp.__version__}"))
    except ImportError:
        out.append(Check("llama-cpp-python", False, "not importable",
                         "run the README's setup command (builds llama-cpp-python)"))
    from mathagent.agent.models import resolve_model_path
    from mathagent.errors import MathAgentError

    try:
        path = resolve_model_path(model, cache_dir())
        out.append(Check("local model", True, f"{path} ({path.stat().st_size / 1e6:.0f} MB, sha256 verified)"
                         if not model else f"{path} (GGUF header ok)"))
    except MathAgentError as exc:
        out.append(Check("local model", False, exc.message, exc.fix or ""))
    return out


def _check_openai(base_url: str | None, api_key: str | None) -> Check:
    if not base_url:
        return Check("openai server", False, "no MATHAGENT_BASE_URL set (optional)",
                     "set --base-url / MATHAGENT_BASE_URL to use an OpenAI-compatible server")
    import httpx

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    try:
        resp = httpx.get(base_url.rstrip("/") + "/models", headers=headers, timeout=5.0)
    except httpx.HTTPError as exc:
        return Check("openai server", False, f"{base_url}: {type(exc).__name__}", "start the server or fix the URL")
    if resp.status_code != 200:
        return Check("openai server", False, f"{base_url}/models answered HTTP {resp.status_code}",
                     "check the URL (it should end in /v1) and the API key")
    try:
        names = [m.get("id") for m in resp.json().get("data", [])][:3]
    except (ValueError, AttributeError):
        names = []
    return Check("openai server", True, f"{base_url} answers; models: {', '.join(map(str, names)) or '?'}")


def _check_sandbox() -> list[Check]:
    try:
        from mathagent.tools.calculator import probe_sandbox
    except ImportError as exc:
        return [Check("sandbox", False, f"calculator unavailable: {exc}", "reinstall mathagent")]
    return [Check(c.name, c.ok, c.detail, c.fix or "") for c in probe_sandbox()]


def _check_z3() -> Check:
    try:
        import z3

        x = z3.Int("x")
        s = z3.Solver()
        s.add(3 * x + 7 == 25)
        ok = s.check() == z3.sat and s.model()[x].as_long() == 6
        return Check("z3", ok, f"z3 {z3.get_version_string()} solved 3x+7=25" if ok else "z3 gave a wrong model",
                     "" if ok else "pip install --force-reinstall z3-solver")
    except ImportError:
        return Check("z3", False, "z3-solver not importable", "pip install z3-solver")


def _run_version(cmd: str) -> tuple[bool, str]:
    if shutil.which(cmd) is None:
        return False, "not on PATH"
    try:
        proc = subprocess.run([cmd, "--version"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return False, f"`{cmd} --version` failed: {type(exc).__name__}"
    text = (proc.stdout or proc.stderr).strip().splitlines()
    if proc.returncode != 0:
        return False, f"`{cmd} --version` exited {proc.returncode}: {text[0] if text else ''}"
    return True, text[0] if text else "ok"


def _check_lean() -> list[Check]:
    fix = "Lean cannot be installed here; use the image in docker/ (elan, Lean, Mathlib, REPL)"
    out = []
    for cmd in ("lean", "lake"):
        ok, detail = _run_version(cmd)
        out.append(Check(cmd, ok, detail, "" if ok else fix))
    return out


def _check_db(url: str) -> Check:
    from mathagent.errors import MathAgentError
    from mathagent.traces.db import check_database, head_revision, make_engine
    from mathagent.traces.urls import sqlite_path

    try:
        path = sqlite_path(url)
        if path is not None and not os.path.lexists(path):  # doctor looks, it never creates a database
            return Check("database", True, f"{path} (not created yet; created on first use)")
        engine = make_engine(url, read_only=True)
        try:
            rev = check_database(engine, allow_empty=True).revision  # another application's database fails
        finally:
            engine.dispose()
    except MathAgentError as exc:
        return Check("database", False, exc.message, exc.fix or "")
    head = head_revision()
    from sqlalchemy.engine.url import make_url

    shown = make_url(url).render_as_string(hide_password=True)
    if rev not in (None, head):
        return Check("database", True, f"{shown} at revision {rev} (code head {head})", "run `mathagent db upgrade`")
    return Check("database", True, f"{shown} ({'empty; created on first use' if rev is None else 'revision ' + rev})")


def doctor_command(
    json_out: bool = options.JsonOption,
    model: str = options.ModelOption,
    base_url: str = options.BaseUrlOption,
    api_key: str = options.ApiKeyOption,
    db: str = options.DbOption,
) -> None:
    """Check the model, the sandbox, the solvers, Lean and the database by running each."""
    checks: list[Check] = []
    checks += _check_local_model(model if model and model.endswith(".gguf") else None)
    checks.append(_check_openai(base_url, api_key))
    checks += _check_sandbox()
    checks.append(_check_z3())
    checks += _check_lean()
    checks.append(_check_db(db or default_db_url()))
    if json_out:
        typer.echo(json.dumps({"checks": [asdict(c) for c in checks]}))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table("part", "ok", "how it was detected", "fix")
    for c in checks:
        table.add_row(c.name, "[green]yes[/green]" if c.ok else "[red]no[/red]", c.detail, c.fix)
    Console().print(table)


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor_command)
