"""Fuzzing the Lean statement reader and the SMT check built on it.

``parse_theorem`` either returns a ``Theorem``, raises ``Refusal`` (its
documented way to say "outside the subset") or ``MalformedStatement`` (not a
Lean declaration at all); ``check_statement`` returns one of the five verdicts
within its time budget, or raises ``MalformedStatement``.  Inputs:
random text, token soup built from the lexer's own vocabulary, token soup
behind a real theorem header, and real statements from the fixtures mutated
by deleting, duplicating, inserting and truncating.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mathagent.verifiers.formal import VERDICT_KINDS, check_statement
from mathagent.verifiers.formal.errors import MalformedStatement, Refusal
from mathagent.verifiers.formal.lexer import _SYMBOLS
from mathagent.verifiers.formal.parser import parse_theorem
from mathagent.verifiers.formal.syntax import Theorem

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "formal"
CHECK_TIMEOUT_S = 0.5
# the check's outer wall-clock bound plus generous slack for a loaded 2-core machine; a hang would blow past it
CHECK_BOUND_S = CHECK_TIMEOUT_S * 10 + 5.0 + 6.0
PARSE_BOUND_S = 2.0
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WORDS = ["theorem", "lemma", "example", "t", "x", "y", "n", "f", "h₀", "h₁", "ℝ", "ℕ", "ℤ", "ℚ", "ℂ", "ℝ≥0",
         "ℕ+", "Real.sqrt", "Real.log", "Real.pi", "Finset.range", "Finset.Icc", "Nat.Prime", "Int.floor", "fun",
         "by", "sorry", "MOD", "ZMOD", "Set", "abs", "True", "False", "0", "1", "2", "7", "25", "1.5", "10", "«x y»",
         "x.den", ".num", "--c\n", "/- c -/", "\n", "²", "٣", "π", "λ", "Π"]
TOKENS = st.sampled_from(sorted(set(_SYMBOLS)) + WORDS)
SOUP = st.lists(TOKENS, max_size=60).flatmap(
    lambda toks: st.sampled_from([" ", ""]).map(lambda sep: sep.join(toks)))
HEADER = "theorem t (x y : ℝ) (n : ℕ) (f : ℝ → ℝ) (h₀ : "


def _real_statements() -> list[str]:
    out = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "minif2f_mini").glob("*.lean"))]
    for line in (FIXTURES / "minif2f_mini.jsonl").read_text(encoding="utf-8").splitlines():
        out.append(json.loads(line)["formal_statement"])
    out += [
        "theorem a (x : ℝ) (h : 3 * x + 7 = 25) : x = 6 := by sorry",
        "theorem b (n : ℕ) (h₀ : n % 5 = 3) : 2 * n % 5 = 1 := by sorry",
        "theorem c (a b : ℝ) (h₀ : 0 < a ∧ 0 < b) : a * b > 0 := by sorry",
        "theorem d : ∑ k ∈ Finset.range 10, k = 45 := by sorry",
        "theorem e (x : ℤ) (h : x ≡ 2 [ZMOD 4]) : x ^ 2 ≡ 0 [ZMOD 4] := by sorry",
        "theorem f (f : ℕ → ℕ) (h : ∀ n, f n = 2 * n) : f 3 = 6 := by sorry",
        "theorem g (x : ℝ) (h : |x - 1| < 2) : ⌊x⌋ ≤ 2 := by sorry",
        "example (s : Finset ℕ) (h : s = Finset.filter (fun n => 3 ∣ n) (Finset.Icc 1 30)) : s.card = 10 := by sorry",
    ]
    return out


REAL = _real_statements()


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(REAL))
    for _ in range(draw(st.integers(1, 4))):
        n = len(text)
        i = draw(st.integers(0, n))
        j = draw(st.integers(i, min(n, i + 20)))
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "truncate", "char"]))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] * draw(st.integers(1, 30)) + text[j:]
        elif op == "insert":
            text = text[:i] + " " + draw(TOKENS) + " " + text[i:]
        elif op == "truncate":
            text = text[:i]
        else:
            text = text[:i] + draw(st.characters()) + text[i + 1:]
    return text


TERM = st.recursive(
    st.sampled_from(["x", "y", "n", "0", "1", "2", "7", "1.5", "Real.pi", "(n : ℝ)", "f x"]),
    lambda t: st.one_of(
        st.tuples(t, st.sampled_from(["+", "-", "*", "/", "^", "%"]), t).map(lambda a: f"({a[0]} {a[1]} {a[2]})"),
        t.map(lambda a: f"(-{a})"), t.map(lambda a: f"|({a})|"), t.map(lambda a: f"Real.sqrt {a}"),
        t.map(lambda a: f"⌊{a}⌋"), t.map(lambda a: f"(↑{a} : ℝ)"),
    ),
    max_leaves=8,
)
ATOM_PROP = st.tuples(TERM, st.sampled_from(["=", "≠", "<", "≤", ">", "≥"]), TERM).map(" ".join)
PROP = st.recursive(ATOM_PROP, lambda p: st.one_of(
    st.tuples(p, st.sampled_from(["∧", "∨", "→", "↔"]), p).map(lambda a: f"({a[0]} {a[1]} {a[2]})"),
    p.map(lambda a: f"¬ ({a})"), p.map(lambda a: f"(∀ z : ℝ, z = z ∧ {a})"), p.map(lambda a: f"(∃ z : ℕ, {a})"),
), max_leaves=4)
# well-formed statements: these get past the parser into the translation and z3
WELL_FORMED = st.tuples(st.lists(PROP, max_size=3), PROP).map(
    lambda hg: "theorem w (x y : ℝ) (n : ℕ) (f : ℝ → ℝ) "
    + " ".join(f"(h{i} : {h})" for i, h in enumerate(hg[0])) + f" : {hg[1]} := by sorry")

ANY_INPUT = st.one_of(WELL_FORMED, st.text(max_size=200), SOUP, SOUP.map(lambda s: HEADER + s), mutated())


def _parse(text: str) -> None:
    t0 = time.monotonic()
    try:
        thm = parse_theorem(text)
    except Refusal as r:
        assert isinstance(r.reason, str) and r.reason.startswith("unsupported: ")
    except MalformedStatement as m:
        assert m.message.startswith("malformed Lean statement: ") and "\n" not in m.message and m.fix
    else:
        assert isinstance(thm, Theorem)
    assert time.monotonic() - t0 < PARSE_BOUND_S


def _check(text: str) -> None:
    t0 = time.monotonic()
    try:
        verdict = check_statement(text, CHECK_TIMEOUT_S)
    except MalformedStatement as m:
        assert m.message and m.fix
        assert time.monotonic() - t0 < CHECK_BOUND_S
        return
    elapsed = time.monotonic() - t0
    assert verdict.kind in VERDICT_KINDS
    assert verdict.label == ("not checked" if verdict.kind == "unsupported" else "SMT-checked")
    assert isinstance(verdict.reason, str)
    assert elapsed < CHECK_BOUND_S, f"{elapsed:.1f} s for {text[:200]!r}"


@FUZZ
@given(text=ANY_INPUT)
def test_parse_theorem_returns_or_refuses(text):
    _parse(text)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.one_of(WELL_FORMED, SOUP.map(lambda s: HEADER + s), mutated(), st.text(max_size=100)))
def test_check_statement_always_gives_a_verdict_in_time(text):
    _check(text)


def test_real_statements_unmutated_still_parse():
    for text in REAL:
        assert isinstance(parse_theorem(text), Theorem), text


def test_pathological_inputs():
    for text in [
        "",
        "\x00" * 100,
        "theorem t : x = ²",                                # a digit that is not a decimal digit
        "theorem t : x = ٣",                                # a decimal digit outside ASCII
        "theorem t : " + "(" * 5000 + "x" + ")" * 5000,    # nesting past the recursion limit
        "theorem t (x : ℝ) : x = 1" + " + 1" * 5000,
        "theorem t : " + "¬" * 3000 + "True",
        "theorem t (x : ℝ) : x = " + "9" * 5000,          # a numeral past int-string conversion limits
        "theorem t : (2 : ℝ) ^ (10 ^ 10 ^ 10) = 0",
        "theorem t : " + "/-" * 2000,                       # unterminated nested comments
        "theorem «t" + "x" * 10_000,
        "theorem t (x : ℝ) : " + " ∧ ".join(f"x{i} = {i}" for i in range(2000)),
    ]:
        _parse(text)
        _check(text)


def test_overlong_statement_is_refused_before_tokenizing():
    t0 = time.monotonic()
    verdict = check_statement("theorem t (x : ℕ) : x = x := by sorry\n" * 100_000, CHECK_TIMEOUT_S)
    assert verdict.kind == "unsupported" and "longer than" in verdict.reason
    assert time.monotonic() - t0 < 1.0
