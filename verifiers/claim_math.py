"""The SymPy half of the claim builder: parse a :class:`Claim`'s math, compute what the problem asks, compare.

Everything here runs inside a killable verifier worker (:func:`mathagent.verifiers.isolation.run_isolated`
calls :func:`decide`), so a runaway SymPy call costs a timeout, never a hang.  Nothing here calls z3:
what needs a proof about *all* values of the unknowns (uniqueness of a solution, bounds of a solution
set) comes back as :class:`Obligation` s that the caller sends to the SMT backend; an :class:`Outcome`
holds only when every one of its obligations comes back as it requires.

Parsing is deliberately narrow.  LaTeX goes through ``latex2sympy2_extended`` only after a lexical gate
(:func:`parse_math`) has refused what that parser is known to misread (``2(3)`` read as 5, ``2^10``,
``5!!``, ``1/2x``, degrees as radians, juxtaposed numbers) and rewritten decimals to exact fractions; the
resulting tree must consist of known node types only (no undefined functions, sets or floats).
Equality of numbers is decided exactly: rationals directly, algebraic numbers by their minimal
polynomial, other constants by ``simplify`` (equal) or a 50-digit evaluation far from zero (different).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from mathagent.verifiers.claim_shapes import Claim

MAX_MATH_CHARS = 400
MAX_NODES = 400
MAX_POW_BITS = 200_000          # an exact power larger than this many bits is not computed
MAX_FACTORIAL = 3_000
MAX_FACTORIAL_MOD = 1_000_000
MAX_VARS = 4
MAX_DEGREE = 12
MAX_RANGE = 2_000               # integers enumerated for a count / sum of a solution set
MAX_SEARCH = 2_000              # integers tried from a proved bound for a greatest / least one
MAX_FACTOR = 10**30              # numbers factorized for divisor questions
MAX_ANSWERS = 12


class Refuse(Exception):
    """The claim cannot be built or decided soundly; the message says why."""


@dataclass(frozen=True)
class Obligation:
    """``hyps ⊢ goal`` over variables of type ``domain`` (ℝ or ℂ), for ``check_claim``; ``want``: "proved"/"refuted"."""

    hyps: tuple[str, ...]
    goal: str
    variables: tuple[str, ...]
    want: str
    domain: str = "ℝ"


@dataclass(frozen=True)
class Outcome:
    """``verdict`` ("pass"/"fail") with ``detail``, valid when all ``needs`` come back as wanted."""

    verdict: str
    detail: str
    needs: tuple[Obligation, ...] = ()


@dataclass(frozen=True)
class Decision:
    """What the worker decided: candidate outcomes (first valid one wins), or why nothing was decided."""

    outcomes: tuple[Outcome, ...] = ()
    undecided: str = ""
    statement: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------

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


def _imaginary(e: Any) -> Any:
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
            tree = _imaginary(tree)
        out.append(evaluate(tree))
    return out


# ---------------------------------------------------------------------------
# Exact comparison
# ---------------------------------------------------------------------------

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


def _describe(v: Any) -> str:
    return str(v)[:120]


def _decimal_close(answer: str, a: Any, v: Any) -> bool:
    """A decimal answer within the grader's tolerance of the exact value: not provably the wrong answer."""
    import sympy

    if "." not in answer:
        return False
    try:
        return abs(complex(sympy.N(a - v, 30))) <= 1e-6 * max(1.0, abs(complex(sympy.N(v, 30))))
    except (TypeError, ValueError):
        return False


