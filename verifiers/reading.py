"""Reading one answer as written: presentation stripped, and the cheap forms decided without SymPy.

An answer reaches the equivalence judgement (:mod:`mathagent.verifiers.equivalence`) in many spellings:
``$\\boxed{57}$``, ``'57'``, ``Answer: m+n = 148+29 = 177``, ``1.5e-05`` (Python's float printout),
``5 \\cdot 10^6 \\text{ watts}``, ``0.\\overline{3}``, ``\\text{North}``, ``\\varnothing``.  This module
turns the text into one of a few *forms* in process, in microseconds, with no ``eval``:

* :class:`Number` -- an exact :class:`fractions.Fraction` read by a small bounded parser of numeric
  LaTeX/plain arithmetic (integers, thousands commas, decimals, scientific notation, ``\\frac``,
  ``\\cdot``/``\\times``, integer powers, mixed numbers ``2\\frac{2}{3}``, repeating decimals
  ``0.1\\overline{6}``), currency, percent, degrees and unit words stripped.  A number written with a
  decimal point is a *float*: it carries how many significant digits it showed (:attr:`Number.digits`),
  and :func:`numbers_equal` compares it with a relative tolerance derived from those digits; numbers
  written exactly (``10^{-13}``, ``\\frac{1}{2^{98}}``) are compared exactly.
* :class:`Text` -- a word answer (``\\text{North}``, ``no solution``), compared ignoring case.
* :class:`Choice` -- a multiple-choice letter (``(B)``, ``\\text{(b)}``).
* :class:`EmptySet` -- every spelling of the empty set (``\\varnothing``, ``\\{\\}``, ``∅``, ``set()``).
* ``None`` -- an expression: SymPy decides it, in a worker (see the equivalence module).

:func:`parser_latex` rewrites what the parser would misread (SymPy/Python printouts such as ``14 - I``,
``sqrt(2)``, ``x**2``, ``1.5e-05``; Unicode symbols; repeating decimals) into LaTeX for
``latex2sympy2_extended``.

Every function here is pure, never raises on any text and is bounded: inputs longer than
``MAX_READ_CHARS`` are not read (``None``), every loop has a fixed bound, and exact powers are computed
only when the result has at most ``MAX_POWER_DIGITS`` digits.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

MAX_READ_CHARS = 2_000
MAX_NUMBER_CHARS = 400
MAX_POWER_DIGITS = 2_000
MAX_TOKENS = 200
# A float matches a value within half a unit of its last shown digit, relatively, clamped to these bounds:
# never looser than 1e-6 (3.14 is not pi, 0.333 is not 1/3) and never tighter than 1e-9 (a program's
# float arithmetic: 0.30000000000000004 is 3/10, a numeric solver's 1.9999999999 is 2).
FLOAT_REL_TOL_MAX = Fraction(1, 10**6)
FLOAT_REL_TOL_MIN = Fraction(1, 10**9)


# --------------------------------------------------------------------------------------------- forms


@dataclass(frozen=True)
class Number:
    """A numeric answer: its exact value and, for a float, the fewest significant digits it showed.

    ``digits is None``: written exactly (integers, fractions, powers, repeating decimals).
    """

    value: Fraction
    digits: int | None = None

    @property
    def exact(self) -> bool:
        return self.digits is None


@dataclass(frozen=True)
class Text:
    """A word answer, case-folded with single spaces (``\\text{North}`` -> ``north``)."""

    words: str


@dataclass(frozen=True)
class Choice:
    """A multiple-choice letter, upper case (``(b)`` -> ``B``)."""

    letter: str


@dataclass(frozen=True)
class EmptySet:
    """The empty set, however it is written."""


Form = Number | Text | Choice | EmptySet


def float_tolerance(value: Fraction, digits: int | None) -> Fraction:
    """The relative tolerance of a float ``value`` shown with ``digits`` significant digits: half a unit of
    its last digit, relative to the value (``999999.9``: 5e-8; ``1.5707963``: 3.2e-8), clamped to
    [``FLOAT_REL_TOL_MIN``, ``FLOAT_REL_TOL_MAX``].  ``digits is None`` (exact): 0."""
    if digits is None:
        return Fraction(0)
    digits = min(max(digits, 1), 40)
    magnitude = abs(value)
    if magnitude == 0:
        return FLOAT_REL_TOL_MAX
    # the mantissa m in [1, 10): value = m * 10^e; the last shown digit is worth 10^(e - digits + 1)
    exponent = len(str(magnitude.numerator)) - len(str(magnitude.denominator))
    if magnitude < Fraction(10) ** exponent:
        exponent -= 1
    mantissa = magnitude / Fraction(10) ** exponent
    tol = Fraction(1, 2) / Fraction(10) ** (digits - 1) / mantissa
    return min(FLOAT_REL_TOL_MAX, max(FLOAT_REL_TOL_MIN, tol))


def numbers_equal(a: Number, b: Number) -> bool:
    """Exact equality when both are exact; else a relative difference within the float's tolerance (the
    less precise float's, so ``0.30000000000000004`` equals ``0.3``)."""
    if a.exact and b.exact:
        return a.value == b.value
    scale = max(abs(a.value), abs(b.value))
    if scale == 0:
        return True
    tol = max(float_tolerance(n.value, n.digits) for n in (a, b) if not n.exact)
    return abs(a.value - b.value) <= tol * scale


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


