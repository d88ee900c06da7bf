"""Question -> clause training triples for the encoder, from four public sources.

Every triple is ``(question, answering clause, other clause of the same policy)``: the third is a
hard negative, a clause the model must learn to rank below the answer although it shares the
policy's vocabulary and boilerplate. Sources (paths under ``../shared/datasets``):

* **PolicyQA** ``policyqa/dev.json``: split by policy (:func:`policyqa_split`, recorded in
  ``nlp/data/encoder_split.json``); every distinct question of a training policy is paired with
  each paragraph it was annotated on or that holds its answer.
* **OPP-115 practices** ``opp115_practices/segments.jsonl``: PolicyQA writes one question text per
  ``Category|||Attribute|||Value``, so every segment annotated with a type is paired with a
  question of that type (question texts of the training policies only).
* **PrivacyQA** ``privacyqa/train_opp_annotations.tsv``: real user questions flagged with one
  OPP-115 category, paired with a segment of that category.
* **Lay questions** ``corpora/qa/lay_questions.jsonl``, ``train`` split only: the answering clause
  is the clause of the policy that holds one of the question's phrases.

Left out of every triple: the policies of the PolicyQA validation split (questions and clauses),
and any clause whose text is an OPP-115 validation segment, so that neither the retrieval nor the
classifier validation figures are measured on text the encoder was tuned on. Also left out, on
request (``hold_out_tuning``): the recorded ``tuning`` fold, a few PolicyQA training policies and
lay-question train policies kept unseen by the encoder so that the retriever's fusion and the
answer stage's thresholds can be tuned on questions whose cosines training did not flatter.

The hard negative is drawn by a :class:`NegativePicker`: at random among a policy's other clauses
(the shipped encoder's triples), or *mined*: among the ``depth`` of them the base model ranks
closest to the question (clauses that look like an answer and are not). Seeded either way.
"""

from __future__ import annotations

import csv
import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nlp.config import CORPORA_DIR, PACKAGE_DIR
from nlp.errors import InputError

__all__ = [
    "NegativePicker",
    "SPLIT_FILE",
    "SOURCES",
    "TrainingTriple",
    "build_triples",
    "data_hashes",
    "lay_triples",
    "opp115_triples",
    "policyqa_split",
    "policyqa_triples",
    "privacyqa_triples",
    "read_split",
    "tuning_fold",
]

#: The recorded PolicyQA policy split (and its seed).
SPLIT_FILE = PACKAGE_DIR / "data" / "encoder_split.json"
LAY_QUESTIONS = CORPORA_DIR / "qa" / "lay_questions.jsonl"

#: Files read, relative to the datasets folder (their hashes go into the model card).
SOURCES = {
    "policyqa": "policyqa/dev.json",
    "opp115_practices": "opp115_practices/segments.jsonl",
    "opp115_validation": "opp115/validation_dataset.csv",
    "privacyqa": "privacyqa/train_opp_annotations.tsv",
}

# PrivacyQA's category columns -> OPP-115 category names ("other" has no one category).
_PRIVACYQA_CATEGORIES = {
    "first": "First Party Collection/Use",
    "third": "Third Party Sharing/Collection",
    "datasecurity": "Data Security",
    "dataretention": "Data Retention",
    "user_access": "User Access, Edit and Deletion",
    "user_choice": "User Choice/Control",
}


@dataclass(frozen=True)
class TrainingTriple:
    """A question, a clause answering it, and a clause of the same policy that does not."""

    anchor: str
    positive: str
    negative: str
    source: str


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().lower()


