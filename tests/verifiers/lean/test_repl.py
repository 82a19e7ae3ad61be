"""The REPL client against a fake REPL speaking the same JSON lines protocol."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

from mathagent.verifiers.formal.verdicts import LEAN_LABEL, Proved, Unknown
from mathagent.verifiers.lean import (
    LeanRepl, ReplConfig, ReplCrash, ReplError, ReplMalformed, ReplPool, ReplResponse, ReplTimeout,
    check_with_repl,
)

FAKE = Path(__file__).resolve().parents[2] / "fixtures" / "lean" / "fake_repl.py"


def cfg(**kw) -> ReplConfig:
    base = dict(command=[sys.executable, str(FAKE)], timeout_s=5.0, memory_mb=1024)
    base.update(kw)
    return ReplConfig(**base)


def test_command_and_env_numbers():
    with LeanRepl(cfg()) as repl:
        a = repl.command("theorem t : 1 = 1 := rfl")
        b = repl.command("example : 2 = 2 := rfl", env=a.env)
        assert isinstance(a, ReplResponse) and isinstance(b, ReplResponse)
        assert (a.env, b.env) == (0, 1) and a.errors == [] and a.sorries == []


def test_sorries_and_tactic_mode():
    with LeanRepl(cfg()) as repl:
        out = repl.command("theorem t (x : ℝ) (h : 3*x+7 = 25) : x = 6 := by sorry")
        assert isinstance(out, ReplResponse) and len(out.sorries) == 1
        ps = out.sorries[0]["proofState"]
        step = repl.tactic("intro h", ps)
        assert isinstance(step, ReplResponse) and step.goals == ["x : ℝ\n⊢ x = 6"]
        done = repl.tactic("linarith", step.proof_state)
        assert isinstance(done, ReplResponse) and done.goals == []


def test_timeout_kills_and_restarts():
    with LeanRepl(cfg(timeout_s=0.5)) as repl:
        first_pid = repl.proc.pid
        start = time.monotonic()
        out = repl.command("hang")
        assert isinstance(out, ReplTimeout) and time.monotonic() - start < 3
        assert repl.restarts == 1 and repl.proc.pid != first_pid
        assert isinstance(repl.command("theorem ok : True := trivial"), ReplResponse)


def test_crash_is_reported_and_recovered():
    with LeanRepl(cfg()) as repl:
        out = repl.command("crash")
        assert isinstance(out, ReplCrash) and "status 3" in out.reason
        assert isinstance(repl.command("example : True := trivial"), ReplResponse)


def test_malformed_output_is_data_not_exception():
    with LeanRepl(cfg()) as repl:
        out = repl.command("garbage")
        assert isinstance(out, ReplMalformed) and "not json" in out.raw
        assert isinstance(repl.command("example : True := trivial"), ReplResponse)


def test_memory_cap_applies_to_child():
    with LeanRepl(cfg(memory_mb=512)) as repl:
        out = repl.command("bigmem")
        assert isinstance(out, ReplResponse) and out.data.get("message") == "out of memory"


def test_header_is_rerun_after_restart():
    with LeanRepl(cfg(header="import Mathlib", timeout_s=0.5)) as repl:
        assert repl.base_env == 0
        repl.command("hang")
        assert repl.base_env == 0  # fresh process, header elaborated again
        out = repl.command("example : True := trivial")
        assert isinstance(out, ReplResponse) and out.env == 1


def test_unstartable_command_raises_infrastructure_error():
    with pytest.raises(ReplError):
        LeanRepl(cfg(command=["/nonexistent/lake", "exe", "repl"])).start()


def test_pool_serves_concurrent_borrowers():
    results: list[int | None] = []
    with ReplPool(cfg(), size=2) as pool:
        def work() -> None:
            with pool.acquire(timeout_s=10) as repl:
                out = repl.command("example : True := trivial")
                results.append(out.env if isinstance(out, ReplResponse) else None)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
    assert len(results) == 4 and None not in results


def test_check_with_repl_verdicts():
    cmd = [sys.executable, str(FAKE)]
    v = check_with_repl("import Mathlib\n\ntheorem t : 1 + 1 = 2 := by norm_num", command=cmd)
    assert isinstance(v, Proved) and v.label == LEAN_LABEL and v.backend == "lean-repl"
    v2 = check_with_repl("import Mathlib\ntheorem t : 1 + 1 = 2 := by sorry", command=cmd)
    assert isinstance(v2, Unknown) and "sorry" in v2.reason
    v3 = check_with_repl("theorem t : foo error := rfl", command=cmd)
    assert isinstance(v3, Unknown) and "unknown identifier" in v3.reason
