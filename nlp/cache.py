"""On-disk caches of model-free work: parsed policies, and the statements of their clauses.

``ParseCache``: a policy file read and segmented once, kept as JSON until its input changes.

An entry is keyed by the file's bytes and name, the policy id asked for, the ingest and segment
settings, and ``nlp.segment.PARSE_VERSION``, the version of what ingest and segment return (bumped
whenever either stage changes its output): entries of an old version are never read again.

Example
-------
>>> cache = ParseCache(tmp_path / "policies")  # e.g. ~/.cache/policylens/policies
>>> policy, clauses = cache.read("corpora/000_ce4448d9c54926ad.txt")  # parsed, then kept
>>> policy, clauses = cache.read("corpora/000_ce4448d9c54926ad.txt")  # read back
>>> policy.id, len(clauses) > 300
('000-ce4448d9c54926ad', True)

``StatementCache``: the statements of one version's clauses, kept as JSON beside the parse cache
but keyed on their own: on the extractor's id (``nlp.practices.extractor_id``: the practices model
files, the ontology and cue tables, the extractor version, the settings and the encoder that names
unknown phrases) and on a digest of what the extractor reads of every clause of the batch (id,
kind, section, lead-in, text). A retrained tagger or an edited ontology thus never forces
re-parsing, and a policy uploaded as bytes (no file) or read back from a store finds its
statements as well as one read from a file. The batch, not the single clause, is the unit because
the extractor reads a clause's neighbours (a list's lead-in, the sentence before).

>>> sc = StatementCache(tmp_path / "statements", "practices-test")
>>> batch = clauses[:3]
>>> sc.get(batch) is None
True
>>> sc.put(batch, {c.id: () for c in batch})
>>> sorted(sc.get(batch)) == sorted(c.id for c in batch)
True
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from nlp.config import IngestSettings, SegmentSettings
from nlp.errors import InputError
from nlp.segment import PARSE_VERSION
from nlp.serialize import clause_from_record, policy_from_record, to_record
from nlp.types import Clause, Policy, Retention, Span, Statement

__all__ = ["ParseCache", "StatementCache"]


class ParseCache:
    """Parsed policies and their clauses as JSON files in ``folder`` (``None``: keep nothing).

    ``version`` defaults to ``nlp.segment.PARSE_VERSION``. A read-only or damaged cache only
    costs speed.
    """

    def __init__(
        self,
        folder: Path | None,
        ingest: IngestSettings | None = None,
        segment: SegmentSettings | None = None,
        *,
        version: int | str = PARSE_VERSION,
    ) -> None:
        self.folder = Path(folder) if folder is not None else None
        self.ingest = ingest or IngestSettings()
        self.segment = segment or SegmentSettings()
        self.version = version

    def key(self, path: str | Path, policy_id: str | None = None) -> str | None:
        """The entry name of a file, or ``None`` when it cannot be read (ingest says why).

        The bytes are read by ingest's one safe reader (``read_policy_file``: regular files
        within ``IngestSettings.max_bytes`` only), so a FIFO, a device or a huge sparse file is
        never read here either; ingest then raises its own error for it.
        """
        from nlp.ingest import read_policy_file

        try:
            data = read_policy_file(path, self.ingest)
        except InputError:
            return None
        h = hashlib.sha256(data)
        stamp = (
            self.version,
            policy_id,
            Path(path).name,
            self.ingest.model_dump_json(),
            self.segment.model_dump_json(),
        )
        h.update(repr(stamp).encode())
        return h.hexdigest()

    def read(self, path: str | Path, policy_id: str | None = None) -> tuple[Policy, list[Clause]]:
        """The policy in ``path`` and its clauses: from the cache, else read, segmented and kept."""
        key = self.key(path, policy_id) if self.folder is not None else None
        cached = self._get(key) if key else None
        if cached is not None:
            return cached
        from nlp.ingest import load_policy
        from nlp.segment import segment_policy

        policy = load_policy(path, self.ingest, policy_id=policy_id)
        clauses = segment_policy(policy, self.segment)
        if key:
            self._put(key, policy, clauses)
        return policy, clauses

    def _get(self, key: str) -> tuple[Policy, list[Clause]] | None:
        if self.folder is None:
            return None
        file = self.folder / f"{key}.json"
        if not file.exists():
            return None
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
            return (
                policy_from_record(record["policy"]),
                [clause_from_record(c) for c in record["clauses"]],
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged entry is rebuilt, never trusted

    def _put(self, key: str, policy: Policy, clauses: list[Clause]) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            record = {"policy": to_record(policy), "clauses": to_record(clauses)}
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.folder / f"{key}.json")
        except OSError:
            pass


class StatementCache:
    """Statements of batches of clauses (one version each) as JSON files in ``folder/extractor``.

    ``folder=None`` keeps nothing. Like the parse cache, a read-only or damaged cache only costs
    speed: a damaged entry is extracted again, never trusted.
    """

    def __init__(self, folder: Path | None, extractor: str) -> None:
        self.folder = Path(folder) / extractor if folder is not None else None
        self.extractor = extractor

    @staticmethod
    def key(clauses: Sequence[Clause]) -> str:
        """The digest of a batch: what the extractor reads of each clause, in order."""
        h = hashlib.sha256()
        for c in clauses:
            h.update("\x1f".join((c.id, c.kind, *c.section, "\x1e", c.context, c.text)).encode())
            h.update(b"\x1d")
        return h.hexdigest()

    def get(self, clauses: Sequence[Clause]) -> dict[str, tuple[Statement, ...]] | None:
        """The statements of every clause of the batch by clause id, or ``None`` when unknown."""
        if self.folder is None or not clauses:
            return None
        file = self.folder / f"{self.key(clauses)}.json"
        try:
            record = json.loads(file.read_text(encoding="utf-8"))
            found = {
                cid: tuple(_statement(st) for st in sts)
                for cid, sts in record["statements"].items()
            }
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None
        if any(c.id not in found for c in clauses):
            return None
        return found

    def put(self, clauses: Sequence[Clause], statements: Mapping[str, Sequence[Statement]]) -> None:
        """Keep the statements of the batch (every clause of it, those without any too)."""
        if self.folder is None or not clauses:
            return
        key = self.key(clauses)
        record = {
            "extractor": self.extractor,
            "statements": {c.id: to_record(list(statements.get(c.id, ()))) for c in clauses},
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            tmp = self.folder / f".{key}.{os.getpid()}.tmp"
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            tmp.replace(self.folder / f"{key}.json")
        except OSError:
            pass


_SPAN_SLOTS = ("data_types", "recipients", "purposes", "places", "audience")


def _span(record: dict[str, Any]) -> Span:
    return Span(record["text"], int(record["start"]), int(record["end"]), record.get("id"))


def _statement(record: dict[str, Any]) -> Statement:
    """A ``Statement`` from its ``to_record`` form; the generic ``from_record`` resolves every
    annotation of every nested span, which made reading a policy's statements cost an ask."""
    fields = dict(record)
    for slot in _SPAN_SLOTS:
        fields[slot] = tuple(_span(s) for s in fields.get(slot) or ())
    retention = fields.get("retention")
    fields["retention"] = Retention(**retention) if retention else None
    evidence = fields.get("evidence")
    fields["evidence"] = _span(evidence) if evidence else None
    return Statement(**fields)
