"""Which statements of a stored policy a practices listing keeps: filters over ``Statement`` slots.

A data-type or recipient filter names an ontology node and keeps the statements whose slot holds
that node or one below it (``identifiers`` finds ``ip_address``): the ontology's subsumption, not
string equality. Unknown values are refused with the values that are known, so a typo is never an
empty page that looks like "the policy says nothing".
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from nlp.errors import InputError
from nlp.types import Polarity, Span, Statement

if TYPE_CHECKING:
    from nlp.practices import Ontology

__all__ = ["POLARITIES", "StatementFilter", "practice_ids"]

POLARITIES: tuple[str, ...] = get_args(Polarity)


@functools.cache
def practice_ids() -> tuple[str, ...]:
    """Every practice the extractor can state, from its cue table."""
    from nlp.practices import load_patterns

    return tuple(sorted({verb[1] for verb in load_patterns().verbs}))


@functools.cache
def _ontology() -> Ontology:
    from nlp.practices import load_ontology

    return load_ontology()


def _node_ids(vocabulary: str) -> tuple[str, ...]:
    return tuple(sorted(_ontology().nodes.get(vocabulary, {})))


def _known(value: str | None, known: Sequence[str], what: str) -> str | None:
    if value is None or value == "":
        return None
    if value not in known:
        shown = ", ".join(known[:40]) + (", ..." if len(known) > 40 else "")
        raise InputError(f"unknown {what} {value[:100]!r}; use one of: {shown}")
    return value


@dataclass(frozen=True, slots=True)
class StatementFilter:
    """The filters of ``GET /v1/policies/{id}/practices``; ``None`` keeps every value.

    >>> f = StatementFilter.checked(data_type="identifiers")
    >>> sorted(f.data_types)[:3]
    ['account_credentials', 'cookie_identifiers', 'device_identifiers']
    >>> "ip_address" in f.data_types
    True
    """

    practice: str | None = None
    polarity: str | None = None
    data_types: frozenset[str] | None = None
    recipients: frozenset[str] | None = None

    @classmethod
    def checked(
        cls,
        *,
        practice: str | None = None,
        polarity: str | None = None,
        data_type: str | None = None,
        recipient: str | None = None,
    ) -> StatementFilter:
        """The filter of these values, each checked against what exists (``InputError``)."""
        onto = _ontology()
        data_type = _known(data_type, _node_ids("data_types"), "data type")
        recipient = _known(recipient, _node_ids("recipients"), "recipient")
        return cls(
            practice=_known(practice, practice_ids(), "practice"),
            polarity=_known(polarity, POLARITIES, "polarity"),
            data_types=frozenset(onto.descendants(data_type, "data_types")) if data_type else None,
            recipients=frozenset(onto.descendants(recipient, "recipients")) if recipient else None,
        )

    def keeps(self, statement: Statement) -> bool:
        """Whether ``statement`` passes every filter."""
        return (
            (self.practice is None or statement.practice == self.practice)
            and (self.polarity is None or statement.polarity == self.polarity)
            and _any_in(statement.data_types, self.data_types)
            and _any_in(statement.recipients, self.recipients)
        )


def _any_in(spans: Sequence[Span], ids: frozenset[str] | None) -> bool:
    return ids is None or any(s.id in ids for s in spans)
