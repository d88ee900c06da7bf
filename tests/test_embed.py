"""Encoder: cache hits and misses, order, duplicates, errors; clause text fed to the model."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest

from nlp.config import EmbedSettings
from nlp.embed import Encoder, model_id_for_path, text_hash
from nlp.errors import InputError, ModelError
from nlp.types import Clause


class FakeSentenceModel:
    """SentenceTransformer-shaped wrapper around the conftest fake encoder, counting texts seen."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.seen: list[str] = []

    def encode(self, sentences, batch_size=32, normalize_embeddings=False, **_):
        self.seen.extend(sentences)
        # Scale by 3 so a test can tell whether normalisation happened.
        return 3.0 * self.inner.encode(list(sentences), normalize=True)

    def get_sentence_embedding_dimension(self) -> int:
        return self.inner.dim


@pytest.fixture
def fake_model(fake_encoder) -> FakeSentenceModel:
    return FakeSentenceModel(fake_encoder)


def make_encoder(model, tmp_path: Path, **kw) -> Encoder:
    return Encoder(EmbedSettings(cache_dir=tmp_path, **kw), model=model, model_id="fake")


TEXTS = ["We sell your data.", "We never sell your data.", "Cookies track you."]


def test_second_run_reads_cache_and_does_not_encode(fake_model, tmp_path):
    first = make_encoder(fake_model, tmp_path).encode(TEXTS)
    assert fake_model.seen == TEXTS
    # A new Encoder (as in a new process) over the same folder finds every vector on disk.
    second = make_encoder(fake_model, tmp_path).encode(TEXTS)
    assert fake_model.seen == TEXTS
    np.testing.assert_allclose(first, second, rtol=0, atol=1e-7)


def test_only_missing_texts_are_encoded_and_order_is_kept(fake_model, tmp_path):
    enc = make_encoder(fake_model, tmp_path)
    enc.encode(TEXTS[:2])
    out = enc.encode([TEXTS[2], TEXTS[0], TEXTS[1]])
    assert fake_model.seen == [TEXTS[0], TEXTS[1], TEXTS[2]]
    direct = make_encoder(FakeSentenceModel(fake_model.inner), tmp_path / "other").encode(TEXTS)
    np.testing.assert_allclose(out, direct[[2, 0, 1]], atol=1e-6)


def test_duplicates_in_one_call_are_encoded_once(fake_model, tmp_path):
    out = make_encoder(fake_model, tmp_path).encode([TEXTS[0], TEXTS[1], TEXTS[0], TEXTS[0]])
    assert fake_model.seen == TEXTS[:2]
    assert out.shape == (4, 384)
    np.testing.assert_array_equal(out[0], out[2])
    np.testing.assert_array_equal(out[0], out[3])


def test_use_cache_false_always_encodes_and_writes_nothing(fake_model, tmp_path):
    enc = make_encoder(fake_model, tmp_path, use_cache=False)
    enc.encode(TEXTS)
    enc.encode(TEXTS)
    assert len(fake_model.seen) == 6
    assert not (tmp_path / "embeddings").exists()
    # The per-call switch overrides the setting the other way too.
    cached = make_encoder(fake_model, tmp_path)
    cached.encode(TEXTS[:1], use_cache=False)
    cached.encode(TEXTS[:1], use_cache=False)
    assert len(fake_model.seen) == 8


def test_vectors_are_float32_and_unit_norm_unless_asked(fake_model, tmp_path):
    enc = make_encoder(fake_model, tmp_path)
    unit = enc.encode(TEXTS)
    assert unit.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(unit, axis=1), 1.0, atol=1e-5)
    # The cache stores raw vectors, so normalize=False from cache returns the model's scale.
    raw = enc.encode(TEXTS, normalize=False)
    np.testing.assert_allclose(np.linalg.norm(raw, axis=1), 3.0, atol=1e-4)
    assert len(fake_model.seen) == 3


def test_cache_is_sqlite_keyed_by_sha256_under_the_model_id(fake_model, tmp_path):
    make_encoder(fake_model, tmp_path).encode(TEXTS[:1])
    db = tmp_path / "embeddings" / "fake.sqlite3"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT hash, length(vec) FROM vectors").fetchall()
    assert rows == [(text_hash(TEXTS[0]), 384 * 4)]
    # Another model id never sees these vectors.
    other = Encoder(EmbedSettings(cache_dir=tmp_path), model=fake_model, model_id="other")
    other.encode(TEXTS[:1])
    assert len(fake_model.seen) == 2


def test_empty_input_and_single_string(fake_model, tmp_path):
    enc = make_encoder(fake_model, tmp_path)
    assert enc.encode([]).shape == (0, 384)
    with pytest.raises(InputError, match="list"):
        enc.encode("one text")


def test_encode_query_is_1d_and_remembers_recent_questions(fake_model, tmp_path):
    enc = make_encoder(fake_model, tmp_path)
    q = enc.encode_query("Do you sell my data?")
    assert q.shape == (384,)
    enc.encode_query("Do you sell my data?")
    assert fake_model.seen == ["Do you sell my data?"]
    # Queries do not go to the disk cache.
    assert not (tmp_path / "embeddings").exists()
    np.testing.assert_allclose(q, enc.encode(["Do you sell my data?"])[0], atol=1e-6)


def test_missing_model_folder_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="MODEL_PATH"):
        Encoder(EmbedSettings(model_path=tmp_path / "nope", cache_dir=tmp_path))


