"""Shared fixtures: a deterministic fake encoder for unit tests, the real model once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.fakes import FakeEncoder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

DATA = Path(__file__).parent / "data"
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "000_ce4448d9c54926ad.txt"


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA
