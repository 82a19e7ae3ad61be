"""Validating a problem statement (cheap: imports nothing heavy, so bad input fails fast)."""

from __future__ import annotations

from mathagent.errors import InputError

MAX_PROBLEM_CHARS = 20_000


def validate_problem(problem: str) -> str:
    text = (problem or "").strip()
    if not text:
        raise InputError("the problem is empty", "pass the problem text as an argument or on stdin")
    if len(text) > MAX_PROBLEM_CHARS:
        raise InputError(f"the problem is too long ({len(text)} characters, limit {MAX_PROBLEM_CHARS})",
                         "pass a single problem statement")
    if "\x00" in text:
        raise InputError("the problem contains NUL characters", "pass plain text")
    return text
