"""Word answers, choice letters and the empty set, and :func:`read_form`: an answer's form, or None for an
expression (SymPy decides those, in a worker)."""

from __future__ import annotations

import re
from functools import lru_cache

from mathagent.verifiers.reading.forms import MAX_READ_CHARS, Choice, EmptySet, Form, Text
from mathagent.verifiers.reading.numbers import read_number
from mathagent.verifiers.reading.text import clean_answer, text_content

_EMPTY_SPELLINGS = frozenset({
    "\\emptyset", "\\varnothing", "\\{\\}", "\\{ \\}", "\u2205", "\\o", "set()", "emptyset", "finiteset()",
    "\\lbrace\\rbrace", "\\lbrace \\rbrace", "\\mathbb{\\emptyset}",
})
_EMPTY_WORDS = frozenset({
    "no solution", "no solutions", "no real solution", "no real solutions", "empty set", "the empty set",
    "no such number", "no such value", "no value", "no values",
})
_MATH_WORDS = frozenset({
    "sqrt", "pi", "oo", "inf", "infty", "infinity", "sin", "cos", "tan", "cot", "sec", "csc", "log", "ln", "exp",
    "abs", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh", "mod", "gcd", "lcm", "max", "min", "det",
    "and", "or", "nan", "zoo", "true", "false",
})
_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*){0,11}")
_TEXT_WORDS = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z0-9][A-Za-z0-9'\-]*){0,11}")  # \\text{October 30}
_CHOICE = re.compile(r"\(\s*([A-Ea-e])\s*\)")


@lru_cache(maxsize=4096)
def read_form(text: str) -> Form | None:
    """The in-process form of an answer (:class:`Number`, :class:`Text`, :class:`Choice`,
    :class:`EmptySet`), or ``None`` when only SymPy can read it."""
    s = clean_answer(text) if isinstance(text, str) else ""
    if not s or len(s) > MAX_READ_CHARS:
        return None
    compact = re.sub(r"\s+", "", s)
    if compact.lower() in _EMPTY_SPELLINGS or s.strip().lower() in _EMPTY_SPELLINGS:
        return EmptySet()
    content = text_content(s)
    bare = content if content is not None else s
    bare = bare.strip()
    m = _CHOICE.fullmatch(bare)
    if m:
        return Choice(m.group(1).upper())
    if content is not None and re.fullmatch(r"[A-Ea-e]", bare):
        return Choice(bare.upper())
    if _WORDS.fullmatch(bare) or (content is not None and _TEXT_WORDS.fullmatch(bare)):
        words = " ".join(bare.split()).casefold()
        if words in _EMPTY_WORDS:
            return EmptySet()
        letters = words.replace(" ", "")
        if content is not None or (len(letters) >= 3 and not any(w in _MATH_WORDS for w in words.split())):
            return Text(words)
    elif content is None and _TEXT_WORDS.fullmatch(bare) and re.match(r"[A-Za-z]{3,}\s", bare):
        words = " ".join(bare.split()).casefold()
        if not any(w in _MATH_WORDS for w in words.split()):
            return Text(words)  # October 30
    number = read_number(s)
    if number is not None:
        return number
    return None