def _compare(claim: Claim, expected: Any, answer: str, *, imaginary: bool = False, what: str = "") -> Decision:
    """Outcomes for a single expected value (with a rounding instruction when the claim has one)."""
    import sympy

    vals = parse_answer(answer, many=False, imaginary=imaginary)
    a = vals[0]
    if a.free_symbols - expected.free_symbols:
        raise Refuse("the answer has unknowns the problem does not")
    stmt = f"{what or 'the value'} = {_describe(expected)}"
    if claim.rounding is not None:
        if not expected.is_real or expected.free_symbols:
            raise Refuse("rounding a non-real value")
        scale = sympy.Integer(10) ** claim.rounding
        shifted = expected * scale + sympy.Rational(1, 2)
        if same(shifted, sympy.floor(shifted)) is not False:
            raise Refuse("the value is a rounding tie or undecided")
        rounded = sympy.floor(shifted) / scale
        stmt += f", to {claim.rounding} decimal places {rounded}"
        eq = same(a, rounded)
        if eq:
            return Decision((Outcome("pass", f"{answer} is {stmt}"),), statement=stmt)
        if eq is False:
            if same(a, expected):
                return Decision(undecided=f"{answer} is the exact value, not rounded as asked", statement=stmt)
            return Decision((Outcome("fail", f"{answer} is not {stmt}"),), statement=stmt)
        return Decision(undecided="comparison undecided", statement=stmt)
    eq = same(a, expected)
    if eq:
        return Decision((Outcome("pass", f"{answer} equals {stmt}"),), statement=stmt)
    if eq is False:
        if _decimal_close(answer, a, expected):
            return Decision(undecided=f"{answer} is a decimal approximation of {_describe(expected)}", statement=stmt)
        return Decision((Outcome("fail", f"{answer} differs from {stmt}"),), statement=stmt)
    return Decision(undecided="comparison undecided", statement=stmt)


# ---------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------

def _value(claim: Claim, answer: str) -> Decision:
    """``Compute $E$``: E's exact value (``i`` alone is the imaginary unit); ``Simplify $E$`` may have unknowns."""
    import sympy

    e = parse_math(claim.math[0])
    if not isinstance(e, sympy.Expr):
        raise Refuse("not an expression")
    syms = e.free_symbols
    imaginary = syms == {sympy.Symbol("i")}
    if imaginary:
        e = _imaginary(e)
    elif syms and not (claim.op == "simplify" and e.is_rational_function()):
        raise Refuse("an expression with unknowns")
    expected = evaluate(e)
    return _compare(claim, expected, answer, imaginary=imaginary, what=claim.math[0])


def _int_value(e: Any) -> int:
    import sympy

    v = evaluate(e)
    if not (isinstance(v, sympy.Integer)):
        raise Refuse("not an integer")
    return int(v)


def _mod_eval(e: Any, n: int, inverses: bool) -> int:
    """``e mod n`` for a closed integer expression, with modular powers; :class:`Refuse` otherwise."""
    import sympy

    if isinstance(e, sympy.Integer):
        return int(e) % n
    if isinstance(e, sympy.Add):
        return sum(_mod_eval(a, n, inverses) for a in e.args) % n
    if isinstance(e, sympy.Mul):
        out = 1
        for a in e.args:
            out = out * _mod_eval(a, n, inverses) % n
        return out
    if isinstance(e, sympy.Pow):
        k = _int_value(e.args[1])
        b = _mod_eval(e.args[0], n, inverses)
        if k < 0:
            if not inverses:
                raise Refuse("a negative power in an integer remainder")
            try:
                return pow(pow(b, -1, n), -k, n)
            except ValueError:
                raise Refuse("no inverse modulo n") from None
        return pow(b, k, n)
    if isinstance(e, sympy.factorial):
        k = _int_value(e.args[0])
        if k < 0:
            raise Refuse("factorial of a negative number")
        if k >= n:
            return 0
        if k > MAX_FACTORIAL_MOD:
            raise Refuse("factorial too large")
        out = 1
        for j in range(2, k + 1):
            out = out * j % n
        return out
    return _int_value(e) % n


def _nonnegative_build(e: Any) -> bool:
    """Built from nonnegative integers with +, *, nonnegative powers and factorials only."""
    import sympy

    if isinstance(e, sympy.Integer):
        return e >= 0
    if isinstance(e, (sympy.Add, sympy.Mul)):
        return all(_nonnegative_build(a) for a in e.args)
    if isinstance(e, sympy.Pow):
        return _nonnegative_build(e.args[0]) and _nonnegative_build(e.args[1])
    if isinstance(e, (sympy.factorial, sympy.binomial)):
        return True
    return False


def _residue(claim: Claim, answer: str) -> Decision:
    import sympy

    e = parse_math(claim.math[0])
    if not isinstance(e, sympy.Expr) or e.free_symbols:
        raise Refuse("not a closed expression")
    n = int(claim.modulus)
    if claim.template == "units_digit" and not _nonnegative_build(e):
        if _int_value(e) < 0:
            raise Refuse("the units digit of a negative number")
    r = _mod_eval(e, n, inverses=claim.template == "pmod")
    a = parse_answer(answer, many=False)[0]
    what = "units digit" if claim.template == "units_digit" else f"{claim.math[0]} mod {n}"
    stmt = f"{what} = {r}"
    if not isinstance(a, sympy.Integer):
        if a.is_number and a.is_real is not None:
            return Decision((Outcome("fail", f"{answer} is not an integer; {stmt}"),), statement=stmt)
        raise Refuse("answer not a number")
    if int(a) == r:
        return Decision((Outcome("pass", f"{answer}: {stmt})"),), statement=stmt)
    return Decision((Outcome("fail", f"{answer} differs: {stmt})"),), statement=stmt)


