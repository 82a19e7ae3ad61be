"""A strict structural check of OpenAI chat fine-tuning records with tool calls."""

from __future__ import annotations

import json

ROLES = {"system", "user", "assistant", "tool"}


def validate_openai_record(rec: dict) -> list[str]:
    """Problems found in ``rec`` (empty when it is a valid record)."""
    errs: list[str] = []
    if not set(rec) <= {"messages", "tools", "metadata"} or "messages" not in rec:
        return [f"top-level keys {sorted(rec)}"]
    tool_names = set()
    for tool in rec.get("tools", []):
        if set(tool) != {"type", "function"} or tool["type"] != "function":
            errs.append(f"tool {tool}")
            continue
        fn = tool["function"]
        if not {"name", "parameters"} <= set(fn) or fn["parameters"].get("type") != "object":
            errs.append(f"function {fn}")
        tool_names.add(fn["name"])
    msgs = rec["messages"]
    if not isinstance(msgs, list) or len(msgs) < 2:
        return errs + ["messages must be a list of at least 2"]
    pending: set[str] = set()
    for i, m in enumerate(msgs):
        role = m.get("role")
        if role not in ROLES:
            errs.append(f"{i}: role {role!r}")
            continue
        if role == "assistant" and "tool_calls" in m:
            if set(m) != {"role", "content", "tool_calls"}:
                errs.append(f"{i}: assistant keys {sorted(m)}")
            if m["content"] is not None and not isinstance(m["content"], str):
                errs.append(f"{i}: content type")
            if pending:
                errs.append(f"{i}: new tool call before the previous was answered")
            for call in m["tool_calls"]:
                if set(call) != {"id", "type", "function"} or call["type"] != "function":
                    errs.append(f"{i}: call keys {sorted(call)}")
                    continue
                if set(call["function"]) != {"name", "arguments"} or call["function"]["name"] not in tool_names:
                    errs.append(f"{i}: function {call['function']}")
                if not isinstance(call["function"]["arguments"], str):
                    errs.append(f"{i}: arguments must be a JSON string")
                else:
                    args = json.loads(call["function"]["arguments"])
                    if not isinstance(args, dict) or not isinstance(args.get("code"), str):
                        errs.append(f"{i}: arguments {args}")
                pending.add(call["id"])
        elif role == "tool":
            if set(m) != {"role", "tool_call_id", "content"} or not isinstance(m["content"], str):
                errs.append(f"{i}: tool keys {sorted(m)}")
            elif m["tool_call_id"] not in pending:
                errs.append(f"{i}: tool_call_id {m['tool_call_id']!r} answers no call")
            else:
                pending.discard(m["tool_call_id"])
        else:
            if set(m) != {"role", "content"} or not isinstance(m["content"], str):
                errs.append(f"{i}: {role} keys {sorted(m)}")
        if role == "system" and i != 0:
            errs.append(f"{i}: system message not first")
    if pending:
        errs.append("unanswered tool calls")
    last = msgs[-1]
    if last.get("role") != "assistant" or "tool_calls" in last or not last.get("content"):
        errs.append("the last message must be the assistant's final answer")
    if msgs[0]["role"] == "system" and msgs[1]["role"] != "user":
        errs.append("the user message must follow the system message")
    return errs
