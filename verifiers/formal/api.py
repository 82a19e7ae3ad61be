"""Public entry points of the SMT backend.

`check_statement(lean_text)` checks a Lean 4 theorem statement;
`check_claim(hyps, goal, var_types)` checks an informal claim written with
Lean-like formulas (e.g. hyps=["3*x + 7 = 25"], goal="x = 6",
var_types={"x": "ℝ"}).  Both return a verdict for every well-formed statement
(one outside the fragment is `Unsupported`, naming the construct) and raise
`MalformedStatement` for text that is not a Lean declaration at all.

Budgets: the verdict is decided under z3's deterministic resource limit
(`rlimit`, by default `RLIMIT_PER_SECOND * timeout_s`) and deterministic
translation budgets, so it does not depend on machine load; the wall clock,
`WALL_FACTOR * timeout_s + WALL_SLACK_S` seconds, is only the outer safety bound.  Memory: each check runs
in a verifier worker process with a capped address space (at the default rlimit, one miniF2F statement,
amc12a_2002_p12, grew a process past 9 GB; z3's own `max_memory` cap crashed the process on it).
"""

from __future__ import annotations

import threading
import time

from mathagent.verifiers.formal.errors import MalformedStatement, OutOfBudget, Refusal
from mathagent.verifiers.formal.verdicts import SMT_BACKEND, SMT_LABEL, Unknown, Unsupported, Verdict

_LOCK = threading.Lock()  # the translation builds terms in z3's shared main context
MAX_STATEMENT_CHARS = 200_000  # miniF2F/ProofNet statements with their headers are a few kB
# z3 resource units per second of solver time, measured on miniF2F valid on an idle development machine
# (bench/smt.py --calibrate): `timeout_s` keeps its old meaning, as a deterministic budget.
RLIMIT_PER_SECOND = 8_000_000
WALL_FACTOR = 10.0
WALL_SLACK_S = 5.0
ISOLATION_SLACK_S = 10.0  # the worker's own wall clock stops the check first; this only catches a stuck worker
_TYPE_WORDS = {
    "nat": "ℕ", "n": "ℕ", "ℕ": "ℕ", "natural": "ℕ", "int": "ℤ", "z": "ℤ", "ℤ": "ℤ", "integer": "ℤ",
    "rat": "ℚ", "q": "ℚ", "ℚ": "ℚ", "rational": "ℚ", "real": "ℝ", "r": "ℝ", "ℝ": "ℝ",
    "complex": "ℂ", "c": "ℂ", "ℂ": "ℂ",
}