class NegativePicker:
    """Chooses a triple's hard negative among clauses known not to answer the question.

    ``encode`` ``None``: uniformly at random. Otherwise *mined*: the candidates are ranked by the
    cosine of ``encode``'s vectors to the question and one of the first ``depth`` is drawn. Vectors
    are computed once per text (candidates in one batch per call).
    """

    def __init__(
        self,
        rng: random.Random,
        encode: Callable[[list[str]], np.ndarray] | None = None,
        *,
        depth: int = 8,
    ) -> None:
        self.rng = rng
        self.encode = encode
        self.depth = max(1, depth)
        self._vectors: dict[str, np.ndarray] = {}

    def _vecs(self, texts: Sequence[str]) -> np.ndarray:
        assert self.encode is not None
        missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            for t, v in zip(missing, self.encode(missing), strict=True):
                self._vectors[t] = np.asarray(v, dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])

    def pick(self, question: str, candidates: Sequence[str]) -> str:
        """One of ``candidates`` (not empty) as the negative of ``question``."""
        if self.encode is None or len(candidates) <= self.depth:
            return self.rng.choice(candidates)
        scores = self._vecs(candidates) @ self._vecs([question])[0]
        top = np.argsort(-scores, kind="stable")[: self.depth]
        return candidates[int(self.rng.choice(top.tolist()))]

    def pick_outside(self, question: str, pool: Sequence[str], exclude: set[str]) -> str | None:
        """A negative of ``question`` from ``pool`` whose normalised text is not in ``exclude``
        (``None`` if there is none). At random, eight draws from the whole pool, as the shipped
        encoder's PolicyQA triples were drawn (kept so that they are rebuilt the same)."""
        if self.encode is None:
            for _ in range(8):
                cand = self.rng.choice(pool)
                if _norm(cand) not in exclude:
                    return cand
            return None
        others = [p for p in pool if _norm(p) not in exclude]
        return self.pick(question, others) if others else None


def policyqa_split(titles: Iterable[str], *, seed: int, validation_share: float) -> dict:
    """PolicyQA policies split into train and validation by a seeded shuffle of sorted titles."""
    names = sorted(set(titles))
    rng = random.Random(seed)
    rng.shuffle(names)
    n_val = max(1, round(len(names) * validation_share))
    return {
        "seed": seed,
        "validation_share": validation_share,
        "validation": sorted(names[:n_val]),
        "train": sorted(names[n_val:]),
    }


def read_split(path: Path = SPLIT_FILE) -> dict:
    """The recorded split (``train`` and ``validation`` policy titles)."""
    if not path.is_file():
        raise InputError(f"{path}: no recorded encoder split; run `policylens train --encoder`")
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _opp115_validation_texts(datasets: Path) -> set[str]:
    path = datasets / SOURCES["opp115_validation"]
    if not path.is_file():
        return set()
    with path.open(encoding="utf-8", newline="") as fh:
        return {_norm(row[0]) for row in csv.reader(fh) if row}


def tuning_fold(
    policyqa_train: Iterable[str], lay_train: Iterable[str], *, seed: int, share: float
) -> dict[str, list[str]]:
    """A seeded share of the PolicyQA and lay-question training policies kept from the encoder
    (the recorded fold is ``tuning_fold(split["train"], lay train policies, seed=13, share=0.25)``).
    """
    rng = random.Random(seed)
    fold: dict[str, list[str]] = {}
    for key, names in (("policyqa", policyqa_train), ("lay", lay_train)):
        pool = sorted(set(names))
        rng.shuffle(pool)
        fold[key] = sorted(pool[: round(len(pool) * share)])
    return fold


def policyqa_triples(
    data: dict,
    train_policies: set[str],
    banned: set[str],
    picker: NegativePicker,
) -> tuple[list[TrainingTriple], dict[str, list[str]]]:
    """Triples from the PolicyQA training policies, and question texts by PolicyQA type."""
    triples: list[TrainingTriple] = []
    by_type: dict[str, set[str]] = defaultdict(set)
    for doc in data["data"]:
        if doc["title"] not in train_policies:
            continue
        paras = [p["context"] for p in doc["paragraphs"]]
        norms = [_norm(p) for p in paras]
        gold: dict[str, set[int]] = defaultdict(set)
        for i, para in enumerate(doc["paragraphs"]):
            for qa in para["qas"]:
                by_type[qa["type"]].add(qa["question"])
                gold[qa["question"]].add(i)
                for ans in qa["answers"]:
                    a = _norm(ans["text"])
                    if a:
                        gold[qa["question"]].update(j for j, t in enumerate(norms) if a in t)
        pool = [p for p, t in zip(paras, norms, strict=True) if t not in banned]
        for question in sorted(gold):
            exclude = {norms[j] for j in gold[question]} | banned
            for j in sorted(gold[question]):
                if norms[j] in banned:
                    continue
                neg = picker.pick_outside(question, pool, exclude)
                if neg is not None:
                    triples.append(TrainingTriple(question, paras[j], neg, "policyqa"))
    return triples, {t: sorted(q) for t, q in by_type.items()}


