"""The parse cache: a policy file read and segmented once, kept as JSON until its input changes.

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
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from nlp.config import IngestSettings, SegmentSettings
from nlp.errors import InputError
from nlp.segment import PARSE_VERSION
from nlp.serialize import clause_from_record, policy_from_record, to_record
from nlp.types import Clause, Policy

__all__ = ["ParseCache"]


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
