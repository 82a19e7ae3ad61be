"""Any OpenAI-compatible ``/v1/chat/completions`` server, over httpx.

vLLM, llama.cpp's server, Ollama and hosted APIs all speak this.  Requests
have a connect/read timeout; 429, 5xx, connection errors, timeouts and
malformed bodies are retried a bounded number of times with exponential
backoff and jitter (``Retry-After`` is honoured, capped).  After the last try
the call raises :class:`LLMError` with the last failure.

A request's reply start (``GenerationParams.reply_start``, an assistant
prefill) has no portable form in this protocol, so how it is sent is the
``prefill`` setting (``--prefill`` / ``MATHAGENT_PREFILL``):

* ``none``: not sent; the reply is the model's own (OpenAI's own API, and any
  server whose prefill form is unknown);
* ``continue``: the reply start as a final assistant message, with
  ``continue_final_message: true`` and ``add_generation_prompt: false`` in the
  body (vLLM's request fields, also read by Hugging Face TGI; llama.cpp's
  ``llama-server`` takes a final assistant message as a prefill by itself);
* ``prefix``: the reply start as a final assistant message marked
  ``"prefix": true`` (Mistral's API, DeepSeek's beta endpoint).

A form the server does not take is not detected: the fence is then prepended
to a reply the model began on its own.  Use a form only with a server that
takes it.

When it is sent, the completion's text is the reply start followed by what the
server generated (a server that echoes the reply start is not doubled), as the
local backend returns it.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable

import httpx

from mathagent.agent.llm import PREFILLS, Completion, GenerationParams, Message, sample_params
from mathagent.errors import LLMError

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}
MAX_CHOICES = 64  # choices read from one response (a server may send more than asked)


class OpenAIChatLLM:
    backend = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout_s: float = 120.0,
                 max_retries: int = 4, backoff_s: float = 0.5, max_backoff_s: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep, prefill: str = "none"):
        if prefill not in PREFILLS:
            raise ValueError(f"prefill must be one of {PREFILLS}, got {prefill!r}")
        self.prefill = prefill
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.max_retries = max(0, max_retries)
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self._sleep = sleep
        headers = {"Content-Type": "application/json"}
        if api_key:
            headers["Authorization"] = f"Bearer {api_key}"
        self._client = httpx.Client(headers=headers,
                                    timeout=httpx.Timeout(timeout_s, connect=min(10.0, timeout_s)))

    @property
    def name(self) -> str:
        return self.model

    def _delay(self, attempt: int, retry_after: str | None) -> float:
        if retry_after:
            try:
                return min(float(retry_after), self.max_backoff_s)
            except ValueError:
                pass
        base = min(self.backoff_s * (2 ** attempt), self.max_backoff_s)
        return base * (0.5 + random.random() / 2)

    def complete(self, messages: list[Message], params: GenerationParams) -> Completion:
        return self._request(messages, params, 1)[0]

    def sample(self, messages: list[Message], params: GenerationParams, n: int, *,
               greedy_first: bool = False) -> list[Completion]:
        """``n`` samples in one request (``n`` in the body: vLLM and others decode them from one prefix); a server
        that returns fewer choices gets the rest as single requests.  The greedy first sample is its own request."""
        if n < 1:
            raise ValueError("n must be >= 1")
        out: list[Completion] = []
        if greedy_first:
            out.append(self.complete(messages, sample_params(params, 0, True)))
        rest = n - len(out)
        if rest > 0:
            out.extend(self._request(messages, sample_params(params, len(out), False), rest))
        while len(out) < n:  # bounded: each call adds one completion
            out.append(self.complete(messages, sample_params(params, len(out), False)))
        return out

    def _body(self, messages: list[Message], params: GenerationParams) -> dict:
        """The request body; the reply start is added as the ``prefill`` setting says (module docstring)."""
        body: dict = {"model": self.model, "messages": messages, "max_tokens": params.max_tokens,
                      "temperature": params.temperature}
        if params.reply_start and self.prefill == "continue":
            body["messages"] = [*messages, {"role": "assistant", "content": params.reply_start}]
            body["continue_final_message"] = True
            body["add_generation_prompt"] = False
        elif params.reply_start and self.prefill == "prefix":
            body["messages"] = [*messages, {"role": "assistant", "content": params.reply_start, "prefix": True}]
        return body

    def _reply(self, text: str, params: GenerationParams) -> str:
        """The completion's text: with a sent reply start, that start followed by the generated text."""
        start = params.reply_start if self.prefill != "none" else ""
        return text if text.startswith(start) else start + text

    def _request(self, messages: list[Message], params: GenerationParams, n: int) -> list[Completion]:
        body = self._body(messages, params)
        if n > 1:
            body["n"] = n
        if params.seed is not None:
            body["seed"] = params.seed
        if params.stop:
            body["stop"] = list(params.stop)
        url = f"{self.base_url}/chat/completions"
        last_error = "no attempt made"
        t0 = time.perf_counter()
        for attempt in range(self.max_retries + 1):
            retry_after = None
            try:
                resp = self._client.post(url, json=body)
            except httpx.TimeoutException:
                last_error = "request timed out"
            except httpx.TransportError as exc:
                last_error = f"connection failed: {type(exc).__name__}: {exc}"
            else:
                if resp.status_code == 200:
                    parsed = _parse_completion(resp, self.model)
                    if isinstance(parsed, str):
                        last_error = parsed
                    else:
                        choices, pt, ct, model = parsed
                        ms = (time.perf_counter() - t0) * 1000
                        k = len(choices)
                        per_ct = [c[1] for c in choices]
                        if not any(per_ct):  # usage is for the whole request: share it
                            per_ct = [ct // k + (1 if i < ct % k else 0) for i in range(k)]
                        return [Completion(text=self._reply(text, params), prompt_tokens=pt if i == 0 else 0,
                                           completion_tokens=per_ct[i], finish_reason=finish, model=model,
                                           ms=ms / k, batch=k)
                                for i, (text, _, finish) in enumerate(choices[:n])]
                elif resp.status_code in RETRY_STATUS:
                    last_error = f"HTTP {resp.status_code}"
                    retry_after = resp.headers.get("Retry-After")
                else:
                    raise LLMError(f"LLM server answered HTTP {resp.status_code}: {resp.text[:200]}",
                                   _fix_for_status(resp.status_code))
            if attempt < self.max_retries:
                self._sleep(self._delay(attempt, retry_after))
        raise LLMError(f"LLM server at {self.base_url} failed after {self.max_retries + 1} attempts: {last_error}",
                       "check that the server is running and reachable (MATHAGENT_BASE_URL), or retry later")

    def close(self) -> None:
        self._client.close()


def _fix_for_status(status: int) -> str:
    if status in (401, 403):
        return "check MATHAGENT_API_KEY"
    if status == 404:
        return "check MATHAGENT_BASE_URL (it should end in /v1) and MATHAGENT_MODEL"
    return "check the request settings and the server's logs"


def _parse_completion(resp: httpx.Response, default_model: str):
    """(choices as (text, completion tokens or 0, finish reason), prompt tokens, completion tokens, model), or a
    string describing why the body is unusable."""
    try:
        data = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "malformed JSON in the response body"
    if not isinstance(data, dict):
        return "response body is not a JSON object"
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not all(isinstance(c, dict) for c in choices):
        return "response has no choices"
    parsed = []
    for choice in choices[:MAX_CHOICES]:
        message = choice.get("message") or {}
        text = message.get("content") if isinstance(message, dict) else None
        parsed.append((text if isinstance(text, str) else "", 0, choice.get("finish_reason")))
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    try:
        pt = int(usage.get("prompt_tokens") or 0)
        ct = int(usage.get("completion_tokens") or 0)
    except (TypeError, ValueError):
        pt = ct = 0
    return parsed, pt, ct, str(data.get("model") or default_model)
