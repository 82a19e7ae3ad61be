"""Issue 15: each kind of wrong verdict, with the reported statement and further members of the kind.

Every expectation is the verdict Lean's semantics give; where that is out of reach the test only
demands that the verdict is not a wrong one (`not proved`, `not refuted`).
"""

from __future__ import annotations

import pytest

from mathagent.verifiers.formal import check_statement

NOT_PROVED = {"refuted", "unknown", "unsupported"}
NOT_REFUTED = {"proved", "unknown", "unsupported"}


def verdict(stmt: str, timeout: float = 2.0):
    return check_statement(f"theorem p {stmt} := by sorry", timeout)


def expect(stmt: str, wanted: str | set[str], timeout: float = 2.0) -> None:
    v = verdict(stmt, timeout)
    allowed = {wanted} if isinstance(wanted, str) else wanted
    assert v.kind in allowed, f"{stmt}: {v.kind} ({v.reason})"


# Lean elaborates the body of `(e : T)` and a function's argument against the expected type, and |·|, min/max
# and big operators pass it inside; a leaf of an arithmetic tree is elaborated with no expected type.
EXPECTED_TYPE = [
    (": (∑ k ∈ Finset.range 4, k / 2 : ℝ) = 2", "refuted"),  # issue: the sum is 0 + 1/2 + 1 + 3/2 = 3
    (": (∑ k ∈ Finset.range 4, k / 2 : ℝ) = 3", "proved"),
    (": (∑ k ∈ Finset.range 4, k / 2) = 2", "proved"),  # no expected type: a sum in ℕ
    (": (∑ k ∈ Finset.range 4, k / 2) + (0 : ℝ) = 2", "proved"),  # a leaf of a tree: ℕ, then cast
    (": (∑ k ∈ Finset.range 3, (k - 1) : ℤ) = 0", "proved"),  # -1 + 0 + 1, not 0 + 0 + 1
    (": (∏ k ∈ Finset.Icc 1 2, (k - 3) : ℤ) = 2", "proved"),
    (": ((∑ k ∈ Finset.range 3, (k - 1) : ℤ) : ℝ) = 0", "proved"),
    ("(a : ℕ) (h : a = 2) : (|a - 5| : ℤ) = 0", "refuted"),  # issue: it is 3
    ("(a : ℕ) (h : a = 2) : (|a - 5| : ℤ) = 3", "proved"),
    ("(a b : ℕ) (h₀ : a = 1) (h₁ : b = 4) : (|a - b| : ℝ) = 3", "proved"),
    ("(a : ℕ) (h : a = 2) : |(a : ℤ) - 5| = 3", "proved"),
    ("(a : ℕ) (h : a = 2) : (min (a - 5) 3 : ℤ) = -3", "proved"),  # issue: was refuted
    ("(a : ℕ) (h : a = 2) : (max (a - 5) (-7) : ℤ) = -3", "proved"),
    ("(a : ℕ) (h : a = 2) : (min (a - 5) 3 : ℤ) = 0", "refuted"),
    ("(f : ℝ → ℝ) (h : ∀ x, f x = x) : f (∑ k ∈ Finset.range 4, k / 2) = 3", "proved"),
    ("(f : ℝ → ℝ) (h : ∀ x, f x = x) : f (∑ k ∈ Finset.range 4, k / 2) = 2", "refuted"),
    ("(f : ℤ → ℤ) (h : ∀ x, f x = x) (a : ℕ) (ha : a = 1) : f (|a - 3|) = 2", "proved"),
    ("(x : ℝ) (h : x = min 3 (∑ k ∈ Finset.range 4, k / 2)) : x = 2", "proved"),  # min's α is ℕ here
    (": Real.sqrt (∑ k ∈ Finset.range 4, k / 2) = Real.sqrt 3", "proved"),
    (": ((3 : ℕ)⁻¹ : ℝ) = 1 / 3", NOT_REFUTED),
    ("(a : ℕ) (h : a = 2) : |a - 5| = 0", NOT_PROVED),  # |·| on ℕ does not elaborate
]

