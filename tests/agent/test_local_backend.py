"""The local llama.cpp backend's wall-clock bound on one generation."""

from __future__ import annotations

import time

import numpy as np
import pytest

from mathagent.agent.backends.local import _Deadline
from mathagent.agent.llm import GenerationParams


def test_the_deadline_processor_forces_end_of_sequence_only_after_the_deadline():
    scores = np.array([0.5, 3.0, -1.0, 2.0], dtype=np.single)
    early = _Deadline(time.monotonic() + 60, eos=2)
    assert list(early(None, scores.copy())) == list(scores) and not early.hit
    late = _Deadline(time.monotonic() - 1, eos=2)
    out = late(None, scores.copy())
    assert late.hit and int(np.argmax(out)) == 2 and np.isneginf(out[[0, 1, 3]]).all()


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