# ---------------------------------------------------------------------------------------- numbers

_UNIT_WORDS = frozenset("""
dollar dollars cent cents usd euro euros eur pound pounds yen rupee rupees rs
mm cm m km meter meters metre metres centimeter centimeters centimetre centimetres millimeter millimeters
kilometer kilometers kilometre kilometres inch inches in ft foot feet yard yards yd mile miles mi mph kph kmh
sq square cubic units unit u
mg g kg gram grams kilogram kilograms lb lbs ounce ounces oz ton tons tonne tonnes
l ml liter liters litre litres gallon gallons gal quart quarts pint pints cup cups
s sec secs second seconds ms min mins minute minutes h hr hrs hour hours day days week weeks month months
year years yr yrs decade decades century centuries
degree degrees deg radian radians rad percent percentage pct
w watt watts kw kilowatt kilowatts j joule joules kj n newton newtons v volt volts a amp amps ampere amperes
ohm ohms hz hertz cal calorie calories kcal pa pascal pascals atm bar
times people persons students children kids adults apples items pieces marbles books pages cookies candies
boxes balls cars trees eggs miles/hour m/s km/h ft/s mi/h
""".split())

_NUMBER_SPACING = re.compile(r"\\[!,;: ]|\\quad|\\qquad|~|\\(?:left|right)(?![A-Za-z])\.?|[\u00a0\u2009\u202f\u200b]")
_DEGREES = re.compile(r"\s*(?:\^\s*\{?\s*\\circ\s*\}?|\u00b0|\\degree(?![A-Za-z])|\\circ(?![A-Za-z]))\s*$")
_PERCENT = re.compile(r"\s*(?:\\%|%)\s*$")
_TEXT_SUFFIX = re.compile(r"\\(?:text|textrm|textnormal|textit|textbf|mathrm|mbox|operatorname)\s*\{")
_WORDS_SUFFIX = re.compile(r"(?<!\s)(?:\s+[A-Za-z]+(?:/[A-Za-z]+)?\.?(?:\^\{?\d\}?)?){1,4}\s*$")
_THOUSANDS = re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_MIXED_PLAIN = re.compile(r"([-+]?)(\d+)\s+(\d+)\s*/\s*(\d+)")
_UNIT_CONTENT = re.compile(r"\s*[A-Za-z][A-Za-z.,/\-]*(?:\s+[A-Za-z.,/\-]+)*(?:\^\{?\d\}?)?\s*")


