"""Lean backend: the community REPL (JSON lines).

Public interface:

* ``detect_lean() -> LeanInfo`` runs ``lean --version``/``lake --version`` (never trusts ``which``).
* ``LeanRepl(ReplConfig)`` context manager: ``command(code, env)``, ``tactic(t, proof_state)`` ->
  ``ReplResponse | ReplTimeout | ReplCrash | ReplMalformed``; per-request timeout kills and restarts,
  RLIMIT_AS memory cap, crash recovery.  ``ReplPool(config, size)`` shares a few of them.
* ``check_with_repl(text, project, timeout_s) -> Verdict`` ("Lean-verified" only on a sorry-free pass).
"""

from __future__ import annotations

from mathagent.verifiers.lean.check import check_with_repl, verdict_from_response
from mathagent.verifiers.lean.detect import LeanInfo, detect_lean
from mathagent.verifiers.lean.errors import LeanUnavailable, ReplError
from mathagent.verifiers.lean.pool import ReplPool
from mathagent.verifiers.lean.repl import (
    LeanRepl, ReplConfig, ReplCrash, ReplMalformed, ReplOutcome, ReplResponse, ReplTimeout,
)

__all__ = [
    "check_with_repl", "verdict_from_response", "LeanInfo", "detect_lean",
    "LeanUnavailable", "ReplError", "ReplPool", "LeanRepl", "ReplConfig", "ReplCrash", "ReplMalformed",
    "ReplOutcome", "ReplResponse", "ReplTimeout",
]
