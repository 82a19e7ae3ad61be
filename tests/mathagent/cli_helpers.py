from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

MATHAGENT = str(Path(sys.executable).with_name("mathagent"))


def run_cli(args: list[str], *, stdin: bytes | None = None, env: dict | None = None, timeout: float = 600,
            cwd: str | None = None) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MATHAGENT_")}
    full_env.update(env or {})
    return subprocess.run([MATHAGENT, *args], input=stdin if stdin is not None else b"", capture_output=True,
                          env=full_env, timeout=timeout, cwd=cwd)


def assert_clean_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    err = proc.stderr.decode("utf-8", "replace")
    assert proc.returncode != 0, err
    assert "Traceback" not in err and "Traceback" not in proc.stdout.decode("utf-8", "replace")
    # warnings said before the failure (a skipped record, a reply start not sent) may come first, one line each
    err = "".join(ln for ln in err.splitlines(keepends=True) if not ln.startswith("warning: "))
    assert err.startswith("error: "), err
    assert len(err.strip().splitlines()) <= 2, err  # error + fix
    for n in needles:
        assert n in err, err
    return err