def strip_unit_suffix(s: str) -> str:
    """``5 \\cdot 10^6 \\text{ watts}`` -> ``5 \\cdot 10^6``; ``18 dollars`` -> ``18``; ``5\\text{ cm}^2`` -> ``5``.

    A trailing ``\\text{...}`` of words after something else is a unit or an annotation; a one-letter
    ``\\text{i}``/``\\mathrm{e}`` with no space is a constant and stays.  Plain trailing words are dropped
    only when each is a known unit word (so ``2 pi`` or ``5 i`` stay).
    """
    if len(s) > MAX_READ_CHARS:
        return s.strip()
    for _ in range(3):
        s = s.rstrip()
        cut = None
        m = re.search(r"(?:\^\s*\{?\d\}?)?$", s)
        body = s[: m.start()] if m and m.start() > 0 else s
        if body.endswith("}"):
            # find the group that closes at the end and check it is a text command
            for t in _TEXT_SUFFIX.finditer(body):
                close = matching_brace(body, t.end() - 1)
                if close == len(body) - 1:
                    content = body[t.end():close]
                    one_letter = re.fullmatch(r"[A-Za-z]", content) is not None
                    if _UNIT_CONTENT.fullmatch(content) and not one_letter and body[: t.start()].strip():
                        cut = t.start()
                    break
        if cut is None:
            w = _WORDS_SUFFIX.search(s)
            head = s[: w.start()].strip() if w else ""
            # a unit follows a value (`18 dollars`, `5 \\cdot 10^6 watts`), never an operator (`a^3 + a^2`);
            # a one-letter unit (`5 m`) only a plain number
            if w and head and head[-1] in "0123456789})":
                words = re.findall(r"[A-Za-z]+(?:/[A-Za-z]+)?", w.group(0))
                one_letter = any(len(x) == 1 for x in words)
                if words and all(x.lower() in _UNIT_WORDS for x in words) and (
                        not one_letter or re.fullmatch(r"[-+]?[\d.,]+", head)):
                    cut = w.start()
        if cut is None:
            break
        s = re.sub(r"(?:\\[ ,;:!]|~|\s)+$", "", s[:cut])  # the spacing before the unit goes with it
    return s.strip()


_SHORT_FRACS = ((re.compile(r"\\([dtc]?frac)\s*(\d)\s*(\d)"), r"\\\1{\2}{\3}"),
                (re.compile(r"\\([dtc]?frac)\s*(\d)\s*\{"), r"\\\1{\2}{"),
                (re.compile(r"\\([dtc]?frac)\s*(\{[^{}]*\})\s*(\d)"), r"\\\1\2{\3}"))


def _number_text(s: str) -> str:
    content = text_content(s)
    if content is not None:
        s = content
    for pattern, repl in _SHORT_FRACS:  # TeX reads one digit: \frac12 is 1/2
        s = pattern.sub(repl, s)
    s = re.sub(r",\s*\\!\s*", ",", s)  # MATH writes thousands as 111,\\!111
    s = s.replace("\u2212", "-").replace("\\$", "").replace("$", "").replace("{,}", ",")
    s = s.replace("\u00d7", "\\times ").replace("\u00b7", "\\cdot ").replace("\u22c5", "\\cdot ")
    s = s.replace("\u00f7", "\\div ")
    s = _NUMBER_SPACING.sub("", s).strip()
    s = re.sub(r"^(?:USD|US\$|EUR|Rs\.?)\s*", "", s)
    for _ in range(3):
        before = s
        s = _DEGREES.sub("", s)
        s = _PERCENT.sub("", s)
        s = strip_unit_suffix(s)
        if s == before:
            break
    return s.strip()


_NUM_TOKEN = re.compile(
    r"(?P<int>\d+)(?:\.(?P<frac>\d*)(?:\\(?:overline|bar|dot)\s*(?:\{(?P<rep>\d+)\}|(?P<rep1>\d)))?)?"
    r"(?:(?P<e>[eE])(?P<esign>[-+]?)(?P<exp>\d+))?"
    r"|\.(?P<lfrac>\d+)(?:(?P<le>[eE])(?P<lesign>[-+]?)(?P<lexp>\d+))?"
)
_OP_TOKEN = re.compile(r"\*\*|[-+*/^(){}]|\\cdot(?![A-Za-z])|\\times(?![A-Za-z])|\\div(?![A-Za-z])|"
                       r"\\[dtc]?frac(?![A-Za-z])")


class _NotANumber(Exception):
    """The text is not plain numeric arithmetic (the caller returns ``None``)."""


def _significant(int_digits: str, frac_digits: str) -> int:
    digits = (int_digits + frac_digits).lstrip("0")
    return max(1, len(digits))


