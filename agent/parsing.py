"""Reading the model's replies: code blocks and the answer a program printed."""

from __future__ import annotations

import re

from mathagent.verifiers.extraction import extract_final_answer, last_number
from mathagent.verifiers.reading import top_level_split

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
    ``6``; ``The answer is 18`` becomes ``18``.  A printed Python list of
    several values, ``[-2, 3]`` (sympy.solve's roots), becomes the bare list
    ``-2, 3``: read as an answer, ``[-2, 3]`` is the closed interval (MATH's
    notation, which the equivalence judgement follows), but a program prints
    an interval as ``Interval(-2, 3)``.
    """
    lines = [ln.strip() for ln in (stdout or "").splitlines() if ln.strip()]
    if not lines:
        return None
    last = lines[-1][:2000]
    for pattern in (_SINGLE_LIST, _DICT_ONE):
        m = pattern.match(last)
        if m:
            return m.group(1).strip()
    listed = _python_list(last)
    if listed is not None:
        return listed
    if re.search(r"[A-Za-z]{3,}", last) and not re.search(r"sqrt|pi|oo|sin|cos|tan|log|exp|frac|I\b", last):
        words_answer = extract_final_answer(last) or last_number(last)
        if words_answer:
            return words_answer
    return last


def _python_list(line: str) -> str | None:
    """A flat ``[a, b, ...]`` (two or more items, its brackets enclosing the whole line) as ``a, b, ...``."""
    if not (line.startswith("[") and line.endswith("]")):
        return None
    parts = top_level_split(line[1:-1], ",")
    if parts is None or len(parts) < 2 or any(not p.strip() or p.strip().startswith("[") for p in parts):
        return None  # not a flat list (a nested list is a matrix's printout)
    return ", ".join(p.strip() for p in parts)
