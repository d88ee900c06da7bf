"""Plain-JSON round trips of the stage dataclasses (for caches, stores and exports). No pickle."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from typing import Any, TypeVar

from nlp.types import Clause, Policy, PolicyVersion

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


def from_record(cls: type[T], record: dict[str, Any]) -> T:
    """Rebuild a dataclass of ``nlp.types`` from :func:`to_record` output."""
    hints = typing.get_type_hints(cls)
    kwargs = {
        f.name: _convert(record[f.name], hints[f.name])
        for f in dataclasses.fields(cls)  # type: ignore[arg-type]
        if f.name in record
    }
    return cls(**kwargs)


def policy_from_record(record: dict[str, Any]) -> Policy:
    return from_record(Policy, record)


def clause_from_record(record: dict[str, Any]) -> Clause:
    return from_record(Clause, record)


__all__ = ["clause_from_record", "from_record", "policy_from_record", "to_record", "PolicyVersion"]
