"""Issue 15: the type of an untyped bound variable (`∀ x, …`, `∃ x, …`, hypothesis binders) is fixed where Lean
fixes it: at the first use in elaboration order (left to right; `a → b`, `a ∧ b`, `a ∨ b`: a first) that
constrains it, an arithmetic/relation tree with a leaf of known type or an argument of a function with a known
domain; later uses coerce it at their leaves (`↑x`).  See verifiers/formal/binders.py.

Every expectation is the verdict Lean's semantics give; where the translation refuses a shape whose elaboration
is not modelled, the test demands only that the verdict is not a wrong one.
"""

from __future__ import annotations

import pytest

from mathagent.verifiers.formal import check_statement

from formal_harness import UNTYPED_BINDER_RULE, corpus

NOT_PROVED = {"refuted", "unknown", "unsupported"}
NOT_REFUTED = {"proved", "vacuous", "unknown", "unsupported"}
PROVED = {"proved", "vacuous"}  # a contradictory hypothesis proves `False` (reported as vacuous)


def verdict(stmt: str, timeout: float = 2.0):
    return check_statement(f"theorem p {stmt} := by sorry", timeout)


def expect(stmt: str, wanted: str | set[str], timeout: float = 2.0) -> None:
    v = verdict(stmt, timeout)
    allowed = {wanted} if isinstance(wanted, str) else wanted
    assert v.kind in allowed, f"{stmt}: {v.kind} ({v.reason})"


# The statements of the audit (each was proved or refuted wrongly, or refused as ill-typed).
REPORTED = [
    (": ∀ x, x + (0 : ℕ) = x ∧ (x / 2 * 2 = x ∨ x = (1 / 2 : ℝ))", "refuted"),  # x : ℕ; x = 1
    (": ∀ x, x ≥ (0 : ℕ) → x / 2 * 2 = x ∨ x = (1 / 2 : ℝ)", "refuted"),
    (": ∀ x, x ≥ (0 : ℕ) → x - 1 + 1 = x ∨ x = (-7 : ℤ)", "refuted"),  # x = 0
    ("(f : ℝ → ℝ) (h : ∀ x, x + (0 : ℕ) = x → f x = 1) : f (1 / 2) = 1", NOT_PROVED),  # h only says f ↑n = 1
    (": ∃ x, x + (0 : ℕ) = x ∧ 2 * x = (1 : ℝ)", "refuted"),
    (": ∃ x, x ≥ (0 : ℕ) ∧ x - 3 = 0 ∧ x = (1 : ℤ)", "proved"),  # x = 1: 1 - 3 = 0 in ℕ
    ("(h : ∃ x, x + (0 : ℕ) = x ∧ 2 * x = (1 : ℝ)) : False", PROVED),
    ("(f : ℕ → ℤ) (h : ∀ n, f n = n - 5) : f 2 = -3", "proved"),  # n : ℕ from `f n`, then ↑n - 5 in ℤ
    ("(f : ℕ → ℝ) (h : ∀ x, f x = x / 2) : f 3 = 3 / 2", "proved"),
]

