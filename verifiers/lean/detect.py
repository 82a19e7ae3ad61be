"""Detect a usable Lean toolchain by *running* it.

`which lean` is not enough: on some machines elan leaves a `/usr/bin/lean`
link that fails when executed (no toolchain downloaded).  We run
`lean --version` and `lake --version` with a timeout and report why not.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass


@dataclass(frozen=True)
class LeanInfo:
    available: bool
    lean_version: str = ""
    lake_version: str = ""
    reason: str = ""


def _run_version(exe: str, timeout_s: float) -> tuple[str | None, str]:
    try:
        proc = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=timeout_s,
                              stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return None, f"`{exe}` not found (or a broken link)"
    except PermissionError:
        return None, f"`{exe}` is not executable"
    except subprocess.TimeoutExpired:
        return None, f"`{exe} --version` did not answer within {timeout_s:g}s"
    except OSError as e:
        return None, f"`{exe}` cannot run: {e.strerror}"
    out = (proc.stdout or proc.stderr).strip().splitlines()
    if proc.returncode != 0:
        first = out[0] if out else f"exit status {proc.returncode}"
        return None, f"`{exe} --version` failed: {first[:160]}"
    return (out[0] if out else ""), ""


def detect_lean(timeout_s: float = 20.0, lean: str | None = None, lake: str | None = None) -> LeanInfo:
    """Run `lean --version` and `lake --version` (paths from MATHAGENT_LEAN / MATHAGENT_LAKE if set)."""
    lean = lean or os.environ.get("MATHAGENT_LEAN", "lean")
    lake = lake or os.environ.get("MATHAGENT_LAKE", "lake")
    lv, why = _run_version(lean, timeout_s)
    if lv is None:
        return LeanInfo(False, reason=why)
    kv, why = _run_version(lake, timeout_s)
    if kv is None:
        return LeanInfo(False, lean_version=lv, reason=why)
    return LeanInfo(True, lv, kv)
