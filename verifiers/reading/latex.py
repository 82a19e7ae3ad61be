"""Parser input: :func:`parser_latex` rewrites what ``latex2sympy2_extended`` would misread (SymPy/Python printouts
such as ``14 - I``, ``sqrt(2)``, ``x**2``, ``1.5e-05``; Unicode symbols; repeating decimals) into LaTeX."""

from __future__ import annotations

import re
from fractions import Fraction
from functools import lru_cache

from mathagent.verifiers.reading.forms import MAX_READ_CHARS
from mathagent.verifiers.reading.numbers import strip_unit_suffix
from mathagent.verifiers.reading.text import clean_answer, top_level_split

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