def _numtheory(claim: Claim, answer: str) -> Decision:
    import math

    import sympy

    nums = []
    for s in claim.math:
        e = parse_math(s)
        if not isinstance(e, sympy.Expr) or e.free_symbols:
            raise Refuse("not a closed expression")
        v = _int_value(e)
        if v <= 0:
            raise Refuse("not a positive integer")
        nums.append(v)
    op = claim.op
    if op in ("gcd", "lcm"):
        if len(nums) < 2:
            raise Refuse("fewer than two numbers")
        value = math.gcd(*nums) if op == "gcd" else math.lcm(*nums)
    else:
        (n,) = nums
        if n > MAX_FACTOR:
            raise Refuse("number too large to factor")
        primes = sorted(sympy.primefactors(n))
        if op == "ndiv":
            value = int(sympy.divisor_count(n))
        elif op == "sigma":
            value = int(sympy.divisor_sigma(n))
        elif op in ("max_prime", "min_prime", "sum_primes", "nprimes"):
            if n < 2 and op != "nprimes":
                raise Refuse("1 has no prime factors")
            value = {"max_prime": primes[-1] if primes else 0, "min_prime": primes[0] if primes else 0,
                     "sum_primes": sum(primes), "nprimes": len(primes)}[op]
        else:
            raise Refuse(f"unknown operation {op}")
    return _compare(claim, sympy.Integer(value), answer, what=f"{op}({', '.join(map(str, nums))})")


# ---------------------------------------------------------------------------
# Lean-style formulas for the SMT backend
# ---------------------------------------------------------------------------

def _lean(e: Any, guards: list[str]) -> str:
    """A formula ``check_claim`` reads, equal in meaning to ``e`` over the reals; collects definedness guards."""
    import sympy

    if isinstance(e, sympy.Integer):
        return f"({int(e)})" if e < 0 else str(int(e))
    if isinstance(e, sympy.Rational):
        return f"({int(e.p)} / {int(e.q)})"
    if isinstance(e, sympy.Symbol):
        return e.name
    if isinstance(e, sympy.Add):
        return "(" + " + ".join(_lean(a, guards) for a in e.args) + ")"
    if isinstance(e, sympy.Mul):
        return "(" + " * ".join(_lean(a, guards) for a in e.args) + ")"
    if isinstance(e, sympy.Pow):
        b, k = e.args
        base = _lean(b, guards)
        if isinstance(k, sympy.Integer):
            if k > 64 or k < -64:
                raise Refuse("exponent too large for the SMT backend")
            if k >= 0:
                return f"({base} ^ {int(k)})"
            if b.free_symbols:
                guards.append(f"{base} ≠ 0")
            return f"(1 / ({base} ^ {int(-k)}))"
        if k == sympy.Rational(1, 2) or k == sympy.Rational(-1, 2):
            if b.free_symbols:
                guards.append(f"{base} ≥ 0")
                if k < 0:
                    guards.append(f"{base} ≠ 0")
            root = f"(Real.sqrt {base})"
            return root if k > 0 else f"(1 / {root})"
        raise Refuse("a power the SMT backend does not model")
    if isinstance(e, sympy.Abs):
        return f"|{_lean(e.args[0], guards)}|"
    raise Refuse(f"{type(e).__name__} is not sent to the SMT backend")


_REL = {"Equality": "=", "Unequality": "≠", "StrictLessThan": "<", "LessThan": "≤", "StrictGreaterThan": ">",
        "GreaterThan": "≥"}


def _relations(tree: Any) -> list[Any]:
    import sympy

    if isinstance(tree, sympy.And):
        out = []
        for a in tree.args:
            out += _relations(a)
        return out
    if type(tree).__name__ in _REL:
        return [tree]
    raise Refuse("not an equation or inequality")