def _literal(m: re.Match[str]) -> tuple[Number, bool]:
    """A number token's value; the flag says it is a plain integer (usable as a mixed number's whole part)."""
    if m.group("lfrac") is not None:
        ip, fp, e, esign, exp, rep = "0", m.group("lfrac"), m.group("le"), m.group("lesign"), m.group("lexp"), None
        point = True
    else:
        ip, fp = m.group("int"), m.group("frac")
        e, esign, exp = m.group("e"), m.group("esign"), m.group("exp")
        rep = m.group("rep") or m.group("rep1")
        point = fp is not None
        fp = fp or ""
    if e:
        # Python prints 1e-05 / 1.5e+20 (a sign, two digits); SymPy prints 1.50000000000000e-5.  A bare
        # ``2e-1`` may be 2e - 1, so it is not read as scientific notation here.
        if rep or not ((point or len(exp) >= 2) and (esign or len(exp) >= 2)):
            raise _NotANumber
        if len(exp) > 4:
            raise _NotANumber
    if rep:
        a, r = len(fp), len(rep)
        if a + r > 60:
            raise _NotANumber
        value = Fraction(int(ip)) + Fraction(int(fp + rep) - (int(fp) if fp else 0), 10**a * (10**r - 1))
        return Number(value), False
    value = Fraction(int(ip + fp), 10 ** len(fp)) if fp else Fraction(int(ip))
    if e:
        value *= Fraction(10) ** (int(exp) * (-1 if esign == "-" else 1))
    if point or e:
        return Number(value, _significant(ip, fp)), False
    return Number(value), True


def _tokens(s: str) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    i, n = 0, len(s)
    while i < n:
        if s[i].isspace():
            if out and out[-1][0] != "space":
                out.append(("space", None))
            i += 1
            continue
        m = _NUM_TOKEN.match(s, i)
        if m and m.end() > i:
            out.append(("num", m))
            i = m.end()
        else:
            o = _OP_TOKEN.match(s, i)
            if not o:
                raise _NotANumber
            tok = o.group(0)
            tok = {"\\cdot": "*", "\\times": "*", "**": "^", "\\div": "/", "\\dfrac": "\\frac", "\\tfrac": "\\frac",
                   "\\cfrac": "\\frac"}.get(tok, tok)
            out.append(("op", tok))
            i = o.end()
        if len(out) > MAX_TOKENS:
            raise _NotANumber
    return out


def _combine(value: Fraction, *parts: Number) -> Number:
    digits = [p.digits for p in parts if p.digits is not None]
    return Number(value, min(digits) if digits else None)


class _Parser:
    """Exact arithmetic over numeric tokens; raises :class:`_NotANumber` on anything else."""

    def __init__(self, tokens: list[tuple[str, object]]):
        self.toks = [t for t in tokens if t[0] != "space"]
        self.spaced = tokens
        self.i = 0

    def peek(self) -> tuple[str, object] | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self, op: str | None = None) -> tuple[str, object]:
        tok = self.peek()
        if tok is None or (op is not None and tok != ("op", op)):
            raise _NotANumber
        self.i += 1
        return tok

    def parse(self) -> Number:
        value = self.expr()
        if self.peek() is not None:
            raise _NotANumber
        return value

    def expr(self) -> Number:
        left = self.term()
        while self.peek() in (("op", "+"), ("op", "-")):
            op = self.take()[1]
            right = self.term()
            left = _combine(left.value + right.value if op == "+" else left.value - right.value, left, right)
        return left

    def term(self) -> Number:
        left = self.unary()
        while self.peek() in (("op", "*"), ("op", "/")):
            op = self.take()[1]
            right = self.unary()
            if op == "*":
                left = _combine(left.value * right.value, left, right)
            else:
                if right.value == 0:
                    raise _NotANumber
                left = _combine(left.value / right.value, left, right)
        return left

    def unary(self) -> Number:
        tok = self.peek()
        if tok in (("op", "-"), ("op", "+")):
            self.take()
            inner = self.unary()
            return Number(-inner.value, inner.digits) if tok == ("op", "-") else inner
        return self.power()

    def power(self) -> Number:
        base = self.primary()
        if self.peek() == ("op", "^"):
            self.take()
            exponent = self.unary() if self.peek() in (("op", "-"), ("op", "+")) else self.power_operand()
            return _power(base, exponent)
        return base

    def power_operand(self) -> Number:
        # ``10^{-13}``, ``2^10`` (TeX: one token), ``2**-3``
        tok = self.peek()
        if tok == ("op", "{"):
            return self.group()
        if tok == ("op", "("):
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if tok is not None and tok[0] == "num":
            return self.primary()
        raise _NotANumber

    def group(self) -> Number:
        self.take("{")
        inner = self.expr()
        self.take("}")
        return inner

    def frac(self) -> Number:
        self.take("\\frac")
        num = self._frac_arg()
        den = self._frac_arg()
        if den.value == 0:
            raise _NotANumber
        return _combine(num.value / den.value, num, den)

    def _frac_arg(self) -> Number:
        tok = self.peek()
        if tok == ("op", "{"):
            return self.group()
        if tok is not None and tok[0] == "num" and re.fullmatch(r"\d", tok[1].group(0)):
            self.i += 1
            return Number(Fraction(int(tok[1].group(0))))
        raise _NotANumber

    def primary(self) -> Number:
        tok = self.peek()
        if tok is None:
            raise _NotANumber
        if tok == ("op", "("):
            self.take()
            inner = self.expr()
            self.take(")")
            return inner
        if tok == ("op", "{"):
            return self.group()
        if tok == ("op", "\\frac"):
            return self.frac()
        if tok[0] != "num":
            raise _NotANumber
        self.i += 1
        value, whole = _literal(tok[1])
        nxt = self.peek()
        if whole and nxt == ("op", "\\frac"):
            # a mixed number: 2\frac{2}{3} is 2 + 2/3
            part = self.frac()
            if part.value < 0 or part.value >= 1 or part.value.denominator == 1:
                raise _NotANumber
            return Number(value.value + part.value, part.digits)
        return value


