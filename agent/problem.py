"""Validating a problem statement (cheap: imports nothing heavy, so bad input fails fast)."""

from __future__ import annotations

import unicodedata

from mathagent.errors import InputError

MAX_PROBLEM_CHARS = 20_000
# Categories that draw nothing on their own: controls, format characters (zero-width spaces and joiners,
# bidi marks, U+2060 WORD JOINER, U+FEFF), surrogates, private use, unassigned, separators, and combining
# marks with no base character.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# Letters and symbols that are blank by design (Hangul fillers, the blank Braille pattern).
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")


def has_visible_text(text: str) -> bool:
    """Whether ``text`` holds at least one character that is drawn (not only blanks, controls, format marks)."""
    return any(ch not in BLANK_CHARACTERS and unicodedata.category(ch) not in INVISIBLE_CATEGORIES for ch in text)


def validate_problem(problem: str) -> str:
    text = (problem or "").strip()
    if not text:
        raise InputError("the problem is empty", "pass the problem text as an argument or on stdin")
    if len(text) > MAX_PROBLEM_CHARS:
        raise InputError(f"the problem is too long ({len(text)} characters, limit {MAX_PROBLEM_CHARS})",
                         "pass a single problem statement")
    if "\x00" in text:
        raise InputError("the problem contains NUL characters", "pass plain text")
    if not has_visible_text(text):
        raise InputError(f"the problem has no visible text ({len(text)} invisible or control characters)",
                         "pass the problem text itself")
    return text