def _lean_rel(r: Any, guards: list[str]) -> str:
    return f"{_lean(r.lhs, guards)} {_REL[type(r).__name__]} {_lean(r.rhs, guards)}"


def _hyps(claim_hyps: tuple[str, ...]) -> list[Any]:
    rels = []
    for h in claim_hyps:
        rels += _relations(parse_math(h))
    if not rels or len(rels) > 8:
        raise Refuse("no conditions, or too many")
    return rels


def _domain_rel(var: Any, domain: str) -> list[Any]:
    import sympy

    return {"positive": [sympy.Ge(var, 1)], "negative": [sympy.Le(var, -1)],
            "nonnegative": [sympy.Ge(var, 0)], "": []}[domain]


_DEF = re.compile(r"([A-Za-z])\s*\(\s*([a-z])\s*\)\s*=(.+)")
MAX_APPLICATIONS = 16


def _apply_definitions(target: str, defs: dict[str, tuple[str, str]]) -> str:
    """``f(g(-2))`` with ``f(x) = 3x+2``, ``g(x) = (x-1)^2`` -> the closed LaTeX expression, innermost first.

    The parser cannot be trusted with applications (it reads ``f(f(1))`` as ``f·f(1)``), so they are
    expanded in the text: an application whose argument holds no other application is replaced by
    the definition's body with its variable replaced by the parenthesized argument.
    """
    for _ in range(MAX_APPLICATIONS):
        best = None
        for m in re.finditer(r"(?<![A-Za-z\\])([A-Za-z])\s*\(", target):
            if m.group(1) not in defs:
                continue
            depth, end = 0, None
            for j in range(m.end() - 1, len(target)):
                depth += {"(": 1, ")": -1}.get(target[j], 0)
                if depth == 0:
                    end = j
                    break
            if end is None:
                raise Refuse("unbalanced parentheses")
            arg = target[m.end():end]
            if not any(re.search(rf"(?<![A-Za-z\\]){f}\s*\(", arg) for f in defs):
                best = (m.start(), end, m.group(1), arg)
                break
        if best is None:
            break
        start, end, f, arg = best
        var, body = defs[f]
        # 3x with x = (1) must stay a product: the parser reads 3(1) as 3 + 1
        expanded = re.sub(rf"(?<![A-Za-z\\])(\s*){var}(?![A-Za-z])",
                          lambda _m: " \\cdot (" + arg + ")", body)
        expanded = re.sub(r"^\s*\\cdot|([-+=(\[{]|\\frac|\\sqrt)\s*\\cdot", r"\1", expanded.strip())
        target = target[:start] + "(" + expanded + ")" + target[end + 1:]
    if any(re.search(rf"(?<![A-Za-z\\]){f}(?![A-Za-z])", target) for f in defs):
        raise Refuse("a defined function used other than applied to a value")
    return target


def _definitions(claim: Claim, answer: str) -> Decision | None:
    """``If f(x) = <body in x> [and g(x) = ...], what is <expression of applications>?``; None if not that."""
    defs: dict[str, tuple[str, str]] = {}
    for h in claim.math[1:]:
        m = _DEF.fullmatch(h.strip())
        if m is None:
            return None
        f, var, body = m.groups()
        if f in defs or f == var or re.search(r"(?<![A-Za-z\\])[A-Za-z]\s*\(", body):
            raise Refuse("a definition that is not explicit")
        letters = set(re.findall(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])", body))
        if letters - {var}:
            raise Refuse("a definition with parameters")
        defs[f] = (var, body.strip())
    if not defs:
        return None
    import sympy

    closed = _apply_definitions(claim.math[0], defs)
    e = parse_math(closed)
    if not isinstance(e, sympy.Expr) or e.free_symbols:
        raise Refuse("the asked value is not closed once the definitions are applied")
    return _compare(claim, evaluate(e), answer, what=claim.math[0])


