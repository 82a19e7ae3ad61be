"""The in-process answer readers: cleaning, numbers (exact and float), words, the empty set, parser input.

Example cases pin each rule; property tests check the number parsers against independent constructions
(long division for repeating decimals, Python's own float and scientific formatting); fuzz tests check
that no reader raises or runs long on any text.
"""

from __future__ import annotations

import time
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathagent.verifiers.reading import (
    Choice,
    EmptySet,
    Number,
    Text,
    clean_answer,
    equation_sides,
    float_tolerance,
    numbers_equal,
    parser_latex,
    read_form,
    read_number,
    strip_unit_suffix,
)

F = Fraction


@pytest.mark.parametrize("text, value, digits", [
    ("57", F(57), None), ("'57'", F(57), None), ("Answer: 177", F(177), None), ("$\\boxed{12}$.", F(12), None),
    ("1,234", F(1234), None), ("10,\\!000", F(10000), None), ("111,\\!111,\\!111", F(111111111), None),
    ("\\$18.00", F(18), 4), ("18 dollars", F(18), None), ("5\\text{ cm}^2", F(5), None),
    ("\\text{18 dollars}", F(18), None), ("28\\%", F(28), None), ("90^\\circ", F(90), None), ("45°", F(45), None),
    ("1.5e-05", F(3, 200000), 2), ("1e-13", F(1, 10**13), 1), ("2.5E+20", F(25 * 10**19), 2),
    ("1.50000000000000e-5", F(3, 200000), 15), ("10^{-13}", F(1, 10**13), None),
    ("2 \\cdot 10^{-13}", F(2, 10**13), None), ("3 \\times 10^{4}", F(30000), None), ("2**-3", F(1, 8), None),
    ("\\frac{1}{2^{98}}", F(1, 2**98), None), ("\\frac12", F(1, 2), None), ("\\dfrac{3}{4}", F(3, 4), None),
    ("-\\frac{3}{4}", F(-3, 4), None), ("\\frac{-3}{4}", F(-3, 4), None), ("2 2/3", F(8, 3), None),
    ("2\\frac{2}{3}", F(8, 3), None), ("-2\\frac{1}{3}", F(-7, 3), None), ("0.\\overline{3}", F(1, 3), None),
    ("0.1\\overline{6}", F(1, 6), None), ("1.\\overline{27}", F(14, 11), None), ("0.\\dot{3}", F(1, 3), None),
    ("5 \\cdot 10^6 \\text{ watts}", F(5 * 10**6), None), ("2^{100}", F(2**100), None), ("148+29", F(177), None),
    ("-0.0", F(0), 1), (".5", F(1, 2), 1), ("\u22127", F(-7), None), ("- 5", F(-5), None),
    ("\\approx 8.24 \\text{ mph}", F(206, 25), 3), ("1.85\\ \\text{USD}", F(37, 20), 3),
])
def test_read_number(text: str, value: Fraction, digits: int | None) -> None:
    assert read_number(text) == Number(value, digits)


@pytest.mark.parametrize("text", [
    "2e-1",  # 2e - 1 or 0.2: left to SymPy, never guessed
    "(1,2)", "x", "\\sqrt{2}", "12:00", "1/0", "\\frac{1}{0}", "0^{-1}", "x = 5", "1 2", "2(3)", "2^{1/2}",
    "2^{2^{100}}", "10^{10^{10}}", "10^{100000}", "1, 2", "81, 256", "a^3 + a^2", "", "   ", "1e-123456",
])
def test_not_a_plain_number(text: str) -> None:
    assert read_number(text) is None


@pytest.mark.parametrize("text, form", [
    ("North", Text("north")), ("\\text{North}", Text("north")), ("\\textbf{East}", Text("east")),
    ("\\text{October 30}", Text("october 30")), ("\\text{No Solution}", EmptySet()), ("no solution", EmptySet()),
    ("\\text{(B)}", Choice("B")), ("(b)", Choice("B")), ("\\text{C}", Choice("C")),
    ("\\varnothing", EmptySet()), ("\\emptyset", EmptySet()), ("\\{\\}", EmptySet()), ("\u2205", EmptySet()),
    ("set()", EmptySet()), ("57", Number(F(57))), ("x", None), ("pi", None), ("2pi", None), ("xy", None),
    ("\\sqrt{2}", None), ("sin x", None),
])
def test_read_form(text: str, form) -> None:
    assert read_form(text) == form