PRIMES = [
    (": Nat.Prime 318665857834031151167461", "refuted"),  # issue: strong pseudoprime to bases 2..37
    # ψ13, a strong pseudoprime to bases 2..41: refuted when ECM finds its factor within the wall clock
    (": Nat.Prime 3317044064679887385961981", {"refuted", "unknown"}),
    (": Nat.Prime 3825123056546413051", "refuted"),  # strong pseudoprime to bases 2..23
    (": ¬ Nat.Prime 561", "proved"),  # Carmichael number
    (": Nat.Prime 1000003", "proved"),
    (": Nat.Prime 2147483647", "proved"),
    (": Nat.Prime 618970019642690137449562111", "proved"),  # 2^89 - 1, above ψ13: Pocklington
    (": ¬ Nat.Prime 1 ∧ ¬ Nat.Prime 0", "proved"),
    ("(p : ℕ) (h : Nat.Prime p) : p ≥ 2", "proved"),
    ("(p : ℕ) (h : Nat.Prime p) : p ≥ 3", NOT_PROVED),
    ("(p : ℕ) (h : p.Prime) (h₁ : p = 15) : False", NOT_REFUTED | {"vacuous"}),
]

SCOPES = [
    ("(x : ℝ) (h : x = 2) : ∀ x : ℝ, x = 2", "refuted"),  # issue
    ("(x : ℝ) (h : ∃ x : ℝ, x > 5) : x > 5", "refuted"),  # issue
    ("(n m : ℕ) (h₁ : ∃ k, n = 2 * k) (h₂ : ∃ k, m = 2 * k + 1) : m = n + 1", "refuted"),  # two witnesses
    ("(x : ℤ) (h : x = 3) : ∃ x : ℤ, x = 4", "proved"),
    ("(x : ℝ) (h : x > 0) : ∀ y : ℝ, y > 0 → ∀ x : ℝ, x > 0", "refuted"),
    ("(a : ℕ) (h : ∀ a : ℕ, a ≥ 0) : a = 5", "refuted"),
    ("(k : ℕ) (h₀ : k = 1) (h₁ : ∃ k : ℕ, k = 7) : k = 7", "refuted"),
    ("(k : ℕ) (h : k = 10) : ∑ k ∈ Finset.range 3, k = 3", "proved"),
    ("(x : ℕ) (h : x = 0) : IsLeast {x : ℕ | 3 ≤ x} 3", "proved"),
    ("(x y : ℝ) (h : ∃ y : ℝ, y = x + 1) : y = x + 1", "refuted"),
]

DOMAINS = [
    ("(f : ℝ → ℝ) (h : ∀ x : ℕ, f x = 2 * x) : f (1 / 2) = 1", NOT_PROVED),  # issue
    ("(f : ℝ → ℝ) (h : ∀ x : ℕ, f x = 2 * x) : f 3 = 6", "proved"),
    ("(f : ℝ → ℝ) (h : ∀ x : ℤ, f x = x ^ 2) : f (-2) = 4", "proved"),
    ("(f : ℝ → ℝ) (h : ∀ x : ℤ, f x = x ^ 2) (y : ℝ) : f y = y ^ 2", NOT_PROVED),
    ("(f : ℤ → ℤ) (h : ∀ x : ℕ, f x = 1) : f (-1) = 1", NOT_PROVED),
    ("(f : ℝ → ℝ) (h : ∀ x : ℕ, f x = 0) : ∀ y : ℝ, f y = 0", NOT_PROVED),
    ("(f : ℚ → ℚ) (h : ∀ n : ℕ, f n = n) : f (1 / 3) = 1 / 3", NOT_PROVED),
    ("(f : ℝ → ℝ) (h : ∀ n : ℕ, f (n + 1) = f n + 1) (h₀ : f 0 = 0) (y : ℝ) : f (y + 1) = f y + 1", NOT_PROVED),
    ("(f : ℕ → ℕ) (h : ∀ x : ℕ, f x = x + 1) : f 4 = 5", "proved"),
]

