"""Why an attempt failed: one category per trace, from what the trace recorded.

Categories (closed set, in the order the report shows them):

* ``llm_error`` - the LLM backend failed after its retries (trace status ``error``);
* ``timeout`` - a program hit the calculator's time limit and no answer came, grading timed out, or the
  attempt hit the executor's per-item limit (``"item_timeout"`` in ``meta.limits_hit``, the list the agent
  runner writes its own limits to; rows stored before the rename carry ``meta.limit_hit`` instead);
* ``sandbox_error`` - programs failed in the sandbox (exception, signal, output limit) and no answer came;
* ``parse_failure`` - the model's replies held no program/answer we could read (steps ``no_code`` /
  ``no_answer``), or the answer could not be parsed for grading;
* ``no_answer`` - no answer for any other reason (e.g. every derivation's answer was rejected as implausible,
  or the sample budget ran out);
* ``wrong_answer`` - an answer that grading judged incorrect.

A correct attempt is ``correct``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

Category = Literal["correct", "wrong_answer", "timeout", "sandbox_error", "parse_failure", "no_answer", "llm_error"]
FAILURE_CATEGORIES: tuple[Category, ...] = (
    "wrong_answer", "timeout", "sandbox_error", "parse_failure", "no_answer", "llm_error")
SANDBOX_FAILURES = {"error", "signal", "output_limit"}
ITEM_TIMEOUT = "item_timeout"  # in meta["limits_hit"]: the executor stopped the attempt at its per-item limit


def hit_item_timeout(meta: Mapping[str, Any]) -> bool:
    """Whether a trace's ``meta`` says the executor stopped the attempt at its per-item limit; reads the
    current key, ``limits_hit``, and the old one, ``limit_hit`` (rows written before the rename)."""
    hit = meta.get("limits_hit")
    return (isinstance(hit, (list, tuple)) and ITEM_TIMEOUT in hit) or bool(meta.get("limit_hit"))


def classify(trace: Mapping[str, Any]) -> Category:
    """Category of a trace given as :func:`mathagent.traces.store.trace_to_dict` returns it."""
    if trace.get("correct"):
        return "correct"
    if trace.get("status") == "error":
        return "llm_error"
    meta = trace.get("meta") or {}
    if hit_item_timeout(meta):
        return "timeout"
    grade_status = (meta.get("grade") or {}).get("status")
    if trace.get("answer"):
        if grade_status == "parse_error":
            return "parse_failure"
        if grade_status == "timeout":
            return "timeout"
        return "wrong_answer"
    tool_statuses = {c.get("status") for c in trace.get("tool_calls") or []}
    if "timeout" in tool_statuses:
        return "timeout"
    if tool_statuses & SANDBOX_FAILURES:
        return "sandbox_error"
    if any(s.get("status") in ("no_code", "no_answer") for s in trace.get("steps") or []):
        return "parse_failure"
    return "no_answer"
