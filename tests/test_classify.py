"""The clause classifier: estimator conventions, persistence without pickle, shipped model."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

from nlp.classify import ClauseClassifier, MultiLabelLogit, label_clauses, tune_thresholds
from nlp.classify.taxonomy import LABELS
from nlp.errors import InputError, ModelError
from nlp.retrieval.routing import route_question
from nlp.types import Clause

ROOT = Path(__file__).resolve().parent.parent
TRAIN = Path(__file__).parent / "data" / "classify" / "train.jsonl"
GOLD = ROOT / "corpora" / "labels" / "seed_gold.jsonl"
SHIPPED = ROOT / "models" / "policylens"


def _train_set() -> tuple[list[str], np.ndarray]:
    recs = [json.loads(line) for line in TRAIN.read_text().splitlines() if line.strip()]
    texts = [r["text"] for r in recs]
    Y = np.array([[int(n in r["labels"]) for n in LABELS] for r in recs], dtype=np.int8)
    return texts, Y


@pytest.fixture
def small_model(fake_encoder) -> ClauseClassifier:
    texts, Y = _train_set()
    return ClauseClassifier(C=20.0, max_features=2000).fit(
        texts, Y, embeddings=fake_encoder.encode(texts), embedding_model=fake_encoder.model_id
    )


@parametrize_with_checks([MultiLabelLogit()])
def test_sklearn_conventions(estimator, check) -> None:
    check(estimator)


def test_fits_and_predicts_the_right_label(small_model, fake_encoder) -> None:
    texts = [
        "We keep your data for five years after you close your account.",
        "We share your data with advertising partners.",
    ]
    labels = small_model.predict(texts, embeddings=fake_encoder.encode(texts))
    assert "retention" in labels[0] and "sharing" in labels[1]


def test_unknown_targets_neither_teach_nor_count() -> None:
    X = np.array([[0.0], [1.0], [2.0], [3.0], [4.0], [5.0]])
    Y = np.array([[0, -1], [0, -1], [0, -1], [1, 0], [1, 1], [1, 1]])
    est = MultiLabelLogit(C=10.0).fit(X, Y)
    # Label 1 was only known on the last three rows, where it rises with X.
    assert est.predict_proba(np.array([[5.0]]))[0, 1] > 0.5
    assert est.n_iter_[1] >= 1


def test_round_trip_gives_identical_scores(small_model, fake_encoder, tmp_path) -> None:
    texts = ["We collect your location.", "Cookies are small files.", "Write to us."]
    emb = fake_encoder.encode(texts)
    small_model.set_thresholds(np.linspace(0.2, 0.7, len(LABELS)))
    small_model.save(tmp_path / "m", metadata={"note": "test"})
    loaded = ClauseClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(
        loaded.predict_scores(texts, embeddings=emb),
        small_model.predict_scores(texts, embeddings=emb),
    )
    assert loaded.predict(texts, embeddings=emb) == small_model.predict(texts, embeddings=emb)
    np.testing.assert_allclose(loaded.thresholds_, small_model.thresholds_)
    assert loaded.metadata_["note"] == "test"
    assert loaded.get_params() == small_model.get_params()


def test_loading_never_unpickles(small_model, tmp_path, monkeypatch) -> None:
    small_model.save(tmp_path / "m")

    def forbidden(*args, **kwargs):
        raise AssertionError("pickle used while loading a model")

    monkeypatch.setattr(pickle, "load", forbidden)
    monkeypatch.setattr(pickle, "loads", forbidden)
    real_load = np.load

    def checked_load(*args, **kwargs):
        assert kwargs.get("allow_pickle") is False
        return real_load(*args, **kwargs)

    monkeypatch.setattr(np, "load", checked_load)
    assert ClauseClassifier.load(tmp_path / "m").labels_ == LABELS
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"model.json", "weights.npz"}


def test_loading_fits_nothing(small_model, tmp_path, monkeypatch) -> None:
    import sklearn.feature_extraction.text as sk_text
    import sklearn.linear_model as sk_linear

    small_model.save(tmp_path / "m")

    def forbidden(*args, **kwargs):
        raise AssertionError("a model was fitted while loading a saved one")

    for cls in (sk_text.TfidfVectorizer, sk_text.CountVectorizer, sk_linear.LogisticRegression):
        monkeypatch.setattr(cls, "fit", forbidden)
        monkeypatch.setattr(cls, "fit_transform", forbidden, raising=False)
    monkeypatch.setattr(MultiLabelLogit, "fit", forbidden)
    loaded = ClauseClassifier.load(tmp_path / "m")
    texts = ["We collect your location.", "Cookies are small files."]
    emb = np.eye(2, 384)
    np.testing.assert_array_equal(
        loaded.predict_scores(texts, embeddings=emb),
        small_model.predict_scores(texts, embeddings=emb),
    )


@pytest.mark.parametrize(
    "y",
    [
        np.array([0, 0, 1, 1, 0, 1]),
        np.array(["a", "b", "c", "a", "b", "c"]),
        np.array([[1, 0], [1, -1], [0, 1], [0, 1], [1, 0], [-1, 1]]),
    ],
    ids=["binary", "multiclass", "multilabel"],
)
def test_logit_state_round_trip_is_exact(y) -> None:
    X = np.array([[0.0, 1.0], [1.0, 0.5], [2.0, 0.0], [3.0, 1.0], [4.0, 2.0], [5.0, 0.0]])
    est = MultiLabelLogit(C=3.0, max_iter=200).fit(X, y)
    if est.multilabel_:
        est.set_thresholds([0.3, 0.6])
    state, arrays = est.to_state()
    json.dumps(state)  # the state is JSON as it stands
    again = MultiLabelLogit.from_state(json.loads(json.dumps(state)), arrays)
    assert again.get_params() == est.get_params()
    np.testing.assert_array_equal(again.predict_proba(X), est.predict_proba(X))
    np.testing.assert_array_equal(again.predict(X), est.predict(X))
    with pytest.raises(ModelError, match="damaged"):
        MultiLabelLogit.from_state({**state, "thresholds": [0.5] * 7}, arrays)


def test_tfidf_features_score_like_scikit_learns_vectorizer() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from nlp.classify.estimators import TfidfFeatures

    texts, _ = _train_set()
    ours = TfidfFeatures(max_features=500).fit(texts)
    ref = TfidfVectorizer(
        ngram_range=(1, 2), min_df=2, max_df=0.5, sublinear_tf=True, max_features=500
    ).fit(texts)
    new = ["We share your e-mail address with partners.", "Nothing here matches.", ""]
    assert ours.vocabulary_ == ref.vocabulary_
    again = TfidfFeatures.from_state(*ours.to_state())
    for est in (ours, again):
        np.testing.assert_array_equal(est.transform(new).toarray(), ref.transform(new).toarray())


def test_an_old_format_is_refused_with_what_to_do(small_model, tmp_path) -> None:
    small_model.save(tmp_path / "m")
    doc = json.loads((tmp_path / "m" / "model.json").read_text())
    doc["format_version"] = 1
    (tmp_path / "m" / "model.json").write_text(json.dumps(doc))
    with pytest.raises(ModelError, match="format version 2.*policylens train"):
        ClauseClassifier.load(tmp_path / "m")


def test_shipped_models_are_format_2() -> None:
    for scheme in ("policylens", "opp115"):
        doc = json.loads((ROOT / "models" / scheme / "model.json").read_text(encoding="utf-8"))
        assert doc["format_version"] == 2
        assert ClauseClassifier.load(ROOT / "models" / scheme).scheme == scheme


def test_missing_model_tells_how_to_get_one(tmp_path) -> None:
    with pytest.raises(ModelError, match="policylens train"):
        ClauseClassifier.load(tmp_path / "nothing")


def test_wrong_embedding_width_is_refused(small_model) -> None:
    with pytest.raises(ModelError, match="same encoder"):
        small_model.predict(["x"], embeddings=np.zeros((1, 8)))
    with pytest.raises(InputError, match="one embedding"):
        small_model.predict(["x", "y"], embeddings=np.zeros((1, 384)))


def test_every_clause_gets_at_least_one_label(small_model, fake_encoder) -> None:
    texts = ["zzz qqq", "Lorem ipsum dolor."]
    assert all(small_model.predict(texts, embeddings=fake_encoder.encode(texts)))


def test_tune_thresholds_ignores_unknown_rows() -> None:
    scores = np.array([[0.9], [0.8], [0.3], [0.2], [0.95]])
    Y = np.array([[1], [1], [0], [0], [-1]])
    t = tune_thresholds(scores, Y, min_positives=2)
    assert 0.3 < t[0] <= 0.8


def test_label_clauses_sets_labels(small_model, fake_encoder) -> None:
    clauses = [
        Clause(
            "c1",
            "p",
            "v1",
            ("Retention",),
            0,
            10,
            "We keep your data for five years after you close your account.",
        ),
        Clause(
            "c2", "p", "v1", ("Cookies",), 11, 20, "We use cookies to remember your preferences."
        ),
    ]
    out = label_clauses(clauses, small_model, fake_encoder.encode([c.text for c in clauses]))
    assert "retention" in out[0].labels and "cookies" in out[1].labels
    assert out[0].text == clauses[0].text and clauses[0].labels == ()


def test_routing_by_keywords_and_classifier(small_model, fake_encoder) -> None:
    assert route_question("How long do you keep my data?")[0][0] == "retention"
    assert route_question("Do you sell my data to advertisers?")[0][0] == "sharing"
    q = "Can I opt out of marketing e-mails?"
    routed = dict(route_question(q, classifier=small_model, embedding=fake_encoder.encode([q])[0]))
    assert "rights" in routed
    with pytest.raises(InputError):
        route_question("   ")


# -- the seed gold set -----------------------------------------------------------------------


def _gold() -> list[dict]:
    return [json.loads(line) for line in GOLD.read_text(encoding="utf-8").splitlines()]


def test_gold_records_are_well_formed() -> None:
    recs = _gold()
    assert {r["version"] for r in recs} == {"2020-02-27", "2019-01-17"}
    for r in recs:
        assert set(r) >= {"clause_id", "version", "section", "text", "labels"}
        assert r["labels"] and set(r["labels"]) <= set(LABELS)
    # Same text, same labels: both versions were labelled consistently.
    by_text: dict[str, list[str]] = {}
    for r in recs:
        assert by_text.setdefault(r["text"], r["labels"]) == r["labels"]


def test_every_gold_id_exists_in_the_current_segmentation(seed_path) -> None:
    from nlp.ingest import load_policy
    from nlp.segment import segment_policy

    clauses = segment_policy(load_policy(seed_path))
    current = {c.id: c.text for c in clauses}
    recs = _gold()
    missing = [r["clause_id"] for r in recs if r["clause_id"] not in current]
    assert not missing, f"{len(missing)} gold ids no longer produced by the segmenter"
    assert all(current[r["clause_id"]] == r["text"] for r in recs)
    assert len(recs) == len(clauses)


SEED_CASES = [
    (
        "We will collect details of user activities, transactions and interactions on the Platform",
        "collection",
    ),
    ("setting up / administering user accounts, including providing log-in IDs", "use"),
    ("payment service providers who collect and process personal information", "sharing"),
    (
        "We retain your personal information as long as we have an ongoing legitimate business need",
        "retention",
    ),
    (
        "The right to access, correct, update or request deletion of your personal information.",
        "rights",
    ),
    ("A cookie is a small amount of data that is sent to your browser", "cookies"),
    ("We employ commercially reasonable security methods", "security"),
    ("The Sites and their contents are not targeted to minors", "children"),
    ("we may transfer your personal information to countries outside of the EEA", "international"),
    ("We may update this Privacy Policy from time to time", "changes"),
    ("please contact us at DataProtection@service.alibaba.com", "contact"),
    ("All capitalized terms not defined in this document", "other"),
]


@pytest.mark.slow
@pytest.mark.skipif(not (SHIPPED / "model.json").is_file(), reason="no shipped model")
def test_shipped_model_labels_seed_clauses_like_a_human() -> None:
    from nlp.classify.training import load_seed_gold
    from nlp.config import EmbedSettings
    from nlp.embed import Encoder

    gold = load_seed_gold(GOLD)
    shown = dict(zip(gold.extra["raw_texts"], gold.texts, strict=True))
    picked = []
    for start, label in SEED_CASES:
        raw = next(t for t in shown if start in t)
        picked.append((shown[raw], label))
    clf = ClauseClassifier.load(SHIPPED)
    emb = Encoder(EmbedSettings()).encode([t for t, _ in picked])
    got = clf.predict([t for t, _ in picked], embeddings=emb)
    wrong = [
        (t[:60], want, have)
        for (t, want), have in zip(picked, got, strict=True)
        if want not in have
    ]
    assert not wrong


def test_classifier_labels_clauses_with_an_encoder(small_model, fake_encoder) -> None:
    c = Clause("c1", "p", "v1", (), 0, 10, "We use cookies to remember your preferences.")
    (out,) = small_model.label_clauses([c], fake_encoder)
    assert "cookies" in out.labels
    assert small_model.label_clauses([], fake_encoder) == []


def test_classifier_reads_the_text_the_index_embeds(small_model, fake_encoder) -> None:
    from nlp.retrieval.index import ClauseIndex

    class Recording:
        model_id, dim = fake_encoder.model_id, fake_encoder.dim

        def __init__(self) -> None:
            self.texts: list[str] = []

        def encode(self, texts, *, batch_size=None, normalize=True):
            self.texts += list(texts)
            return fake_encoder.encode(texts, batch_size=batch_size, normalize=normalize)

    clauses = [
        Clause("a", "p", "v", ("Cookies", "How to refuse them"), 0, 5, "Use the browser menu."),
        Clause("b", "p", "v", ("Sharing",), 0, 9, "Partners.", "bullet", "We share data with:"),
        Clause("c", "p", "v", (), 0, 9, "Plain sentence."),
        Clause("d", "p", "v", ("Retention",), 0, 9, "Retention", "heading"),
    ]
    indexed, labelled = Recording(), Recording()
    ClauseIndex.build(clauses, indexed)
    small_model.label_clauses(clauses, labelled)
    assert labelled.texts == indexed.texts == [c.contextual_text() for c in clauses]
    assert indexed.texts[1] == "Sharing: We share data with: Partners."
    with pytest.warns(DeprecationWarning, match="contextual_text"):
        from nlp.classify import classification_text
    assert classification_text is Clause.contextual_text


# -- training data loaders (tiny fixtures written on the fly; no /work/shared needed) ----------


def _write_corpora(root: Path) -> None:
    (root / "opp115").mkdir(parents=True)
    (root / "opp115" / "train_dataset.csv").write_text(
        '"We collect your e-mail address.",First Party Collection/Use\n'
        '"We collect your e-mail address.",Third Party Sharing/Collection\n'
        "#NAME?,First Party Collection/Use\n"
        '"We use cookies, which ignore Do Not Track.",Do Not Track\n',
        encoding="utf-8",
    )
    (root / "appcorp").mkdir()
    (root / "appcorp" / "fold_0.txt").write_bytes(
        b"Data_Retention\r\nWe keep logs for 30 days .\r\nThen we delete them .\r\n\r\n"
        b"Specific_Audiences\r\nWe do not serve children under 13 .\r\n\r\n"
    )


def test_opp115_loader_groups_labels_and_drops_the_excel_artefact(tmp_path) -> None:
    from nlp.classify.training import load_opp115, targets

    _write_corpora(tmp_path)
    ds = load_opp115(tmp_path, "train")
    assert ds.texts == (
        "We collect your e-mail address.",
        "We use cookies, which ignore Do Not Track.",
    )
    assert ds.labels[0] == ("First Party Collection/Use", "Third Party Sharing/Collection")
    Y = targets(ds, "policylens")
    cookies = LABELS.index("cookies")
    # OPP-115 does not annotate cookies: unknown, except where Do Not Track makes it positive.
    assert Y[0, cookies] == -1 and Y[1, cookies] == 1
    assert Y[0, LABELS.index("collection")] == 1 and Y[0, LABELS.index("sharing")] == 1
    with pytest.raises(InputError, match="train or validation"):
        load_opp115(tmp_path, "test")


def test_appcorp_loader_reads_crlf_paragraphs_and_refuses_test_folds(tmp_path) -> None:
    from nlp.classify.training import load_appcorp, targets

    _write_corpora(tmp_path)
    ds = load_appcorp(tmp_path, [0])
    assert ds.texts == (
        "We keep logs for 30 days. Then we delete them.",
        "We do not serve children under 13.",
    )
    Y = targets(ds, "policylens")
    assert Y[0, LABELS.index("retention")] == 1 and Y[1, LABELS.index("children")] == 1
    assert targets(ds, "opp115") is None
    with pytest.raises(InputError, match="held out"):
        load_appcorp(tmp_path, [8])


def test_seed_paragraphs_are_dropped_from_corpora_for_the_seed_cv() -> None:
    from nlp.classify.training import Dataset, drop_texts, load_seed_gold, seed_sentences

    gold = load_seed_gold(GOLD)
    quoted = next(t for t in gold.extra["raw_texts"] if len(t) > 80)
    corpus = Dataset(
        "c",
        "appcorp",
        (f"Intro. {quoted} More.", "Unrelated text."),
        (("Policy_Change",), ("Policy_Change",)),
        ("1", "2"),
    )
    kept = drop_texts(corpus, seed_sentences(gold))
    assert kept.texts == ("Unrelated text.",) and kept.extra["dropped"] == 1


def _write_small_corpora(root: Path) -> None:
    """OPP-115 train/validation and APPCorp folds 0-7, a few examples each, from train.jsonl."""
    texts, Y = _train_set()
    opp = {
        "retention": "Data Retention",
        "sharing": "Third Party Sharing/Collection",
        "security": "Data Security",
        "collection": "First Party Collection/Use",
        "rights": "User Access, Edit and Deletion",
        "changes": "Policy Change",
    }
    app = {
        "retention": "Data_Retention",
        "cookies": "Cookies_and_Similar_Technologies",
        "sharing": "Third_Party_Share_and_Collection",
        "children": "Specific_Audiences",
        "security": "Data_Security",
    }
    rows = [(t, [LABELS[j] for j in np.flatnonzero(y)]) for t, y in zip(texts, Y, strict=True)]
    (root / "opp115").mkdir(parents=True)
    for split, part in (("train", rows[0::2]), ("validation", rows[1::2])):
        lines = [f'"{t}",{opp[lab]}' for t, labs in part for lab in labs if lab in opp]
        (root / "opp115" / f"{split}_dataset.csv").write_text("\n".join(lines) + "\n")
    (root / "appcorp").mkdir()
    for k in range(8):
        part = [(t, labs) for t, labs in rows[k % 2 :: 2] if any(lab in app for lab in labs)]
        blocks = [f"{next(app[x] for x in labs if x in app)}\n{t}" for t, labs in part]
        (root / "appcorp" / f"fold_{k}.txt").write_text("\n\n".join(blocks) + "\n")


def test_train_then_evaluate_writes_the_model_and_its_card(tmp_path, fake_encoder) -> None:
    from nlp.classify.training import run_evaluation, run_training
    from nlp.config import ClassifySettings, Settings

    _write_small_corpora(tmp_path / "data")
    settings = Settings(classify=ClassifySettings(model_dir=tmp_path / "models" / "policylens"))
    kw = {"data_dir": tmp_path / "data", "encoder": fake_encoder}
    (result,) = run_training(settings, ["opp115"], seed_gold=None, **kw)
    assert result.path == tmp_path / "models" / "opp115"
    model = ClauseClassifier.load(result.path)
    assert model.scheme == "opp115" and model.embedding_model_ == fake_encoder.model_id
    assert model.metadata_["seed_gold_weight"] == settings.classify.seed_gold_weight
    card = (tmp_path / "models" / "MODEL_CARD.md").read_text()
    assert "## Scheme `opp115`" in card and "Validation (all tuning data pooled)" in card

    reports = run_evaluation(settings, ["opp115"], seed_gold=None, **kw)
    ((title, report),) = reports["opp115"]
    assert title.startswith("opp115-validation") and 0.0 <= report["macro_f1"] <= 1.0
    assert f"**{title}**" in (tmp_path / "models" / "MODEL_CARD.md").read_text()


def test_numpy_scoring_matches_the_scikit_learn_estimators_on_the_shipped_model(fake_encoder):
    """Scoring runs on numpy alone; it must give what the saved scikit-learn estimators give."""
    import scipy.sparse as sp

    from nlp.classify.estimators import TfidfFeatures
    from nlp.config import ClassifySettings

    clf = ClauseClassifier.load(ClassifySettings().model_dir)
    state, arrays = clf.to_state()
    tfidf = TfidfFeatures.from_state(state["tfidf"], arrays)
    est = MultiLabelLogit.from_state({**state["estimator"], "thresholds": state["thresholds"]}, arrays)
    texts = [
        "We share your e-mail address with advertising partners.",
        "Cookies help us remember you. Cookies, cookies!",
        "",
        "Ünïcödé wörds and CAPITALS, numbers 12 345 and under_scores",
        "We keep your data for 30 days after you close your account.",
    ]
    emb = np.asarray(fake_encoder.encode(texts), dtype=np.float64)
    X = sp.hstack(
        [sp.csr_matrix(emb * clf.embedding_weight), tfidf.transform(texts)], format="csr"
    )
    np.testing.assert_allclose(
        clf.predict_scores(texts, embeddings=emb), est.predict_proba(X), rtol=0, atol=1e-12
    )


def test_scoring_a_saved_classifier_imports_no_scikit_learn(tmp_path):
    import subprocess
    import sys

    probe = (
        "import sys, numpy as np\n"
        "from nlp.classify import load_classifier\n"
        "from nlp.config import ClassifySettings\n"
        "clf = load_classifier(ClassifySettings())\n"
        "print(clf.predict(['We sell your data.'], embeddings=np.ones((1, clf.embedding_dim_))))\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"