def _segments(datasets: Path, excluded_sites: set[str], banned: set[str]) -> dict[str, list[dict]]:
    """OPP-115 practice segments by site, without excluded sites and banned texts."""
    by_site: dict[str, list[dict]] = defaultdict(list)
    path = datasets / SOURCES["opp115_practices"]
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        seg = json.loads(line)
        if seg["site"] in excluded_sites or _norm(seg["segment_text"]) in banned:
            continue
        by_site[seg["site"]].append(seg)
    return by_site


def opp115_triples(
    by_site: dict[str, list[dict]],
    questions_by_type: dict[str, list[str]],
    picker: NegativePicker,
    *,
    limit: int,
) -> list[TrainingTriple]:
    """Each (segment, PolicyQA type annotated on it) paired with one question of that type."""
    triples: list[TrainingTriple] = []
    for site in sorted(by_site):
        segs = by_site[site]
        for seg in segs:
            types: set[str] = set()
            cats: set[str] = set()
            for ann in seg["annotations"]:
                cats.add(ann["category"])
                for attr, val in ann["attributes"].items():
                    t = f"{ann['category']}|||{attr}|||{val.get('value')}"
                    if t in questions_by_type:
                        types.add(t)
            others = [s["segment_text"] for s in segs
                      if not cats & {a["category"] for a in s["annotations"]}]
            if not others:
                continue
            for t in sorted(types):
                q = picker.rng.choice(questions_by_type[t])
                triples.append(TrainingTriple(
                    q, seg["segment_text"], picker.pick(q, others), "opp115_practices"
                ))
    picker.rng.shuffle(triples)
    return triples[:limit]


def privacyqa_triples(
    path: Path, by_site: dict[str, list[dict]], picker: NegativePicker, *, per_question: int
) -> list[TrainingTriple]:
    """PrivacyQA train questions of exactly one category, each with segments of that category."""
    with_cat: dict[str, list[tuple[str, list[dict]]]] = defaultdict(list)
    for site in sorted(by_site):
        segs = by_site[site]
        for seg in segs:
            for cat in {a["category"] for a in seg["annotations"]}:
                with_cat[cat].append((seg["segment_text"], segs))
    triples: list[TrainingTriple] = []
    with path.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            if row.get("Split") != "train":
                continue
            cats = [c for c in _PRIVACYQA_CATEGORIES if row.get(c) == "1"]
            if len(cats) != 1 or row.get("other") == "1":
                continue
            cat = _PRIVACYQA_CATEGORIES[cats[0]]
            question = row["Query"].strip()
            for _ in range(per_question):
                text, segs = picker.rng.choice(with_cat[cat])
                others = [s["segment_text"] for s in segs
                          if cat not in {a["category"] for a in s["annotations"]}]
                if others:
                    triples.append(TrainingTriple(
                        question, text, picker.pick(question, others), "privacyqa"
                    ))
    return triples