def _power(base: Number, exponent: Number) -> Number:
    e = exponent.value
    if e.denominator != 1 or not exponent.exact:
        raise _NotANumber
    k = int(e)
    b = base.value
    if b == 0 and k < 0:
        raise _NotANumber
    size = max(abs(b.numerator), b.denominator)
    if size > 1 and abs(k) * math.log10(size) > MAX_POWER_DIGITS:
        raise _NotANumber
    return Number(b**k, base.digits)


@lru_cache(maxsize=4096)
def read_number(text: str) -> Number | None:
    """The value of a plain numeric answer (see the module docstring), or ``None`` for anything else."""
    s = clean_answer(text) if isinstance(text, str) else ""
    if not s or len(s) > MAX_NUMBER_CHARS:
        return None
    s = _number_text(s)
    if not s:
        return None
    if _THOUSANDS.fullmatch(s):
        s = s.replace(",", "")
    if "," in s:
        return None
    m = _MIXED_PLAIN.fullmatch(s)
    if m:
        whole, num, den = int(m.group(2)), int(m.group(3)), int(m.group(4))
        if den == 0 or num >= den or num == 0:
            return None
        value = whole + Fraction(num, den)
        return Number(-value if m.group(1) == "-" else value)
    try:
        return _Parser(_tokens(s)).parse()
    except (_NotANumber, ValueError, ZeroDivisionError, OverflowError, RecursionError):
        return None


# --------------------------------------------------------------------------------- words and sets

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


# --------------------------------------------------------------------------------- parser input

# SymPy's printed functions and constants, as a program prints them (`-sqrt(13)`, `pi/2`, `log(3)`), in LaTeX;
# a name preceded by a backslash or a letter is left alone (`\sqrt`, `asqrt`).  SymPy's log is the natural one.
_PY_CALLS = {"sqrt": ("\\sqrt{", "}"), "Abs": ("|", "|"), "exp": ("\\exp(", ")"), "log": ("\\ln(", ")"),
             "sin": ("\\sin(", ")"), "cos": ("\\cos(", ")"), "tan": ("\\tan(", ")"),
             "Rational": ("\\frac{", "}"), "Fraction": ("\\frac{", "}"), "Eq": ("", ""),
             "FiniteSet": ("\\{", "\\}"), "Interval": ("[", "]"), "Interval.open": ("(", ")"),
             "Interval.Lopen": ("(", "]"), "Interval.Ropen": ("[", ")"), "Union": ("", "")}
_PY_CALL = re.compile(r"(?<![\\A-Za-z.])(" + "|".join(re.escape(k) for k in sorted(_PY_CALLS, key=len, reverse=True))
                      + r")\(")
