"""Any OpenAI-compatible ``/v1/chat/completions`` server, over httpx.

vLLM, llama.cpp's server, Ollama and hosted APIs all speak this.  Requests
have a connect/read timeout; 429, 5xx, connection errors, timeouts and
malformed bodies are retried a bounded number of times with exponential
backoff and jitter (``Retry-After`` is honoured, capped).  After the last try
the call raises :class:`LLMError` with the last failure.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable

import httpx

from mathagent.agent.llm import Completion, GenerationParams, Message
from mathagent.errors import LLMError

RETRY_STATUS = {408, 409, 425, 429, 500, 502, 503, 504}


class OpenAIChatLLM:
    backend = "openai"

    def __init__(self, base_url: str, model: str, api_key: str | None = None, *, timeout_s: float = 120.0,
                 max_retries: int = 4, backoff_s: float = 0.5, max_backoff_s: float = 20.0,
                 sleep: Callable[[float], None] = time.sleep):
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
        body = {"model": self.model, "messages": messages, "max_tokens": params.max_tokens,
                "temperature": params.temperature}
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
                        text, pt, ct, finish, model = parsed
                        return Completion(text=text, prompt_tokens=pt, completion_tokens=ct, finish_reason=finish,
                                          model=model, ms=(time.perf_counter() - t0) * 1000)
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
    """The completion fields, or a string describing why the body is unusable."""
    try:
        data = resp.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return "malformed JSON in the response body"
    if not isinstance(data, dict):
        return "response body is not a JSON object"
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return "response has no choices"
    message = choices[0].get("message") or {}
    text = message.get("content") if isinstance(message, dict) else None
    if not isinstance(text, str):
        text = ""
    usage = data.get("usage") if isinstance(data.get("usage"), dict) else {}
    try:
        pt = int(usage.get("prompt_tokens") or 0)
        ct = int(usage.get("completion_tokens") or 0)
    except (TypeError, ValueError):
        pt = ct = 0
    return text, pt, ct, choices[0].get("finish_reason"), str(data.get("model") or default_model)
