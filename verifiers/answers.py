"""Answer normalization, for display and deduplication only, and answer parsing for tools.

The answer is pulled out of model text by :mod:`mathagent.verifiers.extraction`; this module gives it a canonical
string form (:func:`normalize_answer`) for *display and deduplication only*: normalizing throws information
away (``y = ...`` loses its left side, case and spaces go), so no verdict is ever taken on normalized text.
Deciding whether two answers are the same is :mod:`mathagent.verifiers.equivalence`.

* Parsing goes through ``latex2sympy2_extended`` (the parser math-verify uses): an ANTLR grammar that
  never ``eval``s text.  All SymPy work runs in a killable worker process with a deadline
  (:func:`mathagent.verifiers.isolation.run_isolated`, never SIGALRM).
* Input sizes are bounded: text is cut to ``MAX_SCAN_CHARS`` characters and SymPy never sees more than
  ``MAX_SYMPY_CHARS`` characters, so every regex and loop is bounded.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from mathagent.verifiers.deadline import Finished
from mathagent.verifiers.extraction import MAX_SCAN_CHARS, brace_pairs, extract_boxed
from mathagent.verifiers.isolation import run_isolated
from mathagent.verifiers.reading import MAX_READ_CHARS, clean_answer, parser_latex, strip_unit_suffix

MAX_SYMPY_CHARS = MAX_READ_CHARS

# --------------------------------------------------------------------------
# Normalization
# --------------------------------------------------------------------------

_TEXT_CMDS = ("text", "textbf", "textit", "mathrm", "mathbf", "mbox", "textnormal", "operatorname")
_TEXT_RE = re.compile(r"\\(?:" + "|".join(_TEXT_CMDS) + r")\s*\{")

_UNIT_WORDS = {
    "dollar", "dollars", "cent", "cents", "usd", "euro", "euros",
    "cm", "mm", "m", "km", "meter", "meters", "metre", "metres", "centimeter", "centimeters",
    "inch", "inches", "in", "ft", "foot", "feet", "yard", "yards", "mile", "miles", "mph",
    "sq", "square", "cubic", "units", "unit",
    "g", "kg", "gram", "grams", "kilogram", "kilograms", "pound", "pounds", "lb", "lbs", "ounce", "ounces", "oz",
    "l", "ml", "liter", "liters", "litre", "litres", "gallon", "gallons",
    "s", "sec", "second", "seconds", "min", "minute", "minutes", "hour", "hours", "hr", "hrs",
    "day", "days", "week", "weeks", "month", "months", "year", "years",
    "degree", "degrees", "percent", "times", "people", "students", "apples", "items", "pieces",
}

_NUM = r"[-+]?(?:\d+(?:\.\d*)?|\.\d+)"
_NUM_FULL = re.compile(rf"^{_NUM}$")


def _unwrap_text(s: str) -> str:
    """Replace ``\\text{X}`` (and friends) by ``X`` in one linear pass."""
    if _TEXT_RE.search(s) is None:
        return s
    pairs = brace_pairs(s)
    drop: set[int] = set()
    cuts: list[tuple[int, int]] = []
    for m in _TEXT_RE.finditer(s):
        cuts.append((m.start(), m.end()))  # the command and its opening brace
        close = pairs.get(m.end() - 1)
        if close is not None:
            drop.add(close)
    out: list[str] = []
    pos = 0
    for start, end in cuts:
        if start < pos:
            continue
        out.append("".join(ch for k, ch in enumerate(s[pos:start], pos) if k not in drop))
        pos = end
    out.append("".join(ch for k, ch in enumerate(s[pos:], pos) if k not in drop))
    return "".join(out)


def _fix_fracs(s: str) -> str:
    """``\\frac12`` -> ``\\frac{1}{2}``, ``\\frac1{2}`` -> ``\\frac{1}{2}``, ``\\sqrt2`` -> ``\\sqrt{2}``."""
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*(\d)\s*\{", r"\\frac{\1}{", s)
    s = re.sub(r"\\frac\s*\{([^{}]*)\}\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\sqrt\s*(\d+|[a-zA-Z])", r"\\sqrt{\1}", s)
    return s


_UNIT_TOKEN = r"[A-Za-z]+\.?(?:\^\{?\d\}?)?"
_UNITS_RE = re.compile(
    rf"\s*(?:\\?\$)?\s*({_NUM}(?:,\d{{3}})*(?:\.\d+)?)\s*({_UNIT_TOKEN}(?:\s+{_UNIT_TOKEN})*)\s*"
)


def _strip_units(s: str) -> str:
    """Drop unit words after a leading number: ``18 dollars`` -> ``18``.

    Only when *every* trailing word is a known unit word, so ``2 pi`` or
    ``5 i`` are left alone.  Words must be separated by whitespace, which keeps
    the pattern free of nested ambiguity (no catastrophic backtracking).
    """
    if len(s) > 200:
        return s
    m = _UNITS_RE.fullmatch(s)
    if not m:
        return s
    words = re.findall(r"[A-Za-z]+", m.group(2))
    if words and all(w.lower() in _UNIT_WORDS for w in words):
        return m.group(1)
    return s


def _strip_trailing_zeros(s: str) -> str:
    if _NUM_FULL.match(s) and "." in s:
        s = s.rstrip("0").rstrip(".") if "." in s else s
        if s in ("", "-", "+"):
            s = "0"
    if s.startswith("+") and _NUM_FULL.match(s):
        s = s[1:]
    if re.match(r"\.\d", s):
        s = "0" + s
    elif re.match(r"-\.\d", s):
        s = "-0" + s[1:]
    if s == "-0":
        s = "0"
    return s


def _mixed_number(s: str) -> str:
    """``2 2/3`` -> ``8/3`` (a proper fraction after a whole number); else unchanged.

    Without this, removing spaces would turn ``2 2/3`` into ``22/3``.
    """
    m = re.fullmatch(r"(-?)(\d+)\s+(\d+)/(\d+)", s)
    if not m:
        return s
    whole, num, den = int(m.group(2)), int(m.group(3)), int(m.group(4))
    if den == 0 or num >= den or len(m.group(0)) > 40:
        return s
    value = Fraction(whole * den + num, den)
    if m.group(1):
        value = -value
    return f"{value.numerator}/{value.denominator}" if value.denominator != 1 else str(value.numerator)


def normalize_answer(s: str) -> str:
    """A canonical string form of an answer, for exact comparison.

    Strips math delimiters, ``\\boxed``, ``\\text{}``, unit words after a number,
    degrees, ``\\%``, thousands separators, a trailing period, ``\\left``/``\\right``,
    spacing commands and all whitespace; ``\\dfrac``/``\\tfrac`` -> ``\\frac``;
    ``x = 5`` -> ``5`` for a one-letter left side; ``18.0`` -> ``18``.
    Never raises; output is at most as long as the input (plus small fixes).
    """
    if s is None:
        return ""
    s = str(s)[:MAX_SCAN_CHARS]
    # Rules can expose each other's patterns (`.**` -> `.` -> `0.`), so iterate
    # to a fixed point; a few rounds always suffice in practice, and the bound
    # keeps the cost linear.
    for _ in range(6):
        out = _normalize_once(s)
        if out == s:
            break
        s = out
    return s


def _normalize_once(s: str) -> str:
    s = s.strip()
    for _ in range(4):
        inner = extract_boxed(s) if s.lstrip("$ ").startswith(("\\boxed", "\\fbox")) else None
        if inner is None:
            break
        s = inner
    s = s.replace("\\$", "").replace("$", "")
    s = re.sub(r"\\[()\[\]]", "", s)
    s = s.replace("\u2212", "-").replace("\u00b0", "^\\circ")
    s = strip_unit_suffix(s) or s  # `5 \cdot 10^6 \text{ watts}`: the unit goes before its words merge
    s = _unwrap_text(s)
    s = re.sub(r"\\(?:left|right|[bB]igg?[lr]?)(?![A-Za-z])\.?", "", s)
    # spacing commands (\! \, \; \: and backslash-space); a double-backslash row break stays whole
    s = re.sub(r"(\\\\)|\\[!,;: ]", lambda m: m.group(1) or "", s)
    s = s.replace("~", " ")
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    s = re.sub(r"\^\s*\{?\s*\\circ\s*\}?", "", s)
    s = re.sub(r"\\circ", "", s)
    s = s.replace("\\%", "").replace("%", "")
    s = s.replace("{,}", ",")
    s = s.strip()
    s = _strip_units(s)
    s = s.strip()
    s = s.rstrip(".").rstrip()
    s = re.sub(r"^\*+|\*+$", "", s).strip()  # markdown bold around the answer
    s = _mixed_number(s)
    # a lone number with thousands separators, told from a list (`81, 256`) before spaces go
    thousands = re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s) is not None
    # Drop whitespace, except one space that ends a command name (`\pi r`) or separates two words
    # (`no solution`, not `nosolution`).
    s = re.sub(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])", lambda m: m.group(1) + "\x00", s.replace("\x00", ""))
    s = re.sub(r"(?<=[A-Za-z]{2})\s+(?=[A-Za-z]{2})", "\x00", s)
    s = re.sub(r"(?<![\\A-Za-z])([A-Za-z]{2,})\s+(?=\d)", "\\1\x00", s)  # `October 30`, not `\cdot 10`
    s = re.sub(r"(?<!\s)\s+(and|or)\s+(?=\S)", "\x00\\1\x00", s)  # `x<2 or x>5` keeps its conjunction apart
    if re.fullmatch(r"[-+]?\d{1,3}(?:,\s+\d{3})+", s):
        s = re.sub(r",\s+", ",\x00", s)  # `81, 256` is a list: it never becomes the number 81256
    s = re.sub(r"\s+", "", s).replace("\x00", " ")
    # `x=5` / `a=\frac12` -> right side, when the left side is one letter and the right side is a value
    # (`y=-\frac{1}{2}x+\frac{1}{3}` is a line: it keeps its left side)
    m = re.match(r"^([A-Za-z])=(.+)$", s)
    if m and "=" not in m.group(2) and not re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", "", m.group(2))):
        s = m.group(2)
    if thousands:
        s = s.replace(",", "")
    s = _fix_fracs(s)
    s = _strip_trailing_zeros(s)
    return s


# --------------------------------------------------------------------------
# Parsing and equivalence (one judgement: mathagent.verifiers.equivalence)
# --------------------------------------------------------------------------


def _parse_latex(s: str) -> Any:
    from mathagent.verifiers.equivalence.symbolic import _parse

    return _parse(s)


def to_sympy(s: str, timeout_s: float = 2.0) -> Any | None:
    """Parse a plain or LaTeX answer (or a SymPy/Python printout) into a SymPy object, or ``None``.

    Uses the latex2sympy ANTLR parser (no ``eval``) in a killable worker; refuses inputs longer than
    ``MAX_SYMPY_CHARS`` and gives up after ``timeout_s`` seconds.
    """
    if s is None:
        return None
    text = clean_answer(str(s)[:MAX_SCAN_CHARS + 1])
    if not text or len(text) > MAX_SYMPY_CHARS:
        return None
    outcome = run_isolated(f"{__name__}:_parse_latex", (parser_latex(text),), timeout_s)
    if isinstance(outcome, Finished):
        return outcome.value
    return None


def numeric_value(s: str) -> Fraction | None:
    """The exact value of an answer that is a plain number (``18``, ``-2.5``, ``3/4``, ``\\frac{3}{4}``,
    ``1,000``, ``18 dollars``, ``1.5e-05``), read in process; ``None`` for anything else."""
    from mathagent.verifiers.reading import read_number

    number = read_number(s or "")
    return None if number is None else number.value
