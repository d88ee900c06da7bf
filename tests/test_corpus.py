"""Corpus helpers: loading a folder (bad files skipped), clause tables, coverage, mentions."""

from __future__ import annotations

import dataclasses
import re

import pandas as pd
import pytest

from nlp.config import Settings
from nlp.errors import InputError, ModelError
from nlp.pipeline import PolicyLens
from nlp.research.corpus import CLAUSE_COLUMNS, Corpus, coverage_matrix, find_mentions, load_corpus

CORPUS = "corpus"

# Keyword rules standing in for the trained classifier, so labels are known exactly.
_RULES = {
    "collection": r"\bcollect",
    "use": r"\bwe use\b",
    "sharing": r"\b(share|disclose|sell)",
    "retention": r"\b(keep|retain|store)\b",
    "international": r"\b(transferred|servers in)\b",
    "children": r"\bchildren\b",
    "cookies": r"\bcookies\b",
    "security": r"\bencrypt",
}


class KeywordClassifier:
    """``label_clauses(clauses, encoder)`` like ``ClauseClassifier``, by keyword rules."""

    def label_clauses(self, clauses, encoder):
        assert len(encoder.encode([c.text for c in clauses])) == len(clauses)
        return [
            dataclasses.replace(
                c, labels=tuple(lab for lab, rx in _RULES.items() if re.search(rx, c.text, re.I))
            )
            for c in clauses
        ]


@pytest.fixture
def lens(fake_encoder, tmp_path) -> PolicyLens:
    settings = Settings(embed={"cache_dir": tmp_path, "use_cache": False})
    # classifier=None: clauses stay unlabelled until a test labels them by known rules.
    return PolicyLens(settings, encoder=fake_encoder, classifier=None)


@pytest.fixture
def corpus(lens, data_dir) -> Corpus:
    return load_corpus(data_dir / CORPUS, lens=lens)


@pytest.fixture
def labelled(corpus) -> Corpus:
    return corpus.classify(KeywordClassifier())


def test_loads_the_readable_policies_and_reports_the_bad_file(corpus, data_dir):
    assert corpus.ids == ["kitemail", "lumenchat", "orbitfit"]
    assert [s.path for s in corpus.skipped] == [str(data_dir / CORPUS / "broken.pdf")]
    assert "PDF" in corpus.skipped[0].reason


def test_folder_errors(lens, tmp_path):
    with pytest.raises(InputError, match="not a folder"):
        load_corpus(tmp_path / "missing", lens=lens)
    (tmp_path / "notes.docx").write_bytes(b"PK\x03\x04")
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(InputError, match="no readable policy.*empty.txt"):
        load_corpus(tmp_path, lens=lens)


def test_service_folders_are_named_after_their_folder(lens, tmp_path, data_dir):
    for service in ("Kite", "Lumen"):
        (tmp_path / service).mkdir()
    (tmp_path / "Kite" / "Privacy Policy.txt").write_bytes((data_dir / CORPUS / "kitemail.txt").read_bytes())
    (tmp_path / "Lumen" / "Privacy Policy.md").write_bytes((data_dir / CORPUS / "lumenchat.md").read_bytes())
    (tmp_path / "Lumen" / "Trackers Policy.md").write_text("# Trackers\n\nWe use cookies to count visits.\n")
    corpus = load_corpus(tmp_path, lens=lens)
    assert sorted(corpus.names.values()) == ["Kite", "Lumen/Privacy Policy", "Lumen/Trackers Policy"]
    only = load_corpus(tmp_path, pattern="*/Privacy Policy.*", lens=lens)
    assert sorted(only.names.values()) == ["Kite", "Lumen"]
    assert sorted(only.ids) == ["kite", "lumen"]


def test_clause_table_has_the_documented_columns(corpus):
    df = corpus.clause_table()
    assert tuple(df.columns) == CLAUSE_COLUMNS == (
        "policy", "name", "source", "version", "effective_date", "latest", "clause_id", "section",
        "kind", "start", "end", "text", "context", "labels", "language", "category",
    )
    assert df["clause_id"].is_unique
    row = df[df["text"].str.contains("transferred to China")].iloc[0]
    assert row["policy"] == "lumenchat" and row["version"] == "2024-06-12"
    assert row["effective_date"] == "2024-06-12" and row["section"] == "Where your data goes"
    assert bool(row["latest"]) and row["labels"] == [] and row["category"] == ""
    # Offsets point into the clean text of the version.
    version = corpus.lens.policy("lumenchat").version(row["version"])
    assert version.text[row["start"] : row["end"]] == row["text"]


