"""Parsing and exact arithmetic of the claim builder (its SymPy half): a claim's LaTeX to a checked SymPy tree.

Everything here runs inside a killable verifier worker (:func:`mathagent.verifiers.isolation.run_isolated`
calls :func:`mathagent.verifiers.claims.decide.decide`), so a runaway SymPy call costs a timeout, never a hang.

Parsing is deliberately narrow.  LaTeX goes through ``latex2sympy2_extended`` only after a lexical gate
(:func:`parse_math`) has refused what that parser is known to misread (``2(3)`` read as 5, ``2^10``,
``5!!``, ``1/2x``, degrees as radians, juxtaposed numbers) and rewritten decimals to exact fractions; the
resulting tree must consist of known node types only (no undefined functions, sets or floats).
Equality of numbers is decided exactly (:func:`same`): rationals directly, algebraic numbers by their minimal
polynomial, other constants by ``simplify`` (equal) or a 50-digit evaluation far from zero (different).
"""

from __future__ import annotations

import re
from typing import Any

from mathagent.verifiers.claims.decision import Refuse

MAX_MATH_CHARS = 400
MAX_NODES = 400
MAX_POW_BITS = 200_000          # an exact power larger than this many bits is not computed
MAX_FACTORIAL = 3_000
MAX_ANSWERS = 12


_CMDS = {"frac", "sqrt", "cdot", "times", "div", "lfloor", "rfloor", "lceil", "rceil", "binom", "le", "leq",
         "ge", "geq", "lt", "gt", "ne", "neq", "pi", "sin", "cos", "tan", "log", "ln"}
_REJECT = [
    re.compile(r"[\d)}]\s*\(\s*[-+]?[\d.]+\s*\)"),   # 3(4), (2)(3), \frac{1}{2}(3): read as sums
    re.compile(r"[)}]\s*\d"),                       # (2)3, \frac{1}{2}3
    re.compile(r"\d\s+\.?\d"),                       # 2 3
    re.compile(r"\^\s*[-+]?\d\d"),                   # 2^10 is 2^1 0 in TeX
    re.compile(r"\^\s*[-+]"),                        # x^-1
    re.compile(r"\^\s*(?:\w|\{[^{}]*\})\s*\^"),      # 2^3^2
    re.compile(r"!!"),                               # double factorial
    re.compile(r"/\s*[\w.]+\s*[A-Za-z(\\]"),          # 1/2x, 1/2(3)
    re.compile(r"(?<![A-Za-z\\])e(?![A-Za-z])"),     # e: Euler's number to the parser, a variable to a reader
    re.compile(r"\d\s*\.(?!\d)"),                     # 3. (a trailing point)
    re.compile(r"_"),                                 # subscripts: bases, sequences, log bases handled below
    re.compile(r"[A-Za-z]\s*\^\s*\{?\s*-\s*1\s*\}?\s*\("),    # f^{-1}(x): an inverse function, not a power
]
_LOG = re.compile(r"\\log_(?:\{(\d+)\}|(\d))\s*(?:\{([^{}]*)\}|\(([^()]*)\)|(\d+))(?=\s*(?:$|[-+=<>)]))")


def _logs(s: str) -> str:
    """``\\log_2 8`` / ``\\log_{10}(40)`` -> ``\\log_{2}(8)``; :class:`Refuse` for any other logarithm.

    TeX reads ``\\log_28`` as base 2 of 8 (a subscript is one token), and how far an argument
    reaches (``\\log_2 8\\sqrt{2}``) is a convention: only a braced, parenthesized or plain-number
    argument that an operator or the end follows is read.
    """
    out = _LOG.sub(lambda m: "\\log_{" + (m.group(1) or m.group(2)) + "}(" +
                   next(g for g in m.groups()[2:] if g is not None) + ")", s)
    if re.search(r"\\log(?!_\{\d+\}\()|\\ln", out):
        raise Refuse("a logarithm whose base or argument is not plain")
    return out


