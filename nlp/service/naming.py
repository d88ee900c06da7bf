"""How stored policies are named and recognised: the format of an upload, content hashes,
client-chosen ids, version labels."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from nlp.errors import InputError, NotFoundError, UnsupportedFormatError
from nlp.ingest.formats import format_of
from nlp.service.records import PolicyRecord
from nlp.types import Clause, Policy, resolve_version

__all__ = [
    "check_policy_id",
    "clause_shape",
    "content_hash",
    "format_for",
    "renamed",
    "sha256_of",
    "unique_label",
    "version_label",
]

# A client-chosen policy id: what slugify makes, so ids stay URL- and clause-id-safe.
_POLICY_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,79}")




def format_for(filename: str | None, media_type: str | None = None) -> str:
    """The ingest format of an uploaded file, from its extension or else its media type.

    >>> format_for("policy.HTM"), format_for(None, "text/markdown; charset=utf-8")
    ('html', 'md')
    """
    fmt = format_of(filename, media_type)
    if fmt is not None:
        return fmt
    suffix = Path(filename or "").suffix.lower()
    media = (media_type or "").split(";")[0].strip().lower()
    what = f"{suffix or 'no extension'}, media type {media or 'unknown'}"
    raise UnsupportedFormatError(
        f"cannot read an upload with {what}; send a .txt, .md, .html or .pdf file"
    )


def sha256_of(*parts: str | bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode("utf-8") if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def content_hash(policy: Policy) -> str:
    """Hash of a policy's clean text, version by version: the same text uploaded twice matches."""
    return sha256_of(*(f"{v.label}\n{v.text}" for v in policy.versions))


def clause_shape(clause: Clause) -> tuple[object, ...]:
    """A clause without its labels: what segmentation decides."""
    c = clause
    return (c.id, c.policy_id, c.version, c.section, c.start, c.end, c.text, c.kind, c.context)


def check_policy_id(policy_id: str) -> str:
    """``policy_id`` if it is a valid client-chosen id, else ``InputError``."""
    if not _POLICY_ID.fullmatch(policy_id):
        raise InputError(
            f"policy id {policy_id[:100]!r} is not valid: use 1 to 80 lowercase letters, digits, "
            "'.', '_' or '-', starting with a letter or digit"
        )
    return policy_id


def unique_label(label: str, taken: set[str], n: int) -> str:
    """``label``, or ``v<n>`` (or ``label-2``...) when another version holds it already."""
    if label not in taken:
        return label
    candidate = f"v{n}"
    i = 2
    while candidate in taken:
        candidate = f"{label}-{i}"
        i += 1
    return candidate


def renamed(policy: Policy, policy_id: str) -> Policy:
    return Policy(id=policy_id, name=policy.name, source=policy.source, versions=policy.versions)


def version_label(record: PolicyRecord, version: str | None) -> str:
    """Resolve ``version`` among a stored policy's versions as ``Policy.version`` does."""
    labels = [v.label for v in record.versions]
    if not labels:
        raise NotFoundError(f"policy {record.id!r} has no versions")
    try:
        return resolve_version(record.id, labels, version)
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0])) from None
