"""The number reader (:func:`read_number`): a small bounded parser of numeric LaTeX and plain arithmetic into an
exact :class:`~mathagent.verifiers.reading.forms.Number`, with units, currency, percent and degrees stripped
(:func:`strip_unit_suffix`); no ``eval``."""

from __future__ import annotations

import math
import re
from fractions import Fraction
from functools import lru_cache

from mathagent.verifiers.reading.forms import MAX_NUMBER_CHARS, MAX_POWER_DIGITS, MAX_READ_CHARS, MAX_TOKENS, Number
from mathagent.verifiers.reading.text import clean_answer, matching_brace, text_content

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
