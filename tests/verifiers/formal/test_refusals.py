"""Refusals name the construct and are never labelled as checked; malformed text is bad input, not a refusal."""

from __future__ import annotations

import pytest

from mathagent.verifiers.formal import check_statement
from mathagent.verifiers.formal.errors import MalformedStatement
from mathagent.verifiers.formal.verdicts import UNCHECKED_LABEL, Unsupported, verdict_to_dict

REFUSED = [
    ("instance foo : Group ℤ := sorry", "instance declaration"),
    ("def f (n : ℕ) : ℕ := n + 1", "def declaration"),
    ("theorem t (f : G →* H) : f 1 = 1 := sorry", "monoid hom type →*"),
    ("theorem t (f : R →+* S) : f 1 = 1 := sorry", "ring hom type →+*"),
    ("theorem t (s : Set ℕ) (h : s = ∅) : s = s := sorry", "empty set ∅"),
    ("theorem t (x : ℕ) : @id ℕ x = x := sorry", "explicit arguments @f"),
    ("theorem t (p : ℕ) [h : Fact p.Prime] : p ≥ 2 := sorry", "named instance binder [h : C]"),
    ("theorem t (p : {p : ℤ // p > 0}) : p.1 > 0 := sorry", "subtype {x // p}"),
    ("theorem t (x : ℕ) (h : x ≤ ⊤) : x = x := sorry", "notation ⊤"),
    ("theorem t (x : ℕ) (h : x ⊓ 2 = 1) : x = x := sorry", "notation ⊓"),
    ("theorem t : ∫ x in (0:ℝ)..1, x = 1/2 := sorry", "notation ∫"),
    ("theorem t (x : ℝ) (h : 0 < x) : Real.log x < x := sorry", "Real.log"),
    ("theorem t (n : ℕ) (h : 0 < n) : ∑ k ∈ Finset.range n, k < n ^ 2 := sorry", "sum with a variable bound"),
    ("theorem t (s : Finset ℕ) : s.card ≥ 0 := sorry", "type Finset"),
    ("theorem t (G : Type*) [Group G] : True := sorry", "type Type*"),
    ("theorem t (x : ℝ) (n : ℕ) : x ^ n ≥ 0 := sorry", "variable exponent"),
    ("theorem t (x : ℕ) (x : ℝ) : x = x := sorry", "shadowed theorem binder"),
]


@pytest.mark.parametrize("text, construct", REFUSED)
def test_refusal_names_the_construct_and_is_not_checked(text, construct):
    v = check_statement(text, 1.0)
    assert isinstance(v, Unsupported), v
    assert v.construct == construct and v.reason.startswith(f"unsupported: {construct}")
    assert v.label == UNCHECKED_LABEL == "not checked"
    d = verdict_to_dict(v)
    assert d["construct"] == construct and d["label"] == "not checked"


MALFORMED = [
    ("theorem t (x : ℕ : x = x", "'(' is never closed"),
    ("theorem t (x : ℕ) : x = x) := sorry", "unmatched ')'"),
    ("theorem t (x : ℕ) : (x = ⌊x) := sorry", "closed by ')'"),
    ("theorem t (x : ℕ) : x = ", "ends early"),
    ("theorem t (x : ℕ) : ∀ y,", "ends early"),
    ("theorem (x : ℕ) : x = x := by sorry", "has no name"),
    ("theorem t (x : ℕ) := by sorry", "no statement"),
    ("hello world", "no theorem, lemma or example"),
    ("", "no theorem, lemma or example"),
    ("theorem t (x : ℕ) : x = \x01 x := sorry", "U+0001"),
]


@pytest.mark.parametrize("text, problem", MALFORMED)
def test_malformed_statement_is_bad_input(text, problem):
    with pytest.raises(MalformedStatement) as ei:
        check_statement(text, 1.0)
    assert problem in ei.value.message and ei.value.fix
    assert "\n" not in ei.value.message


def test_ascii_connectives_and_application_operators_are_read():
    assert check_statement("theorem t (x y : ℕ) (h : x = 1 /\\ y = 2) : x = 1 \\/ y = 5 := sorry").kind == "proved"
    assert check_statement("theorem t (x : ℝ) (h : x = 4) : (Real.sqrt <| x) = 2 := sorry").kind == "proved"
    assert check_statement("theorem t (x : ℝ) (h : x = 4) : (x |> Real.sqrt) = 2 := sorry").kind == "proved"