def _equations(claim: Claim, answer: str) -> Decision:
    import sympy

    if claim.math[0] and claim.template in ("if_what_t", "what_t_if"):
        defined = _definitions(claim, answer)
        if defined is not None:
            return defined
    target_text, hyp_texts = claim.math[0], claim.math[1:]
    rels = _hyps(hyp_texts)
    variables = set().union(*(r.free_symbols for r in rels))
    if not variables or len(variables) > MAX_VARS:
        raise Refuse("no unknowns, or too many")
    if not target_text:  # "find all solutions to <equation>": the one unknown
        if len(variables) != 1:
            raise Refuse("which unknown is asked for is not said")
        target_text = next(iter(variables)).name
    target = parse_math(target_text)
    if not isinstance(target, sympy.Expr) or not target.free_symbols or not target.free_symbols <= variables:
        raise Refuse("the asked quantity is not an expression in the unknowns")
    if any(r.has(sympy.pi, sympy.I) for r in rels):
        raise Refuse("constants the SMT backend does not model")
    guards: list[str] = []
    hyps = [_lean_rel(r, guards) for r in rels]
    t = _lean(target, guards)
    names = tuple(sorted(v.name for v in variables))
    if claim.rounding is not None:
        raise Refuse("rounding an implicitly defined value")
    many = claim.all_solutions
    if many and not isinstance(target, sympy.Symbol):
        raise Refuse("all solutions of a compound quantity")
    values = parse_answer(answer, many=many)
    ans_guards: list[str] = []
    leans = []
    for v in values:
        if v.free_symbols or v.has(sympy.I) or not v.is_real:
            raise Refuse("the answer is not a real number")
        leans.append(_lean(v, ans_guards))
    h = tuple(dict.fromkeys(guards)) + tuple(hyps)
    # Equations alone may be meant over ℂ ("Find the solutions to z^3 = -8"): then the claim must hold
    # there too, which implies it over ℝ.  Inequalities, roots and absolute values of unknowns are real.
    dom = "ℝ" if claim.real or not _purely_algebraic(rels) else "ℂ"
    stmt = f"{', '.join(hyps)} ⊢ {t} over {dom}"
    if not many:
        a = leans[0]
        fail_exact = _substitution_fails(rels, target, values[0])
        outs = []
        if fail_exact:
            outs.append(Outcome("fail", f"{answer} does not satisfy {fail_exact} (exact substitution)"))
        outs.append(Outcome("pass", f"{stmt} = {a}: every solution has {t} = {a}",
                            (Obligation(h, f"{t} = {a}", names, "proved", dom),)))
        outs.append(Outcome("fail", f"{stmt} ≠ {a}: no solution has {t} = {a}",
                            (Obligation(h, f"{t} ≠ {a}", names, "proved", dom),)))
        return Decision(tuple(outs), statement=stmt)
    for i in range(len(values)):
        for j in range(i):
            if same(values[i], values[j]) is not False:
                raise Refuse("repeated or undecided values in the answer")
    disj = " ∨ ".join(f"{t} = {a}" for a in leans)
    each = tuple(Obligation(h, f"{t} ≠ {a}", names, "refuted", dom) for a in leans)
    outs = [Outcome("pass", f"the solutions over {dom} of {', '.join(hyps)} are exactly {t} ∈ {{{', '.join(leans)}}}",
                    (Obligation(h, disj, names, "proved", dom),) + each)]
    for a in leans:
        outs.append(Outcome("fail", f"{t} = {a} is not a solution of {', '.join(hyps)}",
                            (Obligation(h, f"{t} ≠ {a}", names, "proved", dom),)))
    outs.append(Outcome("fail", f"a solution over {dom} of {', '.join(hyps)} is missing from {{{', '.join(leans)}}}",
                        (Obligation(h, disj, names, "refuted", dom),)))
    return Decision(tuple(outs), statement=stmt)


def _purely_algebraic(rels: list[Any]) -> bool:
    """Equations only, with no root or absolute value of an unknown (they could be meant over ℂ)."""
    import sympy

    if not all(isinstance(r, sympy.Eq) for r in rels):
        return False
    for r in rels:
        for node in sympy.preorder_traversal(r):
            if node.free_symbols and (isinstance(node, sympy.Abs) or (
                    isinstance(node, sympy.Pow) and not node.args[1].is_Integer)):
                return False
    return True


def _substitution_fails(rels: list[Any], target: Any, value: Any) -> str:
    """The relation a direct substitution of the answer makes false (one unknown asked for itself), or ""."""
    import sympy

    if not isinstance(target, sympy.Symbol):
        return ""
    if any(r.free_symbols - {target} for r in rels):
        return ""
    for r in rels:
        try:
            lhs = evaluate(r.lhs.xreplace({target: value}))
            rhs = evaluate(r.rhs.xreplace({target: value}))
        except Refuse:
            continue
        if not (lhs.is_real and rhs.is_real):
            continue
        eq = same(lhs, rhs)
        if isinstance(r, sympy.Eq) and eq is False:
            return str(r)
    return ""


