"""Exceptions of the formal package.

Expected outcomes (a statement outside the fragment, a timeout) are verdicts,
not exceptions.  `ParseRefusal`/`Refusal` are internal signals turned into
`Unsupported` verdicts by the checker; `FormalInputError` is for unusable
input files and carries a one-line `fix` like every user-facing error.
"""

from __future__ import annotations


class Refusal(Exception):
    """The statement is outside what the SMT translation handles (becomes `Unsupported`)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class ParseRefusal(Refusal):
    """The text is outside the Lean syntax subset the reader understands."""

    def __init__(self, reason: str, pos: int = -1):
        super().__init__(reason if pos < 0 else f"{reason} (at character {pos})")
        self.pos = pos


class FormalInputError(Exception):
    """A statement file or dataset cannot be read."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message = message
        self.fix = fix
