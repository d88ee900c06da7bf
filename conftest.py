"""Doctests of ``nlp/`` and ``api/``: the names their examples use, run from the repository root.

Examples name files relative to the repository (``corpora/...``, ``tests/data/...``) and use
``encoder``, the deterministic fake encoder of the unit tests, so no model is loaded; what they
write (``tmp_path``, the disk cache) goes to a temporary folder, never to the user's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent


@pytest.fixture(autouse=True)
def _doctest_setup(request: pytest.FixtureRequest) -> None:
    from _pytest.doctest import DoctestItem

    if not isinstance(request.node, DoctestItem):
        return
    from tests.fakes import FakeEncoder

    monkeypatch = request.getfixturevalue("monkeypatch")
    tmp_path = request.getfixturevalue("tmp_path")
    monkeypatch.chdir(ROOT)
    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    namespace = request.getfixturevalue("doctest_namespace")
    namespace["encoder"] = FakeEncoder()
    namespace["tmp_path"] = tmp_path  # where an example may write its files