def check_statement(lean_text: str, timeout_s: float = 5.0, *, rlimit: int | None = None,
                    isolate: bool = True) -> Verdict:
    """Check the first theorem/lemma/example in `lean_text` with z3 (label: SMT-checked).

    `timeout_s` sets the budget: z3's rlimit (`rlimit`, default `RLIMIT_PER_SECOND * timeout_s`) decides the
    verdict; the wall clock stops a check only after `WALL_FACTOR * timeout_s + WALL_SLACK_S` seconds.
    `isolate` (default): the check runs in a verifier worker process whose address space is capped
    (:data:`mathagent.verifiers.isolation.WORKER_MEMORY_BYTES`), so z3 running out of memory, or crashing, ends
    as `Unknown(stopped_by="memory")` instead of taking this process with it; `isolate=False` runs it here
    (no memory bound; for callers that cannot start processes).
    Returns Proved | Refuted | Vacuous | Unknown | Unsupported; raises MalformedStatement (a FormalInputError
    with a `fix`) when the text is not a well-formed declaration (unbalanced brackets, truncated, none found).
    Thread-safe.
    """
    if len(lean_text) > MAX_STATEMENT_CHARS:  # tokenizing is not under the budget (10 MB took minutes)
        return Unsupported(SMT_BACKEND, "statement size", f"longer than {MAX_STATEMENT_CHARS} characters")
    from mathagent.verifiers import isolation

    if not isolate or isolation.in_worker():
        return _check_here(lean_text, timeout_s, rlimit)
    start = time.monotonic()
    wall = WALL_FACTOR * max(timeout_s, 0.05) + WALL_SLACK_S
    out = isolation.run_isolated("mathagent.verifiers.formal.api:_check_for_worker", (lean_text, timeout_s, rlimit),
                                 wall + ISOLATION_SLACK_S)
    ms = (time.monotonic() - start) * 1000
    if isinstance(out, isolation.Finished):
        if isinstance(out.value, tuple) and out.value[:1] == ("malformed",):
            raise MalformedStatement(out.value[1], out.value[2])
        return out.value
    if isinstance(out, isolation.TimedOut):
        why = "no verifier worker was free" if out.refused else "wall-clock limit reached (the outer bound)"
        return Unknown(SMT_BACKEND, SMT_LABEL, why, ms, "wall clock")
    error = str(out.error)
    if "worker died" not in error:
        raise RuntimeError(f"the SMT check failed: {error}")  # a bug in the checker, not in the statement
    cap = isolation.WORKER_MEMORY_BYTES // 2**20
    return Unknown(SMT_BACKEND, SMT_LABEL, f"the check's process died ({error.removeprefix('verifier worker died: ')}):"
                   f" z3 reached the {cap} MiB memory cap of its process, or crashed", ms, "memory")


def _check_for_worker(lean_text: str, timeout_s: float, rlimit: int | None) -> Verdict | tuple[str, str, int]:
    """`_check_here` in a verifier worker; bad input comes back as ``("malformed", problem, pos)``."""
    try:
        return _check_here(lean_text, timeout_s, rlimit)
    except MalformedStatement as exc:
        return ("malformed", exc.problem, exc.pos)


def _check_here(lean_text: str, timeout_s: float, rlimit: int | None) -> Verdict:
    """The check in this process (see `check_statement`)."""
    from mathagent.verifiers.formal.parser import parse_theorem
    from mathagent.verifiers.formal.problem import build_problem
    from mathagent.verifiers.formal.smt import Budget, solve

    if "Prime" in lean_text or "ZMod" in lean_text:
        from mathagent.verifiers.formal.primes import warm

        warm()  # primality needs sympy: a cold import must not count against the outer wall-clock bound
    start = time.monotonic()
    budget = Budget(rlimit if rlimit is not None else max(1, int(RLIMIT_PER_SECOND * max(timeout_s, 0.0))),
                    start + WALL_FACTOR * max(timeout_s, 0.05) + WALL_SLACK_S)

    def ms() -> float:
        return (time.monotonic() - start) * 1000

    with _LOCK:
        try:
            thm = parse_theorem(lean_text)
            pb = build_problem(thm, deadline=budget.deadline)
            return solve(pb, budget)
        except Refusal as r:
            return Unsupported(SMT_BACKEND, r.construct, r.detail, ms())
        except OutOfBudget as b:
            return Unknown(SMT_BACKEND, SMT_LABEL, b.reason, ms(), b.stopped_by)  # type: ignore[arg-type]
        except RecursionError:
            return Unsupported(SMT_BACKEND, "deep nesting", "deeper than the reader's recursion limit", ms())
        except Exception as e:  # z3.Z3Exception and friends: the solver, not the statement, failed
            import z3

            if isinstance(e, z3.Z3Exception):
                return Unknown(SMT_BACKEND, SMT_LABEL, f"z3 error: {e}", ms())
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
    """Check `hyps ⊢ goal` over typed variables ("ℝ"/"real", "ℤ"/"int", "ℕ"/"nat", "ℚ", "ℂ").

    Same verdicts as `check_statement`; raises MalformedStatement when a formula is not well-formed Lean.
    """
    return check_statement(claim_to_lean(hyps, goal, var_types), timeout_s)
