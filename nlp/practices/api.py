"""The practices stage as users call it: a configured extractor and the JSON row of a statement."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from nlp.config import PracticesSettings
from nlp.practices.extract import EXTRACT_VERSION, Encode, StatementExtractor
from nlp.practices.ontology import DEFAULT_ONTOLOGY, load_ontology
from nlp.practices.rules import DEFAULT_PATTERNS, load_patterns
from nlp.practices.tagger import PracticeTagger
from nlp.types import Clause, Statement

__all__ = [
    "PracticeExtractor",
    "extractor_id",
    "format_statement",
    "load_extractor",
    "statement_row",
]


class PracticeExtractor:
    """Statements of clauses with the shipped tagger and the measured nearest-node threshold.

    Example
    -------
    >>> from nlp.config import PracticesSettings
    >>> ex = load_extractor(PracticesSettings())                  # doctest: +SKIP
    >>> [s.practice for s in ex.extract(clauses)]                 # doctest: +SKIP
    """

    def __init__(self, extractor: StatementExtractor, metadata: dict[str, Any]) -> None:
        self.extractor = extractor
        self.metadata = metadata

    def extract(self, clauses: Sequence[Clause], batch_size: int = 256) -> list[Statement]:
        """Every statement of ``clauses``, in clause order."""
        out: list[Statement] = []
        for i in range(0, len(clauses), batch_size):
            for statements in self.extractor.extract_many(clauses[i : i + batch_size]):
                out.extend(statements)
        return out


def load_extractor(settings: PracticesSettings, encode: Encode | None = None) -> PracticeExtractor:
    """The extractor of ``settings.model_dir`` (rules alone when the folder holds no tagger).

    ``encode`` (an ``Encoder.encode``) turns on the nearest-node fallback for phrases the
    ontology does not name; without it they keep ``id=None``.
    """
    folder = Path(settings.model_dir)
    tagger = None
    meta: dict[str, Any] = {}
    if settings.use_tagger and (folder / "tagger.json").exists():
        tagger = PracticeTagger.load(folder)
        meta = dict(tagger.metadata)
    threshold = settings.nearest_threshold
    if threshold is None:
        params = folder / "params.json"
        stored = json.loads(params.read_text(encoding="utf-8")) if params.exists() else {}
        threshold = float(stored.get("nearest_threshold", 1.01))
    meta["nearest_threshold"] = threshold
    extractor = StatementExtractor(
        load_ontology(), load_patterns(),
        data_type_tagger=tagger.find_spans if tagger is not None else None,
        encode=_normalised(encode) if encode is not None and settings.use_nearest else None,
        nearest_threshold=threshold,
    )
    return PracticeExtractor(extractor, meta)


@functools.cache
def _code_digest() -> bytes:
    """SHA-256 over the source files of ``nlp.practices``, read once."""
    h = hashlib.sha256()
    for f in sorted(Path(__file__).parent.glob("*.py")):
        h.update(f"\0{f.name}\0".encode())
        h.update(f.read_bytes())
    return h.digest()


def extractor_id(settings: PracticesSettings, encoder_id: str | None = None) -> str:
    """The id of what :func:`load_extractor` would build, without loading it (caches key on it).

    It covers everything the statements depend on: ``EXTRACT_VERSION``, the bytes of this
    package's code, of the model folder's files, of the ontology and of the cue tables, the
    settings that change the output, and ``encoder_id`` (the model that names unknown phrases)
    when the nearest-node fallback is on. With the code in the key, a rule changed without a
    version bump still reads no statement an older build cached.
    """
    h = hashlib.sha256(f"extract-{EXTRACT_VERSION}".encode())
    h.update(_code_digest())
    h.update(settings.model_dump_json(include={"use_tagger", "use_nearest",
                                               "nearest_threshold"}).encode())
    folder = Path(settings.model_dir)
    files = sorted(folder.glob("*.json")) + sorted(folder.glob("*.npz")) if folder.is_dir() else []
    for f in (DEFAULT_ONTOLOGY, DEFAULT_PATTERNS, *files):
        h.update(f"\0{f.name}\0".encode())
        try:
            h.update(f.read_bytes())
        except OSError:
            h.update(b"missing")
    if settings.use_nearest and encoder_id:
        h.update(f"\0encoder\0{encoder_id}".encode())
    return f"practices-{h.hexdigest()[:16]}"


def _normalised(encode: Encode) -> Encode:
    def run(texts: list[str]) -> np.ndarray:
        vecs = np.asarray(encode(texts), dtype=np.float32)
        norms = np.linalg.norm(vecs, axis=1, keepdims=True)
        return vecs / np.where(norms == 0, 1.0, norms)

    return run


def statement_row(clause: Clause, statement: Statement) -> dict[str, Any]:
    """The documented JSON line of ``policylens practices --json``."""
    slots = statement.to_dict()
    return {
        "clause_id": clause.id,
        "policy": clause.policy_id,
        "version": clause.version,
        "section": clause.section_path,
        "text": clause.text,
        **{k: v for k, v in slots.items() if k != "clause_id"},
    }


def format_statement(clause: Clause, statement: Statement) -> str:
    """One human-readable line: practice, polarity, slots, then the clause's opening words."""

    def names(spans: Sequence[Any]) -> str:
        return ", ".join(s.id or f'"{s.text}"' for s in spans)

    parts = [f"{statement.practice:<15} {statement.polarity:<11}"]
    if statement.actor != "first_party":
        parts.append(f"by {statement.actor}")
    if statement.condition:
        parts.append(f'[{statement.condition}]')
    for label, spans in (("data", statement.data_types), ("to", statement.recipients),
                         ("for", statement.purposes), ("in", statement.places),
                         ("audience", statement.audience)):
        if spans:
            parts.append(f"{label}: {names(spans)}")
    if statement.retention:
        r = statement.retention
        parts.append(f"kept: {r.days} days" if r.days else f"kept: {r.kind}")
    return f"{clause.version}  " + "  ".join(parts) + f"  | {clause.text[:80]}"
