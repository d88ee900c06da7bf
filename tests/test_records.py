"""One clause record: every producer of clause rows carries ``nlp.serialize.CLAUSE_RECORD``.

The CLI's JSON lines (``segment``, ``search``, ``classify``), the files of ``classify -o`` (JSONL,
CSV, Parquet), the ``Corpus`` tables and the API's clauses are each checked against the one
definition, and the policy ids they give a file against the one rule, ``nlp.ingest.policy_ids``.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_api import make_client, make_settings, upload

from conftest import DATA
from nlp.classify import load_classifier
from nlp.cli import main
from nlp.config import ClassifySettings
from nlp.ingest.formats import policy_ids
from nlp.pipeline import PolicyLens
from nlp.research.batch import BatchClassifier
from nlp.research.corpus import CLAUSE_COLUMNS, load_corpus
from nlp.serialize import CLAUSE_RECORD, record_problems

CORPUS = DATA / "corpus"
QUILLNOTE = DATA / "quillnote.md"


def check(rows: list[dict], what: str) -> None:
    assert rows, f"{what}: no rows"
    for row in rows:
        assert record_problems(row) == [], (what, row)


def cli_json(args: list[str]) -> list[dict]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(args)
    return [json.loads(line) for line in out.getvalue().splitlines() if line.startswith("{")]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path / "cache"))


def test_cli_segment_rows_are_clause_records_with_the_file_policy_id():
    rows = cli_json(["segment", str(QUILLNOTE), "--json"])
    check(rows, "segment --json")
    assert {r["policy"] for r in rows} == {policy_ids([QUILLNOTE])[QUILLNOTE]}


@pytest.mark.slow
def test_cli_search_rows_are_clause_records():
    rows = cli_json(["search", "location", "--policy", str(QUILLNOTE), "--top-k", "3", "--json"])
    check(rows, "search --json")
    assert [r["rank"] for r in rows] == [1, 2, 3]
    assert {r["policy"] for r in rows} == {policy_ids([QUILLNOTE])[QUILLNOTE]}


@pytest.fixture
def batch(fake_encoder) -> BatchClassifier:
    return BatchClassifier(load_classifier(ClassifySettings()), fake_encoder)


def test_classify_rows_and_output_files_are_clause_records(batch, tmp_path):
    skipped: list[str] = []
    rows = list(batch.iter_rows([CORPUS], on_error=lambda path, why: skipped.append(path)))
    assert [Path(p).name for p in skipped] == ["broken.pdf"]  # as `classify --json` skips it
    check(rows, "classify --json")
    labels = sorted(rows[0]["scores"])
    ids = policy_ids(sorted(p for p in CORPUS.iterdir() if p.suffix != ".pdf"), root=CORPUS)
    assert {r["policy"] for r in rows} == set(ids.values())

    batch.run([CORPUS], tmp_path / "out.jsonl", progress=False)
    lines = (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()
    check([json.loads(x) for x in lines], "classify -o .jsonl")

    for suffix in (".csv", ".parquet"):
        out = tmp_path / f"out{suffix}"
        batch.run([CORPUS], out, progress=False)
        df = pd.read_csv(out, keep_default_na=False) if suffix == ".csv" else pd.read_parquet(out)
        expected = [*CLAUSE_RECORD, "policy_score", *(f"score_{lab}" for lab in labels)]
        assert list(df.columns) == expected, suffix
        assert len(df) == len(rows)
        for key, tp in CLAUSE_RECORD.items():
            if tp is int:
                assert df[key].dtype == "int64", (suffix, key)
        assert all(df[f"score_{lab}"].dtype == "float64" for lab in labels)
        if suffix == ".parquet":
            table = [{**r, "labels": list(r["labels"])} for r in df.to_dict("records")]
            for r in table:
                r.update(start=int(r["start"]), end=int(r["end"]))
            check(table, "classify -o .parquet")


def test_corpus_tables_hold_the_clause_record(fake_encoder, tmp_path):
    lens = PolicyLens(encoder=fake_encoder, classifier=None)
    corpus = load_corpus(CORPUS, lens=lens)
    assert set(CLAUSE_RECORD) <= set(CLAUSE_COLUMNS)
    check(corpus.records(), "Corpus.records")
    df = corpus.clause_table()
    assert df["start"].dtype == "int64" and df["end"].dtype == "int64"
    files = sorted(p for p in CORPUS.iterdir() if p.suffix != ".pdf")
    assert set(df["policy"]) == set(policy_ids(files, root=CORPUS).values())
    corpus.to_parquet(tmp_path / "clauses.parquet")
    back = pd.read_parquet(tmp_path / "clauses.parquet")
    assert all(isinstance(v, (list, np.ndarray)) for v in back["labels"])


def test_api_clauses_are_clause_records(tmp_path):
    with make_client(make_settings(tmp_path)) as c:
        upload(c)
        listed = c.get("/v1/policies/acme/clauses").json()["items"]
        hits = c.post("/v1/search", json={"query": "payment card"}).json()["hits"]
        classified = c.post("/v1/classify", json={"text": "We sell nothing."}).json()["clauses"]
    check(listed, "GET /v1/policies/{id}/clauses")
    check([h["clause"] for h in hits], "POST /v1/search")
    check(classified, "POST /v1/classify")
    # /v1 is additive: the first names of `clause_id` and `policy` stay.
    assert all(r["id"] == r["clause_id"] and r["policy_id"] == r["policy"] for r in listed)


def test_record_problems_names_what_is_wrong():
    assert record_problems({"clause_id": "x"})[0] == "missing 'policy'"
    bad = {k: ("" if tp is str else [] if tp is list else 0) for k, tp in CLAUSE_RECORD.items()}
    assert record_problems(bad) == []
    assert record_problems({**bad, "start": "0"}) == ["'start' is str, not int"]
    assert record_problems({**bad, "end": True}) == ["'end' is bool, not int"]