@pytest.mark.parametrize("text, cleaned", [
    ("$\\boxed{\\frac{1}{2}}$", "\\frac{1}{2}"), ("\\(x+1\\)", "x+1"), ("**73**", "73"), ("'57'", "57"),
    ('"57"', "57"), ("`57`", "57"), ("Answer: m+n = 177", "m+n = 177"), ("The final answer is: 5.", "5"),
    ("\\boxed{1} + \\boxed{2}", "\\boxed{1} + \\boxed{2}"), ("5.", "5"), ("\\text{(E)},", "\\text{(E)}"),
    ("1, 2, 3", "1, 2, 3"), ("x = 5;", "x = 5"),
])
def test_clean_answer(text: str, cleaned: str) -> None:
    assert clean_answer(text) == cleaned


@pytest.mark.parametrize("text, sides", [
    ("m+n = 148+29 = 177", ["m+n", "148+29", "177"]), ("x=5", ["x", "5"]), ("x <= 5", None), ("x \\le 5", None),
    ("a != b", None), ("a == b", None), ("f(x=1)", None), ("=5", None), ("\\{x = 1\\}", None), ("5", None),
])
def test_equation_sides(text: str, sides) -> None:
    assert equation_sides(text) == sides


@pytest.mark.parametrize("text, latex", [
    ("14 - I", "14 - i"), ("3 + 4*I", "3 + 4*i"), ("E**2", "e^2"), ("x**2 + 2*x", "x^2 + 2*x"),
    ("sqrt(2)/2", "\\sqrt{2}/2"), ("-oo", "-\\infty"), ("pi/2", "\\pi /2"),
    ("1.5e-05", "{1.5\\cdot 10^{-5}}"), ("Rational(1, 3)", "\\frac{1}{3}"), ("Interval.open(0, 1)", "(0, 1)"),
    ("FiniteSet(1, 2)", "\\{1, 2\\}"), ("Eq(x, 2)", "x = 2"), ("\u03c0/2", "\\pi /2"), ("\u221a2", "\\sqrt{2}"),
    ("\\varnothing", "\\emptyset"), ("0.\\overline{3}", "{\\frac{1}{3}}"), ("\\frac\\pi 2", "\\frac{\\pi}{2}"),
    ("5 \\cdot 10^6 \\text{ watts}", "5 \\cdot 10^6"), ("\\begin{pmatrix}\\phantom -1\\end{pmatrix}",
                                                        "\\begin{pmatrix}1\\end{pmatrix}"),
    ("I", "i"), ("\\sqrt{2}+\\pi", "\\sqrt{2}+\\pi"), ("2e-1", "2e-1"),
])
def test_parser_latex(text: str, latex: str) -> None:
    assert parser_latex(text) == latex


@pytest.mark.parametrize("text, kept", [
    ("18 dollars", "18"), ("5 \\cdot 10^6 \\text{ watts}", "5 \\cdot 10^6"), ("5\\text{ cm}^2", "5"),
    ("a^3 + a^2", "a^3 + a^2"), ("x + a", "x + a"), ("2 pi", "2 pi"), ("4\\mathrm{i}", "4\\mathrm{i}"),
    ("\\text{Sunday}", "\\text{Sunday}"), ("5 m", "5"), ("2x m", "2x m"), ("1.85\\ \\text{USD}", "1.85"),
])
def test_strip_unit_suffix(text: str, kept: str) -> None:
    assert strip_unit_suffix(text) == kept


def test_exact_numbers_compare_exactly_and_floats_by_their_digits() -> None:
    assert not numbers_equal(Number(F(1, 10**13)), Number(F(2, 10**13)))
    assert not numbers_equal(Number(F(1000001)), Number(F(1000000)))
    assert numbers_equal(Number(F(1, 3)), Number(F(3333333333333333, 10**16), 16))  # a float printout
    assert not numbers_equal(Number(F(1, 3)), Number(F(333, 1000), 3))  # 0.333 is not 1/3
    assert not numbers_equal(Number(F(1)), Number(F(10000001, 10**7), 8))  # 1.0000001: 8 digits shown
    assert numbers_equal(Number(F(0)), Number(F(0), 1))
    assert not numbers_equal(Number(F(1000000)), Number(F(9999999, 10), 7))  # 999999.9: half a unit is 5e-8
    assert float_tolerance(F(5), None) == 0 and float_tolerance(F(3), 1) == F(1, 10**6)
    assert float_tolerance(F(1), 40) == F(1, 10**9)
    assert float_tolerance(F(9999999, 10), 7) == F(1, 2 * 10**6) / F(9999999, 10**6)


