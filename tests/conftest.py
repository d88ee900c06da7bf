"""Shared fixtures: a deterministic fake encoder for unit tests, the real model once per session."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import numpy as np
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


# The batch tests (test_batch, test_engines, test_ray_engine): a small classifier on the fake
# encoder's vectors, and a folder of three policies and a broken PDF.
BATCH_DATA = DATA / "classify"


@pytest.fixture
def model(fake_encoder):
    from nlp.classify import ClauseClassifier
    from nlp.classify.taxonomy import LABELS

    lines = (BATCH_DATA / "train.jsonl").read_text().splitlines()
    recs = [json.loads(x) for x in lines if x.strip()]
    texts = [r["text"] for r in recs]
    Y = np.array([[int(n in r["labels"]) for n in LABELS] for r in recs], dtype=np.int8)
    return ClauseClassifier(C=20.0, max_features=2000).fit(
        texts, Y, embeddings=fake_encoder.encode(texts)
    )


@pytest.fixture
def folder(tmp_path) -> Path:
    dst = tmp_path / "policies"
    shutil.copytree(BATCH_DATA / "policies", dst)
    return dst
