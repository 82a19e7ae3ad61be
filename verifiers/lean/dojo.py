"""LeanDojo backend: tactic interaction on a theorem of a *traced* repository.

A thin wrapper over `lean_dojo` (`Dojo(thm, timeout)` context manager,
`run_tac(state, tactic)`), imported lazily because it is heavy and optional
(`pip install lean-dojo`; tracing Mathlib takes about an hour on 32 CPUs).
Its results are mapped onto our own closed union so callers never import
lean_dojo types.  LeanDojo reads CACHE_DIR, TMP_DIR, NUM_PROCS,
TACTIC_CPU_LIMIT, TACTIC_MEMORY_LIMIT from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Union

from mathagent.verifiers.lean.errors import LeanUnavailable


@dataclass(frozen=True)
class TacticStateOut:
    pp: str
    id: int
    kind: str = "state"


@dataclass(frozen=True)
class ProofFinishedOut:
    kind: str = "finished"


@dataclass(frozen=True)
class LeanErrorOut:
    error: str
    kind: str = "error"


@dataclass(frozen=True)
class GivenUpOut:
    kind: str = "given_up"


TacticOutcome = Union[TacticStateOut, ProofFinishedOut, LeanErrorOut, GivenUpOut]


def import_lean_dojo() -> Any:
    try:
        import lean_dojo  # type: ignore[import-not-found]
    except ImportError as e:
        raise LeanUnavailable(f"LeanDojo is not installed ({e.msg})",
                              "pip install lean-dojo (needs Lean via elan; see docker/ for a full image)") from None
    return lean_dojo


class DojoSession:
    """`with DojoSession(url, commit, file_path, full_name) as s: s.run_tac("norm_num")`."""

    def __init__(self, repo_url: str, commit: str, file_path: str, full_name: str, timeout_s: int = 600):
        self.repo_url, self.commit, self.file_path, self.full_name = repo_url, commit, file_path, full_name
        self.timeout_s = timeout_s
        self._dojo: Any = None
        self._state: Any = None
        self._ld: Any = None

    def __enter__(self) -> DojoSession:
        ld = self._ld = import_lean_dojo()
        repo = ld.LeanGitRepo(self.repo_url, self.commit)
        thm = ld.Theorem(repo, self.file_path, self.full_name)
        self._dojo = ld.Dojo(thm, timeout=self.timeout_s)
        self._dojo_cm, self._state = self._dojo.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._dojo is not None:
            self._dojo.__exit__(*exc)
            self._dojo = None

    @property
    def initial_state(self) -> TacticOutcome:
        return self.convert(self._state)

    def run_tac(self, tactic: str, state: Any = None) -> TacticOutcome:
        if self._dojo is None:
            raise LeanUnavailable("the Dojo session is not open", "use DojoSession as a context manager")
        result = self._dojo_cm.run_tac(state or self._state, tactic)
        out = self.convert(result)
        if isinstance(out, TacticStateOut):
            self._state = result
        return out

    def convert(self, result: Any) -> TacticOutcome:
        return convert_result(self._ld, result)


def convert_result(ld: Any, result: Any) -> TacticOutcome:
    """Map lean_dojo's `TacticState | ProofFinished | LeanError | ProofGivenUp` to our union."""
    if isinstance(result, ld.TacticState):
        return TacticStateOut(result.pp, int(getattr(result, "id", 0)))
    if isinstance(result, ld.ProofFinished):
        return ProofFinishedOut()
    if isinstance(result, ld.LeanError):
        return LeanErrorOut(str(result.error))
    return GivenUpOut()