def _normalize_math(s: str) -> str:
    s = s.strip()
    s = re.sub(r"\\[dt]frac", r"\\frac", s)
    s = re.sub(r"\\[dt]binom", r"\\binom", s)
    s = re.sub(r"\\left(?=[(\[|]|\\l)|\\right(?=[)\]|]|\\r)", "", s)
    s = re.sub(r"(\d)(?:\{,\}|,\\!)(?=\d{3}(?!\d))", r"\1", s)  # thousands: 80,\!607 and 49{,}994
    if re.fullmatch(r"\s*\d{1,3}(?:,\d{3})+\s*", s):
        s = s.replace(",", "")
    if "," in s:
        raise Refuse("a comma inside the math (a list, or an ambiguous number)")
    s = re.sub(r"\\[!,;: ]|~", " ", s)
    s = re.sub(r"\\frac\s*(\d)\s*(\d)", r"\\frac{\1}{\2}", s)
    s = re.sub(r"\\frac\s*(\{[^{}]*\})\s*(\d)", r"\\frac\1{\2}", s)
    s = re.sub(r"\\sqrt\s*(\d)", r"\\sqrt{\1}", s)
    s = re.sub(r"\\(?:leq|le)(?![a-z])", r"\\le ", s)
    s = re.sub(r"\\(?:geq|ge)(?![a-z])", r"\\ge ", s)
    s = re.sub(r"\\(?:neq|ne)(?![a-z])", r"\\ne ", s)
    # degrees: 150^\circ -> (150 pi / 180), exact
    s = re.sub(r"(?<![\^\d])(\d+)\s*\^\s*\{?\s*\\circ\s*\}?", r"(\\frac{\1\\pi}{180})", s)
    return re.sub(r"\s+", " ", s).strip()


def _decimals_to_fractions(s: str) -> str:
    def repl(m: re.Match[str]) -> str:
        whole, frac = m.group(1) or "0", m.group(2)
        return "(\\frac{" + str(int(whole + frac)) + "}{" + str(10 ** len(frac)) + "})"

    return re.sub(r"(?<![\d.])(\d*)\.(\d+)(?![\d.])", repl, s)


def gate(s: str) -> str:
    """The LaTeX ``s`` rewritten for the parser; :class:`Refuse` for anything the parser may misread."""
    if not s or len(s) > MAX_MATH_CHARS:
        raise Refuse("math segment empty or too long")
    s = _normalize_math(s)
    if "\\circ" in s:
        raise Refuse("a degree sign not after a number")
    s = _logs(s)
    s_wo_log = re.sub(r"\\log_\{\d+\}", r"\\log", s)
    for pat in _REJECT:
        if pat.search(s_wo_log):
            raise Refuse(f"ambiguous notation ({pat.pattern})")
    for cmd in re.findall(r"\\([A-Za-z]+)", s_wo_log):
        if cmd not in _CMDS:
            raise Refuse(f"\\{cmd} is outside what the claim builder reads")
    if re.search(r"[^A-Za-z0-9+\-*/^(){}\[\]|!=<>,. \\]", s_wo_log):
        raise Refuse("a character outside what the claim builder reads")
    return _decimals_to_fractions(s)


_ALLOWED_FUNCS = ("factorial", "binomial", "floor", "ceiling", "Abs", "sin", "cos", "tan", "log")


def _check_tree(e: Any) -> Any:
    """``e`` with ``UnevaluatedExpr`` removed, or :class:`Refuse` when a node is outside the fragment."""
    import sympy

    count = 0

    def walk(x: Any) -> Any:
        nonlocal count
        count += 1
        if count > MAX_NODES:
            raise Refuse("expression too large")
        if isinstance(x, sympy.UnevaluatedExpr):
            return walk(x.args[0])
        if isinstance(x, sympy.Float):
            raise Refuse("a floating-point number")
        if isinstance(x, (sympy.Integer, sympy.Rational)) or x in (sympy.pi, sympy.I):
            return x
        if isinstance(x, sympy.Symbol):
            if len(x.name) != 1 or not x.name.isalpha():
                raise Refuse(f"symbol {x.name!r}")
            return x
        if isinstance(x, sympy.And):
            return sympy.And(*[walk(a) for a in x.args])
        if isinstance(x, (sympy.Add, sympy.Mul, sympy.Pow, sympy.Eq, sympy.Ne, sympy.Lt, sympy.Le, sympy.Gt,
                          sympy.Ge)):
            return x.func(*[walk(a) for a in x.args], evaluate=False)
        if type(x).__name__ in _ALLOWED_FUNCS and isinstance(x, sympy.Function):
            return x.func(*[walk(a) for a in x.args], evaluate=False)
        raise Refuse(f"{type(x).__name__} is outside the fragment")

    return walk(e)


def parse_math(s: str) -> Any:
    """Parse one LaTeX segment into an unevaluated SymPy tree (expression, relation or ``And``).

    Raises :class:`Refuse` when the gate or the parser refuses it or the tree has unknown nodes.
    """
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig

    text = gate(s)
    config = ConversionConfig(lowercase_symbols=False, interpret_as_mixed_fractions=True)
    try:
        tree = latex2sympy(text, normalization_config=None, conversion_config=config)
    except Exception as exc:  # noqa: BLE001 - the ANTLR parser raises plain Exception on bad input
        raise Refuse(f"does not parse: {str(exc)[:80]}") from None
    return _check_tree(tree)


