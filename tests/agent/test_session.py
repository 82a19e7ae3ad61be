"""AgentSession: the calculator and the model start in the background; errors come at first use; nothing is left.

The sandboxed calculator is real.  The model's start is replaced where a test must hold it or fail it at a
chosen moment (a fault that cannot be produced on demand); a missing model file is the real error.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mathagent.agent.backends import BackendSettings
from mathagent.agent.session import AgentSession, SessionSettings
from mathagent.agent.state import AgentConfig
from mathagent.errors import ModelUnavailable
from mathagent.tools.calculator import Calculator
from mathagent.tools.sandbox import SandboxUnavailable

from fakes import ScriptedLLM

REPO = Path(__file__).resolve().parents[2]


class _HeldStart:
    """Stands in for ``prepare_llm``: the start it returns waits (at most 30 s) until ``release`` is set, then
    returns a fake LLM that records its closing, or raises ``error``."""

    def __init__(self, monkeypatch, error: Exception | None = None):
        self.release = threading.Event()
        self.entered = threading.Event()
        self.finished = threading.Event()
        self.error = error
        self.made: list[ScriptedLLM] = []
        self.prepared = 0
        monkeypatch.setattr("mathagent.agent.session.prepare_llm", self.prepare)

    def prepare(self, backend, cache_dir):
        self.prepared += 1
        return self.start

    def start(self):
        self.entered.set()
        try:
            if self.error is not None:
                raise self.error
            if not self.release.wait(30):
                raise TimeoutError("the test never released the model's start")
            llm = ScriptedLLM(["unused"])
            llm.closed = False
            llm.close = lambda: setattr(llm, "closed", True)
            self.made.append(llm)
            return llm
        finally:
            self.finished.set()


@pytest.fixture
def closed_calculators(monkeypatch):
    """Every Calculator closed during the test (the real close, recorded)."""
    closed: list[Calculator] = []
    real = Calculator.close

    def close(self):
        closed.append(self)
        real(self)

    monkeypatch.setattr(Calculator, "close", close)
    return closed


def _settings(tmp_path, model: str | None = None) -> SessionSettings:
    return SessionSettings(backend=BackendSettings(backend="local", model=model),
                           db_url=f"sqlite:///{tmp_path / 'traces.db'}", cache_dir=tmp_path / "cache")


def test_entering_does_not_wait_for_the_model_and_first_use_does(tmp_path, monkeypatch):
    held = _HeldStart(monkeypatch)
    with AgentSession(_settings(tmp_path)) as session:
        assert held.entered.wait(30)  # the model's start runs in the background while __enter__ has returned
        assert held.made == []
        held.release.set()
        ctx = session.context(AgentConfig())
        assert ctx.llm is held.made[0] is session.llm
        assert session.calculator.run("print(6 * 7)").stdout == "42\n"  # the real sandbox started meanwhile
        assert session.calculator.worker_pids()
    assert held.made[0].closed
    assert session.calculator.worker_pids() == []


def test_a_start_still_running_at_exit_is_waited_for_then_closed(tmp_path, monkeypatch):
    held = _HeldStart(monkeypatch)
    timer = threading.Timer(0.3, held.release.set)
    with pytest.raises(KeyboardInterrupt):
        with AgentSession(_settings(tmp_path)):
            assert held.entered.wait(30)
            timer.start()
            raise KeyboardInterrupt  # the user stops before the model has loaded
    timer.join()
    assert len(held.made) == 1 and held.made[0].closed


def test_a_model_that_fails_to_load_is_raised_at_first_use_and_again(tmp_path, monkeypatch, closed_calculators):
    held = _HeldStart(monkeypatch, error=ModelUnavailable("llama.cpp could not load m.gguf", "check the file"))
    with AgentSession(_settings(tmp_path)) as session:
        assert held.finished.wait(30)  # failed in the background, raised only when used
        for _ in range(2):
            with pytest.raises(ModelUnavailable, match="could not load"):
                session.ready()
        with pytest.raises(ModelUnavailable):
            session.llm
    assert len(closed_calculators) == 1 and closed_calculators[0].worker_pids() == []


def test_a_missing_model_file_fails_on_entering_and_the_calculator_is_closed(tmp_path, closed_calculators,
                                                                              monkeypatch):
    started = []
    monkeypatch.setattr(Calculator, "start", lambda self: started.append(self))
    session = AgentSession(_settings(tmp_path, model=str(tmp_path / "missing.gguf")))
    with pytest.raises(ModelUnavailable, match="model file not found"):
        session.__enter__()
    (calc,) = closed_calculators  # checked, never started (the model file is checked before any start), closed
    assert started == [] and calc.worker_pids() == []


def test_a_missing_sandbox_fails_on_entering_before_the_model_is_touched(tmp_path, monkeypatch):
    held = _HeldStart(monkeypatch)

    def no_bwrap(name):
        raise SandboxUnavailable("bubblewrap not found ('bwrap')", "apt-get install bubblewrap")

    monkeypatch.setattr("mathagent.tools.calculator.find_bwrap", no_bwrap)
    with pytest.raises(SandboxUnavailable, match="bubblewrap not found"):
        AgentSession(_settings(tmp_path)).__enter__()
    assert held.prepared == 0 and not held.entered.is_set()


def test_the_calculators_error_is_raised_before_the_models_whichever_comes_first(tmp_path, monkeypatch):
    held = _HeldStart(monkeypatch, error=ModelUnavailable("llama.cpp could not load m.gguf", "check the file"))
    let_it_fail = threading.Event()

    def slow_failing_start(self):
        let_it_fail.wait(30)
        raise SandboxUnavailable("sandbox self-test failed at seccomp: no filter", "pip install pyseccomp")

    monkeypatch.setattr(Calculator, "start", slow_failing_start)
    with AgentSession(_settings(tmp_path)) as session:
        assert held.finished.wait(30)  # the model's start has failed already
        threading.Timer(0.2, let_it_fail.set).start()
        with pytest.raises(SandboxUnavailable, match="seccomp"):
            session.ready()


def test_given_parts_are_used_as_they_are_and_left_open(tmp_path, calculator, monkeypatch):
    llm = ScriptedLLM(["unused"])
    with AgentSession(_settings(tmp_path, model=str(tmp_path / "missing.gguf")), llm=llm,
                      calculator=calculator) as session:
        assert session.llm is llm and session.calculator is calculator  # the missing model is never looked at
    assert calculator.run("print(1)").stdout == "1\n"  # a calculator the caller owns stays open

    closed = []
    llm.close = lambda: closed.append(llm)
    with AgentSession(_settings(tmp_path), llm=llm) as session:  # an LLM given (eval's llm_factory, solve(llm=))
        assert session.llm is llm
        assert session.calculator.run("print(2)").stdout == "2\n"  # the calculator is the session's own
        own = session.calculator
    assert closed == [] and own.worker_pids() == []


@pytest.mark.parametrize("code", [
    "import mathagent.agent.api",
    "from mathagent.cli.options import parse_strategy; parse_strategy('tir')",
    "from mathagent.agent.state import STRATEGIES",
])
def test_naming_and_validating_a_strategy_does_not_import_the_graph(code):
    out = subprocess.run([sys.executable, "-c", f"{code}\nimport sys\nprint('langgraph' in sys.modules)"],
                         capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_solve_starts_the_session_before_it_imports_the_graph(tmp_path):
    """The model loads while LangGraph is imported: the session is entered first."""
    code = f"""
import sys
from mathagent.agent import session
seen = []
class Stop(Exception):
    pass
def enter(self):
    seen.append('langgraph' in sys.modules)
    raise Stop
session.AgentSession.__enter__ = enter
from mathagent.agent.api import solve
try:
    solve("What is 2 + 3?", db_url={f"sqlite:///{tmp_path / 't.db'}"!r})
except Stop:
    print(seen)
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[False]"
