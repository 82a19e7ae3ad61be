"""Each FORMAL.md pitfall, as a statement whose verdict depends on getting it right."""

from __future__ import annotations

import time

import pytest

from mathagent.verifiers.formal import check_claim, check_statement
from mathagent.verifiers.formal.verdicts import Proved, Refuted, Unknown, Unsupported, Vacuous


def kind(stmt: str, timeout: float = 5.0) -> str:
    return check_statement(f"theorem t {stmt} := by sorry", timeout).kind


@pytest.mark.parametrize(
    "stmt, expected",
    [
        # ℕ subtraction truncates
        ("(a b : ℕ) (h : a < b) : a - b = 0", "proved"),
        ("(a b : ℕ) : a - b + b = a", "refuted"),
        # casts at the leaves: ↑(a - b) is not ↑a - ↑b
        ("(a b : ℕ) : ((a - b : ℕ) : ℤ) = (a : ℤ) - (b : ℤ)", "refuted"),
        ("(a b : ℕ) (h : b ≤ a) : ((a - b : ℕ) : ℤ) = (a : ℤ) - (b : ℤ)", "proved"),
        # division and modulo by zero
        ("(x : ℝ) : x / 0 = 0", "proved"),
        ("(n : ℕ) : n / 0 = 0 ∧ n % 0 = n", "proved"),
        ("(n : ℤ) : n % 0 = n", "proved"),
        # Euclidean division on ℤ
        (": (-7 : ℤ) / 2 = -4 ∧ (-7 : ℤ) % 2 = 1", "proved"),
        (": (7 : ℤ) / (-2) = -3", "proved"),
        # exponent typing: numerals in exponents default to ℕ
        (": (1000000 : ℕ) ^ (1 / 3) = 1", "proved"),
        (": (8 : ℝ) ^ ((1 : ℝ) / 3) = 2", "proved"),
        ("(k : ℕ) (h : 0 < k) : ((1 : ℕ) / 4) ^ k = 0", "proved"),
        # one type per expression: (n : ℝ) / k is real division
        ("(n k : ℕ) (h₀ : (n : ℝ) / k < 6) (h₁ : (5 : ℝ) < n / k) : k ≠ 0", "proved"),
        ("(n k : ℕ) (h : n / k = 0) : n < k", "refuted"),
        # sqrt junk values
        (": Real.sqrt (-4) = 0", "proved"),
        ("(x : ℝ) (h : 0 ≤ x) : Real.sqrt x ^ 2 = x", "proved"),
        (": Real.sqrt 2 * Real.sqrt 2 = 2", "proved"),
        # huge constant powers are reduced modulo before the solver
        (": (2 ^ (10 ^ 7) + 1) % 10 = 7", "proved"),
        ("(k : ℕ) (h₀ : k = 2008 ^ 2 + 2 ^ 2008) : (k ^ 2 + 2 ^ k) % 10 = 6", "proved"),
        # untyped binders get the type Lean infers from use
        ("(y : ℝ) : ∀ x > 0, x / 2 + y < x + y", "proved"),
        # ℂ as pairs of reals
        ("(x : ℂ) : x ^ 2 + 49 = (x + 7 * Complex.I) * (x + -7 * Complex.I)", "proved"),
        # definitions inlined; false goal refuted
        ("(f : ℝ → ℝ) (h : ∀ x, f x = 2 * x + 3) : f 2 = 7", "proved"),
        ("(f : ℝ → ℝ) (h : ∀ x, f x = 2 * x + 3) : f 2 = 8", "refuted"),
        # recurrence instantiated down to its base cases
        ("(u : ℕ → ℤ) (h₀ : u 0 = 1) (h₁ : ∀ n, u (n + 1) = 2 * u n) : u 10 = 1024", "proved"),
        # finite sums/filters are evaluated
        (": (∑ k ∈ Finset.range 101, k) = 5050", "proved"),
        (": Finset.card (Finset.filter (fun x => x % 19 = 7) (Finset.Icc 100 999)) = 48", "proved"),
        (": Nat.gcd 180 168 = 12 ∧ Nat.lcm 4 6 = 12 ∧ 5! = 120", "proved"),
    ],
)
def test_pitfalls(stmt: str, expected: str) -> None:
    assert kind(stmt) == expected


def test_untyped_binder_without_evidence_is_refused():
    v = check_statement("theorem t : ∀ x > 0, x / 2 < x := by sorry")
    assert isinstance(v, Unsupported) and "infer the type" in v.reason


def test_rational_counterexample_with_irrational_model_is_not_reported():
    # Over ℚ this is vacuous (no rational square root of 2); over ℝ the model is √2.
    v = check_statement("theorem t (x : ℚ) (h : x ^ 2 = 2) : False := by sorry")
    assert not isinstance(v, Refuted)


def test_counterexample_values():
    v = check_statement("theorem t (x : ℝ) (h : x ^ 2 = 4) : x = 2 := by sorry")
    assert isinstance(v, Refuted) and v.counterexample == {"x": "-2"}
    assert v.label == "SMT-checked" and v.backend == "z3"


