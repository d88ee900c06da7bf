"""The facade: policies prepared in one place, labels computed only when asked for."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from nlp import ClauseQuery, PolicyLens, Prepared, Settings, load_corpus
from nlp.cache import ParseCache


class CountingClassifier:
    """Labels clauses mentioning "keep" as retention; counts the clauses it was shown."""

    def __init__(self) -> None:
        self.seen = 0

    def predict(self, texts, *, embeddings):
        assert len(texts) == len(embeddings)
        self.seen += len(texts)
        return [("retention",) if "keep" in t.lower() or "retain" in t.lower() else ()
                for t in texts]

    def label_clauses(self, clauses, encoder):
        texts = [c.contextual_text() for c in clauses]
        labels = self.predict(texts, embeddings=encoder.encode(texts))
        return [dataclasses.replace(c, labels=lab) for c, lab in zip(clauses, labels, strict=True)]


def make_lens(tmp_path, encoder, classifier=None) -> PolicyLens:
    settings = Settings(embed={"cache_dir": tmp_path / "cache", "use_cache": False})
    return PolicyLens(settings, encoder=encoder, classifier=classifier)


def test_loading_labels_and_encodes_nothing_until_labels_are_needed(tmp_path, fake_encoder,
                                                                    data_dir):
    clf = CountingClassifier()
    lens = make_lens(tmp_path, fake_encoder, clf)
    policy = lens.load(data_dir / "corpus" / "lumenchat.md")
    assert fake_encoder.encoded == 0 and clf.seen == 0
    assert all(not c.labels for c in lens.clauses(policy.id))
    hits = lens.search("How long do you keep chat messages?", category="retention")
    assert clf.seen == len(lens.all_clauses())  # labelled once, when the index was built
    assert hits[0].clause.labels == ("retention",)
    assert fake_encoder.encoded == len(lens.all_clauses()) + 1  # the clauses once, the query


def test_clauses_with_labels_labels_that_policy_only(tmp_path, fake_encoder, data_dir):
    clf = CountingClassifier()
    lens = make_lens(tmp_path, fake_encoder, clf)
    a = lens.load(data_dir / "corpus" / "lumenchat.md")
    lens.load(data_dir / "corpus" / "kitemail.txt")
    labelled = lens.clauses(a.id, labels=True)
    assert any(c.labels for c in labelled)
    assert clf.seen == len(lens.all_clauses()) - len(lens.clauses("kitemail"))
    _ = lens.index  # the vectors computed for the labels are reused
    assert fake_encoder.encoded == len(lens.all_clauses())


def test_prepare_reads_embeds_and_labels_without_adding(tmp_path, fake_encoder, data_dir):
    lens = make_lens(tmp_path, fake_encoder, CountingClassifier())
    ready = lens.prepare(data_dir / "corpus" / "kitemail.txt")
    assert isinstance(ready, Prepared) and ready.labelled
    assert ready.vectors is not None and ready.vectors.shape == (len(ready.clauses), 384)
    assert any("retention" in c.labels for c in ready.clauses)
    assert ready.policy.id not in lens
    bare = lens.prepare(ready.policy, vectors=False, labels=False)
    assert bare.vectors is None and not bare.labelled
    assert [c.id for c in bare.clauses] == [c.id for c in ready.clauses]


def test_corpus_classify_relabels_the_built_index_in_place(tmp_path, fake_encoder, data_dir):
    lens = make_lens(tmp_path, fake_encoder)
    corpus = load_corpus(data_dir / "corpus", lens=lens)
    index = lens.index
    before = fake_encoder.encoded
    corpus.classify(CountingClassifier())
    assert lens.index is index  # not thrown away and rebuilt
    assert fake_encoder.encoded == before + len(lens.all_clauses())  # the classifier's encoding
    hits = lens.search("chat messages", policy="lumenchat", category="retention", top_k=3)
    assert "retention" in hits[0].clause.labels
    assert {c.id: c.labels for c in index.clauses} == {c.id: c.labels for c in lens.all_clauses()}


def test_a_clause_query_is_the_same_as_its_keywords(tmp_path, fake_encoder, data_dir):
    lens = make_lens(tmp_path, fake_encoder)
    lens.load(data_dir / "corpus" / "lumenchat.md")
    lens.load(data_dir / "corpus" / "kitemail.txt")
    by_keywords = lens.search("Where is my data stored?", policy="kitemail", top_k=2)
    where = ClauseQuery(policy="kitemail", top_k=2)
    assert lens.search("Where is my data stored?", where=where) == by_keywords
    assert ClauseQuery(categories="sharing").categories == ("sharing",)


def test_the_parse_cache_is_keyed_on_the_parse_version(tmp_path, data_dir, monkeypatch):
    path = data_dir / "corpus" / "kitemail.txt"
    cache = ParseCache(tmp_path)
    policy, clauses = cache.read(path)
    assert cache.key(path) != ParseCache(tmp_path, version="2").key(path)
    import nlp.segment

    def boom(*args, **kwargs):
        raise AssertionError("segmented again")

    monkeypatch.setattr(nlp.segment, "segment_policy", boom)
    assert cache.read(path) == (policy, clauses)  # same version: read from the cache
    with pytest.raises(AssertionError, match="segmented again"):
        ParseCache(tmp_path, version="2").read(path)  # another version never reads it


def test_vectors_given_with_a_policy_are_not_encoded_again(tmp_path, fake_encoder, data_dir):
    lens = make_lens(tmp_path, fake_encoder)
    ready = lens.prepare(data_dir / "corpus" / "kitemail.txt")
    encoded = fake_encoder.encoded
    lens.add(ready.policy, ready.clauses, embeddings=ready.vectors)
    np.testing.assert_allclose(lens.index.embeddings.shape, ready.vectors.shape)
    assert fake_encoder.encoded == encoded


def test_the_parse_cache_reads_only_regular_files_within_the_limit(tmp_path):
    import os

    fifo = tmp_path / "p.txt"
    os.mkfifo(fifo)
    cache = ParseCache(tmp_path / "cache")
    assert cache.key(fifo) is None  # would block forever if it were opened
    big = tmp_path / "big.txt"
    with big.open("wb") as fh:
        fh.truncate(cache.ingest.max_bytes + 1)  # sparse: costs no disk
    assert cache.key(big) is None
    assert cache.key(tmp_path / "missing.txt") is None
