"""Validating a problem statement (cheap: imports nothing heavy, so bad input fails fast)."""

from __future__ import annotations

import unicodedata

from mathagent.errors import InputError

MAX_PROBLEM_CHARS = 20_000
# A character draws nothing when:
# 1. its general category draws nothing on its own: controls, format characters (zero-width spaces and joiners,
#    bidi marks, U+2060 WORD JOINER, U+FEFF), surrogates, private use, unassigned, separators, and combining
#    marks with no base character;
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"})
# 2. it is a Default_Ignorable_Code_Point (Unicode's DerivedCoreProperties.txt: what a renderer shows nothing for
#    when it cannot handle it), whatever its category: the Hangul fillers (Lo), the Khmer inherent vowels, the
#    musical beam and slur format controls U+1D173..U+1D17A, the tag and variation-selector planes...
DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5), (0x180B, 0x180F),
    (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF),
    (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# 3. it is a symbol or letter whose glyph is blank by design (no Unicode property says so): the blank Braille
#    pattern, the musical null notehead, the Hangul fillers (also default-ignorable), the Khitan filler.
BLANK_CHARACTERS = frozenset("\u2800\U0001d159\u115f\u1160\u3164\uffa0\U00016fe4")


def is_blank(ch: str) -> bool:
    """Whether the character ``ch`` draws nothing (see the three rules above)."""
    if ch in BLANK_CHARACTERS or unicodedata.category(ch) in INVISIBLE_CATEGORIES:
        return True
    cp = ord(ch)
    return any(lo <= cp <= hi for lo, hi in DEFAULT_IGNORABLE)


def has_visible_text(text: str) -> bool:
    """Whether ``text`` holds at least one character that is drawn (not only blanks, controls, format marks)."""
    return not all(is_blank(ch) for ch in text)


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
