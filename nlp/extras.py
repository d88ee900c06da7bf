"""Optional dependencies: which extra brings each, and one error that says how to install it.

The base install answers questions (onnxruntime, tokenizers, spaCy, SciPy, FastAPI); DataFrames,
Parquet and Hugging Face datasets come with ``[research]``, training (scikit-learn, torch,
sentence-transformers) with ``[train]``, the Ray engine with ``[ray]``. A feature that needs one
calls :func:`require` before importing it, so a user without the extra reads what to install
instead of a bare ``ModuleNotFoundError``.
"""

from __future__ import annotations

import importlib.util
import sys

from nlp.errors import MissingExtraError

__all__ = ["require"]


def require(extra: str, *modules: str, purpose: str) -> None:
    """Raise :class:`~nlp.errors.MissingExtraError` unless every module in ``modules`` imports.

    >>> require("research", "json", purpose="reading JSON")
    >>> require("research", "nosuch", purpose="a table")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    nlp.errors.MissingExtraError: a table needs nosuch, ... pip install "policylens[research]"
    """
    missing = [m for m in modules if not _available(m)]
    if missing:
        raise MissingExtraError(
            f"{purpose} needs {', '.join(missing)}, which comes with the [{extra}] extra: "
            f'pip install "policylens[{extra}]"'
        )


def _available(module: str) -> bool:
    """Whether ``module`` can be imported, without importing it."""
    if module in sys.modules:  # None there means "blocked" (how tests simulate a missing extra)
        return sys.modules[module] is not None
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False