_PY_CONSTANTS = re.compile(r"(?<![\\A-Za-z])(pi|oo|E|I)(?![A-Za-z(])")
_PY_NAMES = re.compile(r"(?<![\\A-Za-z])(pi|oo)(?![A-Za-z(])")
_CODE_HINT = re.compile(r"\*|sqrt\(|(?<![A-Za-z\\])(?:pi|oo|I|E)(?![A-Za-z])")
_SCI = re.compile(r"(?<![\w.\\])(\d+(?:\.\d*)?|\.\d+)[eE]([-+]?)(\d+)(?![\w.])")
_REPEATING = re.compile(r"(\d+)\.(\d*)\\(?:overline|bar|dot)\s*(?:\{(\d+)\}|(\d))")
_UNICODE = {
    "\u03c0": "\\pi ", "\u221e": "\\infty ", "\u2264": "\\le ", "\u2265": "\\ge ", "\u2260": "\\ne ",
    "\u00d7": "\\times ", "\u00b7": "\\cdot ", "\u22c5": "\\cdot ", "\u00f7": "\\div ", "\u2212": "-",
    "\u2205": "\\emptyset ", "\u00b1": "\\pm ", "\u222a": "\\cup ", "\u2229": "\\cap ", "\u2208": "\\in ",
    "\u00bd": "{\\frac{1}{2}}", "\u00bc": "{\\frac{1}{4}}", "\u00be": "{\\frac{3}{4}}", "\u2153": "{\\frac{1}{3}}",
    "\u2154": "{\\frac{2}{3}}", "\u00b2": "^{2}", "\u00b3": "^{3}", "\u00b0": "^{\\circ}", "\u03b8": "\\theta ",
    "\u03b1": "\\alpha ", "\u03b2": "\\beta ", "\u03b3": "\\gamma ", "\u03c6": "\\phi ", "\u03bb": "\\lambda ",
    "\u2032": "'", "\u2009": " ", "\u00a0": " ", "\u202f": " ",
}
_UNICODE_RE = re.compile("|".join(map(re.escape, _UNICODE)))
_SQRT_SIGN = re.compile(r"\u221a\s*(\d+(?:\.\d+)?|[A-Za-z]|\{)")
_NOTATION = [
    (re.compile(r"\\phantom\s*(?:\{[^{}]*\}|\S)"), ""),  # invisible: `\\phantom -1` is 1
    (re.compile(r"\\([dtc]?frac)\s*(\\[A-Za-z]+|[A-Za-z0-9])\s*(\\[A-Za-z]+|[A-Za-z0-9])"), None),
    (re.compile(r"\\([dtc]?frac)\s*(\\[A-Za-z]+|[A-Za-z0-9])\s*\{"), None),
    (re.compile(r"\\varnothing(?![A-Za-z])|\\O(?![A-Za-z])|\\lbrace\s*\\rbrace"), "\\emptyset "),
    (re.compile(r"\\lbrace(?![A-Za-z])"), "\\{"), (re.compile(r"\\rbrace(?![A-Za-z])"), "\\}"),
    (re.compile(r"\\(?:dfrac|tfrac|cfrac)(?![A-Za-z])"), "\\frac"),
    (re.compile(r"\\(?:leqslant|leq)(?![A-Za-z])"), "\\le "), (re.compile(r"\\(?:geqslant|geq)(?![A-Za-z])"), "\\ge "),
]


def _frac_braces(m: re.Match[str]) -> str:
    """``\\frac\\pi 2`` -> ``\\frac{\\pi}{2}``, ``\\frac a{b}`` -> ``\\frac{a}{b}`` (TeX reads one token each)."""
    if m.lastindex == 3:
        return "\\%s{%s}{%s}" % (m.group(1), m.group(2), m.group(3))
    return "\\%s{%s}{" % (m.group(1), m.group(2))


def _sqrt_sign(s: str) -> str:
    """``√2`` -> ``\\sqrt{2}``, ``√{x}`` -> ``\\sqrt{x}``."""
    def repl(m: re.Match[str]) -> str:
        arg = m.group(1)
        return "\\sqrt{" if arg == "{" else "\\sqrt{" + arg + "}"
    return _SQRT_SIGN.sub(repl, s)