def test_model_id_changes_with_the_files(tmp_path):
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "config.json").write_text('{"hidden": 384}')
    a = model_id_for_path(tmp_path / "m")
    assert a.startswith("m-") and a == model_id_for_path(tmp_path / "m")
    (tmp_path / "m" / "config.json").write_text('{"hidden": 768}')
    assert model_id_for_path(tmp_path / "m") != a


def _clause(text: str, section=(), context="", kind="sentence") -> Clause:
    return Clause("c", "p", "v1", tuple(section), 0, len(text), text, kind, context)


def test_clause_text_carries_heading_and_list_lead_in():
    c = _clause(
        "to countries outside the EEA.",
        section=("Privacy Policy", "International transfers of personal information"),
        context="We may transfer your personal information:",
        kind="bullet",
    )
    assert c.contextual_text() == (
        "International transfers of personal information: "
        "We may transfer your personal information: to countries outside the EEA."
    )
    assert _clause("We use cookies.").contextual_text() == "We use cookies."
    # Only the end of a very long lead-in is kept, so the clause's own words stay in the model's
    # 256-word-piece window.
    long = _clause("Partners.", context=" ".join(f"w{i}" for i in range(100)), kind="bullet")
    assert (
        long.contextual_text() == " ".join(f"w{i}" for i in range(40, 100)) + " Partners."
    )
    # A heading clause is not prefixed by itself.
    h = _clause("Cookies", section=("Cookies",), kind="heading")
    assert h.contextual_text() == "Cookies"


def test_old_name_of_the_clause_text_still_resolves_with_a_warning():
    import nlp
    import nlp.embed

    with pytest.warns(DeprecationWarning, match="contextual_text"):
        from nlp.embed import clause_text_for_embedding
    assert clause_text_for_embedding is Clause.contextual_text
    with pytest.warns(DeprecationWarning):
        assert nlp.clause_text_for_embedding is Clause.contextual_text
    assert "clause_text_for_embedding" not in nlp.__all__ + nlp.embed.__all__


@pytest.mark.slow
def test_real_model_offline_and_cached(tmp_path):
    # The shipped ONNX encoder (the default backend).
    enc = Encoder(EmbedSettings(cache_dir=tmp_path))
    vecs = enc.encode(["We sell your personal data.", "Your information is sold to others."])
    assert vecs.shape == (2, 384) and enc.dim == 384
    assert float(vecs[0] @ vecs[1]) > 0.5
    again = Encoder(EmbedSettings(cache_dir=tmp_path))
    np.testing.assert_allclose(again.encode(["We sell your personal data."])[0], vecs[0], atol=1e-6)
    assert again._model is None  # served from the cache without loading the model


def test_two_connections_share_one_cache_file(tmp_path):
    # Two processes each hold their own connection; WAL lets them read and write side by side.
    from nlp.embed import EmbeddingCache

    db = tmp_path / "m.sqlite3"
    a, b = EmbeddingCache(db, 4), EmbeddingCache(db, 4)
    v = np.arange(4, dtype=np.float32)
    a.put_many([("h1", v)])
    b.put_many([("h1", v + 1), ("h2", v + 2)])  # h1 keeps its first vector
    np.testing.assert_array_equal(b.get_many(["h1", "h2", "h3"])["h1"], v)
    assert sorted(a.get_many(["h1", "h2", "h3"])) == ["h1", "h2"]
    assert len(a) == 2
    a.close()
    b.close()


def test_many_hashes_are_fetched_in_batches(tmp_path):
    from nlp.embed import EmbeddingCache

    cache = EmbeddingCache(tmp_path / "m.sqlite3", 2)
    items = [(text_hash(str(i)), np.array([i, -i], dtype=np.float32)) for i in range(5000)]
    cache.put_many(items)
    got = cache.get_many([h for h, _ in items] + ["missing"])
    assert len(got) == 5000
    np.testing.assert_array_equal(got[text_hash("4321")], [4321, -4321])


def test_missing_sentence_transformers_names_the_pip_command(tmp_path, monkeypatch):
    model_dir = tmp_path / "model"
    model_dir.mkdir()
    (model_dir / "config.json").write_text("{}")
    # None in sys.modules makes `import sentence_transformers` raise ImportError.
    monkeypatch.setitem(__import__("sys").modules, "sentence_transformers", None)
    enc = Encoder(EmbedSettings(backend="torch", model_path=model_dir, cache_dir=tmp_path))
    with pytest.raises(ModelError, match="pip install sentence-transformers"):
        enc.encode(["We sell data."])


def test_interrupted_run_keeps_the_chunks_it_finished(fake_model, tmp_path, monkeypatch):
    import nlp.embed.encoder

    monkeypatch.setattr(nlp.embed.encoder, "_CACHE_CHUNK", 2)
    texts = [f"Clause number {i} about data." for i in range(5)]
    calls = {"n": 0}
    real = fake_model.encode

    def dies_on_third_chunk(sentences, **kw):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(sentences, **kw)

    monkeypatch.setattr(fake_model, "encode", dies_on_third_chunk)
    enc = make_encoder(fake_model, tmp_path)
    with pytest.raises(KeyboardInterrupt):
        enc.encode(texts)
    monkeypatch.setattr(fake_model, "encode", real)
    fake_model.seen.clear()
    again = make_encoder(fake_model, tmp_path)
    again.encode(texts)
    assert fake_model.seen == texts[4:]  # the first two chunks (four texts) were kept
