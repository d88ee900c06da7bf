"""Cost of statement extraction against embedding alone, on the same clauses in the same run.

Reads policies of a folder (default: Open Terms Archive), cuts them into clauses (not timed),
then, group by group, times ``Encoder.encode`` of the clauses' embedding texts (cache off: the
model really runs) and ``PracticeExtractor.extract`` of the same clauses (the shipped tagger and
the nearest-node fallback, whose encoder also has its cache off). Reports clauses/s of both and
the extra cost of statements relative to embedding (target: at most 25%). ``--sample N`` takes N
policies spread over the folder (all ~330 are ~76k clauses: an hour of encoding on two cores).

Both sides remember what they already did in this run, and only that: the extractor its tagger's
spans per distinct sentence (policies repeat boilerplate), the embedding side each distinct text
it encoded (what the embedding cache does for a corpus, without its disk I/O). A clause text seen
before is not encoded again; ``--encode-repeats`` encodes every clause (the measure of
2026-12-02 and before, which counts repeated texts on the embedding side only).

    .venv/bin/python bench/bench_practices.py --data ../shared/datasets/opentermsarchive --sample 30

``--warm`` then measures what keeping the statements saves, on the bundled seed (both versions)
with a fresh cache folder: ``PolicyLens.statements`` cold (extracted and kept), then in a second,
fresh lens over the same folder (read back from the statement cache, as a second process would),
against one ``ask`` of that warm lens. ``--sample -1`` runs that part alone.

``--dump FILE`` writes every statement (the seed's both versions, then the sample's) as JSON
lines, so two builds can be compared line by line (``diff``): a speed change must leave them equal.
``--no-embed`` skips the encoder's timing (for profiling and dumps; no ratio is printed).

Quality figures (PI-Extract validation, OPP-115 held-out policies, the seed gold) come from
``policylens evaluate --task practices --data-dir ../shared/datasets``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from nlp.config import Settings  # noqa: E402
from nlp.embed import Encoder  # noqa: E402
from nlp.ingest import load_policy  # noqa: E402
from nlp.practices import load_extractor  # noqa: E402
from nlp.segment import segment_policy, segment_version  # noqa: E402
from nlp.types import Statement  # noqa: E402


def policy_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in {".md", ".txt", ".html"}
                  and p.is_file() and p.stat().st_size > 0)


def _write(out: TextIO, statements: list[Statement]) -> None:
    for st in statements:
        # every field, offsets and evidence included: ``to_dict`` leaves some out
        out.write(json.dumps(asdict(st), sort_keys=True) + "\n")


def warm_check(settings: Settings) -> None:
    """Cold and warm ``statements()`` of the seed, and one warm ``ask``, in a fresh cache folder."""
    from nlp.pipeline import PolicyLens

    with tempfile.TemporaryDirectory() as tmp:
        fresh = settings.model_copy(update={
            "embed": settings.embed.model_copy(update={"cache_dir": Path(tmp)})})
        cold = PolicyLens(fresh)
        policy = cold.load(settings.corpus)
        cold.encoder.encode(["warm up the model"])
        labels = [v.label for v in policy.versions]
        t0 = time.perf_counter()
        n = sum(len(cold.statements(policy.id, v)) for v in labels)
        t_cold = time.perf_counter() - t0
        warm = PolicyLens(fresh)  # nothing in memory: what a second process finds on disk
        warm.load(settings.corpus)
        t0 = time.perf_counter()
        warm.statement_cache  # noqa: B018 - once per lens: the extractor's id (hashes its files)
        t_id = time.perf_counter() - t0
        t0 = time.perf_counter()
        m = sum(len(warm.statements(policy.id, v)) for v in labels)
        t_warm = time.perf_counter() - t0
        warm.ask("Do you sell my data?")  # loads the models and builds the index
        t0 = time.perf_counter()
        warm.ask("Is my data sent to China?")
        t_ask = time.perf_counter() - t0
    clauses = sum(len(warm.clauses(policy.id, v)) for v in labels)
    assert n == m, (n, m)
    print(f"\nseed, both versions ({clauses} clauses, {n} statements):")
    print("| step | seconds |\n|---|---|")
    print(f"| statements(), cold (extracted, kept on disk) | {t_cold:.3f} |")
    print(f"| second lens: the extractor's id, once per lens | {t_id:.3f} |")
    print(f"| second lens: statements() read back | {t_warm:.3f} |")
    print(f"| one ask of the warm lens | {t_ask:.3f} |")
    print(f"warm / cold: {t_warm / t_cold:.3f}; warm statements / one ask: {t_warm / t_ask:.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared/datasets/opentermsarchive")
    ap.add_argument("--sample", type=int, default=30, help="N policies spread over the folder "
                    "(0: all; -1: none, only --warm)")
    ap.add_argument("--warm", action="store_true", help="also time cold and warm statements() "
                    "of the seed against one ask")
    ap.add_argument("--group", type=int, default=5, help="policies per interleaved step")
    ap.add_argument("--dump", type=Path, help="write every statement (seed, then sample) as "
                    "JSON lines to this file")
    ap.add_argument("--encode-repeats", action="store_true", help="encode every clause, also "
                    "texts already encoded in this run (the old measure)")
    ap.add_argument("--no-embed", action="store_true", help="time statements alone (no ratio)")
    args = ap.parse_args()

    settings = Settings()
    if args.sample < 0:
        warm_check(settings)
        return
    embed = settings.embed.model_copy(update={"use_cache": False})
    encoder = Encoder(embed)
    files = policy_files(args.data)
    if args.sample and args.sample < len(files):
        step = len(files) / args.sample
        files = [files[int(i * step)] for i in range(args.sample)]
    encoder.encode(["warm up the model", "and its threads"])
    extractor = load_extractor(settings.practices, encode=encoder.encode)
    extractor.extract(segment_policy(load_policy(settings.corpus, settings.ingest))[:20])
    dump = args.dump.open("w", encoding="utf-8") if args.dump else None
    if dump is not None:
        seed = load_policy(settings.corpus, settings.ingest)
        for version in seed.versions:
            _write(dump, extractor.extract(segment_version(seed.id, version, settings.segment)))

    t_embed = t_stmt = 0.0
    encoded: set[str] = set()
    n_encoded = 0
    n_clauses = 0
    practices: Counter[str] = Counter()
    polarity: Counter[str] = Counter()
    skipped = 0
    for g in range(0, len(files), args.group):
        clauses = []
        for path in files[g : g + args.group]:
            try:
                clauses += segment_policy(load_policy(path, settings.ingest), settings.segment)
            except Exception:  # noqa: BLE001 - unreadable files are counted, not fatal
                skipped += 1
        if not clauses:
            continue
        texts = [c.contextual_text() for c in clauses]
        t0 = time.perf_counter()
        if not args.encode_repeats:  # the lookup is timed, as the extractor's own memo is
            texts = [t for t in dict.fromkeys(texts) if t not in encoded]
            encoded.update(texts)
        n_encoded += len(texts)
        if not args.no_embed and texts:
            encoder.encode(texts)
        t_embed += time.perf_counter() - t0
        t0 = time.perf_counter()
        statements = extractor.extract(clauses)
        t_stmt += time.perf_counter() - t0
        n_clauses += len(clauses)
        practices.update(s.practice for s in statements)
        polarity.update(s.polarity for s in statements)
        if dump is not None:
            _write(dump, statements)
        # a running total after every group, so a run stopped early still reports its sample
        print(f"after {min(g + args.group, len(files))} policies: {n_clauses} clauses, "
              f"embedding {t_embed:.1f} s, statements {t_stmt:.1f} s "
              f"(+{t_stmt / max(t_embed, 1e-9):.0%})", flush=True)
    if dump is not None:
        dump.close()
    print(f"texts encoded: {n_encoded} of {n_clauses} clauses"
          f"{' (every clause)' if args.encode_repeats else ' (each distinct text once)'}")
    print(f"policies: {len(files) - skipped} ({skipped} unreadable), clauses: {n_clauses}")
    print("\n| step | seconds | clauses/s |\n|---|---|---|")
    print(f"| embedding alone | {t_embed:.1f} | {n_clauses / t_embed:.1f} |")
    print(f"| statements | {t_stmt:.1f} | {n_clauses / t_stmt:.1f} |")
    if not args.no_embed:
        print(f"\nstatements add {t_stmt / t_embed:.0%} to embedding (target <= 25%)")
    print(f"statements: {sum(practices.values())}; by practice: {dict(practices.most_common())}")
    print(f"by polarity: {dict(polarity)}")
    if args.warm:
        warm_check(settings)
    print(f"\ncommand: .venv/bin/python bench/bench_practices.py --data {args.data} "
          f"--sample {args.sample} --group {args.group}{' --warm' if args.warm else ''}"
          f"{' --encode-repeats' if args.encode_repeats else ''}")


if __name__ == "__main__":
    main()