def _python_calls(s: str) -> str:
    """``-sqrt(13)`` -> ``-\\sqrt{13}``, ``Rational(1, 3)`` -> ``\\frac{1}{3}``, ``Interval.open(0, 1)`` -> ``(0, 1)``.
    A call whose parenthesis never closes is left as it is."""
    for _ in range(64):
        m = _PY_CALL.search(s)
        if m is None:
            break
        depth, end = 0, None
        for j in range(m.end() - 1, len(s)):
            depth += {"(": 1, ")": -1}.get(s[j], 0)
            if depth == 0:
                end = j
                break
        if end is None:
            break
        name = m.group(1)
        opening, closing = _PY_CALLS[name]
        args = s[m.end():end]
        if name in ("Rational", "Fraction"):
            parts = top_level_split(args, ",")
            if parts is None or len(parts) != 2:
                break
            args = parts[0].strip() + "}{" + parts[1].strip()
        elif name == "Eq":
            parts = top_level_split(args, ",")
            if parts is None or len(parts) != 2:
                break
            args = parts[0].strip() + " = " + parts[1].strip()
        elif name == "Union":
            parts = top_level_split(args, ",")
            if parts is None:
                break
            args = " \\cup ".join(p.strip() for p in parts)
        s = s[:m.start()] + opening + args + closing + s[end + 1:]
    return s


def _repeating(m: re.Match[str]) -> str:
    ip, fp, rep = m.group(1), m.group(2), m.group(3) or m.group(4)
    if len(fp) + len(rep) > 60:
        return m.group(0)
    value = Fraction(int(ip)) + Fraction(int(fp + rep) - (int(fp) if fp else 0), 10 ** len(fp) * (10 ** len(rep) - 1))
    return "{\\frac{%d}{%d}}" % (value.numerator, value.denominator)


def _scientific(m: re.Match[str]) -> str:
    mant, sign, exp = m.group(1), m.group(2), m.group(3)
    if not (("." in mant or len(exp) >= 2) and (sign or len(exp) >= 2)) or len(exp) > 4:
        return m.group(0)
    return "{%s\\cdot 10^{%s%d}}" % (mant, "-" if sign == "-" else "", int(exp))


@lru_cache(maxsize=2048)
def parser_latex(text: str) -> str:
    """The answer rewritten for ``latex2sympy2_extended``: what it would misread, in LaTeX.

    SymPy/Python printouts (``x**2``, ``sqrt(2)``, ``pi``, ``oo``, ``14 - I``, ``2*E``, ``1.5e-05``,
    ``Rational(1, 3)``, ``Interval.open(0, 1)``, ``FiniteSet(1, 2)``, ``Eq(x, 2)``), Unicode symbols
    (``π``, ``√2``, ``∞``, ``≤``, ``∅``, ``½``), ``\\varnothing``, repeating decimals (``0.\\overline{3}`` ->
    ``\\frac{1}{3}``) and a trailing unit (``\\text{ watts}``).  ``I``/``E`` become ``i``/``e`` only in
    text that looks like a printout (it has ``*``, a Python call or a lone constant next to arithmetic).
    """
    s = clean_answer(text)
    if len(s) > MAX_READ_CHARS:
        return s
    s = _sqrt_sign(s)
    s = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], s)
    for pattern, repl in _NOTATION:
        s = pattern.sub(lambda m, r=repl: r if r is not None else _frac_braces(m), s)
    s = _REPEATING.sub(_repeating, s)
    if "\\" not in s or "(" in s or "**" in s:
        looks_like_code = bool(_CODE_HINT.search(s)) and "\\" not in s
        s = _SCI.sub(_scientific, s)
        s = _python_calls(s)
        if looks_like_code or re.search(r"(?<![A-Za-z\\])[IE](?![A-Za-z])", s) and re.search(r"[-+*/^]", s):
            s = _PY_CONSTANTS.sub(lambda m: {"pi": "\\pi ", "oo": "\\infty ", "E": "e", "I": "i"}[m.group(1)], s)
        else:
            s = _PY_NAMES.sub(lambda m: {"pi": "\\pi ", "oo": "\\infty "}[m.group(1)], s)
        s = s.replace("**", "^")
    stripped = strip_unit_suffix(s)
    return stripped or s
