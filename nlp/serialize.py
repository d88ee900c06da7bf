"""Plain-JSON round trips of the stage dataclasses (for caches, stores and exports), and the one
clause record every output uses. No pickle.

The clause record (:data:`CLAUSE_RECORD`, made by :func:`clause_record`) is what a clause looks
like outside the library: the JSON lines of ``policylens segment``, ``search`` and ``classify``,
the rows of ``classify -o`` (JSONL, CSV, Parquet), the ``Corpus`` tables and the API's clauses all
carry these keys with these types. Each producer adds its own keys beside them (``search``: rank
and scores; ``classify``: per-label scores; the corpus: name, source, dates) and never renames
one; ``tests/test_records.py`` checks every producer against this one definition.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from typing import Any, TypeVar

from nlp.types import Clause, Policy, PolicyVersion

#: The clause record: key -> type, in this order. ``policy`` is the policy id (see
#: ``nlp.ingest.policy_ids`` for a file's), ``section`` the headings above the clause joined by
#: ``" > "``, ``text == version text[start:end]``, ``kind`` one of ``Clause.kind``'s values,
#: ``context`` the lead-in of its list (``""``: none), ``labels`` its categories (may be empty),
#: ``language`` the clause's language code (``""``: not detected).
CLAUSE_RECORD: dict[str, type] = {
    "clause_id": str,
    "policy": str,
    "version": str,
    "section": str,
    "kind": str,
    "start": int,
    "end": int,
    "text": str,
    "context": str,
    "labels": list,
    "language": str,
}

T = TypeVar("T")


def to_record(obj: Any) -> Any:
    """A JSON-ready structure of a dataclass (dates as ISO strings, tuples as lists)."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: to_record(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, (list, tuple)):
        return [to_record(x) for x in obj]
    if isinstance(obj, dict):
        return {k: to_record(v) for k, v in obj.items()}
    if isinstance(obj, date):
        return obj.isoformat()
    return obj


def _convert(value: Any, tp: Any) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if value is None:
        return None
    if origin in (types.UnionType, typing.Union):
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _convert(value, arg)
            except (TypeError, ValueError):
                continue
        return value
    if tp is date:
        return date.fromisoformat(value)
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0]) for v in value)
        if args:
            return tuple(_convert(v, a) for v, a in zip(value, args, strict=True))
        return tuple(value)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return from_record(tp, value)
    return value


_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    # Resolving the string annotations is most of the cost of a record: once per class.
    known = _FIELDS.get(cls)
    if known is None:
        hints = typing.get_type_hints(cls)
        known = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        _FIELDS[cls] = known
    return known


def from_record(cls: type[T], record: dict[str, Any]) -> T:
    """Rebuild a dataclass of ``nlp.types`` from :func:`to_record` output."""
    kwargs = {name: _convert(record[name], tp) for name, tp in _fields(cls) if name in record}
    return cls(**kwargs)


def clause_record(clause: Clause) -> dict[str, Any]:
    """The clause as the one documented record (:data:`CLAUSE_RECORD`).

    >>> c = Clause("p:v1:0", "p", "v1", ("Sharing",), 0, 9, "Partners.", "bullet", "We share:")
    >>> clause_record(c)["clause_id"], clause_record(c)["section"], list(clause_record(c))[:3]
    ('p:v1:0', 'Sharing', ['clause_id', 'policy', 'version'])
    """
    return {
        "clause_id": clause.id,
        "policy": clause.policy_id,
        "version": clause.version,
        "section": clause.section_path,
        "kind": clause.kind,
        "start": clause.start,
        "end": clause.end,
        "text": clause.text,
        "context": clause.context,
        "labels": list(clause.labels),
        "language": clause.language,
    }


def record_problems(record: dict[str, Any]) -> list[str]:
    """What ``record`` lacks or types wrongly against :data:`CLAUSE_RECORD` (``[]``: none).

    >>> record_problems({"clause_id": "x", "start": "0"})[:2]
    ["missing 'policy'", "missing 'version'"]
    """
    problems = []
    for key, tp in CLAUSE_RECORD.items():
        if key not in record:
            problems.append(f"missing {key!r}")
        elif not isinstance(record[key], tp) or (tp is int and isinstance(record[key], bool)):
            problems.append(f"{key!r} is {type(record[key]).__name__}, not {tp.__name__}")
    return problems


def policy_from_record(record: dict[str, Any]) -> Policy:
    return from_record(Policy, record)


def clause_from_record(record: dict[str, Any]) -> Clause:
    return from_record(Clause, record)


__all__ = [
    "CLAUSE_RECORD",
    "PolicyVersion",
    "clause_from_record",
    "clause_record",
    "from_record",
    "policy_from_record",
    "record_problems",
    "to_record",
]
