"""Soundness harness: generated statements with known truth, and mutants of miniF2F valid statements.

`corpus(seed, per_rule)` generates small Lean statements, each depending on one rule of Lean's semantics,
with its truth computed here by an independent oracle (plain Python, written from Lean's definitions, not
from the translator).  `mutants(text)` perturbs a statement (negated goal, flipped relation, bumped
constant, dropped hypothesis).  The tests in test_harness.py check that no verdict contradicts a known
truth and that no statement and its negation are both proved.
"""

from __future__ import annotations

import math
import random
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy


@dataclass(frozen=True)
class Case:
    rule: str
    text: str
    truth: bool | None  # None: the truth is not determined by Lean (never "proved")


def _lean_ediv(a: int, b: int) -> int:
    """Int.ediv: a = b * q + r with 0 ≤ r < |b|; a / 0 = 0."""
    if b == 0:
        return 0
    r = a - abs(b) * math.floor(Fraction(a, abs(b)))
    return (a - r) // b


def _lean_emod(a: int, b: int) -> int:
    return a if b == 0 else a - b * _lean_ediv(a, b)


def _nat_sub(a: int, b: int) -> int:
    return a - b if a >= b else 0


def _frac(f: Fraction) -> str:
    return f"({f.numerator} / {f.denominator} : ℝ)" if f.denominator != 1 else f"({f.numerator} : ℝ)"


def _zlit(n: int) -> str:
    return f"({n} : ℤ)" if n >= 0 else f"(-{-n} : ℤ)"


def _claim(rng: random.Random, value, show=str) -> tuple[str, bool]:
    """`value` itself (true) or a nearby wrong value (false)."""
    if rng.random() < 0.5:
        return show(value), True
    delta = rng.choice([1, -1, 2])
    return show(value + delta), False


