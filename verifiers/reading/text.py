"""Presentation stripped from an answer (:func:`clean_answer`: delimiters, boxes, ``Answer:`` labels, quotes) and
the splits the readers need: matching braces, top-level separators, the sides of an equation."""

from __future__ import annotations

import re
from functools import lru_cache

from mathagent.verifiers.reading.forms import MAX_READ_CHARS

# ------------------------------------------------------------------------------------------ braces


def matching_brace(s: str, i: int) -> int | None:
    """Index of the ``}`` closing the ``{`` at ``s[i]`` (escaped ``\\{``/``\\}`` skipped), or ``None``."""
    depth = 0
    n = len(s)
    j = i
    while j < n:
        ch = s[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return j
        j += 1
    return None


def _whole_group(s: str, prefix_re: re.Pattern[str]) -> str | None:
    """The content of ``\\cmd{...}`` when that group spans all of ``s``; else ``None``."""
    m = prefix_re.match(s)
    if not m:
        return None
    close = matching_brace(s, m.end() - 1)
    if close != len(s) - 1:
        return None
    return s[m.end():close]


# --------------------------------------------------------------------------------------- cleaning

_BOX = re.compile(r"\\(?:boxed|fbox)\s*\{")
_TEXT_CMD = re.compile(r"\\(?:text|textbf|textit|textrm|textsf|texttt|textnormal|mathrm|mathbf|mathit|mathsf|"
                       r"mbox|emph|operatorname)\s*\{")
_LABEL = re.compile(r"(?:\*\*)?\s*(?:the\s+)?(?:final\s+)?answer\s*(?:\*\*\s*)?(?:is\b\s*:?|:|=)\s*(?:\*\*\s*)?",
                    re.IGNORECASE)
_APPROX = re.compile(r"\s*(?:\\approx(?![A-Za-z])|\u2248|\\sim(?![A-Za-z])|about\s|approximately\s)\s*", re.IGNORECASE)
_QUOTES = {"'": "'", '"': '"', "`": "`", "\u201c": "\u201d", "\u2018": "\u2019"}


def _strip_once(s: str) -> str:
    s = s.strip()
    if len(s) >= 4 and s.startswith("$$") and s.endswith("$$") and "$" not in s[2:-2]:
        return s[2:-2]
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$" and "$" not in s[1:-1]:
        return s[1:-1]
    for opener, closer in (("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(opener) and s.endswith(closer) and len(s) >= 4:
            return s[2:-2]
    inner = _whole_group(s, _BOX)
    if inner is not None:
        return inner
    m = _LABEL.match(s)
    if m and m.end() < len(s):
        return s[m.end():]
    if len(s) >= 2 and s[0] in _QUOTES and s[-1] == _QUOTES[s[0]] and s[0] not in s[1:-1]:
        return s[1:-1]
    if len(s) >= 4 and s.startswith("**") and s.endswith("**"):
        return s[2:-2]
    if len(s) >= 2 and s[-1] in ".;!," and s[-2] != "." and not s.endswith(("\\.", "\\,", "\\;", "\\!")):
        return s[:-1]
    m = _APPROX.match(s)
    if m and m.end() < len(s):
        return s[m.end():]  # `\\approx 8.24`: the value stated
    return s


@lru_cache(maxsize=4096)
def clean_answer(text: str) -> str:
    """The answer with its presentation stripped, meaning untouched: math delimiters, a box around the
    whole answer, an ``Answer:`` / ``The final answer is`` label, quotes (``'57'``), markdown bold and
    sentence punctuation.  Text longer than ``MAX_READ_CHARS`` comes back only trimmed."""
    if not isinstance(text, str):
        return ""
    s = text.strip()
    if len(s) > MAX_READ_CHARS:
        return s
    for _ in range(8):
        out = _strip_once(s).strip()
        if out == s or not out:
            break
        s = out
    return s


def top_level_split(s: str, seps: str) -> list[str] | None:
    """Split ``s`` on any character of ``seps`` outside brackets and braces; ``None`` when unbalanced."""
    parts: list[str] = []
    depth = 0
    start = 0
    i, n = 0, len(s)
    while i < n:
        ch = s[i]
        if ch == "\\" and i + 1 < n:
            if s[i + 1] in "{}":
                depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return None
        elif depth == 0 and ch in seps:
            parts.append(s[start:i])
            start = i + 1
        i += 1
    if depth != 0:
        return None
    parts.append(s[start:])
    return parts


_REL_NEAR_EQ = re.compile(r"[<>!:\\]$")


def equation_sides(s: str) -> list[str] | None:
    """The sides of an equation or chain ``m+n = 148+29 = 177`` (top-level ``=`` only, never ``<=``,
    ``>=``, ``!=``, ``==`` or ``:=``); ``None`` when ``s`` is not one (``x=1, y=2`` is a list)."""
    if "=" not in s:
        return None
    parts = top_level_split(s, "=")
    if parts is None or len(parts) < 2 or len(parts) > 16:
        return None
    if len(top_level_split(s, ",") or ()) > 1:
        return None  # `x=1, y=2` is a list of equations, not a chain
    for left, right in zip(parts, parts[1:]):
        if _REL_NEAR_EQ.search(left) or not left.strip() or not right.strip():
            return None
    return [p.strip() for p in parts]


def text_content(s: str) -> str | None:
    """The content of a `\\text{...}` (or `\\mathrm`, `\\textbf`, ...) spanning all of `s`; else `None`."""
    inner = _whole_group(s, _TEXT_CMD)
    for _ in range(3):
        if inner is None:
            break
        nested = _whole_group(inner.strip(), _TEXT_CMD)
        if nested is None:
            break
        inner = nested
    return inner
