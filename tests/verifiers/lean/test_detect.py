from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from mathagent.verifiers.lean import LeanUnavailable, check_with_repl, detect_lean


def test_broken_link_is_not_lean(tmp_path: Path):
    link = tmp_path / "lean"
    link.symlink_to(tmp_path / "missing-toolchain" / "lean")
    info = detect_lean(lean=str(link), lake=str(link), timeout_s=5)
    assert not info.available and "not found" in info.reason


def test_failing_binary_is_not_lean(tmp_path: Path):
    fake = tmp_path / "lean"
    fake.write_text("#!/bin/sh\necho 'error: no default toolchain configured' >&2\nexit 1\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    info = detect_lean(lean=str(fake), lake=str(fake), timeout_s=5)
    assert not info.available and "no default toolchain" in info.reason


def test_working_binary_is_detected(tmp_path: Path):
    fake = tmp_path / "lean"
    fake.write_text("#!/bin/sh\necho 'Lean (version 4.24.0, release)'\n")
    fake.chmod(0o755)
    info = detect_lean(lean=str(fake), lake=str(fake), timeout_s=5)
    assert info.available and "4.24.0" in info.lean_version


def test_lean_backend_without_lean_raises_clear_error(monkeypatch):
    monkeypatch.setenv("MATHAGENT_LEAN", "/nonexistent/lean")
    with pytest.raises(LeanUnavailable) as ei:
        check_with_repl("theorem t : True := trivial")
    assert "smt" in ei.value.fix


def _real_lean() -> bool:
    return detect_lean(timeout_s=10).available and bool(os.environ.get("MATHAGENT_LEAN_PROJECT"))


@pytest.mark.lean
@pytest.mark.skipif(not _real_lean(), reason="needs a working `lean --version` and MATHAGENT_LEAN_PROJECT "
                                              "(a Lean project with Mathlib + REPL); none on this machine")
def test_real_lean_checks_a_proof():
    from mathagent.verifiers.formal.verdicts import Proved

    project = Path(os.environ["MATHAGENT_LEAN_PROJECT"])
    v = check_with_repl("import Mathlib\ntheorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by linarith",
                        project=project, timeout_s=600)
    assert isinstance(v, Proved) and v.label == "Lean-verified"
