"""Exceptions of premise retrieval (each with a one-line `fix`)."""

from __future__ import annotations


class PremiseError(Exception):
    def __init__(self, message: str, fix: str):
        super().__init__(message)
        self.message = message
        self.fix = fix