def _poly_of(claim: Claim) -> tuple[Any, Any]:
    import sympy

    rels = _relations(parse_math(claim.math[0]))
    if len(rels) != 1 or not isinstance(rels[0], sympy.Eq):
        raise Refuse("not one equation")
    r = rels[0]
    syms = r.free_symbols
    if len(syms) != 1 or (claim.var and sympy.Symbol(claim.var) not in syms):
        raise Refuse("not an equation in the one unknown")
    (x,) = syms
    d = evaluate(r.lhs) - evaluate(r.rhs)
    num, den = sympy.fraction(sympy.together(d))
    if x in den.free_symbols:
        raise Refuse("the unknown in a denominator")
    try:
        p = sympy.Poly(sympy.expand(num), x, domain="QQ")
    except (sympy.polys.polyerrors.PolynomialError, sympy.polys.polyerrors.CoercionFailed,
            sympy.polys.polyerrors.GeneratorsNeeded):
        raise Refuse("not a polynomial equation with rational coefficients") from None
    if p.degree() < 1 or p.degree() > MAX_DEGREE:
        raise Refuse("degree out of range")
    return p, x


def _roots(claim: Claim, answer: str) -> Decision:
    import sympy

    p, x = _poly_of(claim)
    n = p.degree()
    real = sympy.Poly(p.sqf_part(), x).real_roots() if n > 0 else []
    simple_all_real = sympy.Poly(p.sqf_part(), x).degree() == n and len(real) == n
    c = p.all_coeffs()
    if claim.op in ("sum", "product"):
        if not simple_all_real:
            raise Refuse("repeated or non-real roots: 'the sum of the roots' is ambiguous")
        value = -c[1] / c[0] if claim.op == "sum" else (-1) ** n * c[-1] / c[0]
    elif claim.op in ("max", "min"):
        if not real:
            raise Refuse("no real solution")
        value = max(real, key=lambda r: sympy.N(r, 30)) if claim.op == "max" else min(
            real, key=lambda r: sympy.N(r, 30))
    elif claim.op == "diff":
        if n != 2 or not simple_all_real:
            raise Refuse("not a quadratic with two real roots")
        value = sympy.sqrt(c[1] ** 2 - 4 * c[0] * c[2]) / abs(c[0])
    else:
        raise Refuse(f"unknown operation {claim.op}")
    return _compare(claim, value, answer,
                    what=f"{claim.op} of the roots of {p.as_expr()} = 0")


# ---------------------------------------------------------------------------
# Integer solutions of a condition
# ---------------------------------------------------------------------------

def _holds(rels: list[Any], x: Any, n: int) -> bool:
    """Exact truth of every relation at ``x = n``; :class:`Refuse` where a side is undefined or not real."""
    import sympy

    for r in rels:
        try:
            lhs = evaluate(r.lhs.xreplace({x: sympy.Integer(n)}))
            rhs = evaluate(r.rhs.xreplace({x: sympy.Integer(n)}))
        except Refuse:
            raise Refuse(f"the condition is undefined at {n}") from None
        if not (lhs.is_real and rhs.is_real):
            raise Refuse(f"the condition is not real at {n}")
        d = lhs - rhs
        eq = same(lhs, rhs)
        if eq is None:
            raise Refuse(f"the condition is undecided at {n}")
        name = type(r).__name__
        if name == "Equality":
            ok = eq
        elif name == "Unequality":
            ok = not eq
        else:
            if eq:
                ok = name in ("LessThan", "GreaterThan")
            else:
                positive = bool(sympy.N(d, 50) > 0)
                ok = positive if name in ("StrictGreaterThan", "GreaterThan") else not positive
        if not ok:
            return False
    return True


def _solution_set(rels: list[Any], x: Any) -> Any:
    import sympy

    s = sympy.S.Reals
    for r in rels:
        try:
            s = sympy.Intersection(s, sympy.solveset(r, x, domain=sympy.S.Reals))
        except (NotImplementedError, ValueError, TypeError):
            raise Refuse("SymPy cannot solve the condition") from None
    return s


def _bound(v: Any, up: bool) -> int | None:
    """``ceil(v)`` (``up``) or ``floor(v)``; None for an infinite or non-real bound."""
    import sympy

    if v in (sympy.oo, -sympy.oo) or not v.is_real:
        return None
    return int(sympy.ceiling(v)) if up else int(sympy.floor(v))


