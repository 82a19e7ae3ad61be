"""SMT-backed checks of Lean 4 statements (z3), and benchmark audits.

Public interface (imports are cheap; z3 loads on first check):

* ``check_statement(lean_text, timeout_s=5.0, *, rlimit=None, isolate=True) -> Verdict`` (raises
  ``MalformedStatement`` for text that is not a Lean declaration)
* ``check_claim(hyps, goal, var_types, timeout_s=5.0) -> Verdict``
* ``audit_statements(records, timeout_s=5.0) -> list[AuditResult]`` and ``summarize(results)``;
  ``audit_path(path, limit=, timeout_s=) -> (results, summary)`` does both for a statements file or folder
* ``load_statements(path) -> list[StatementRecord]`` (folder of .lean files or miniF2F JSONL)

Verdicts: ``Proved | Refuted | Vacuous | Unknown | Unsupported`` with ``backend``
and ``label`` ("SMT-checked" here; "not checked" on ``Unsupported``, whose reason
is "unsupported: <construct>").
"""

from __future__ import annotations

from typing import Any

from mathagent.verifiers.formal.api import check_claim, check_statement, claim_to_lean
from mathagent.verifiers.formal.errors import FormalInputError, MalformedStatement
from mathagent.verifiers.formal.verdicts import (
    LEAN_LABEL, SMT_LABEL, UNCHECKED_LABEL, VERDICT_KINDS, Proved, Refuted, Unknown, Unsupported, Vacuous,
    Verdict, verdict_to_dict,
)

__all__ = [
    "check_statement", "check_claim", "claim_to_lean", "audit_statements", "audit_path", "summarize", "load_statements",
    "AuditResult", "StatementRecord", "FormalInputError", "MalformedStatement", "Proved", "Refuted", "Vacuous",
    "Unknown", "Unsupported", "Verdict", "VERDICT_KINDS", "SMT_LABEL", "LEAN_LABEL", "UNCHECKED_LABEL",
    "verdict_to_dict",
]


def __getattr__(name: str) -> Any:
    if name in ("audit_statements", "audit_path", "summarize", "AuditResult", "markdown_table"):
        from mathagent.verifiers.formal import audit

        return getattr(audit, name)
    if name in ("load_statements", "StatementRecord"):
        from mathagent.verifiers.formal import loader

        return getattr(loader, name)
    raise AttributeError(name)
