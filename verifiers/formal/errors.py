"""Exceptions of the formal package.

Expected outcomes (a statement outside the fragment, a budget running out) are verdicts, not
exceptions escaping the package:

* `Refusal(construct, detail)`: valid Lean that the SMT translation does not model; becomes
  `Unsupported`, whose reason reads "unsupported: <construct>" (a category users can count).
  `ParseRefusal` is the same for syntax the reader does not know.
* `OutOfBudget(reason, stopped_by)`: a deterministic work budget (or the wall clock, the outer
  safety bound) ran out while translating; becomes `Unknown` with `stopped_by` recorded.

`FormalInputError` is for unusable input (a file, a dataset, a malformed statement) and carries a
one-line `fix` like every user-facing error; `MalformedStatement` is the one `check_statement`
raises for text that is not a well-formed Lean declaration.
"""

from __future__ import annotations


class Refusal(Exception):
    """The statement is outside what the SMT translation handles (becomes `Unsupported`)."""

    def __init__(self, construct: str, detail: str = ""):
        super().__init__(f"{construct}: {detail}" if detail else construct)
        self.construct = construct
        self.detail = detail

    @property
    def reason(self) -> str:
        return f"unsupported: {self.construct}" + (f" ({self.detail})" if self.detail else "")


class ParseRefusal(Refusal):
    """Valid Lean syntax the reader does not understand."""

    def __init__(self, construct: str, detail: str = "", pos: int = -1):
        super().__init__(construct, detail if pos < 0 else (f"{detail}, " if detail else "") + f"at character {pos}")
        self.pos = pos


class OutOfBudget(Exception):
    """A work budget (deterministic) or the wall clock (outer bound) stopped the translation."""

    def __init__(self, reason: str, stopped_by: str):
        super().__init__(reason)
        self.reason = reason
        self.stopped_by = stopped_by


class FormalInputError(Exception):
    """A statement file or dataset cannot be read."""

    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message = message
        self.fix = fix


class MalformedStatement(FormalInputError):
    """The text is not a well-formed Lean 4 declaration (unbalanced brackets, truncated, no declaration)."""

    def __init__(self, problem: str, pos: int = -1):
        where = f" at character {pos}" if pos >= 0 else ""
        super().__init__(f"malformed Lean statement: {problem}{where}",
                         "give one complete declaration, e.g. 'theorem t (x : ℝ) (h : 3*x + 7 = 25) : x = 6 := by sorry'")
        self.problem = problem
        self.pos = pos
