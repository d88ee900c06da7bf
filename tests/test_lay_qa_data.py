"""The lay-question set in corpora/qa/ is well formed (no ../shared needed).

Checks the data file itself: JSON lines, keys, verdict values, phrase rules,
unique ids, the split by policy, the verdict mix, and that every phrase about
the bundled seed occurs in its newer (2020-02-27) version.
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "corpora" / "qa" / "lay_questions.jsonl"
SEED = ROOT / "corpora" / "000_ce4448d9c54926ad.txt"
SEED_OLD_VERSION = "Old version (Effective as of January 17,2019)"

KEYS = {"id", "policy", "policy_name", "question", "verdict", "phrases", "note", "split"}
VERDICTS = {"yes", "no", "not_stated", "info"}
SPLITS = {"train", "validation", "seed"}


def collapse(text: str) -> str:
    """Collapse every run of whitespace to one space."""
    return re.sub(r"\s+", " ", text).strip()


def load_rows() -> list[dict]:
    """Every row of the data file, parsed."""
    lines = [line for line in DATA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [json.loads(line) for line in lines]


ROWS = load_rows()


def test_every_line_is_a_json_object_with_the_required_keys() -> None:
    assert ROWS, "the data file is empty"
    for row in ROWS:
        assert isinstance(row, dict)
        assert set(row) == KEYS, row.get("id")
        for key in ("id", "policy", "policy_name", "question", "verdict", "note", "split"):
            assert isinstance(row[key], str), (row["id"], key)
        assert row["question"].strip() and row["policy_name"].strip(), row["id"]
        assert isinstance(row["phrases"], list) and all(isinstance(p, str) for p in row["phrases"])


def test_ids_are_unique_and_well_formed() -> None:
    ids = [row["id"] for row in ROWS]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"lq-\d{4}", i) for i in ids)


def test_verdict_and_split_values() -> None:
    assert {row["verdict"] for row in ROWS} <= VERDICTS
    assert {row["split"] for row in ROWS} <= SPLITS


@pytest.mark.parametrize("row", ROWS, ids=[row["id"] for row in ROWS])
def test_phrase_count_rules(row: dict) -> None:
    phrases = row["phrases"]
    if row["verdict"] == "not_stated":
        assert phrases == [], "a not_stated answer cites no clause"
        assert row["note"].strip(), "not_stated says what was searched"
    else:
        assert 1 <= len(phrases) <= 3
        for phrase in phrases:
            words = len(phrase.split())
            # 8 to 25 words, or a whole clause shorter than that (a list item, a short sentence)
            assert 2 <= words <= 25, (phrase, words)
            assert "](" not in phrase and "<" not in phrase, "no Markdown link or HTML tag"


def test_size_and_policy_count() -> None:
    assert len(ROWS) >= 320
    assert len({row["policy"] for row in ROWS}) >= 42


def test_split_is_by_policy() -> None:
    splits_of: dict[str, set[str]] = defaultdict(set)
    for row in ROWS:
        splits_of[row["policy"]].add(row["split"])
    assert all(len(s) == 1 for s in splits_of.values()), {p: s for p, s in splits_of.items() if len(s) > 1}
    assert splits_of["seed"] == {"seed"}
    assert all(s != {"seed"} for p, s in splits_of.items() if p != "seed")
    names: dict[str, set[str]] = defaultdict(set)
    for row in ROWS:
        names[row["policy_name"]].add(row["policy"])
    assert all(len(p) == 1 for p in names.values()), "one policy_name per policy"


def test_split_is_about_seventy_thirty_of_policies() -> None:
    per_policy = {row["policy"]: row["split"] for row in ROWS if row["split"] != "seed"}
    validation = sum(1 for s in per_policy.values() if s == "validation")
    assert 0.2 <= validation / len(per_policy) <= 0.4


def test_verdict_mix_thresholds() -> None:
    counts = Counter(row["verdict"] for row in ROWS)
    total = len(ROWS)
    assert counts["yes"] / total >= 0.40
    assert counts["no"] / total >= 0.15
    assert counts["not_stated"] / total >= 0.15
    assert counts["info"] > 0


def test_seed_phrases_occur_in_the_newer_seed_version() -> None:
    raw = SEED.read_text(encoding="utf-8")
    newer = collapse(raw[: raw.index(SEED_OLD_VERSION)])
    seed_rows = [row for row in ROWS if row["policy"] == "seed"]
    assert len(seed_rows) >= 25
    missing = [(row["id"], p) for row in seed_rows for p in row["phrases"] if collapse(p) not in newer]
    assert not missing
