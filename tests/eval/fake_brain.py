"""A deterministic stand-in for the model, for eval tests (in process and behind the fake HTTP server).

It reads the problem from the chat messages and answers like a model would,
by prompt: program prompts get a ```python block, the chain-of-thought prompt
gets a ``\\boxed{}`` answer.  The right answer is the sum of the integers in
the problem.  Keywords steer failures so every strategy and failure category
shows up: ``tricky`` makes chain of thought off by one; ``crash`` makes every
program raise; ``mute`` makes the model answer without a program or a box.
"""

from __future__ import annotations

import re
import time


def problem_of(messages: list[dict]) -> str:
    """The problem: the last user message that is not the agent's feedback (a program's output, a repair
    request); few-shot examples come before it."""
    for m in reversed(messages):
        content = str(m.get("content") or "")
        if m.get("role") == "user" and not (content.startswith("```output")
                                            or "Reply with the corrected program" in content):
            return content
    return ""


def reply(messages: list[dict]) -> str:
    system = str(messages[0].get("content") or "") if messages else ""
    problem = problem_of(messages)
    total = sum(int(x) for x in re.findall(r"-?\d+", problem))
    if "mute" in problem:
        return "I am not sure."
    if "```python" in system:  # a program prompt (a sample or its repair)
        if "crash" in problem:
            return "```python\nraise ValueError('no')\n```"
        return f"```python\n# add the numbers\nprint({total})\n```"
    if "tricky" in problem:
        total += 1
    return f"Adding up gives {total}. \\boxed{{{total}}}"


class BrainLLMFactory:
    """Picklable factory of ScriptedLLMs driven by :func:`reply` (used for Ray workers too)."""

    def __call__(self):
        from fakes import ScriptedLLM

        return ScriptedLLM(reply)


class HangingBrainFactory:
    """The fake model, except that it never answers the "crash course" problem (a worker stuck in a call)."""

    def __call__(self):
        from fakes import ScriptedLLM

        def script(messages):
            if "crash course" in messages[-1]["content"]:
                time.sleep(3600)
            return reply(messages)

        return ScriptedLLM(script)