def lay_triples(
    rows: Iterable[dict],
    clauses_of: Callable[[str], list[str]],
    picker: NegativePicker,
    *,
    repeats: int,
    excluded_policies: Collection[str] = (),
) -> list[TrainingTriple]:
    """Train-split lay questions with the clause holding one of their phrases.

    ``clauses_of(policy)`` gives the embedded texts of a policy's clauses (the segmenter's clauses,
    so the positives look like what the index holds). A question pairs with every clause holding a
    phrase, each ``repeats`` times with another negative (there are few lay questions).
    ``excluded_policies``: train policies kept from the encoder (the tuning fold).
    """
    triples: list[TrainingTriple] = []
    for row in rows:
        if row.get("split") != "train" or not row.get("phrases"):
            continue
        if row["policy"] in excluded_policies:
            continue
        texts = clauses_of(row["policy"])
        norms = [_norm(t) for t in texts]
        phrases = [_norm(p) for p in row["phrases"]]
        pos = [i for i, t in enumerate(norms) if any(p in t for p in phrases)]
        neg = [texts[i] for i, t in enumerate(norms) if i not in pos and len(t) > 40]
        if not pos or not neg:
            continue
        for i in pos[:3]:
            for _ in range(repeats):
                triples.append(
                    TrainingTriple(row["question"], texts[i], picker.pick(row["question"], neg),
                                   "lay")
                )
    return triples


def data_hashes(datasets: Path, extra: Sequence[Path] = ()) -> dict[str, str]:
    """SHA-256 of every file read, by its name relative to the datasets folder (or its path)."""
    out = {}
    for rel in SOURCES.values():
        p = datasets / rel
        if p.is_file():
            out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    for p in extra:
        if p.is_file():
            out[p.name] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def build_triples(
    datasets: Path,
    *,
    seed: int,
    validation_share: float,
    policyqa_limit: int,
    opp115_limit: int,
    privacyqa_per_question: int,
    lay_repeats: int,
    clauses_of: Callable[[str], list[str]] | None = None,
    lay_path: Path = LAY_QUESTIONS,
    split_path: Path | None = None,
    encode: Callable[[list[str]], np.ndarray] | None = None,
    negative_depth: int = 8,
    hold_out_tuning: bool = False,
) -> tuple[list[TrainingTriple], dict]:
    """Every training triple (shuffled, seeded) and the PolicyQA split used.

    ``split_path``: the recorded split to follow (default :data:`SPLIT_FILE` when it exists; a new
    split is drawn otherwise); with ``hold_out_tuning``, its ``tuning`` fold is left out too.
    ``clauses_of``: how to segment a lay-question policy (``None``: lay questions are left out).
    ``encode``: mine the negatives with these vectors among the ``negative_depth`` closest
    (``None``: at random).
    """
    rng = random.Random(seed)
    picker = NegativePicker(rng, encode, depth=negative_depth)
    pq_path = datasets / SOURCES["policyqa"]
    if not pq_path.is_file():
        raise InputError(f"{pq_path} not found: pass the datasets folder (--data)")
    data = json.loads(pq_path.read_text(encoding="utf-8"))
    path = split_path if split_path is not None else SPLIT_FILE
    split = (
        read_split(path) if path.is_file()
        else policyqa_split([d["title"] for d in data["data"]], seed=seed,
                            validation_share=validation_share)
    )
    tuning = split.get("tuning", {}) if hold_out_tuning else {}
    held_out = set(tuning.get("policyqa", ()))
    banned = _opp115_validation_texts(datasets)
    pq, by_type = policyqa_triples(data, set(split["train"]) - held_out, banned, picker)
    rng.shuffle(pq)
    triples = pq[:policyqa_limit]
    if (datasets / SOURCES["opp115_practices"]).is_file():
        by_site = _segments(datasets, set(split["validation"]) | held_out, banned)
        triples += opp115_triples(by_site, by_type, picker, limit=opp115_limit)
        if (datasets / SOURCES["privacyqa"]).is_file():
            triples += privacyqa_triples(
                datasets / SOURCES["privacyqa"], by_site, picker,
                per_question=privacyqa_per_question,
            )
    if clauses_of is not None and lay_path.is_file():
        rows = [json.loads(x) for x in lay_path.read_text(encoding="utf-8").splitlines() if x]
        triples += lay_triples(rows, clauses_of, picker, repeats=lay_repeats,
                               excluded_policies=set(tuning.get("lay", ())))
    rng.shuffle(triples)
    return triples, split
