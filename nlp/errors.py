"""Errors raised by policylens. Each subclasses a built-in type so callers may catch either.

The CLI turns them into one-line messages and a non-zero exit code; the API into JSON 4xx bodies.
"""

from __future__ import annotations


class PolicylensError(Exception):
    """Base of every error policylens raises on purpose."""


class InputError(PolicylensError, ValueError):
    """The input cannot be read as a policy (empty, binary, unknown format, bad encoding...)."""


class NotFoundError(PolicylensError, KeyError):
    """A policy, version or clause that was asked for does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0]) if self.args else ""


class ModelError(PolicylensError, RuntimeError):
    """A model or artifact is missing or cannot be loaded."""
