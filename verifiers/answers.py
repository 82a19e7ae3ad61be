"""Final-answer extraction and normalization.

This module pulls the answer out of model text (:func:`extract_final_answer`, :func:`extract_boxed`,
:func:`last_number`) and gives it a canonical string form (:func:`normalize_answer`) for *display and
deduplication only*: normalizing throws information away (``y = ...`` loses its left side, case and
spaces go), so no verdict is ever taken on normalized text.  Deciding whether two answers are the same
is :mod:`mathagent.verifiers.equivalence` (re-exported here as :func:`equivalent`).

* Parsing goes through ``latex2sympy2_extended`` (the parser math-verify uses): an ANTLR grammar that
  never ``eval``s text.  All SymPy work runs in a killable worker process with a deadline
  (:func:`mathagent.verifiers.isolation.run_isolated`, never SIGALRM).
* Input sizes are bounded: text scanned for answers is cut to its last ``MAX_SCAN_CHARS`` characters
  and SymPy never sees more than ``MAX_SYMPY_CHARS`` characters, so every regex and loop is bounded.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

from mathagent.verifiers.deadline import Finished
from mathagent.verifiers.isolation import run_isolated
from mathagent.verifiers.reading import MAX_READ_CHARS, clean_answer, parser_latex, strip_unit_suffix

MAX_SCAN_CHARS = 100_000
MAX_SYMPY_CHARS = MAX_READ_CHARS
MAX_BOX_CANDIDATES = 200

# --------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------

_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")
_BARE_BOX_TOKEN = re.compile(r"[-+]?(?:\d[\d,./]*|\.\d+)(?=[\s$.,;]|$)|[A-Za-z](?=[$.,;\n]|$)|"
                             r"\\[A-Za-z]+(?=[\s$.,;]|$)")


def _brace_pairs(text: str) -> dict[int, int]:
    """Index of each ``{`` -> index of its matching ``}``, in one linear pass.

    Escaped braces (``\\{``) are skipped; unmatched braces get no entry.  One
    pass instead of a scan per ``\\boxed`` keeps adversarial input
    (thousands of unclosed boxes) linear.
    """
    pairs: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "{":
            stack.append(i)
        elif ch == "}" and stack:
            pairs[stack.pop()] = i
        i += 1
    return pairs


def _box_at(text: str, match: re.Match[str], pairs: dict[int, int]) -> tuple[str, int] | None:
    i = match.end()
    n = len(text)
    while i < n and text[i] in " \t":
        i += 1
    if i < n and text[i] == "{":
        close = pairs.get(i)
        if close is None:
            return None
        return text[i + 1 : close], close + 1
    if match.end() < n and text[match.end()] in " \t":
        # ``\\boxed 5``: one TeX token, here up to whitespace or math delimiter.  A word after a bare
        # ``\\boxed`` is prose that mentions the command ("I will mark it with \\boxed and ..."), not an
        # answer: only a number, a single letter or a command counts.
        m = _BARE_BOX_TOKEN.match(text, i)
        if m:
            return m.group(0).rstrip(".,;"), m.end()
    return None


def extract_boxed(text: str) -> str | None:
    """Content of the last ``\\boxed{...}`` / ``\\fbox{...}`` (balanced braces), or ``None``.

    Boxes nested inside an earlier box are part of that box, not separate
    answers.  ``\\boxed 5`` (no braces) yields ``"5"``.
    """
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    if _BOX_RE.search(text) is None:
        return None
    pairs = _brace_pairs(text)
    found: str | None = None
    pos = 0
    for _ in range(MAX_BOX_CANDIDATES):
        match = _BOX_RE.search(text, pos)
        if match is None:
            break
        got = _box_at(text, match, pairs)
        if got is None:
            pos = match.end()
            continue
        content, end = got
        found = content.strip()
        pos = end
    return found


_HASH_RE = re.compile(r"####\s*([^\n]+)")
_ANSWER_IS_RE = re.compile(
    r"(?:final\s+answer|answer)\s*(?:is|:|=)\s*:?\s*([^\n]+)", re.IGNORECASE
)


_SENTENCE_END = re.compile(r"[.;!?](?=\s+\S)")


def _clean_tail(s: str) -> str | None:
    # The answer ends with its sentence ("The final answer is 12. I hope it is correct."); a number never
    # ends in '.', so trailing punctuation is the sentence's.
    end = _SENTENCE_END.search(s)
    if end:
        s = s[: end.start()]
    s = s.strip().rstrip(".;,").strip().strip("*").strip()
    if len(s) >= 2 and s[0] == "$" and s[-1] == "$":
        s = s.strip("$").strip()
    return s or None


def extract_final_answer(text: str) -> str | None:
    """The final answer stated in ``text``: ``\\boxed{}`` first, then ``#### N``,
    then "the answer is X" / "Answer: X" (last occurrence); ``None`` if none."""
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    boxed = extract_boxed(text)
    if boxed is not None and boxed != "":
        return boxed
    hashes = _HASH_RE.findall(text)
    if hashes:
        got = _clean_tail(hashes[-1])
        if got:
            return got
    matches = _ANSWER_IS_RE.findall(text)
    if matches:
        got = matches[-1]
        for _ in range(3):  # "Final Answer: The final answer is 12." states it twice
            inner = _ANSWER_IS_RE.findall(got)
            if not inner:
                break
            got = inner[-1]
        return _clean_tail(got)
    return None


_NUMBER_RE = re.compile(
    r"(?<![\w.])[-\u2212]?(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:/\d+)?|\.\d+)"
    r"|(?<=\d)[-\u2212](?=\d)"  # a minus between digits is subtraction: consumed, never a sign
)


def last_number(text: str) -> str | None:
    """The last number in ``text`` as a plain string: ``"1,234.5"`` -> ``"1234.5"``,
    ``"-3"``, ``"3/4"``; ``None`` if there is none.  ``5-3`` yields ``"3"``."""
    if not text:
        return None
    text = text[-MAX_SCAN_CHARS:]
    last: str | None = None
    for m in _NUMBER_RE.finditer(text):
        tok = m.group(0)
        if tok in ("-", "\u2212"):
            continue
        last = tok
    if last is None:
        return None
    last = last.replace(",", "").replace("\u2212", "-")
    if last.endswith("."):
        last = last[:-1]
    return last


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
    pairs = _brace_pairs(s)
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


def equivalent(a: str, b: str, timeout_s: float = 2.0) -> bool | None:
    """Whether answers ``a`` and ``b`` denote the same object (True/False), or ``None`` when undecided.

    The project's one equivalence judgement, :func:`mathagent.verifiers.equivalence.equivalent`; kept here
    so existing imports keep working.
    """
    from mathagent.verifiers.equivalence import equivalent as _equivalent

    return _equivalent(a, b, timeout_s=timeout_s)