def test_vacuous_reports_core():
    v = check_statement("theorem t (x : ℝ) (h₀ : x > 1) (h₁ : x < 0) (h₂ : x = x) : x = 5 := by sorry")
    assert isinstance(v, Vacuous) and set(v.contradictory) == {"h₀", "h₁"}
    assert "contradictory" in v.reason


def test_simple_real_statement_is_smt_checked_not_lean_verified():
    v = check_statement("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry")
    assert isinstance(v, Proved) and v.label == "SMT-checked"


def test_budget_is_a_deterministic_rlimit_and_the_wall_clock_only_an_outer_bound():
    stmt = ("theorem t (x y z : ℤ) (h : x ^ 3 + y ^ 3 + z ^ 3 = 33) (h2 : x * y * z ≠ 0) : "
            "x ^ 2 + y ^ 2 + z ^ 2 < 10 := by sorry")
    start = time.monotonic()
    v = check_statement(stmt, timeout_s=0.5, rlimit=200_000)
    assert time.monotonic() - start < 0.5 * 10 + 5 + 2.0  # the outer bound, with slack for a loaded machine
    assert isinstance(v, Unknown) and v.stopped_by == "rlimit" and "rlimit 200000" in v.reason
    again = check_statement(stmt, timeout_s=0.5, rlimit=200_000)
    assert (again.kind, again.reason, again.stopped_by) == (v.kind, v.reason, v.stopped_by)


# miniF2F valid's amc12a_2002_p12: at the default budget z3 grew a process past 9 GB on it (and z3's own
# max_memory cap crashed the process); in its capped worker it stops as Unknown("memory") in seconds.
MEMORY_HOG = ("theorem amc12a_2002_p12 (f : ℝ → ℝ) (k : ℝ) (a b : ℕ) (h₀ : ∀ x, f x = x ^ 2 - 63 * x + k)\n"
              "  (h₁ : f a = 0 ∧ f b = 0) (h₂ : a ≠ b) (h₃ : Nat.Prime a ∧ Nat.Prime b) : k = 122 := by sorry")


def test_a_check_that_exhausts_memory_is_unknown_and_this_process_survives():
    import resource

    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB, this process's lifetime peak
    v = check_statement(MEMORY_HOG, timeout_s=5.0)
    assert isinstance(v, Unknown) and v.stopped_by == "memory" and "memory" in v.reason, v
    # the growth (9.5 GB in process before) happened in the capped worker: this process's peak barely moved
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before < 500_000
    again = check_statement("theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry")
    assert isinstance(again, Proved)  # the pool replaced nothing it needed to; checks go on


def test_transcendental_is_refused_with_reason():
    v = check_statement("theorem t (x : ℝ) (h : 0 < x) : Real.log x < x := by sorry")
    assert isinstance(v, Unsupported) and "Real.log" in v.reason


def test_check_claim():
    assert isinstance(check_claim(["3*x + 7 = 25"], "x = 6", {"x": "real"}), Proved)
    assert isinstance(check_claim(["x ^ 2 = 9"], "x = 3", {"x": "int"}), Refuted)
    assert isinstance(check_claim([], "n * (n + 1) % 2 = 0", {"n": "nat"}), (Proved, Unknown))


def test_residue_reduction_decides_modular_goals_exactly():
    assert kind("(a : ℤ) : a ^ 2 % 4 = 0 ∨ a ^ 2 % 4 = 1") == "proved"
    v = check_statement("theorem t (a : ℤ) : a ^ 2 % 4 = 0 := by sorry")
    assert isinstance(v, Refuted) and v.counterexample["a"] in ("1", "3")
    assert kind("(x y : ℤ) (h₀ : x % 19 = 4) (h₁ : y % 19 = 7) : (x + 1) ^ 2 * (y + 5) ^ 3 % 19 = 13") == "proved"
    # ℕ subtraction is not polynomial: no reduction, still a correct verdict
    assert kind("(n : ℕ) (h : n % 7 = 3) : (2 * n + 1) % 7 = 0") == "proved"


def test_is_least_and_is_greatest():
    assert kind(": IsLeast { x : ℕ | 30 * x ≡ 42 [MOD 47] } 39") == "proved"
    assert kind(": IsLeast { x : ℕ | 30 * x ≡ 42 [MOD 47] } 38") == "refuted"
    assert kind(": IsGreatest { n : ℤ | n ^ 2 < 50 } 7") == "proved"


def test_rationals_never_get_real_witnesses():
    # True over ℚ (√12 is irrational): must not be refuted by the real model x = √12.
    v = check_statement("theorem t : ¬ ∃ (x : ℚ), ( x ^ 2 = 12 ) := by sorry")
    assert isinstance(v, Unknown)
    # False over ℚ but true over ℝ: a nested ∃ over ℚ would be unsound, so it is refused.
    w = check_statement("theorem t : 1 = 1 ∧ ∃ x : ℚ, x ^ 2 = 2 := by sorry")
    assert isinstance(w, Unsupported) and "ℚ" in w.reason
    assert kind("(x : ℚ) (h : 2 * x = 3) : x = 3 / 2") == "proved"