def test_clause_table_all_versions_of_the_seed(lens, seed_path):
    corpus = load_corpus(seed_path.parent, pattern="*.txt", lens=lens)
    df = corpus.clause_table()
    assert sorted(df["version"].unique()) == ["2019-01-17", "2020-02-27"]
    assert set(df.loc[df["latest"], "version"]) == {"2020-02-27"}
    assert len(corpus.clause_table(version="latest")) == int(df["latest"].sum())


def test_labels_after_classify(labelled):
    df = labelled.clause_table()
    row = df[df["text"].str.startswith("We retain chat messages")].iloc[0]
    assert row["labels"] == ["retention"] and row["category"] == "retention"


def test_dataset_and_parquet_exports(labelled, tmp_path):
    ds = labelled.to_dataset()
    assert ds.column_names == list(CLAUSE_COLUMNS)
    assert ds.features["labels"].feature.dtype == "string"
    assert ds.features["start"].dtype == "int64"
    assert len(ds) == len(labelled.clause_table())
    path = labelled.to_parquet(tmp_path / "out" / "clauses.parquet")
    back = pd.read_parquet(path)
    assert list(back.columns) == list(CLAUSE_COLUMNS)
    retained = back[back["text"].str.startswith("We retain chat messages")].iloc[0]
    assert list(retained["labels"]) == ["retention"]


def test_coverage_matrix(labelled):
    m = coverage_matrix(labelled)
    assert list(m.index) == ["kitemail", "lumenchat", "orbitfit"]
    assert list(m.columns[:3]) == ["collection", "use", "sharing"]
    assert m.loc["lumenchat", "children"] == 1
    assert m.loc["orbitfit", "children"] == 0
    assert m.loc["orbitfit", "security"] == 1 and m.loc["kitemail", "security"] == 0
    assert m.loc["kitemail", "collection"] == 2
    binary = coverage_matrix(labelled, binary=True)
    assert set(binary.to_numpy().ravel()) <= {0, 1}
    assert binary.loc["kitemail", "collection"] == 1


def test_coverage_matrix_without_labels_is_all_zero(corpus):
    assert int(coverage_matrix(corpus).to_numpy().sum()) == 0


def test_find_mentions_country_and_practice(corpus):
    china = find_mentions(corpus, country="China")
    assert china["policy"].tolist() == ["lumenchat"]
    assert china.iloc[0]["matched"] == "China"
    us = find_mentions(corpus, country="united states", practice="transfer")
    assert us["policy"].tolist() == ["kitemail"]
    assert "United States" in us.iloc[0]["matched"]


def test_find_mentions_data_type_and_third_party(corpus):
    health = find_mentions(corpus, data_type="health data")
    assert set(health["policy"]) == {"orbitfit"} and len(health) == 3
    ads = find_mentions(corpus, third_party="advertisers")
    assert sorted(ads["policy"]) == ["lumenchat", "orbitfit"]
    assert list(ads.columns) == [
        "policy", "name", "version", "clause_id", "section", "text", "labels", "start", "end", "matched",
    ]
    # A name the lexicon does not know is matched as literal words.
    assert find_mentions(corpus, third_party="research partners")["policy"].tolist() == ["orbitfit"]
    assert find_mentions(corpus, country="Atlantis").empty


def test_find_mentions_category(labelled):
    ret = find_mentions(labelled, category="retention")
    assert sorted(set(ret["policy"])) == ["kitemail", "lumenchat", "orbitfit"]
    assert all("retention" in labels for labels in ret["labels"])


def test_find_mentions_needs_something_to_find(corpus):
    with pytest.raises(InputError, match="say what to find"):
        find_mentions(corpus)
    with pytest.raises(InputError, match="unknown practice"):
        find_mentions(corpus, practice="teleport")


def test_find_mentions_china_in_the_seed(lens, seed_path):
    corpus = load_corpus(seed_path.parent, pattern="*.txt", lens=lens)
    china = find_mentions(corpus, country="China", practice="transfer")
    assert len(china) >= 1
    assert any("such as the United States and China" in t for t in china["text"])
    both = find_mentions(corpus, country="China", version=None)
    assert set(both["version"]) == {"2019-01-17", "2020-02-27"}


def test_classify_without_a_model_says_what_to_do(corpus, tmp_path):
    lens = corpus.lens
    lens.settings = lens.settings.model_copy(
        update={"classify": lens.settings.classify.model_copy(update={"model_dir": tmp_path / "none"})}
    )
    with pytest.raises(ModelError, match="no clause classifier"):
        corpus.classify()


