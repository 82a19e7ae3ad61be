"""Exceptions of the Lean backends (each with a one-line `fix`)."""

from __future__ import annotations


class LeanUnavailable(Exception):
    """Lean, Lake or the REPL is not installed or does not run."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.fix = fix


class ReplError(Exception):
    """The REPL process could not be started at all (broken infrastructure, not a bad proof)."""

    def __init__(self, message: str, fix: str = "check the REPL command and the Lean project path"):
        super().__init__(message)
        self.fix = fix
