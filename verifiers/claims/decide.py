"""The claim worker's entry point: :func:`decide` dispatches a :class:`~mathagent.verifiers.claims.shapes.Claim` to
the reader of its shape; it runs in a killable verifier worker
(:func:`mathagent.verifiers.isolation.run_isolated`), so a runaway SymPy call costs a timeout, never a hang."""

from __future__ import annotations

from mathagent.verifiers.claims.decision import Decision, Refuse
from mathagent.verifiers.claims.shapes import Claim
from mathagent.verifiers.claims.solutions import decide_equations, decide_integer_solutions, decide_roots
from mathagent.verifiers.claims.values import decide_numtheory, decide_residue, decide_value

_SHAPES = {"value": decide_value, "residue": decide_residue, "numtheory": decide_numtheory,
           "equations": decide_equations, "roots": decide_roots, "count": decide_integer_solutions, "int_extreme": decide_integer_solutions,
           "int_sum": decide_integer_solutions}


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
