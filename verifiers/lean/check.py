"""Check a Lean file with the REPL and return a formal verdict.

Lean's verdicts carry the label "Lean-verified" only when Lean accepted the
file with no errors and no `sorry`; a statement that elaborates but still has
`sorry` is `Unknown` (proof search is not wired here), and an elaboration
error is `Unknown` with Lean's message.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from mathagent.verifiers.formal.verdicts import LEAN_LABEL, Proved, Unknown, Unsupported, Verdict
from mathagent.verifiers.lean.detect import detect_lean
from mathagent.verifiers.lean.errors import LeanUnavailable
from mathagent.verifiers.lean.repl import LeanRepl, ReplConfig, ReplResponse

BACKEND = "lean-repl"
_HEADER_RE = re.compile(r"^(import .*\n|\s*\n)*", re.M)


def split_header(text: str) -> tuple[str, str]:
    """(`import ...` lines, the rest); imports must go first in a REPL command."""
    m = _HEADER_RE.match(text)
    cut = m.end() if m else 0
    return text[:cut].strip(), text[cut:]


def verdict_from_response(out: object, elapsed_ms: float) -> Verdict:
    if not isinstance(out, ReplResponse):
        reason = {"timeout": "Lean timed out", "crash": "the Lean REPL crashed",
                  "malformed": "the Lean REPL answered garbage"}.get(getattr(out, "kind", ""), "REPL failure")
        return Unknown(BACKEND, LEAN_LABEL, reason, elapsed_ms)
    if out.errors:
        return Unknown(BACKEND, LEAN_LABEL, f"Lean error: {out.errors[0][:300]}", elapsed_ms)
    if out.sorries:
        return Unknown(BACKEND, LEAN_LABEL, "the statement elaborates, but the proof uses sorry", elapsed_ms)
    return Proved(BACKEND, LEAN_LABEL, elapsed_ms)


def check_with_repl(text: str, project: Path | None = None, timeout_s: float = 60.0,
                    command: list[str] | None = None) -> Verdict:
    """Run the whole file through `lake exe repl` in `project` (needs Lean + Mathlib + REPL)."""
    if command is None:
        info = detect_lean()
        if not info.available:
            raise LeanUnavailable(f"Lean is not usable here: {info.reason}",
                                  "install elan + Lean v4.24.0 + Mathlib + the REPL (see docker/README.md), "
                                  "or use --backend smt")
        if project is None or not (Path(project) / "lakefile.lean").exists() and not (
                Path(project) / "lakefile.toml").exists():
            raise LeanUnavailable("no Lean project given (needs Mathlib and the REPL as dependencies)",
                                  "pass --lean-project PATH (the docker image has one at /opt/mathagent-lean)")
    header, body = split_header(text)
    if not body.strip():
        return Unsupported(BACKEND, "file without declarations", "nothing to check")
    cfg = ReplConfig(command=command or ["lake", "exe", "repl"], cwd=str(project) if project else None,
                     header=header or None, timeout_s=timeout_s)
    start = time.monotonic()
    with LeanRepl(cfg) as repl:
        out = repl.command(body)
    return verdict_from_response(out, (time.monotonic() - start) * 1000)
