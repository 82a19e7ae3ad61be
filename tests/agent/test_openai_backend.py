"""The openai backend against forced faults from a local HTTP server."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
from fault_server import FaultServer  # noqa: E402

from mathagent.agent.backends.openai import OpenAIChatLLM
from mathagent.agent.llm import GenerationParams
from mathagent.errors import LLMError

MSG = [{"role": "user", "content": "2+2?"}]


def client(url, **kw):
    sleeps = []
    kw.setdefault("max_retries", 3)
    llm = OpenAIChatLLM(url, "fault-model", "sk-test", timeout_s=kw.pop("timeout_s", 5.0), sleep=sleeps.append, **kw)
    return llm, sleeps


def test_ok_parses_text_and_usage():
    with FaultServer(["ok"]) as srv:
        llm, _ = client(srv.url)
        c = llm.complete(MSG, GenerationParams(max_tokens=10, seed=3))
    assert c.text == "\\boxed{4}" and c.prompt_tokens == 7 and c.completion_tokens == 3
    assert srv.requests[0]["max_tokens"] == 10 and srv.requests[0]["seed"] == 3
    assert srv.requests[0]["messages"] == MSG


@pytest.mark.parametrize("faults", [["500"], ["503", "503"], ["429"], ["malformed"], ["empty"], ["reset"],
                                    ["500", "malformed", "429"]])
def test_transient_faults_are_retried_then_succeed(faults):
    with FaultServer(faults + ["ok"]) as srv:
        llm, sleeps = client(srv.url)
        c = llm.complete(MSG, GenerationParams())
    assert c.text == "\\boxed{4}"
    assert len(srv.requests) == len(faults) + 1
    assert len(sleeps) == len(faults)


def test_backoff_grows_and_retry_after_is_honoured():
    with FaultServer(["500", "500", "429", "ok"]) as srv:
        llm, sleeps = client(srv.url, backoff_s=1.0)
        llm.complete(MSG, GenerationParams())
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0
    assert sleeps[2] == 0.0  # Retry-After: 0


def test_persistent_failure_gives_clear_error_after_bounded_retries():
    with FaultServer(["500"] * 10) as srv:
        llm, sleeps = client(srv.url, max_retries=2)
        with pytest.raises(LLMError) as exc:
            llm.complete(MSG, GenerationParams())
    assert len(srv.requests) == 3 and len(sleeps) == 2
    assert "failed after 3 attempts: HTTP 500" in exc.value.message
    assert exc.value.fix


def test_timeout_is_retried():
    with FaultServer(["stall", "ok"], stall_s=2.0) as srv:
        llm, sleeps = client(srv.url, timeout_s=0.5)
        c = llm.complete(MSG, GenerationParams())
    assert c.text == "\\boxed{4}" and len(sleeps) == 1


def test_auth_error_is_not_retried():
    with FaultServer(["401"]) as srv:
        llm, sleeps = client(srv.url)
        with pytest.raises(LLMError) as exc:
            llm.complete(MSG, GenerationParams())
    assert len(srv.requests) == 1 and sleeps == []
    assert "MATHAGENT_API_KEY" in exc.value.fix


def test_unreachable_server():
    llm, sleeps = client("http://127.0.0.1:9/v1", max_retries=1)
    with pytest.raises(LLMError) as exc:
        llm.complete(MSG, GenerationParams())
    assert "connection failed" in exc.value.message and len(sleeps) == 1


def test_samples_are_one_request_with_n_and_the_greedy_first_its_own():
    with FaultServer(["ok", "ok"]) as srv:
        llm, _ = client(srv.url)
        out = llm.sample(MSG, GenerationParams(max_tokens=10, temperature=0.7, seed=5), 4, greedy_first=True)
    assert len(out) == 4 and [c.batch for c in out] == [1, 3, 3, 3]
    first, rest = srv.requests
    assert first["temperature"] == 0.0 and "n" not in first
    assert rest["n"] == 3 and rest["temperature"] == 0.7 and rest["seed"] == 6
    assert [c.completion_tokens for c in out] == [3, 3, 3, 3] and out[1].prompt_tokens == 7 and out[2].prompt_tokens == 0


def test_a_server_that_ignores_n_gets_the_rest_as_single_requests():
    with FaultServer(["ignore_n", "ok", "ok"]) as srv:
        llm, _ = client(srv.url)
        out = llm.sample(MSG, GenerationParams(temperature=0.7, seed=0), 3)
    assert len(out) == 3 and len(srv.requests) == 3
    assert [r.get("seed") for r in srv.requests] == [0, 1, 2]


FENCE = "```python\n"


def continuing(messages):
    """A server that continues a final assistant message (vLLM with continue_final_message, llama-server, a
    DeepSeek prefix): only the continuation comes back; asked plainly, the model answers in prose."""
    if messages and messages[-1]["role"] == "assistant":
        return "print(2 + 2)\n```"
    return "Let me think about this in words first."


@pytest.mark.parametrize("prefill", ["continue", "prefix"])
def test_a_reply_start_is_sent_in_the_servers_prefill_form_and_begins_the_text(prefill):
    with FaultServer(["ok", "ok"], reply=continuing) as srv:
        llm, _ = client(srv.url, prefill=prefill)
        one = llm.complete(MSG, GenerationParams(reply_start=FENCE))
        many = llm.sample(MSG, GenerationParams(temperature=0.7, seed=1, reply_start=FENCE), 3)
    assert one.text == FENCE + "print(2 + 2)\n```"
    assert [c.text for c in many] == [one.text] * 3
    assert len(srv.requests) == 2  # the three samples are still one request with n
    for body in srv.requests:
        *sent, last = body["messages"]
        assert sent == MSG and last["role"] == "assistant" and last["content"] == FENCE
        if prefill == "continue":  # vLLM / TGI: continue the final message, open no new assistant turn
            assert body["continue_final_message"] is True and body["add_generation_prompt"] is False
            assert "prefix" not in last
        else:  # DeepSeek / Mistral: the message itself says it is a prefix
            assert last["prefix"] is True
            assert "continue_final_message" not in body and "add_generation_prompt" not in body


def test_without_a_prefill_form_the_reply_start_is_not_sent_and_the_reply_is_the_models_own():
    with FaultServer(["ok"], reply=continuing) as srv:
        llm, _ = client(srv.url)  # prefill "none", the default
        c = llm.complete(MSG, GenerationParams(reply_start=FENCE))
    assert c.text == "Let me think about this in words first."  # never dressed up as if the fence had been sent
    assert srv.requests[0]["messages"] == MSG
    assert "continue_final_message" not in srv.requests[0] and "add_generation_prompt" not in srv.requests[0]


def test_a_request_without_a_reply_start_is_unchanged_by_the_prefill_form():
    with FaultServer(["ok", "ok"], reply=continuing) as srv:
        for prefill in ("continue", "prefix"):
            llm, _ = client(srv.url, prefill=prefill)
            assert llm.complete(MSG, GenerationParams()).text == "Let me think about this in words first."
    assert [r["messages"] for r in srv.requests] == [MSG, MSG]
    assert not any(k in r for r in srv.requests for k in ("continue_final_message", "add_generation_prompt"))


@pytest.mark.parametrize("echoed", [FENCE + "print(4)\n```", FENCE])
def test_a_server_that_echoes_the_reply_start_is_not_doubled(echoed):
    with FaultServer(["ok"], reply=echoed) as srv:
        llm, _ = client(srv.url, prefill="continue")
        assert llm.complete(MSG, GenerationParams(reply_start=FENCE)).text == echoed


def test_an_unknown_prefill_form_is_refused():
    with pytest.raises(ValueError, match="prefill"):
        OpenAIChatLLM("http://127.0.0.1:9/v1", "m", prefill="assistant")