def test_unknown_version_is_not_found(corpus):
    from nlp.errors import NotFoundError

    with pytest.raises(NotFoundError, match="no version '1999'"):
        corpus.clause_table(version="1999")
    with pytest.raises(NotFoundError, match="known versions"):
        find_mentions(corpus, country="China", version="1999")


def test_names_that_slug_alike_keep_their_own_policy(lens, tmp_path, data_dir):
    for service in ("X", "x"):
        (tmp_path / service).mkdir()
    (tmp_path / "X" / "Privacy Policy.txt").write_bytes((data_dir / CORPUS / "kitemail.txt").read_bytes())
    (tmp_path / "x" / "Privacy Policy.md").write_bytes((data_dir / CORPUS / "lumenchat.md").read_bytes())
    corpus = load_corpus(tmp_path, lens=lens)
    assert sorted(corpus.ids) == ["x", "x-2"]
    assert len(find_mentions(corpus, country="China")) == 1
    assert len(find_mentions(corpus, country="United States")) == 1


def test_practice_table_has_the_documented_row_keys_and_types(corpus):
    from nlp.research import PRACTICE_COLUMNS

    table = corpus.practice_table(version="latest")
    assert table.columns.tolist() == list(PRACTICE_COLUMNS)
    assert str(table["negated"].dtype) == "bool" and str(table["practice"].dtype) == "string"
    assert set(table["policy"]) == {"kitemail", "lumenchat", "orbitfit"}
    # One row per statement, each pointing at its clause's own text.
    for row in table.to_dict("records"):
        for span in row["data_types"]:
            if span["start"] >= 0:
                assert row["text"][span["start"] : span["end"]] == span["text"]
    sell = table[(table["policy"] == "kitemail") & (table["practice"] == "sell")]
    assert sell["polarity"].tolist() == ["denied"]
    both = corpus.practice_table()
    assert len(both) >= len(table)


def test_flows_count_policy_data_type_recipient_polarity_and_roll_up(corpus):
    flows = corpus.flows()
    assert flows.columns.tolist() == [
        "policy", "data_type", "recipient", "practice", "polarity", "statements", "clauses",
        "example"]
    shared = flows[(flows["recipient"] == "advertisers") & (flows["practice"] == "share")]
    assert ("orbitfit", "health", "denied") in {
        (r.policy, r.data_type, r.polarity) for r in shared.itertuples()}
    assert (flows["clauses"] <= flows["statements"]).all()
    rolled = corpus.flows(roll_up=1)
    assert "ip_address" in set(flows["data_type"]) and "ip_address" not in set(rolled["data_type"])
    assert "identifiers" in set(rolled["data_type"])
    assert rolled["statements"].sum() <= flows["statements"].sum()
    # Subsumption: "identifiers" keeps IP addresses and device identifiers, nothing else.
    ids = corpus.flows(data_types=["identifiers"])
    assert not ids.empty and set(ids["data_type"]) <= {
        "identifiers", "name", "account_credentials", "government_id", "device_identifiers",
        "ip_address", "cookie_identifiers"}
    known = set(flows["data_type"]) | set(flows["recipient"])
    lumped = corpus.flows(free_text="other")
    assert set(lumped["data_type"]) | set(lumped["recipient"]) <= known | {"other"}
    assert lumped["statements"].sum() <= flows["statements"].sum()
    ads = corpus.flows(recipients=["advertisers"])
    assert set(ads["recipient"]) == {"advertisers"}
    assert set(ads["policy"]) == {"lumenchat", "orbitfit"}


def test_practices_as_dataset_and_parquet_are_typed(corpus, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ds = corpus.to_dataset(table="practices", version="latest")
    assert len(ds) == len(corpus.practice_table(version="latest"))
    first = next(r for r in ds if r["data_types"])
    assert set(first["data_types"][0]) == {"text", "id", "start", "end"}
    path = corpus.to_parquet(tmp_path / "practices.parquet", table="practices")
    schema = pq.read_schema(path)
    assert pa.types.is_list(schema.field("data_types").type)
    assert pa.types.is_struct(schema.field("data_types").type.value_type)
    assert pa.types.is_struct(schema.field("retention").type)
    kept = pq.read_table(path).to_pylist()
    days = [r["retention"]["days"] for r in kept if r["retention"] and r["retention"]["days"]]
    assert days and all(isinstance(d, int) for d in days)