CAPTURE = [
    ("(a : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f x = a * x) (h₁ : a = 2) : ∃ a : ℝ, f a ≠ 2 * a", "refuted"),  # issue
    ("(b : ℕ) (f : ℕ → ℕ) (h₀ : ∀ x, f x = x + b) (h₁ : b = 1) : ∀ b : ℕ, f b = b + 1", "proved"),
    ("(c : ℝ) (g : ℝ → ℝ) (h₀ : ∀ t, g t = c) (h₁ : c = 0) : ∑ c ∈ Finset.range 3, g c = 0", "proved"),
    ("(n : ℕ) (f : ℕ → ℕ) (h₀ : ∀ x, f x = x + n) (h₁ : n = 1) : Finset.sum (Finset.range 2) (fun n => f n) = 3",
     "proved"),
    ("(a : ℤ) (f : ℤ → ℤ) (h₀ : ∀ x, f x = a * x) (h₁ : a = 3) : ∃ a : ℤ, a ≠ 3 ∧ a ≠ 0 ∧ f a = a * a", NOT_PROVED),
    ("(m : ℕ) (f : ℕ → ℕ) (h₀ : ∀ x, f x = m) (h₁ : m = 5) : IsLeast {m : ℕ | f m ≤ m} 5", "proved"),
]


@pytest.mark.parametrize("stmt, wanted", EXPECTED_TYPE)
def test_expected_type_reaches_big_operators_abs_min_max(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, wanted", PRIMES)
def test_primality_by_proven_methods(stmt, wanted):
    expect(stmt, wanted, timeout=10.0)  # factoring is bounded by work, but slow on a loaded machine


@pytest.mark.parametrize("stmt, wanted", SCOPES)
def test_binders_are_scoped(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, wanted", DOMAINS)
def test_definitions_hold_only_on_their_declared_domain(stmt, wanted):
    expect(stmt, wanted)


@pytest.mark.parametrize("stmt, wanted", CAPTURE)
def test_definition_expansion_avoids_capture(stmt, wanted):
    expect(stmt, wanted)


def test_composite_is_refuted_with_its_factor():
    v = verdict(": Nat.Prime 318665857834031151167461", 10.0)
    assert v.counterexample == {"Nat.Prime 318665857834031151167461": "false (399165290221 · 798330580441)"}


# Hypotheses that are only ∀-forms (no ground hypothesis): "proved" must not claim they are consistent.
# Their instances can be satisfiable while the ∀-forms contradict each other (a cubic equal to a quadratic
# everywhere); the exact forms decide it.  A contradiction makes any goal and its negation follow.
ONLY_FORALL = [
    ("(a b c : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f (x + 3) = 3 * x ^ 2 + 7 * x + 4) (h₁ : ∀ x, f x = a * x ^ 3 + b * x + c) :"
     " a + b + c = 2", "vacuous"),
    ("(a b c : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f (x + 3) = 3 * x ^ 2 + 7 * x + 4) (h₁ : ∀ x, f x = a * x ^ 3 + b * x + c) :"
     " a + b + c ≠ 2", "vacuous"),
    ("(f : ℝ → ℝ) (h₀ : ∀ x, f x = 2 * x) (h₁ : ∀ x, f x = 3 * x + 1) : f 1 = 7", "vacuous"),
    ("(a b c : ℝ) (f : ℝ → ℝ) (h₀ : ∀ x, f (x + 3) = 3 * x ^ 2 + 7 * x + 4) (h₁ : ∀ x, f x = a * x ^ 2 + b * x + c) :"
     " a + b + c = 2", "proved"),
]


@pytest.mark.parametrize("stmt, wanted", ONLY_FORALL)
def test_consistency_of_forall_hypotheses_is_checked_on_their_exact_forms(stmt, wanted):
    v = verdict(stmt)
    assert v.kind == wanted, (stmt, v)
    if v.kind == "proved":
        assert v.note == "", v  # consistency established, not assumed
