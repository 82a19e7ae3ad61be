"""Final-answer extraction, normalization and equivalence.

This module is the agent's and the grader's shared vocabulary for "the answer":
pull it out of model text (:func:`extract_final_answer`), canonicalize it
(:func:`normalize_answer`) and compare two answers (:func:`equivalent`).

Design decisions:

* Parsing goes through ``latex2sympy2_extended`` (the parser math-verify uses):
  an ANTLR grammar that never ``eval``s text, and that reads plain ``3/4`` and
  ``2x+1`` as well as LaTeX.  SymPy's ``parse_expr`` is not used because it
  evaluates Python.
* All SymPy work runs in a killable worker process with a deadline
  (:func:`mathagent.verifiers.isolation.run_isolated`, never SIGALRM): one
  big-integer power can hold the GIL for ever, so a thread could not be
  stopped.  A comparison that runs past its deadline returns ``None``
  ("undecidable") and its worker is killed.
* Input sizes are bounded: text scanned for answers is cut to its last
  ``MAX_SCAN_CHARS`` characters and SymPy never sees more than
  ``MAX_SYMPY_CHARS`` characters, so every regex and loop here is bounded.
* ``equivalent`` answers True/False only when it knows; ``None`` means a parse
  failure or a timeout, so callers can tell "wrong" from "could not check".
"""

from __future__ import annotations

import math
import random
import re
from fractions import Fraction
from typing import Any

from mathagent.verifiers.deadline import Finished
from mathagent.verifiers.isolation import run_isolated

MAX_SCAN_CHARS = 100_000
MAX_SYMPY_CHARS = 2_000
MAX_BOX_CANDIDATES = 200
MAX_ELEMENTS = 64
REL_TOL = 1e-6
ABS_TOL = 1e-12

# --------------------------------------------------------------------------
# Extraction
# --------------------------------------------------------------------------

_BOX_RE = re.compile(r"\\(?:boxed|fbox)(?![A-Za-z])")


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
        # ``\\boxed 5``: one TeX token, here up to whitespace or math delimiter.
        m = re.compile(r"[^\s$]+").match(text, i)
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


