"""Test doubles: a scripted LLM for graph-logic tests.

The real local model is tested separately (tests/agent/test_local_model.py,
tests/mathagent/test_cli_e2e.py); this one forces exact replies so routing,
bounds and error paths are deterministic.
"""

from __future__ import annotations

from collections.abc import Callable

from mathagent.agent.llm import Completion, GenerationParams, sample_one_by_one
from mathagent.errors import LLMError


class ScriptedLLM:
    """Replies from a list (or a function of the messages), in order.

    An item that is an Exception instance is raised instead of replied.
    Running past the end of the script is a test bug and raises.
    """

    backend = "scripted"

    def __init__(self, script: list[str | Exception] | Callable[[list[dict]], str]):
        self.script = script
        self.calls: list[list[dict]] = []
        self.params: list[GenerationParams] = []
        self.batches: list[int] = []  # n of each sample() call

    @property
    def name(self) -> str:
        return "scripted-fake"

    def complete(self, messages, params: GenerationParams) -> Completion:
        self.calls.append([dict(m) for m in messages])
        self.params.append(params)
        if callable(self.script):
            item = self.script(messages)
        else:
            if len(self.calls) > len(self.script):
                raise LLMError(f"script exhausted after {len(self.script)} replies")
            item = self.script[len(self.calls) - 1]
        if isinstance(item, Exception):
            raise item
        return Completion(text=item, prompt_tokens=10, completion_tokens=5, finish_reason="stop",
                          model=self.name, ms=1.0)

    def sample(self, messages, params: GenerationParams, n: int, *, greedy_first: bool = False) -> list[Completion]:
        self.batches.append(n)
        return sample_one_by_one(self, messages, params, n, greedy_first=greedy_first)

    def close(self) -> None:
        pass


def program(code: str) -> str:
    return f"```python\n{code}\n```"