# Further members of the kind.
MEMBERS = [
    # evidence order swapped: the ℝ tree comes first, so x : ℝ and the ℕ-looking tree is read in ℝ
    (": ∀ x, x = (1 / 2 : ℝ) ∨ x / 2 * 2 = x + (0 : ℕ)", "proved"),
    (": ∃ x, 2 * x = (1 : ℝ) ∧ x + (0 : ℕ) = x", "proved"),
    # the first evidence is a function application (f : ℕ → ℝ fixes ℕ), not the ℝ leaf after it
    ("(f : ℕ → ℝ) : ∀ x, f x = f x ∧ (x / 2 * 2 = x ∨ x = (1 / 2 : ℝ))", "refuted"),
    # ... even inside the same tree: the leaf `f x` is elaborated before the tree's maximum type is taken
    ("(f : ℕ → ℝ) : ∀ x, x + f x ≠ f x + (1 / 2 : ℝ)", "proved"),
    ("(f : ℕ → ℝ) (h : ∀ x, f x = x / 2 + (0 : ℝ)) : f 3 = 3 / 2", "proved"),
    ("(f : ℕ → ℤ) : ∃ n, f (n + 1) = f (n + 1) ∧ n - 3 = (-4 : ℤ)", "refuted"),  # n : ℕ from the argument n + 1
    ("(f : ℤ → ℤ) (h : ∀ x, f x = x) : ∃ x, f x = x ∧ 2 * x = (1 : ℝ)", "refuted"),  # x : ℤ
    # binder predicates are elaborated first: `∀ x > e, p` is `∀ x, x > e → p`
    (": ∀ x > (0 : ℕ), x / 2 * 2 = x ∨ x = (1 / 2 : ℝ)", "refuted"),
    (": ∀ x ∈ Finset.range 3, x - 1 + 1 = x ∨ x = (-1 : ℤ)", "refuted"),  # x : ℕ; x = 0
    # nested binders: an inner typed binder is evidence; an inner untyped one shares the outer's tree
    (": ∀ x, (∀ y : ℕ, x + y ≥ y) → x / 2 * 2 = x ∨ x = (1 / 2 : ℝ)", "refuted"),  # x : ℕ
    (": ∀ x, ∃ y, y = x + (0 : ℕ) ∧ 2 * y = (1 : ℝ)", "refuted"),  # x, y : ℕ
    (": ∃ x, ∀ y, y + (0 : ℤ) = y → x * y = y ∧ x = (1 : ℝ)", "proved"),  # x : ℤ from the tree with y : ℤ
    # hypothesis binders
    ("(h : ∃ n, n + (0 : ℤ) = n ∧ n = (5 / 2 : ℝ)) : False", PROVED),  # n : ℤ
    ("(h : ∃ n, n = (5 / 2 : ℝ) ∧ n + (0 : ℤ) = n) : False", "refuted"),  # n : ℝ, n = 5/2 exists
    ("(f : ℕ → ℕ) (h : ∀ n, f n = n - 1) : f 0 = 0", "proved"),
    ("(f : ℝ → ℝ) (h : ∀ x, 0 < x → f x = 2 * x) : f 3 = 6", "proved"),  # `0 < x` gives no evidence
    ("(f : ℝ → ℝ) (h : ∀ x y, f (x + y) = f x + f y) : f 0 = 0", "proved"),
    ("(n : ℕ) (a : ℕ → ℝ) (h₀ : ∀ n, |a n| < 1) (h₁ : n = 3) : a n < 1", "proved"),
    # a set-builder's variable: from the set's body, or from the element
    (": IsLeast {x | x + (0 : ℕ) = x ∧ 3 ≤ x} 3", "proved"),
    (": IsLeast {x | 2 * x ≥ 1} (1 / 2 : ℝ)", "proved"),
    # min/max/intervals have one type α: the first argument of known type fixes it, and the variable with it
    (": ∃ x, max x (0 : ℝ) = 1 / 2 ∧ x + (0 : ℕ) = x", "proved"),  # x : ℝ
    (": ∃ x, max (0 : ℕ) x = 1 ∧ 2 * x = (1 : ℝ)", "refuted"),  # x : ℕ
    (": ∀ x ∈ Finset.Icc (1 : ℤ) 3, x - 5 < 0", "proved"),  # x : ℤ from the bounds
    (": ∀ y, ∀ x : ℕ, x ∈ Finset.Icc 0 y → y / 2 * 2 = y ∨ y = (1 / 2 : ℝ)", "refuted"),  # y : ℕ, as x
    (": ∀ x, x = max 0 1 → x / 2 * 2 = x ∨ x = (1 / 2 : ℝ)", "proved"),  # `max 0 1` has no type yet: x : ℝ
    (": ∀ x ∈ Finset.Icc 1 3, x - 5 < (0 : ℤ)", "proved"),  # numeral bounds: x : ℤ from the body
    # |x| has x's type: unknown until f x fixes ℕ, where |·| does not exist
    ("(f : ℕ → ℕ) (h : ∀ x, |x| < 1 → f x = 0) : f 0 = 0", NOT_PROVED),
]

# `min a b` / `max a b` whose arguments have no known type (numerals) take the type of their tree, as Lean unifies
# α with the tree's maximum (it was defaulted to ℕ, so `min (1 / 2) 3` was 0 in a tree over ℝ).
POLY_LEAVES = [
    ("(x : ℝ) (h : x = min (1 / 2) 3) : x = 0", "refuted"),
    ("(x : ℝ) (h : x = min (1 / 2) 3) : x = 1 / 2", "proved"),
    (": max (1 / 2) 0 = 0", "proved"),  # numerals only: ℕ, 1 / 2 = 0
    ("(x : ℝ) (h : x = min 3 (∑ k ∈ Finset.range 4, k / 2)) : x = 2", "proved"),  # the sum fixes α = ℕ
]

# Shapes whose elaboration is not modelled are refused, never guessed.
REFUSED = [
    (": ∀ x, x = 2 → x = 2", "infer the type"),  # numerals only: no evidence
    (": ∀ x, x ∣ (6 : ℕ) → x ≤ 6", "`∣`"),  # Dvd.dvd, not a binrel% tree
    (": ∀ x y, x = y → y + (0 : ℕ) = y → 2 * x ≠ (1 : ℝ)", "meet in a term"),  # Lean unifies x's and y's types
    (": ∀ x y, x = y → y + (0 : ℕ) = y → 2 * x ≠ (2 : ℝ)", "meet in a term"),
    (": ∀ x, (↑x : ℝ) ≥ 0 ∧ x + (0 : ℕ) = x", "↑"),
    (": ∀ x, ⌊x⌋ = 0 → x + (0 : ℕ) = x", "floor"),
    (": ∀ x y, max x y = (1 / 2 : ℝ) → x = y", "meet in a term"),  # Lean links x and y in `max x y`
    (": IsLeast {x | x + (0 : ℕ) = x ∧ 1 ≤ x} (1 / 2 : ℝ)", "untyped bound variable"),  # set and element disagree
]


@pytest.mark.parametrize("stmt, wanted", REPORTED)
def test_reported_statements(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, wanted", MEMBERS)
def test_binder_type_is_fixed_at_its_first_use(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, wanted", POLY_LEAVES)
def test_min_max_of_untyped_arguments_take_the_tree_type(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, why", REFUSED)
def test_unmodelled_first_uses_are_refused(stmt, why):
    v = verdict(stmt)
    assert v.kind == "unsupported" and "untyped bound variable" in v.reason and why in v.reason, (stmt, v)


@pytest.mark.parametrize("case", [c for c in corpus(seed=15, per_rule=6) if c.rule == UNTYPED_BINDER_RULE],
                         ids=lambda c: c.text[:60])
def test_harness_rule_for_untyped_binders(case):
    v = check_statement(case.text, 1.0, rlimit=3_000_000)  # the harness's budget
    if v.kind == "proved":
        assert case.truth is True, (case.text, v)
    if v.kind == "refuted":
        assert case.truth is False, (case.text, v)
