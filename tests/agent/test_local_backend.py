"""The local llama.cpp backend: batched samples, the reused prompt prefix, stop strings and the wall-clock bound."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from mathagent.agent.backends.llama_engine import _hit_stop
from mathagent.agent.llm import GenerationParams


def test_stop_strings_are_found_across_token_boundaries():
    assert _hit_stop(bytearray(b"x = 1\n```out"), ("```output",), 9) is False
    assert _hit_stop(bytearray(b"x = 1\n```output"), ("```output",), 9) is True
    assert _hit_stop(bytearray("é```output".encode()), ("```output",), 9) is True


@pytest.fixture(scope="module")
def llm():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed")
    from mathagent.agent.backends.local import LocalLLM
    from mathagent.agent.models import DEFAULT_MODEL, ensure_packaged_model
    from mathagent.config import cache_dir

    return LocalLLM(ensure_packaged_model(DEFAULT_MODEL, cache_dir()), n_ctx=2048, n_threads=2, timeout_s=120)


PROGRAM = [{"role": "system", "content": "Reply with one ```python code block that prints the answer."},
           {"role": "user", "content": "What is 17 times 23?"}]


@pytest.mark.slow
def test_samples_are_decoded_in_one_batch_each_with_its_seed(llm):
    out = llm.sample(PROGRAM, GenerationParams(max_tokens=48, temperature=0.9, seed=3), 3, greedy_first=True)
    assert len(out) == 3 and all(c.batch == 3 for c in out)
    assert out[0].prompt_tokens > 0 and out[1].prompt_tokens == out[2].prompt_tokens == 0
    assert all(c.finish_reason in ("stop", "length") and c.completion_tokens > 0 for c in out)
    greedy = llm.complete(PROGRAM, GenerationParams(max_tokens=48, temperature=0.0))
    assert "```" in greedy.text and "```" in out[0].text
    again = llm.sample(PROGRAM, GenerationParams(max_tokens=48, temperature=0.9, seed=3), 3, greedy_first=True)
    assert [c.text for c in again][1:] == [c.text for c in out][1:]  # a seed decides its sample


@pytest.mark.slow
def test_the_prompt_prefix_stays_cached_and_only_the_new_suffix_is_evaluated(llm):
    engine = llm._model.engine
    llm.complete(PROGRAM, GenerationParams(max_tokens=4))
    cached = list(engine.cached_tokens)
    longer = PROGRAM + [{"role": "assistant", "content": "```python\nprint(17*23)\n```"},
                        {"role": "user", "content": "Now print 17 times 24."}]
    llm.complete(longer, GenerationParams(max_tokens=4))
    assert engine.cached_tokens[:len(cached) - 1] == cached[:-1] and len(engine.cached_tokens) > len(cached)


@pytest.mark.slow
def test_a_reply_start_is_decoded_from_and_returned_with_the_text(llm):
    prose = [{"role": "user", "content": "What is 17 times 23? Explain."}]
    start = GenerationParams(max_tokens=24, reply_start="```python\n")
    out = llm.complete(prose, start)
    assert out.text.startswith("```python\n") and len(out.text) > len("```python\n")
    assert out.prompt_tokens > llm.complete(prose, GenerationParams(max_tokens=1)).prompt_tokens  # the start is prompt
    several = llm.sample(prose, replace(start, temperature=0.9, seed=5), 3, greedy_first=True)
    assert [c.text[:10] for c in several] == ["```python\n"] * 3 and several[0].text == out.text
    free = llm.complete(PROGRAM, GenerationParams(max_tokens=24))
    forced = llm.complete(PROGRAM, GenerationParams(max_tokens=21, reply_start="```python\n"))
    assert free.text.startswith("```python\n") and forced.text == free.text  # the model's own start: same reply


@pytest.mark.slow
def test_stop_strings_end_a_sequence_and_are_cut_from_the_text(llm):
    out = llm.complete([{"role": "user", "content": "Write the word apple three times, comma separated."}],
                       GenerationParams(max_tokens=40, stop=("apple",)))
    assert "apple" not in out.text and out.finish_reason == "stop"


@pytest.mark.slow
def test_a_long_generation_stops_at_the_wall_clock_bound():
    pytest.importorskip("llama_cpp", reason="llama-cpp-python not installed")
    from mathagent.agent.backends.local import LocalLLM
    from mathagent.agent.models import DEFAULT_MODEL, ensure_packaged_model
    from mathagent.config import cache_dir

    llm = LocalLLM(ensure_packaged_model(DEFAULT_MODEL, cache_dir()), n_ctx=1024, n_threads=1, timeout_s=3)
    messages = [{"role": "user", "content": "Write the numbers from 1 to 2000, one per line, and nothing else."}]
    t0 = time.monotonic()
    comps = llm.sample(messages, GenerationParams(max_tokens=900, temperature=0.5), 2)
    elapsed = time.monotonic() - t0
    assert all(c.finish_reason == "timeout" for c in comps)
    assert all(c.completion_tokens < 900 for c in comps)  # (a loaded machine may spend the 3 s on the prompt)
    assert all((c.text == "") == (c.completion_tokens == 0) for c in comps)  # what was generated comes back
    assert elapsed < 60  # 3 s of generation plus prompt processing on a busy 2-core machine
