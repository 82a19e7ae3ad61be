"""The input numbers of a word problem: found in its text, matched to a program's literals, rewritten.

Design decisions:

* A number is an *input* when its value occurs both in the problem text and
  as a numeric literal in the program that solved it.  Values are compared
  exactly (:class:`~fractions.Fraction`), so ``$1,200.50`` in the text
  matches ``1200.5`` in the program.  Numbers found in only one of the two
  are left alone.
* All occurrences of one value change together (in the text and in the
  program), so "3 apples at $3" stays consistent with a program that reads
  either 3.  When the program holds a value *more* often than the text, the
  extra literals are probably constants (``/ 2`` for "half", ``* 60`` for
  minutes) that happen to equal a text number; that value is not perturbed
  (skipped as ``program_constant``).  Likewise a value that a word of the
  text implies ("twice" or "half" -> 2, "dozen" -> 12, "%" -> 100) may be
  that word's constant in the program, so it is not perturbed either
  (``implicit_constant``): in "his two sons ... twice as much" a program
  literal 2 could be either.
* Text numbers next to ``/`` or ``:`` (fractions, times of day) and numbers
  glued to letters (``5th``, ``COVID19``) are not inputs: changing one half
  of ``3/4`` or ``3:30`` rarely leaves a sensible problem.
* Program literals are read with :mod:`tokenize` (never executed); only
  plain decimal literals count (no hex, exponents or complex numbers).
* Rewriting replaces exactly the matched spans and keeps their format:
  thousands separators, the number of decimals, a number word stays a word
  (when one exists) with its capitalization.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

MAX_TEXT_CHARS = 20_000
MAX_PROGRAM_CHARS = 20_000
MAX_NUMBERS = 200  # occurrences considered per text / program

_TEXT_NUMBER = re.compile(r"(?<![\w.,/:^])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?(?![\w/:]|[.,]\d)")
_PERCENT_AFTER = re.compile(r"\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_PLAIN_LITERAL = re.compile(r"^\d[\d_]*(\.\d*)?$")

# "one" is left out on purpose: it is a pronoun as often as a number ("one of them").
WORD_VALUES = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50,
    "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
}
_VALUE_WORDS = {v: w for w, v in WORD_VALUES.items()} | {1: "one"}
# Words that put a number into the program without writing it in the text ("twice" -> * 2, "20%" -> / 100).
IMPLICIT_VALUES = {"twice": 2, "double": 2, "doubled": 2, "doubles": 2, "half": 2, "halves": 2, "halved": 2,
                   "thrice": 3, "triple": 3, "tripled": 3, "third": 3, "thirds": 3, "quarter": 4, "quarters": 4,
                   "dozen": 12, "dozens": 12, "percent": 100, "%": 100}
_IMPLICIT = re.compile(r"%|\b(?:" + "|".join(w for w in IMPLICIT_VALUES if w != "%") + r")\b", re.IGNORECASE)
_WORD_NUMBER = re.compile(r"(?<![\w-])(" + "|".join(sorted(WORD_VALUES, key=len, reverse=True)) + r")(?![\w-])",
                          re.IGNORECASE)


@dataclass(frozen=True)
class TextNumber:
    """One number in the problem text: its span, value and how it was written."""

    start: int
    end: int
    raw: str
    value: Fraction
    decimals: int = 0
    commas: bool = False
    word: bool = False
    percent: bool = False
    money: bool = False


@dataclass(frozen=True)
class ProgramLiteral:
    """One numeric literal in the program: its character span and value."""

    start: int
    end: int
    raw: str
    value: Fraction


@dataclass(frozen=True)
class InputNumber:
    """A value that is both in the text and in the program, with every occurrence of it."""

    value: Fraction
    text: tuple[TextNumber, ...]
    program: tuple[ProgramLiteral, ...]

    @property
    def decimals(self) -> int:
        return max(t.decimals for t in self.text)

    @property
    def percent(self) -> bool:
        return any(t.percent for t in self.text)

    @property
    def words_only(self) -> bool:
        return all(t.word for t in self.text)

    @property
    def label(self) -> str:
        """How the number reads in the text (its first occurrence)."""
        return self.text[0].raw

    def looks_like_year(self) -> bool:
        first = self.text[0]
        return (self.value.denominator == 1 and 1900 <= self.value <= 2100 and not first.commas
                and not first.money and not self.percent and not first.word)


@dataclass(frozen=True)
class Skipped:
    value: str
    reason: str  # program_constant | implicit_constant | zero


@dataclass(frozen=True)
class NumberMap:
    inputs: tuple[InputNumber, ...]
    skipped: tuple[Skipped, ...]


def text_numbers(text: str, *, words: bool = True) -> list[TextNumber]:
    """The numbers written in ``text`` (digits, and with ``words`` number words from two to ninety)."""
    text = text[:MAX_TEXT_CHARS]
    found: list[TextNumber] = []
    for m in _TEXT_NUMBER.finditer(text):
        if len(found) >= MAX_NUMBERS:
            break
        whole, frac = m.group(1), m.group(2) or ""
        value = Fraction(whole.replace(",", "") + frac)
        percent = bool(_PERCENT_AFTER.match(text, m.end()))
        money = text[max(0, m.start() - 1):m.start()] == "$"
        found.append(TextNumber(m.start(), m.end(), m.group(0), value, max(0, len(frac) - 1), "," in whole,
                                False, percent, money))
    if words:
        for m in _WORD_NUMBER.finditer(text):
            if len(found) >= 2 * MAX_NUMBERS:
                break
            value = Fraction(WORD_VALUES[m.group(1).lower()])
            percent = bool(_PERCENT_AFTER.match(text, m.end()))
            found.append(TextNumber(m.start(), m.end(), m.group(0), value, word=True, percent=percent))
    return sorted(found, key=lambda t: t.start)


def program_literals(code: str) -> list[ProgramLiteral] | None:
    """The plain decimal literals of ``code``; ``None`` when it does not tokenize."""
    if len(code) > MAX_PROGRAM_CHARS:
        return None
    line_starts = [0]
    for line in code.splitlines(keepends=True):
        line_starts.append(line_starts[-1] + len(line))
    found: list[ProgramLiteral] = []
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            if tok.type != tokenize.NUMBER or not _PLAIN_LITERAL.match(tok.string):
                continue
            start = line_starts[tok.start[0] - 1] + tok.start[1]
            end = line_starts[tok.end[0] - 1] + tok.end[1]
            found.append(ProgramLiteral(start, end, tok.string, Fraction(tok.string.replace("_", "").rstrip("."))))
            if len(found) >= MAX_NUMBERS:
                break
    except (tokenize.TokenError, SyntaxError, ValueError):  # IndentationError is a SyntaxError
        return None
    return found


def find_inputs(text: str, code: str, *, words: bool = True) -> NumberMap | None:
    """Match the text's numbers to the program's literals; ``None`` when the program does not tokenize."""
    literals = program_literals(code)
    if literals is None:
        return None
    by_value_text: dict[Fraction, list[TextNumber]] = {}
    for t in text_numbers(text, words=words):
        by_value_text.setdefault(t.value, []).append(t)
    program_count = Counter(lit.value for lit in literals)
    implicit = {Fraction(IMPLICIT_VALUES[m.group(0).lower()]) for m in _IMPLICIT.finditer(text[:MAX_TEXT_CHARS])}
    inputs: list[InputNumber] = []
    skipped: list[Skipped] = []
    for value, occurrences in by_value_text.items():  # in order of first appearance in the text
        n_prog = program_count.get(value, 0)
        if n_prog == 0:
            continue
        if value == 0:
            skipped.append(Skipped(occurrences[0].raw, "zero"))
            continue
        digit_occurrences = [t for t in occurrences if not t.word] or occurrences
        if n_prog > len(occurrences):
            skipped.append(Skipped(digit_occurrences[0].raw, "program_constant"))
            continue
        if value in implicit:
            skipped.append(Skipped(digit_occurrences[0].raw, "implicit_constant"))
            continue
        inputs.append(InputNumber(value, tuple(occurrences), tuple(lit for lit in literals if lit.value == value)))
    return NumberMap(tuple(inputs), tuple(skipped))


# ------------------------------------------------------------------ formatting and rewriting


def format_decimal(value: Fraction, decimals: int, *, commas: bool = False) -> str:
    """``value`` with exactly ``decimals`` digits after the point (rounded half up), optionally with commas."""
    scale = 10 ** decimals
    units = value * scale
    whole_units = int(units + Fraction(1, 2)) if units >= 0 else -int(-units + Fraction(1, 2))
    sign = "-" if whole_units < 0 else ""
    digits = str(abs(whole_units)).rjust(decimals + 1, "0")
    head, tail = (digits[:-decimals], digits[-decimals:]) if decimals else (digits, "")
    head = f"{int(head):,}" if commas else head
    return sign + head + ("." + tail if tail else "")


def _format_word(raw: str, value: Fraction) -> str | None:
    word = _VALUE_WORDS.get(int(value)) if value.denominator == 1 else None
    if word is None:
        return None
    if raw.isupper() and len(raw) > 1:
        return word.upper()
    return word.capitalize() if raw[:1].isupper() else word


def format_text_number(occ: TextNumber, value: Fraction) -> str:
    """``value`` written the way ``occ`` was (a word stays a word when one exists, else digits)."""
    if occ.word:
        word = _format_word(occ.raw, value)
        if word is not None:
            return word
    return format_decimal(value, occ.decimals, commas=occ.commas)


def format_literal(lit: ProgramLiteral, value: Fraction, decimals: int) -> str:
    """``value`` as a Python literal replacing ``lit``: a float literal stays a float literal."""
    lit_decimals = len(lit.raw.partition(".")[2])
    out = format_decimal(value, max(decimals, lit_decimals))
    if "." in lit.raw and "." not in out:
        out += ".0"
    return out


def _splice(source: str, replacements: list[tuple[int, int, str]]) -> str:
    out = source
    for start, end, new in sorted(replacements, reverse=True):
        out = out[:start] + new + out[end:]
    return out


def rewrite_text(text: str, inputs: tuple[InputNumber, ...], new: dict[Fraction, Fraction]) -> str:
    """``text`` with every occurrence of each perturbed input replaced by its new value."""
    repl = [(occ.start, occ.end, format_text_number(occ, new[inp.value]))
            for inp in inputs if inp.value in new for occ in inp.text]
    return _splice(text, repl)


def rewrite_program(code: str, inputs: tuple[InputNumber, ...], new: dict[Fraction, Fraction]) -> str:
    """``code`` with the literals of each perturbed input replaced by its new value."""
    repl = [(lit.start, lit.end, format_literal(lit, new[inp.value], inp.decimals))
            for inp in inputs if inp.value in new for lit in inp.program]
    return _splice(code, repl)
