"""Reading the model's replies: code blocks and the answer a program printed."""

from __future__ import annotations

import re

from mathagent.verifiers.answers import extract_final_answer, last_number

_FENCE = re.compile(r"```[ \t]*(?:python|py|python3)?[ \t]*\n(.*?)(?:```|\Z)", re.DOTALL | re.IGNORECASE)
MAX_CODE_CHARS = 20_000


def extract_code(text: str) -> str | None:
    """The first fenced Python block (an unterminated final fence counts), else None."""
    for match in _FENCE.finditer(text or ""):
        code = match.group(1).strip("\n")
        if code.strip():
            return code[:MAX_CODE_CHARS]
    return None


_BOXED = re.compile(r"\\boxed\s*\{")


def split_tir_turn(text: str) -> tuple[str, str | None]:
    """One turn of tool-integrated reasoning: (the text to keep, the program to run or None).

    The turn is cut after its first complete ```python block (anything after it would be the model imagining
    the output); a turn that states a boxed answer before any program, or has no program, is final (None).
    """
    text = text or ""
    for match in _FENCE.finditer(text):
        code = match.group(1).strip("\n")
        if not code.strip():
            continue
        if _BOXED.search(text, 0, match.start()):
            return text, None
        return text[:match.end()].rstrip(), code[:MAX_CODE_CHARS]
    return text, None


_SINGLE_LIST = re.compile(r"^\[\s*([^\[\],]+?)\s*\]$")
_DICT_ONE = re.compile(r"^\{\s*\w+\s*:\s*([^{},]+?)\s*\}$")


def answer_from_output(stdout: str) -> str | None:
    """The answer a program printed: its last non-empty line, unwrapped.

    ``[6]`` (sympy.solve with one root) becomes ``6``, ``{x: 6}`` becomes
    ``6``; ``The answer is 18`` becomes ``18``.
    """
    lines = [ln.strip() for ln in (stdout or "").splitlines() if ln.strip()]
    if not lines:
        return None
    last = lines[-1][:2000]
    for pattern in (_SINGLE_LIST, _DICT_ONE):
        m = pattern.match(last)
        if m:
            return m.group(1).strip()
    if re.search(r"[A-Za-z]{3,}", last) and not re.search(r"sqrt|pi|oo|sin|cos|tan|log|exp|frac|I\b", last):
        words_answer = extract_final_answer(last) or last_number(last)
        if words_answer:
            return words_answer
    return last