def _clean_tail(s: str) -> str | None:
    # A number never ends in '.', so trailing punctuation is the sentence's.
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
        return _clean_tail(matches[-1])
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
    # Drop whitespace, except one space that ends a command name (`\pi r`).
    s = re.sub(r"(\\[A-Za-z]+)\s+(?=[A-Za-z])", lambda m: m.group(1) + "\x00", s.replace("\x00", ""))
    s = re.sub(r"\s+", "", s).replace("\x00", " ")
    # `x=5` / `a=\frac12` -> right side, when the left side is one letter
    m = re.match(r"^([A-Za-z])=(.+)$", s)
    if m and "=" not in m.group(2):
        s = m.group(2)
    # thousands separators in a lone number
    if re.fullmatch(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        s = s.replace(",", "")
    s = _fix_fracs(s)
    s = _strip_trailing_zeros(s)
    return s


# --------------------------------------------------------------------------
# Parsing into SymPy
# --------------------------------------------------------------------------


# SymPy's printed functions and constants, as a program prints them (`-sqrt(13)`, `pi/2`, `log(3)`), in LaTeX;
# a name preceded by a backslash or a letter is left alone (`\sqrt`, `asqrt`). SymPy's log is the natural one.
_PY_CALLS = {"sqrt": ("\\sqrt{", "}"), "Abs": ("|", "|"), "exp": ("\\exp(", ")"), "log": ("\\ln(", ")"),
             "sin": ("\\sin(", ")"), "cos": ("\\cos(", ")"), "tan": ("\\tan(", ")")}
_PY_CALL = re.compile(r"(?<![\\A-Za-z])(" + "|".join(_PY_CALLS) + r")\(")
_PY_CONSTANTS = re.compile(r"(?<![\\A-Za-z])(pi|oo)(?![A-Za-z])")


def _python_to_latex(s: str) -> str:
    """``-sqrt(13)`` -> ``-\\sqrt{13}``, ``pi/2`` -> ``\\pi/2``: latex2sympy would read ``sqrt(13)`` as the product
    q*r*s*t(13) and ``pi`` as p*i.  A call whose parenthesis never closes is left as it is."""
    for _ in range(len(s)):  # each pass rewrites one call: at most one per character
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
        opening, closing = _PY_CALLS[m.group(1)]
        s = s[:m.start()] + opening + s[m.end():end] + closing + s[end + 1:]
    return _PY_CONSTANTS.sub(lambda m: {"pi": "\\pi", "oo": "\\infty"}[m.group(1)], s)


def _parse_latex(s: str) -> Any:
    from latex2sympy2_extended import latex2sympy  # deferred: ~1 s import, no work at import time

    # a program prints powers the Python way (`a**2*(a + 1)`); in math text `**` means nothing else
    return latex2sympy(_python_to_latex(s.replace("**", "^")), normalization_config=None)


def to_sympy(s: str, timeout_s: float = 2.0) -> Any | None:
    """Parse a plain or LaTeX answer into a SymPy object, or ``None``.

    Uses the latex2sympy ANTLR parser (no ``eval``).  Refuses inputs longer
    than ``MAX_SYMPY_CHARS`` and gives up after ``timeout_s`` seconds.
    """
    if s is None:
        return None
    text = normalize_answer(s)
    if not text or len(text) > MAX_SYMPY_CHARS or len(str(s)) > MAX_SCAN_CHARS:
        return None
    outcome = run_isolated(f"{__name__}:_parse_latex", (text,), timeout_s)
    if isinstance(outcome, Finished):
        return outcome.value
    return None


# --------------------------------------------------------------------------
# Equivalence
# --------------------------------------------------------------------------

_OPEN = "([{"
_CLOSE = ")]}"


def _split_top(s: str) -> list[str] | None:
    """Split ``s`` on commas at brace/paren depth 0; ``None`` if unbalanced."""
    parts: list[str] = []
    depth = 0
    cur: list[str] = []
    i = 0
    while i < len(s):
        ch = s[i]
        if ch == "\\" and i + 1 < len(s) and s[i + 1] in "{}":
            cur.append(s[i : i + 2])
            depth += 1 if s[i + 1] == "{" else -1
            i += 2
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth < 0:
                return None
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
        i += 1
        if len(parts) > MAX_ELEMENTS:
            return None
    if depth != 0:
        return None
    parts.append("".join(cur))
    return parts


def _outer_pair(s: str) -> bool:
    """Whether the bracket opening ``s`` closes exactly at its last character."""
    depth = 0
    for i, ch in enumerate(s):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0:
                return i == len(s) - 1
    return False


def _delimited(s: str) -> tuple[str, list[str], str] | None:
    """``(a,b]`` -> ``("(", ["a", "b"], "]")``; a bare ``a,b`` -> ``("", [...], "")``.

    ``None`` when ``s`` is not a comma-separated collection of at least two items.
    """
    opener, closer, body = "", "", s
    if s.startswith("\\{") and s.endswith("\\}"):
        opener, closer, body = "{", "}", s[2:-2]
    elif len(s) >= 2 and s[0] in "([" and s[-1] in ")]" and _outer_pair(s):
        opener, closer, body = s[0], s[-1], s[1:-1]
    parts = _split_top(body)
    if parts is None or len(parts) < 2 or any(not p for p in parts):
        return None
    return opener, parts, closer


def _simple_number(s: str) -> Fraction | float | None:
    """Exact value of a plain number, ``a/b`` or ``\\frac{a}{b}``; ``None`` otherwise."""
    if len(s) > 60:
        return None
    m = re.fullmatch(r"(-?)\\frac\{(-?\d+(?:\.\d+)?)\}\{(-?\d+(?:\.\d+)?)\}", s) or re.fullmatch(
        r"(-?)(-?\d+(?:\.\d+)?)/(-?\d+(?:\.\d+)?)", s
    )
    try:
        if m:
            den = Fraction(m.group(3))
            if den == 0:
                return None
            val = Fraction(m.group(2)) / den
            return -val if m.group(1) else val
        if _NUM_FULL.match(s):
            return Fraction(s)
    except (ValueError, ZeroDivisionError):
        return None
    return None


def _close(x: float, y: float) -> bool:
    return math.isclose(x, y, rel_tol=REL_TOL, abs_tol=ABS_TOL)


def _sympy_equal(a: Any, b: Any) -> bool | None:
    """Compare two parsed SymPy objects; runs inside a deadline worker."""
    import sympy

    for x in (a, b):
        # 12:00 parses as 12/0 = zoo; two undefined values are not "equal".
        if isinstance(x, sympy.Basic) and x.has(sympy.zoo, sympy.nan):
            return None
    if isinstance(a, sympy.MatrixBase) or isinstance(b, sympy.MatrixBase):
        if not (isinstance(a, sympy.MatrixBase) and isinstance(b, sympy.MatrixBase)):
            return False
        if a.shape != b.shape:
            return False
        return all(_sympy_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, sympy.Set) or isinstance(b, sympy.Set):
        if isinstance(a, sympy.Set) and isinstance(b, sympy.Set):
            return bool(a == b) or bool(sympy.simplify(a.symmetric_difference(b)) == sympy.S.EmptySet)
        return False
    if isinstance(a, sympy.Equality) and isinstance(b, sympy.Equality):
        da, db = a.lhs - a.rhs, b.lhs - b.rhs
        return _expr_equal(da, db) or _expr_equal(da, -db)
    if isinstance(a, sympy.Rel) or isinstance(b, sympy.Rel):
        return bool(a == b) or None
    if not isinstance(a, sympy.Expr) or not isinstance(b, sympy.Expr):
        return bool(a == b) or None
    return _expr_equal(a, b)


def _expr_equal(a: Any, b: Any) -> bool | None:
    import sympy

    if a == b:
        return True
    if a.is_number and b.is_number:
        try:
            va, vb = complex(sympy.N(a, 30)), complex(sympy.N(b, 30))
        except (TypeError, ValueError, OverflowError):
            return None
        return _close(va.real, vb.real) and _close(va.imag, vb.imag)
    diff = sympy.simplify(a - b)
    if diff == 0:
        return True
    # Random rational probes decide "different" (and catch what simplify missed).
    syms = sorted(a.free_symbols | b.free_symbols, key=str)
    rng = random.Random(1234)
    agree = 0
    for _ in range(5):
        subs = {s: sympy.Rational(rng.randint(1, 97), rng.randint(1, 13)) for s in syms}
        try:
            v = complex(sympy.N(diff.subs(subs), 20))
            scale = abs(complex(sympy.N(a.subs(subs), 20)))
        except (TypeError, ValueError, OverflowError, ZeroDivisionError):
            continue
        if not (math.isfinite(v.real) and math.isfinite(v.imag) and math.isfinite(scale)):
            continue
        if abs(v) > REL_TOL * max(1.0, scale):
            return False
        agree += 1
    return True if agree >= 3 else None


def equivalent(a: str, b: str, timeout_s: float = 2.0) -> bool | None:
    """Whether answers ``a`` and ``b`` denote the same mathematical object.

    True/False when decided; ``None`` when undecidable (a side does not parse,
    or the comparison ran past ``timeout_s``).  Order: string equality after
    :func:`normalize_answer`; exact/float comparison of plain numbers (relative
    tolerance 1e-6); tuples, intervals and sets elementwise; otherwise SymPy
    (``simplify(a - b) == 0``, then numeric probes) under a deadline.
    """
    if a is None or b is None:
        return None
    na, nb = normalize_answer(a), normalize_answer(b)
    if not na or not nb:
        return None
    if na == nb:
        return True
    if len(na) > MAX_SYMPY_CHARS or len(nb) > MAX_SYMPY_CHARS:
        return None
    xa, xb = _simple_number(na), _simple_number(nb)
    if xa is not None and xb is not None:
        return xa == xb or _close(float(xa), float(xb))

    da, db = _delimited(na), _delimited(nb)
    if da is not None or db is not None:
        if da is None or db is None:
            return _whole(na, nb, timeout_s)
        oa, pa, ca = da
        ob, pb, cb = db
        if len(pa) != len(pb):
            return False
        if (oa, ca) != (ob, cb) and not ({oa, ob} <= {"", "("} and {ca, cb} <= {"", ")"}):
            return False
        if oa in ("{", ""):  # sets and bare lists ("2, 3": all solutions) ignore order
            return _unordered(pa, pb, timeout_s)
        return _elementwise(pa, pb, timeout_s)
    return _whole(na, nb, timeout_s)


def _elementwise(pa: list[str], pb: list[str], timeout_s: float) -> bool | None:
    undecided = False
    for x, y in zip(pa, pb, strict=True):
        r = equivalent(x, y, timeout_s)
        if r is False:
            return False
        if r is None:
            undecided = True
    return None if undecided else True


def _unordered(pa: list[str], pb: list[str], timeout_s: float) -> bool | None:
    remaining = list(pb)
    undecided = False
    for x in pa:
        hit = None
        for j, y in enumerate(remaining):
            r = equivalent(x, y, timeout_s)
            if r is True:
                hit = j
                break
            if r is None:
                undecided = True
        if hit is None:
            return None if undecided else False
        remaining.pop(hit)
    return True


def _compare_strings(na: str, nb: str) -> bool | None:
    """Parse and compare two normalized answers (runs in an isolated worker)."""
    return _sympy_equal(_parse_latex(na), _parse_latex(nb))


def _whole(na: str, nb: str, timeout_s: float) -> bool | None:
    outcome = run_isolated(f"{__name__}:_compare_strings", (na, nb), timeout_s)
    if isinstance(outcome, Finished):
        return outcome.value
    return None


def numeric_value(s: str) -> Fraction | float | None:
    """The exact value of an answer that is a plain number (``18``, ``-2.5``, ``3/4``, ``\\frac{3}{4}``, ``1,000``,
    ``18 dollars``), read in process after :func:`normalize_answer`; ``None`` for anything else."""
    return _simple_number(normalize_answer(s))
