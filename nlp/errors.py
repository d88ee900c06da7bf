"""Errors raised by policylens. Each subclasses a built-in type so callers may catch either.

The CLI turns them into one-line messages and a non-zero exit code; the API into JSON bodies
(``api/errors.py`` maps each class to its HTTP status: the class names the status it stands for).
"""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "InputError",
    "MissingExtraError",
    "ModelError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PolicylensError",
    "StoreError",
    "UnsupportedFormatError",
]


class PolicylensError(Exception):
    """Base of every error policylens raises on purpose."""


class InputError(PolicylensError, ValueError):
    """The input cannot be read as a policy (empty, binary, unknown format, bad encoding...)."""


class PayloadTooLargeError(InputError):
    """An upload or text larger than the configured limit (HTTP 413)."""


class UnsupportedFormatError(InputError):
    """An upload in a format policylens cannot read (HTTP 415)."""


class NotFoundError(PolicylensError, KeyError):
    """A policy, version or clause that was asked for does not exist."""

    def __str__(self) -> str:  # KeyError quotes its message; show it plainly.
        return str(self.args[0]) if self.args else ""


class ConflictError(PolicylensError):
    """The request contradicts the current state, e.g. deleting the bundled seed (HTTP 409)."""


class ModelError(PolicylensError, RuntimeError):
    """A model or artifact is missing or cannot be loaded."""


class StoreError(PolicylensError, RuntimeError):
    """The policy database cannot be opened or is of a schema this policylens does not know."""


class MissingExtraError(PolicylensError, ImportError):
    """A feature needs an optional dependency that is not installed; the message names the extra."""
