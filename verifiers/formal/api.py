"""Public entry points of the SMT backend.

`check_statement(lean_text)` checks a Lean 4 theorem statement;
`check_claim(hyps, goal, var_types)` checks an informal claim written with
Lean-like formulas (e.g. hyps=["3*x + 7 = 25"], goal="x = 6",
var_types={"x": "ℝ"}).  Both return a verdict and never raise for statements
outside the fragment (those are `Unsupported` with a reason).
"""

from __future__ import annotations

import threading
import time

from mathagent.verifiers.formal.errors import Refusal
from mathagent.verifiers.formal.verdicts import SMT_LABEL, Unknown, Unsupported, Verdict

_LOCK = threading.Lock()  # z3's default context is shared process-wide
MAX_STATEMENT_CHARS = 200_000  # miniF2F/ProofNet statements with their headers are a few kB
_TYPE_WORDS = {
    "nat": "ℕ", "n": "ℕ", "ℕ": "ℕ", "natural": "ℕ", "int": "ℤ", "z": "ℤ", "ℤ": "ℤ", "integer": "ℤ",
    "rat": "ℚ", "q": "ℚ", "ℚ": "ℚ", "rational": "ℚ", "real": "ℝ", "r": "ℝ", "ℝ": "ℝ",
    "complex": "ℂ", "c": "ℂ", "ℂ": "ℂ",
}


def check_statement(lean_text: str, timeout_s: float = 5.0) -> Verdict:
    """Check the first theorem/lemma/example in `lean_text` with z3 (label: SMT-checked)."""
    from mathagent.verifiers.formal.parser import parse_theorem
    from mathagent.verifiers.formal.problem import build_problem
    from mathagent.verifiers.formal.smt import BACKEND, solve

    start = time.monotonic()
    if len(lean_text) > MAX_STATEMENT_CHARS:  # tokenizing is not under the deadline (10 MB took minutes)
        return Unsupported(BACKEND, SMT_LABEL, f"statement longer than {MAX_STATEMENT_CHARS} characters", 0.0)
    with _LOCK:
        try:
            thm = parse_theorem(lean_text)
            pb = build_problem(thm, deadline=start + 0.5 * max(timeout_s, 0.05))
            return solve(pb, timeout_s)
        except Refusal as r:
            return Unsupported(BACKEND, SMT_LABEL, r.reason, (time.monotonic() - start) * 1000)
        except RecursionError:
            return Unsupported(BACKEND, SMT_LABEL, "expression nesting too deep",
                               (time.monotonic() - start) * 1000)
        except Exception as e:  # z3.Z3Exception and friends: the solver, not the statement, failed
            import z3

            if isinstance(e, z3.Z3Exception):
                return Unknown(BACKEND, SMT_LABEL, f"z3 error: {e}", (time.monotonic() - start) * 1000)
            raise


def claim_to_lean(hyps: list[str], goal: str, var_types: dict[str, str]) -> str:
    """Build the Lean statement `check_claim` checks (exposed for traces and tests)."""
    binders = []
    for name, ty in var_types.items():
        t = _TYPE_WORDS.get(ty.strip().lower(), _TYPE_WORDS.get(ty.strip(), ty.strip()))
        binders.append(f"({name} : {t})")
    binders += [f"(h{i} : {h})" for i, h in enumerate(hyps)]
    return f"theorem claim {' '.join(binders)} : {goal} := by sorry"


def check_claim(hyps: list[str], goal: str, var_types: dict[str, str], timeout_s: float = 5.0) -> Verdict:
    """Check `hyps ⊢ goal` over typed variables ("ℝ"/"real", "ℤ"/"int", "ℕ"/"nat", "ℚ", "ℂ")."""
    return check_statement(claim_to_lean(hyps, goal, var_types), timeout_s)
