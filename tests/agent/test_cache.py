"""The completion cache: greedy and seeded requests generated once, unseeded samples never cached, hits marked."""

from __future__ import annotations

import pytest
from fakes import ScriptedLLM

from mathagent.agent.backends import BackendSettings, make_llm
from mathagent.agent.cache import CachingLLM, CompletionCache
from mathagent.agent.llm import GenerationParams
from mathagent.errors import ConfigError

MSGS = [{"role": "system", "content": "be exact"}, {"role": "user", "content": "Problem:\n1+1"}]


def caching(tmp_path, script, identity="m1"):
    inner = ScriptedLLM(script)
    return inner, CachingLLM(inner, CompletionCache(tmp_path / "c.sqlite"), identity)


def test_a_greedy_request_is_generated_once_and_the_hit_is_marked(tmp_path):
    inner, llm = caching(tmp_path, ["\\boxed{2}"])
    first = llm.complete(MSGS, GenerationParams(temperature=0.0))
    second = llm.complete([dict(m) for m in MSGS], GenerationParams(temperature=0.0))
    assert len(inner.calls) == 1
    assert (first.text, first.cached) == ("\\boxed{2}", False)
    assert (second.text, second.cached, second.prompt_tokens, second.completion_tokens) == ("\\boxed{2}", True, 10, 5)
    assert (llm.cache.hits, llm.cache.misses) == (1, 1)


def test_unseeded_samples_and_changed_parameters_are_not_served_from_the_cache(tmp_path):
    inner, llm = caching(tmp_path, ["a", "b", "c", "d"])
    llm.complete(MSGS, GenerationParams(temperature=0.0))
    assert llm.complete(MSGS, GenerationParams(temperature=0.7, seed=None)).text == "b"
    assert llm.complete(MSGS, GenerationParams(temperature=0.7, seed=None)).text == "c"  # never replayed
    assert llm.complete(MSGS, GenerationParams(temperature=0.0, max_tokens=64)).text == "d"
    assert len(inner.calls) == 4 and len(llm.cache) == 2


def test_seeded_samples_are_cached_one_by_one_and_a_greedy_key_ignores_the_seed(tmp_path):
    inner, llm = caching(tmp_path, ["s0", "s1", "s2", "s3", "s4"])
    params = GenerationParams(temperature=0.7, seed=10)
    first = llm.sample(MSGS, params, 3, greedy_first=True)
    assert [c.text for c in first] == ["s0", "s1", "s2"] and inner.batches == [3]
    again = llm.sample(MSGS, params, 3, greedy_first=True)
    assert [c.text for c in again] == ["s0", "s1", "s2"] and all(c.cached for c in again)
    more = llm.sample(MSGS, params, 4, greedy_first=True)  # one new sample: generated alone
    assert [c.text for c in more] == ["s0", "s1", "s2", "s3"] and [c.cached for c in more] == [True] * 3 + [False]
    greedy = llm.complete(MSGS, GenerationParams(temperature=0.0, seed=999))  # sample 0 was greedy: same request
    assert greedy.cached and greedy.text == "s0"


def test_samples_after_a_cached_greedy_one_are_still_decoded_as_one_batch(tmp_path):
    inner, llm = caching(tmp_path, ["g", "a", "b", "c"])
    llm.complete(MSGS, GenerationParams(temperature=0.0))  # the pot baseline's greedy program
    out = llm.sample(MSGS, GenerationParams(temperature=0.7, seed=3), 4, greedy_first=True)
    assert [c.cached for c in out] == [True, False, False, False] and inner.batches == [3]
    assert [p.seed for p in inner.params[1:]] == [4, 5, 6] and all(p.temperature == 0.7 for p in inner.params[1:])


def test_the_cache_survives_the_process_and_is_keyed_by_model_identity(tmp_path):
    _, llm = caching(tmp_path, ["x"])
    llm.complete(MSGS, GenerationParams())
    llm.close()
    inner2, again = caching(tmp_path, [])
    assert again.complete(MSGS, GenerationParams()).cached and inner2.calls == []
    inner3, other_model = caching(tmp_path, ["y"], identity="m2")
    assert other_model.complete(MSGS, GenerationParams()).text == "y" and len(inner3.calls) == 1


def test_an_unusable_cache_location_is_a_config_error(tmp_path):
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    settings = BackendSettings(backend="openai", base_url="http://127.0.0.1:9/v1", cache=True)
    with pytest.raises(ConfigError, match="completion cache"):
        make_llm(settings, blocker)


def test_a_reply_start_is_part_of_the_key_and_a_request_without_one_keeps_its_old_key():
    import hashlib
    import json

    from mathagent.agent.cache import request_key

    plain = request_key("m1", MSGS, GenerationParams())
    assert request_key("m1", MSGS, GenerationParams(reply_start="```python\n")) != plain
    old = {"identity": "m1", "messages": MSGS,  # the key's payload before reply_start existed
           "params": {"max_tokens": 512, "temperature": 0.0, "seed": None, "stop": []}}
    blob = json.dumps(old, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert plain == hashlib.sha256(blob.encode("utf-8")).hexdigest()  # completions cached earlier stay found


def test_the_openai_cache_identity_names_a_prefill_form_only_when_one_is_sent(tmp_path):
    """A reply start sent as a prefill gets other replies than one not sent: their cached completions must not
    mix; a connection without a prefill keeps the identity (and the cached completions) it had before."""
    url = "http://127.0.0.1:9/v1"
    identities = {}
    for prefill in ("none", "continue", "prefix"):
        llm = make_llm(BackendSettings(backend="openai", base_url=url + "/", model="m", cache=True,
                                       prefill=prefill), tmp_path)
        identities[prefill] = llm.identity
        llm.close()
    assert identities["none"] == f"openai:m:{url}"
    assert identities["continue"] == f"openai:m:{url} prefill=continue"
    assert identities["prefix"] == f"openai:m:{url} prefill=prefix"
    with pytest.raises(ConfigError, match="unknown prefill 'assistant'"):
        make_llm(BackendSettings(backend="openai", base_url=url, prefill="assistant"), tmp_path)
    with pytest.raises(ConfigError, match="applies to --backend openai"):  # refused before a model file is read
        make_llm(BackendSettings(backend="local", prefill="continue"), tmp_path)
