"""The seed part of the lay-question set (corpora/qa/lay_questions.jsonl), asked of the bundled
policy with the real model: the expected verdict, and a phrase of the answering clause among the
first three citations.

Known misses are listed (and measured in docs/benchmarks.md): they are expected to fail, and are
not strict, so a better encoder or reader that fixes one does not break the suite. Every other
question must pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp import PolicyLens, Settings

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[1] / "corpora" / "qa" / "lay_questions.jsonl"
ROWS = [
    r for r in (json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines() if line)
    if r["split"] == "seed"
]
# Questions the answer stage gets wrong today (verdict or citation), by id.
KNOWN_MISSES = {
    "lq-0007",
    "lq-0019", "lq-0024", "lq-0029",
}


def _norm(text: str) -> str:
    return " ".join(text.lower().split())


@pytest.fixture(scope="module")
def lens(tmp_path_factory) -> PolicyLens:
    return PolicyLens(Settings(embed={"cache_dir": tmp_path_factory.mktemp("cache")}))


def _param(row: dict) -> object:
    marks = [pytest.mark.xfail(reason="known miss", strict=False)] if row["id"] in KNOWN_MISSES else []
    return pytest.param(row, id=f"{row['id']}: {row['question']}", marks=marks)


@pytest.mark.parametrize("row", [_param(r) for r in ROWS])
def test_seed_lay_question(lens, row):
    ans = lens.ask(row["question"])
    assert ans.version == "2020-02-27"
    assert ans.verdict == row["verdict"], (ans.reason, ans.answer)
    if row["phrases"]:
        texts = [_norm(c.text) for c in ans.citations[:3]]
        assert any(_norm(p) in t for p in row["phrases"] for t in texts), [t[:60] for t in texts]
    else:
        assert ans.citations == () or ans.verdict != "not_stated" or ans.reason == "not_named_general"


def test_seed_lay_questions_overall(lens):
    """Most seed questions are answered right (the floor sits below the measured figures)."""
    right = sum(lens.ask(r["question"]).verdict == r["verdict"] for r in ROWS)
    assert right / len(ROWS) >= 0.7
