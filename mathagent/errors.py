"""User-facing errors.

Every error a user can cause or fix (bad input, a missing dependency, an
unreachable server) is a :class:`MathAgentError` with a one-line message and a
fix.  The CLI prints ``error: <message>`` and ``fix: <fix>`` and exits with
``exit_code``; it never prints a traceback for these.

The lower layers (``tools``, ``verifiers``) import nothing above them, so they
raise their own exception types; those carry the same ``fix`` attribute and the
CLI treats any exception with a ``fix`` attribute the same way.  This module
imports nothing, so ``mathagent.files`` (the one input reader and output writer,
which ``verifiers`` use too) can raise an :class:`InputError` of its own.
"""

from __future__ import annotations


class MathAgentError(Exception):
    """An error with a message meant for the user and a suggested fix."""

    exit_code = 1

    def __init__(self, message: str, fix: str | None = None, *, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.fix = fix
        if exit_code is not None:
            self.exit_code = exit_code


class InputError(MathAgentError):
    """The user's input (a problem, a file, an option) is unusable."""

    exit_code = 2


class ConfigError(MathAgentError):
    """A setting or environment variable is invalid."""

    exit_code = 2


class ModelUnavailable(MathAgentError):
    """The requested LLM cannot be loaded or reached."""

    exit_code = 3


class LLMError(MathAgentError):
    """The LLM backend failed after its bounded retries."""

    exit_code = 4


class DatabaseError(MathAgentError):
    """The trace database is unreachable, read-only or on an unknown schema."""

    exit_code = 5


class SolveFailed(MathAgentError):
    """The agent finished without an answer."""

    exit_code = 6
