"""Export formats: one :class:`Conversation` to one record of each format.

* ``openai-chat``: OpenAI's chat fine-tuning JSONL, ``{"messages": [...], "tools": [...]}``.  A calculator
  call is an assistant message with ``content`` (null when the model wrote only the program) and
  ``tool_calls: [{"id", "type": "function", "function": {"name": "calculator", "arguments": "<JSON string>"}}]``,
  answered by ``{"role": "tool", "tool_call_id", "content"}`` - exactly as the Chat Completions API writes them.
* ``trl``: TRL's conversational SFT format, ``{"messages": [...], "tools": [...]}`` as Hugging Face chat
  templates read it: ``arguments`` is an object (not a string), tool messages also carry ``name``, and
  content is ``""`` instead of null (templates apply string filters to it).
* ``sharegpt``: the LLaMA-Factory flavour of ShareGPT with tools: ``{"conversations": [{"from", "value"}],
  "system": str, "tools": "<JSON string>"}``, ``from`` in human | gpt | function_call | observation (the
  system prompt is the separate ``system`` column, as LLaMA-Factory's ``dataset_info.json`` maps it).  A
  ``function_call`` value is the JSON string ``{"name": "calculator", "arguments": {"code": ...}}``; text the
  model wrote next to a program has no place in that turn and is dropped.
* ``parquet``: one row per trace: the OpenAI ``messages`` and ``tools`` as JSON strings plus flat metadata
  columns (see :mod:`mathagent.datasets.export.writers`).

With ``metadata=True`` a record also carries ``metadata`` (trace id, dataset, problem id, model, answer,
the verification ``level`` with the agent's own ``agent_level`` and ``confidence``, the derivation ``method``,
checks passed, the MATH difficulty ``math_level``).  It is the default for ``trl`` and ``sharegpt`` (extra
columns are harmless there) and off for ``openai-chat``, whose fine-tuning upload wants nothing but
``messages`` / ``tools``; the dataset card states the level of the rows either way.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from mathagent.datasets.export.conversation import TOOL_NAME, Conversation
from mathagent.datasets.export.source import TraceView

FORMATS = ("openai-chat", "sharegpt", "trl", "parquet")


def metadata(t: TraceView, conv: Conversation) -> dict[str, Any]:
    """What a record states about where it came from and how far it is verified (``level``: gold | formal |
    consensus | unverified)."""
    return {"trace_id": t.id, "dataset": t.dataset, "problem_id": t.problem_id, "run_id": t.run_id,
            "model": t.model, "strategy": t.strategy, "method": conv.method, "answer": t.answer, "gold": t.gold,
            "correct": t.correct, "level": t.level, "agent_level": t.agent_level, "confidence": t.confidence,
            "verified": t.verified, "checks_passed": t.checks_passed, "math_level": t.math_level,
            "created_at": t.created_at.isoformat() if t.created_at else None}


def openai_messages(conv: Conversation) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for turn in conv.turns:
        if turn.role == "assistant" and turn.tool_use is not None:
            out.append({"role": "assistant", "content": turn.content, "tool_calls": [{
                "id": turn.tool_use.call_id, "type": "function",
                "function": {"name": TOOL_NAME, "arguments": json.dumps({"code": turn.tool_use.code},
                                                                        ensure_ascii=False)}}]})
        elif turn.role == "tool":
            out.append({"role": "tool", "tool_call_id": turn.tool_use.call_id, "content": turn.content or ""})
        else:
            out.append({"role": turn.role, "content": turn.content or ""})
    return out


def openai_record(conv: Conversation, t: TraceView, with_metadata: bool = False) -> dict[str, Any]:
    rec: dict[str, Any] = {"messages": openai_messages(conv)}
    if conv.uses_tools:
        rec["tools"] = [conv.tool_schema]
    if with_metadata:
        rec["metadata"] = metadata(t, conv)
    return rec


def trl_record(conv: Conversation, t: TraceView, with_metadata: bool = True) -> dict[str, Any]:
    msgs: list[dict[str, Any]] = []
    for turn in conv.turns:
        if turn.role == "assistant" and turn.tool_use is not None:
            msgs.append({"role": "assistant", "content": turn.content or "", "tool_calls": [{
                "id": turn.tool_use.call_id, "type": "function",
                "function": {"name": TOOL_NAME, "arguments": {"code": turn.tool_use.code}}}]})
        elif turn.role == "tool":
            msgs.append({"role": "tool", "tool_call_id": turn.tool_use.call_id, "name": TOOL_NAME,
                         "content": turn.content or ""})
        else:
            msgs.append({"role": turn.role, "content": turn.content or ""})
    rec: dict[str, Any] = {"messages": msgs}
    if conv.uses_tools:
        rec["tools"] = [conv.tool_schema]
    if with_metadata:
        rec["metadata"] = metadata(t, conv)
    return rec


_SHAREGPT_FROM = {"user": "human", "assistant": "gpt", "tool": "observation"}


def sharegpt_record(conv: Conversation, t: TraceView, with_metadata: bool = True) -> dict[str, Any]:
    system = ""
    turns: list[dict[str, str]] = []
    for turn in conv.turns:
        if turn.role == "system":
            system = turn.content or ""
        elif turn.role == "assistant" and turn.tool_use is not None:
            turns.append({"from": "function_call", "value": json.dumps(
                {"name": TOOL_NAME, "arguments": {"code": turn.tool_use.code}}, ensure_ascii=False)})
        else:
            turns.append({"from": _SHAREGPT_FROM[turn.role], "value": turn.content or ""})
    rec: dict[str, Any] = {"conversations": turns, "system": system}
    if conv.uses_tools:
        rec["tools"] = json.dumps([conv.tool_schema["function"]], ensure_ascii=False)
    if with_metadata:
        rec["metadata"] = metadata(t, conv)
    return rec


RECORD_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "openai-chat": openai_record,
    "trl": trl_record,
    "sharegpt": sharegpt_record,
}