def _repeating(value: Fraction) -> str:
    """``value`` (0 <= value < 10) as a repeating decimal by long division, e.g. 1/6 -> 0.1\\overline{6}."""
    whole, rem = divmod(value.numerator, value.denominator)
    digits: list[str] = []
    seen: dict[int, int] = {}
    while rem and rem not in seen:
        seen[rem] = len(digits)
        rem *= 10
        digits.append(str(rem // value.denominator))
        rem %= value.denominator
    if not rem:
        return f"{whole}." + "".join(digits) if digits else str(whole)
    start = seen[rem]
    return f"{whole}." + "".join(digits[:start]) + "\\overline{" + "".join(digits[start:]) + "}"


@settings(max_examples=200, deadline=None)
@given(num=st.integers(min_value=0, max_value=10_000), den=st.integers(min_value=1, max_value=60))
def test_repeating_decimals_read_back_exactly(num: int, den: int) -> None:
    value = Fraction(num % (10 * den), den)
    text = _repeating(value)
    got = read_number(text)
    assert got is not None and got.value == value, text


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False,
                  allow_subnormal=False))
def test_python_float_printouts_read_as_floats(x: float) -> None:
    got = read_number(repr(x))
    assert got is not None
    assert numbers_equal(got, Number(Fraction(x)))  # the shortest repr is within the float's precision


@settings(max_examples=200, deadline=None)
@given(x=st.floats(min_value=1e-300, max_value=1e300, allow_nan=False), k=st.integers(min_value=1, max_value=12))
def test_scientific_notation_reads_its_exact_decimal(x: float, k: int) -> None:
    text = f"{x:.{k}e}"
    got = read_number(text)
    assert got is not None and got.value == Fraction(Decimal(text)) and got.digits == k + 1


@settings(max_examples=200, deadline=None)
@given(a=st.fractions(max_denominator=10**6), b=st.fractions(max_denominator=10**6))
def test_exact_fractions_are_equal_only_when_equal(a: Fraction, b: Fraction) -> None:
    ra = read_number(f"\\frac{{{a.numerator}}}{{{a.denominator}}}")
    rb = read_number(f"{b.numerator}/{b.denominator}")
    assert ra is not None and rb is not None
    assert numbers_equal(ra, rb) == (a == b)


_BITS = ["0", "1", "2", "9", ".", ",", "e", "E", "-", "+", "*", "**", "/", "^", "{", "}", "(", ")", " ",
         "\\frac", "\\overline{", "\\dot", "\\cdot", "\\times", "\\text{", "\\!", "$", "\\$", "%", "\\%",
         "^\\circ", "sqrt(", "I", "pi", "oo", "Rational(", "Interval.open(", "\\varnothing", "\u03c0", "\u221a",
         "=", "<", "x", "and", " dollars", "'", "\\boxed{", "Answer: ", "\\phantom", "e-05", "10^{-13}"]
GRAMMAR = st.lists(st.sampled_from(_BITS), max_size=40).map("".join)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(st.text(max_size=200), GRAMMAR))
def test_readers_never_raise_and_stay_bounded(text: str) -> None:
    start = time.monotonic()
    clean_answer(text)
    equation_sides(text)
    strip_unit_suffix(text)
    number = read_number(text)
    assert number is None or isinstance(number.value, Fraction)
    read_form(text)
    assert isinstance(parser_latex(text), str)
    assert time.monotonic() - start < 2.0


@pytest.mark.parametrize("text", [
    "1" * 5000, "\\overline{" * 3000, "2^" * 3000 + "2", "(" * 3000 + "1" + ")" * 3000, "1e-" + "9" * 50,
    "1 dollars" * 2000, "\\text{" * 5000, "sqrt(" * 2000, "0." + "1" * 100 + "\\overline{" + "2" * 100 + "}",
    "\\frac{1}{" * 500 + "2" + "}" * 500, "9^{9^{9^{9}}}",
])
def test_adversarial_numbers_are_fast(text: str) -> None:
    start = time.monotonic()
    read_number(text)
    read_form(text)
    parser_latex(text)
    assert time.monotonic() - start < 3.0