def _integer_solutions(claim: Claim, answer: str) -> Decision:
    import sympy

    rels = _hyps(claim.math)
    syms = set().union(*(r.free_symbols for r in rels))
    if len(syms) != 1:
        raise Refuse("not a condition on one unknown")
    (x,) = syms
    if claim.var and x.name != claim.var:
        raise Refuse("the condition is not on the named unknown")
    if any(r.has(sympy.pi, sympy.I, sympy.sin, sympy.cos, sympy.tan, sympy.log, sympy.floor, sympy.ceiling)
           for r in rels):
        raise Refuse("functions the SMT backend does not model")
    rels = rels + _domain_rel(x, claim.domain)
    guards: list[str] = []
    hyps = [_lean_rel(r, guards) for r in rels]
    h = tuple(dict.fromkeys(guards)) + tuple(hyps)
    s = _solution_set(rels, x)
    lo = _bound(s.inf, up=False) if s is not sympy.S.EmptySet else None
    hi = _bound(s.sup, up=True) if s is not sympy.S.EmptySet else None
    name = x.name
    stmt = f"{', '.join(hyps)} over integer {name}"
    need_lo = Obligation(h, f"{name} ≥ {lo}", (name,), "proved") if lo is not None else None
    need_hi = Obligation(h, f"{name} ≤ {hi}", (name,), "proved") if hi is not None else None
    if claim.shape in ("count", "int_sum"):
        if lo is None or hi is None or hi - lo > MAX_RANGE:
            raise Refuse("no finite bounded range found")
        sols = [n for n in range(lo, hi + 1) if _holds(rels, x, n)]
        if claim.shape == "count":
            value, what = sympy.Integer(len(sols)), f"number of integers {name} with {stmt}"
        elif claim.op == "sum":
            value, what = sympy.Integer(sum(sols)), f"sum of the integers {name} with {stmt}"
        else:
            if not sols:
                raise Refuse("no solutions")
            prod = 1
            for v in sols:
                prod *= v
            value, what = sympy.Integer(prod), f"product of the integers {name} with {stmt}"
        needs = (need_lo, need_hi)
        detail = f"{name} ∈ [{lo}, {hi}] proved; {len(sols)} integers there satisfy it (exact enumeration)"
    else:
        if claim.op == "max":
            if hi is None:
                raise Refuse("no upper bound found")
            rng = range(hi, hi - MAX_SEARCH, -1)
            needs = (need_hi,)
        else:
            if lo is None:
                raise Refuse("no lower bound found")
            rng = range(lo, lo + MAX_SEARCH)
            needs = (need_lo,)
        found = next((n for n in rng if _holds(rels, x, n)), None)
        if found is None:
            raise Refuse("no integer solution near the bound")
        value = sympy.Integer(found)
        what = f"{'greatest' if claim.op == 'max' else 'least'} integer {name} with {stmt}"
        detail = (f"{name} {'≤' if claim.op == 'max' else '≥'} {hi if claim.op == 'max' else lo} proved; "
                  f"{found} is the first integer from there that satisfies it (exact)")
    d = _compare(claim, value, answer, what=what)
    return Decision(tuple(Outcome(o.verdict, f"{o.detail}; {detail}", o.needs + needs) for o in d.outcomes),
                    undecided=d.undecided, statement=d.statement)


_SHAPES = {"value": _value, "residue": _residue, "numtheory": _numtheory, "equations": _equations,
           "roots": _roots, "count": _integer_solutions, "int_extreme": _integer_solutions,
           "int_sum": _integer_solutions}


def decide(claim: Claim, answer: str) -> Decision:
    """The worker entry point: outcomes for ``answer`` to ``claim``; ``Decision(undecided=...)`` on refusal."""
    fn = _SHAPES.get(claim.shape)
    if fn is None:
        return Decision(undecided=f"unknown shape {claim.shape}")
    try:
        return fn(claim, answer)
    except Refuse as r:
        return Decision(undecided=str(r))
    except RecursionError:
        return Decision(undecided="expression nesting too deep")
    except (ArithmeticError, ValueError, TypeError, AttributeError, NotImplementedError) as exc:
        # SymPy's own errors on odd input: no claim, never a verdict
        return Decision(undecided=f"SymPy: {type(exc).__name__}: {str(exc)[:80]}")