def corpus(seed: int = 15, per_rule: int = 6) -> list[Case]:
    rng = random.Random(seed)
    out: list[Case] = []

    def add(rule: str, body: str, truth: bool | None) -> None:
        out.append(Case(rule, f"theorem h_{len(out)} {body} := by sorry", truth))

    for _ in range(per_rule):
        a, b = rng.randrange(0, 12), rng.randrange(0, 12)
        v, t = _claim(rng, _nat_sub(a, b))
        add("ℕ subtraction truncates", f"(a : ℕ) (h : a = {a}) : a - {b} = {v}", t)

        a, b = rng.randrange(-30, 30), rng.choice([-7, -3, -2, 0, 2, 3, 5])
        v, t = _claim(rng, _lean_ediv(a, b), _zlit)
        add("ℤ division is Euclidean, x / 0 = 0", f": {_zlit(a)} / {_zlit(b)} = {v}", t)
        v, t = _claim(rng, _lean_emod(a, b), _zlit)
        add("ℤ % is Euclidean, x % 0 = x", f"(x : ℤ) (h : x = {_zlit(a)}) : x % {_zlit(b)} = {v}", t)

        p, q = rng.randrange(-9, 10), rng.choice([0, 0, 2, 3, 4])
        val = Fraction(p, q) if q else Fraction(0)
        v, t = _claim(rng, val, _frac)
        add("field division by zero is 0", f"(x : ℝ) (h : x = {p}) : x / {q} = {v}", t)

        a, b = rng.randrange(0, 8), rng.randrange(0, 8)
        v, t = _claim(rng, _nat_sub(a, b), _zlit)
        add("casts sit at the leaves", f"(a b : ℕ) (ha : a = {a}) (hb : b = {b}) : ((a - b : ℕ) : ℤ) = {v}", t)
        v, t = _claim(rng, a - b, _zlit)
        add("casts sit at the leaves", f"(a b : ℕ) (ha : a = {a}) (hb : b = {b}) : (a : ℤ) - b = {v}", t)

        p, q = rng.randrange(-20, 20), rng.randrange(1, 6)
        op, fn = rng.choice([("⌊", math.floor), ("⌈", math.ceil)])
        close = "⌋" if op == "⌊" else "⌉"
        v, t = _claim(rng, fn(Fraction(p, q)), _zlit)
        add("floor and ceil", f"(x : ℝ) (h : x = {p} / {q}) : {op}x{close} = {v}", t)
        v, t = _claim(rng, max(0, math.floor(Fraction(p, q))))
        add("Nat.floor of negatives is 0", f"(x : ℝ) (h : x = {p} / {q}) : ⌊x⌋₊ = {v}", t)

        s = rng.choice([rng.randrange(0, 12) ** 2, -rng.randrange(1, 20)])
        v, t = _claim(rng, math.isqrt(s) if s >= 0 else 0, lambda n: f"({n} : ℝ)")
        add("Real.sqrt of negatives is 0", f": Real.sqrt {s if s >= 0 else f'({s})'} = {v}", t)

        a, b, c = rng.randrange(0, 6), rng.randrange(0, 9), rng.randrange(-4, 4)
        v, t = _claim(rng, abs(a - b), _zlit)
        add("|·| takes the expected type", f"(a : ℕ) (h : a = {a}) : (|a - {b}| : ℤ) = {v}", t)
        v, t = _claim(rng, min(a - b, c), _zlit)
        add("min takes the expected type", f"(a : ℕ) (h : a = {a}) : (min (a - {b}) {_zlit(c)} : ℤ) = {v}", t)
        v, t = _claim(rng, max(a - b, c), _zlit)
        add("max takes the expected type", f"(a : ℕ) (h : a = {a}) : (max (a - {b}) {_zlit(c)} : ℤ) = {v}", t)
        v, t = _claim(rng, max(0, min(_nat_sub(a, b), 3)))
        add("min without an expected type stays in ℕ", f"(a : ℕ) (h : a = {a}) : min (a - {b}) 3 = {v}", t)

        n, d, c = rng.randrange(1, 7), rng.randrange(2, 4), rng.randrange(0, 4)
        v, t = _claim(rng, sum(Fraction(k, d) for k in range(n)), _frac)
        add("∑ takes the expected type", f": (∑ k ∈ Finset.range {n}, k / {d} : ℝ) = {v}", t)
        v, t = _claim(rng, sum(k // d for k in range(n)))
        add("∑ with no expected type sums in ℕ", f": ∑ k ∈ Finset.range {n}, k / {d} = {v}", t)
        v, t = _claim(rng, sum(k - c for k in range(n)), _zlit)
        add("∑ takes the expected type", f": (∑ k ∈ Finset.range {n}, (k - {c}) : ℤ) = {v}", t)
        prod = 1
        for k in range(1, n + 1):
            prod *= k - c
        v, t = _claim(rng, prod, _zlit)
        add("∏ takes the expected type", f": (∏ k ∈ Finset.Icc 1 {n}, (k - {c}) : ℤ) = {v}", t)

        pick = rng.choice([rng.randrange(2, 10**6), sympy.randprime(10**6, 10**12),
                           sympy.randprime(10**5, 10**9) * sympy.randprime(10**5, 10**9),
                           318665857834031151167461, 3825123056546413051, 3215031751, 2152302898747])
        add("primality", f": Nat.Prime {pick}", bool(sympy.isprime(pick)))

        a, b = rng.randrange(0, 5), rng.randrange(0, 5)
        add("a goal ∀ does not see the theorem's variable", f"(x : ℝ) (h : x = {a}) : ∀ x : ℝ, x = {a}", False)
        add("a hypothesis ∃ does not bind the theorem's variable",
            f"(x : ℤ) (h : ∃ x : ℤ, x > {a}) : x > {a}", False)
        add("two ∃ have two witnesses", f"(n m : ℕ) (h₁ : ∃ k, n = 2 * k + {a}) (h₂ : ∃ k, m = 2 * k + {a + 1}) : "
            f"m = n + 1", False)
        add("a goal ∃ is a new variable", f"(x : ℤ) (h : x = {a}) : ∃ x : ℤ, x = {b}", True)

        c, p, q = rng.randrange(1, 5), rng.randrange(1, 9), rng.choice([2, 3, 5])
        add("a definition over ℕ says nothing at fractions",
            f"(f : ℝ → ℝ) (h : ∀ x : ℕ, f x = {c} * x) : f ({p} / {q}) = {c} * {p} / {q}",
            None if p % q else True)
        add("a definition over ℕ holds at naturals", f"(f : ℝ → ℝ) (h : ∀ x : ℕ, f x = {c} * x) : f {p} = {c * p}",
            True)

        a = rng.randrange(1, 5)
        add("expansion avoids capture",
            f"(a : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f x = a * x) (h₁ : a = {a}) : ∀ a : ℝ, f a = {a} * a", True)
        add("expansion avoids capture",
            f"(a : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f x = a * x) (h₁ : a = {a}) : ∃ a : ℝ, f a ≠ {a} * a", False)

        a, b = rng.randrange(0, 60), rng.randrange(0, 60)
        v, t = _claim(rng, math.gcd(a, b))
        add("Nat.gcd", f"(a b : ℕ) (ha : a = {a}) (hb : b = {b}) : Nat.gcd a b = {v}", t)
        v, t = _claim(rng, a * b // math.gcd(a, b) if a and b else 0)
        add("Nat.lcm", f": Nat.lcm {a} {b} = {v}", t)

        n, base = rng.randrange(0, 10**5), rng.choice([2, 3, 10])
        digits = []
        m = n
        while m:
            digits.append(m % base)
            m //= base
        v, t = _claim(rng, sum(digits))
        add("Nat.digits is little-endian", f": (Nat.digits {base} {n}).sum = {v}", t)
        shown = list(digits) if rng.random() < 0.5 else list(reversed(digits))
        add("Nat.digits is little-endian", f": Nat.digits {base} {n} = [{', '.join(map(str, shown))}]",
            shown == digits)

        p, q = rng.randrange(-20, 20), rng.randrange(1, 12)
        f = Fraction(p, q)
        v, t = _claim(rng, f.denominator)
        add("Rat.den is normalised", f": (({p} : ℚ) / {q}).den = {v}", t)
        v, t = _claim(rng, f.numerator, _zlit)
        add("Rat.num is normalised", f": (({p} : ℚ) / {q}).num = {v}", t)
    _untyped_binders(random.Random(seed + 1), 2 * per_rule, add)
    return out


UNTYPED_BINDER_RULE = "an untyped binder takes the type of its first use"


def _untyped_binders(rng: random.Random, count: int, add) -> None:
    """`∀ x, …` / `∃ x, …` / hypothesis binders without a type: Lean fixes x's type at the first tree with a typed
    leaf or the first function application, in elaboration order; later trees cast x at the leaves.  The shapes
    cycle so each is generated; its own rng, so the other rules' statements do not change."""
    for i in range(count):
        shape = i % 5
        if shape == 0:  # ∀, the ℕ tree first: x - a + a = x fails below a unless x = c
            a, c = rng.randrange(0, 4), rng.randrange(-1, 3)
            add(UNTYPED_BINDER_RULE, f": ∀ x, x + (0 : ℕ) = x → x - {a} + {a} = x ∨ x = {_zlit(c)}",
                all(x == c for x in range(a)))
        elif shape == 1:  # ∃, the ℝ tree first: x = m / k exists in ℝ
            k, m = rng.randrange(0, 4), rng.randrange(0, 6)
            add(UNTYPED_BINDER_RULE, f": ∃ x, {k} * x = ({m} : ℝ) ∧ x + (0 : ℕ) = x", k != 0 or m == 0)
        elif shape == 2:  # ∃, the ℕ tree first: k * x = m needs a natural x
            k, m = rng.randrange(1, 4), rng.randrange(0, 9)
            add(UNTYPED_BINDER_RULE, f": ∃ x, x + (0 : ℕ) = x ∧ {k} * x = ({m} : ℝ)", m % k == 0)
        elif shape == 3:  # hypothesis ∀, f's domain first: n : ℕ, then ↑n - a in ℤ
            a, b = rng.randrange(0, 10), rng.randrange(0, 10)
            v, t = _claim(rng, b - a, _zlit)
            add(UNTYPED_BINDER_RULE, f"(f : ℕ → ℤ) (h : ∀ n, f n = n - {a}) : f {b} = {v}", t)
        else:  # hypothesis ∀ over ℕ (its first tree) says nothing about f off the naturals
            p, q, c = rng.randrange(0, 10), rng.randrange(1, 4), rng.randrange(0, 3)
            add(UNTYPED_BINDER_RULE, f"(f : ℝ → ℝ) (h : ∀ x, x + (0 : ℕ) = x → f x = {c}) : f ({p} / {q}) = {c}",
                p % q == 0)


_REL_FLIP = {"=": "≠", "≠": "=", "<": "≥", "≥": "<", "≤": ">", ">": "≤"}


def split_goal(text: str) -> tuple[str, str] | None:
    """(everything up to the goal's ':', the goal) for `theorem ... : goal := ...`; None when not found."""
    end = text.rfind(":=")
    body = text[:end] if end >= 0 else text
    depth, colon = 0, -1
    for i, ch in enumerate(body):
        if ch in "([{⟨":
            depth += 1
        elif ch in ")]}⟩":
            depth -= 1
        elif ch == ":" and depth == 0 and body[i + 1: i + 2] != "=":
            colon = i
    if colon < 0:
        return None
    return body[: colon + 1], body[colon + 1:].strip()


def with_goal(head: str, goal: str) -> str:
    return f"{head} {goal} := by sorry"


def negated(text: str) -> str | None:
    parts = split_goal(text)
    return None if parts is None else with_goal(parts[0], f"¬ ({parts[1]})")


def mutants(text: str, rng: random.Random) -> list[tuple[str, str]]:
    """(kind, mutated statement): flipped top relation, bumped constants, dropped hypothesis."""
    parts = split_goal(text)
    if parts is None:
        return []
    head, goal = parts
    out: list[tuple[str, str]] = []
    rel = re.search(r"\s(=|≠|<|≥|≤|>)\s", goal)
    if rel and "∀" not in goal and "∃" not in goal:
        flipped = goal[: rel.start(1)] + rng.choice([_REL_FLIP[rel.group(1)], "≤", "<"]) + goal[rel.end(1):]
        out.append(("flip", with_goal(head, flipped)))
    nums = list(re.finditer(r"(?<![\w.₀-₉])\d+(?![\w.])", goal))
    if nums:
        m = rng.choice(nums)
        out.append(("bump", with_goal(head, goal[: m.start()] + str(int(m.group()) + rng.choice([1, -1, 2]))
                                      + goal[m.end():])))
    hyps = list(re.finditer(r"\((h[^\s:]*) : ", head))
    if hyps:
        h = rng.choice(hyps)
        depth, j = 0, h.start()
        for j in range(h.start(), len(head)):
            depth += {"(": 1, ")": -1}.get(head[j], 0)
            if depth == 0:
                break
        out.append(("drop", with_goal(head[: h.start()] + head[j + 1:], goal)))
    hnums = list(re.finditer(r"(?<![\w.₀-₉])\d+(?![\w.])", head))
    if hnums:
        m = rng.choice(hnums)
        out.append(("bump hypothesis", with_goal(head[: m.start()] + str(int(m.group()) + 1) + head[m.end():], goal)))
    return out
