"""mathagent: a neuro-symbolic math reasoning agent.

Importing this package does no work: no model load, no network, no database.  The public API is loaded
on first use::

    from mathagent import evaluate, grade, solve
    solve("A farmer has 12 ducks and buys 6 more. How many ducks?").answer            # "18", traced
    grade("The answer is $\\boxed{\\frac{1}{2}}$.", "0.5").correct   # True
    evaluate("gsm8k", "gsm8k/dev.jsonl", strategies="pot,agent", limit=20).summary   # as `mathagent eval`
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"
__all__ = ["EvalResult", "GradeResult", "SolveResult", "equivalent", "evaluate", "grade", "solve", "__version__"]

_LAZY = {"grade": "mathagent.eval.grading", "GradeResult": "mathagent.eval.grading",
         "equivalent": "mathagent.verifiers.equivalence", "evaluate": "mathagent.eval.api",
         "EvalResult": "mathagent.eval.runner", "solve": "mathagent.agent.api", "SolveResult": "mathagent.agent.runner"}


def __getattr__(name: str) -> Any:
    """``solve``, ``SolveResult``, ``evaluate``, ``EvalResult``, ``grade``, ``GradeResult`` and ``equivalent``,
    imported when first asked for (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mathagent' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value