def _log2_bound(e: Any) -> float:
    """An upper bound of log2 of the size (numerator and denominator bits) of ``e``'s exact value."""
    import sympy

    if e.free_symbols:
        return 0.0
    if isinstance(e, sympy.Integer):
        return float(max(1, abs(int(e)).bit_length()))
    if isinstance(e, sympy.Rational):
        return float(abs(int(e.p)).bit_length() + int(e.q).bit_length())
    if isinstance(e, sympy.Add):
        return sum(_log2_bound(a) for a in e.args) + len(e.args)
    if isinstance(e, sympy.Mul):
        return sum(_log2_bound(a) for a in e.args)
    if isinstance(e, sympy.Pow):
        b, k = e.args
        if _log2_bound(k) > 40:
            raise Refuse("a power too large to evaluate")
        kv = evaluate(k)
        if not kv.is_number or not kv.is_real:
            raise Refuse("a power with a non-real exponent")
        return _log2_bound(b) * max(1.0, abs(float(kv)))
    if isinstance(e, sympy.factorial):
        n = e.args[0]
        if _log2_bound(n) > 20:
            raise Refuse("a factorial too large to evaluate")
        nv = evaluate(n)
        if not nv.is_Integer or abs(int(nv)) > MAX_FACTORIAL:
            raise Refuse("a factorial too large to evaluate")
        return max(1, int(nv)) * max(1, int(nv).bit_length())
    if isinstance(e, sympy.binomial):
        return sum(_log2_bound(a) for a in e.args) * 4096
    return sum(_log2_bound(a) for a in e.args) + 8


def _size_guard(e: Any) -> None:
    """Refuse before evaluating an exact value that could be astronomically large."""
    if _log2_bound(e) > MAX_POW_BITS:
        raise Refuse("a value too large to evaluate exactly")


def evaluate(e: Any) -> Any:
    """The exact value of an unevaluated tree (rebuilt bottom-up with evaluation on)."""
    import sympy

    _size_guard(e)

    def ev(x: Any) -> Any:
        if not x.args:
            return x
        args = [ev(a) for a in x.args]
        if isinstance(x, sympy.Pow) and args[0].is_negative and args[1].is_Rational and not args[1].is_Integer \
                and args[1].q % 2 == 1:
            raise Refuse("an odd root of a negative number: the real root or the principal one is a convention")
        if isinstance(x, sympy.log) and len(args) == 2:
            return sympy.log(args[0], args[1])
        return x.func(*args)

    out = ev(e)
    if isinstance(out, sympy.Expr) and out.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
        raise Refuse("undefined value (division by zero)")
    return out


def with_imaginary_unit(e: Any) -> Any:
    import sympy

    i = sympy.Symbol("i")
    return e.xreplace({i: sympy.I}) if isinstance(e, sympy.Basic) and i in e.free_symbols else e


def _split_top(s: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in s:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [p.strip() for p in parts]


def parse_answer(answer: str, *, many: bool, imaginary: bool = False) -> list[Any]:
    """The answer's values (one, or several when ``many`` and it is a comma list); :class:`Refuse` otherwise."""
    import sympy

    text = answer.strip()
    if len(text) > MAX_MATH_CHARS:
        raise Refuse("answer too long")
    if text.startswith("\\{") and text.endswith("\\}"):
        text = text[2:-2]
    parts = _split_top(text) if many else [text]
    if not many and len(_split_top(text)) > 1:
        raise Refuse("a list answer where one value is asked")
    if not parts or len(parts) > MAX_ANSWERS or any(not p for p in parts):
        raise Refuse("empty answer")
    out = []
    for p in parts:
        p = re.sub(r"^[A-Za-z]\s*=\s*", "", p)
        tree = parse_math(p)
        if not isinstance(tree, sympy.Expr):
            raise Refuse("the answer is not a value")
        if imaginary:
            tree = with_imaginary_unit(tree)
        out.append(evaluate(tree))
    return out


def same(a: Any, b: Any) -> bool | None:
    """Whether two exact SymPy numbers (or rational functions) are equal; None when undecided."""
    import sympy

    d = a - b
    if d.free_symbols:
        if not (a.is_rational_function() and b.is_rational_function()):
            s = sympy.simplify(d)
            return True if s == 0 else None
        return sympy.cancel(sympy.together(d)) == 0
    d = sympy.expand(d)
    if d.is_Rational:
        return d == 0
    if d.has(sympy.zoo, sympy.nan):
        return None
    x = sympy.Dummy("x")
    try:
        mp = sympy.minimal_polynomial(d, x)
        return sympy.Poly(mp, x).degree() == 1 and sympy.Poly(mp, x).TC() == 0
    except (NotImplementedError, sympy.polys.polyerrors.BasePolynomialError, ValueError, TypeError):
        pass
    if sympy.simplify(d) == 0:
        return True
    try:
        v = complex(sympy.N(d, 50))
    except (TypeError, ValueError):
        return None
    return False if abs(v) > 1e-25 else None


def describe(v: Any) -> str:
    return str(v)[:120]
