"""The statements of a corpus as tables: one row per statement, and flows of data between parties.

The practice table
------------------
``Corpus.practice_table()`` (pandas), ``Corpus.practices_dataset()`` (Hugging Face ``datasets``)
and ``Corpus.practices_to_parquet(path)`` hold one row per statement with the keys of
``policylens practices --json`` (``PRACTICE_COLUMNS``): ``clause_id``, ``policy``, ``version``,
``section``, ``text``, ``actor``, ``practice``, ``polarity``, ``condition``, ``negated``, then the
slots ``data_types``, ``recipients``, ``purposes``, ``places`` and ``audience`` (each a list of
``{"text", "id", "start", "end"}``; ``id`` null for free text, ``start``/``end`` -1 for a value
a list item takes from its lead-in) and ``retention`` (``{"text", "kind", "days"}`` or null).
In the dataset and in Parquet the slots are typed columns (lists of structs, a struct), never
JSON in a string: ``PRACTICE_SCHEMA`` is their Arrow schema.

The flow summary
----------------
:func:`flow_summary` counts, per policy, data type, recipient, practice and polarity, how many
statements (and clauses) say so: "lumenchat shares precise location with advertisers, affirmed,
in 2 clauses". A data type can be rolled up through the ontology (``roll_up=1``: an IP address
counts as ``identifiers``); a statement without a named recipient counts under ``first_party``
when the policy's own company collects, uses or keeps the data, else under ``unnamed``.

>>> from nlp import PolicyLens, load_corpus
>>> lens = PolicyLens(encoder=encoder, classifier=None)
>>> corpus = load_corpus("tests/data/corpus", lens=lens)
>>> table = corpus.practice_table(version="latest")
>>> table.columns.tolist()[:8]
['clause_id', 'policy', 'version', 'section', 'text', 'actor', 'practice', 'polarity']
>>> flows = flow_summary(table, names=corpus.names)
>>> flows.columns.tolist()
['policy', 'data_type', 'recipient', 'practice', 'polarity', 'statements', 'clauses', 'example']
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from nlp.extras import require
from nlp.types import Clause, Statement

if TYPE_CHECKING:
    import datasets
    import pandas as pd
    import pyarrow as pa

__all__ = [
    "FLOW_PRACTICES",
    "PRACTICE_COLUMNS",
    "flow_summary",
    "practice_arrow_schema",
    "practice_dataset",
    "practice_frame",
    "practice_records",
]

PRACTICE_COLUMNS: tuple[str, ...] = (
    "clause_id",
    "policy",
    "version",
    "section",
    "text",
    "actor",
    "practice",
    "polarity",
    "condition",
    "negated",
    "data_types",
    "recipients",
    "purposes",
    "places",
    "retention",
    "audience",
)
"""Columns of the practice table, in order: the keys of ``policylens practices --json``."""

_SPAN_SLOTS = ("data_types", "recipients", "purposes", "places", "audience")
_STRINGS = ("clause_id", "policy", "version", "section", "text", "actor", "practice", "polarity",
            "condition")

FLOW_PRACTICES: tuple[str, ...] = ("collect", "use", "share", "sell", "rent", "transfer_abroad",
                                   "retain", "track")
"""Practices that move or hold data: the ones :func:`flow_summary` counts by default."""

# Practices by which the policy's own company is where the data ends up.
_OWN = frozenset({"collect", "use", "retain", "track"})


def practice_records(
    clauses: Sequence[Clause], statements: Mapping[str, Sequence[Statement]]
) -> list[dict[str, Any]]:
    """One row per statement of ``clauses`` (in clause order), keyed by ``PRACTICE_COLUMNS``."""
    from nlp.practices import statement_row

    return [statement_row(c, st) for c in clauses for st in statements.get(c.id, ())]


def practice_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The practice table of ``rows``: strings, a bool ``negated``, slots as lists of dicts."""
    require("research", "pandas", purpose="a practice table")
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(PRACTICE_COLUMNS))
    frame = frame.astype({c: "string" for c in _STRINGS} | {"negated": "bool"})
    return frame


def practice_arrow_schema() -> pa.Schema:
    """The Arrow schema of the practice table (what Parquet files and datasets hold)."""
    require("research", "pyarrow", purpose="a practice table in Arrow or Parquet")
    import pyarrow as pa

    span = pa.struct([("text", pa.string()), ("id", pa.string()), ("start", pa.int64()),
                      ("end", pa.int64())])
    retention = pa.struct([("text", pa.string()), ("kind", pa.string()), ("days", pa.int64())])
    fields = []
    for name in PRACTICE_COLUMNS:
        if name in _SPAN_SLOTS:
            fields.append(pa.field(name, pa.list_(span), nullable=False))
        elif name == "retention":
            fields.append(pa.field(name, retention))
        elif name == "negated":
            fields.append(pa.field(name, pa.bool_(), nullable=False))
        else:
            fields.append(pa.field(name, pa.string(), nullable=name == "condition"))
    return pa.schema(fields)


def practice_arrow(rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    """The rows as an Arrow table of :func:`practice_arrow_schema`."""
    import pyarrow as pa

    schema = practice_arrow_schema()
    return pa.Table.from_pylist([dict(r) for r in rows], schema=schema)


def practice_dataset(rows: Sequence[Mapping[str, Any]]) -> datasets.Dataset:
    """The rows as a Hugging Face ``datasets.Dataset`` with typed features (lists of structs)."""
    require("research", "datasets", purpose="a Hugging Face dataset")
    import datasets

    span = {"text": datasets.Value("string"), "id": datasets.Value("string"),
            "start": datasets.Value("int64"), "end": datasets.Value("int64")}
    features = datasets.Features(
        {
            name: (
                datasets.List(span) if name in _SPAN_SLOTS
                else {"text": datasets.Value("string"), "kind": datasets.Value("string"),
                      "days": datasets.Value("int64")} if name == "retention"
                else datasets.Value("bool") if name == "negated"
                else datasets.Value("string")
            )
            for name in PRACTICE_COLUMNS
        }
    )
    return datasets.Dataset.from_list([dict(r) for r in rows], features=features)


def flow_summary(
    table: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    practices: Iterable[str] | None = FLOW_PRACTICES,
    roll_up: int | None = None,
    data_types: Iterable[str] | None = None,
    recipients: Iterable[str] | None = None,
    free_text: str | None = None,
) -> pd.DataFrame:
    """Statements counted by policy x data type x recipient x practice x polarity.

    ``table`` is a practice table (:meth:`Corpus.practice_table`). ``names`` maps policy ids to
    display names (``Corpus.names``). ``practices`` keeps those practices (``None``: all).
    ``data_types`` and ``recipients`` keep the values that are one of those ontology nodes or
    below one (``["contact"]`` keeps email addresses and phone numbers). ``roll_up=N`` counts
    each data type as its ancestor N levels below the ontology's root (``1``:
    ``precise_location`` -> ``location``, ``ip_address`` -> ``identifiers``); a phrase the
    ontology does not name is counted by its words, lowercased, or under ``free_text`` when given
    (e.g. ``"other"``, for charts over many policies). A statement with several data
    types or recipients counts once for each pair; ``clauses`` counts distinct clauses, so a
    clause stating one flow twice counts once there; ``example`` is the text of its first clause.
    """
    require("research", "pandas", purpose="a flow summary")
    import pandas as pd

    from nlp.practices import load_ontology

    ontology = load_ontology()
    wanted = set(practices) if practices is not None else None
    kinds_wanted = list(data_types) if data_types is not None else None
    to_wanted = list(recipients) if recipients is not None else None
    rows = []

    def keep(span: Mapping[str, Any], nodes: list[str] | None, vocabulary: str) -> bool:
        return nodes is None or any(
            ontology.is_a(span.get("id"), n, vocabulary) for n in nodes)

    def words(span: Mapping[str, Any]) -> str:
        return free_text if free_text is not None else str(span.get("text", "")).strip().lower()

    def data_type(span: Mapping[str, Any]) -> str:
        node = span.get("id")
        if not node:
            return words(span)
        if roll_up is None:
            return str(node)
        chain = ontology.ancestors(node, "data_types")  # the node first, the root last
        return chain[-(roll_up + 1)] if len(chain) > roll_up else str(node)

    for r in table.to_dict("records"):
        if wanted is not None and r["practice"] not in wanted:
            continue
        spans = [s for s in r["data_types"] if keep(s, kinds_wanted, "data_types")]
        if kinds_wanted is not None and not spans:
            continue
        kinds = sorted({data_type(s) for s in spans}) or ["unnamed"]
        if r["recipients"]:
            named = [s for s in r["recipients"] if keep(s, to_wanted, "recipients")]
            to = sorted({s.get("id") or words(s) for s in named})
        elif r["actor"] == "first_party" and r["practice"] in _OWN:
            to = ["first_party"]
        else:
            to = ["unnamed"]
        if to_wanted is not None and not (r["recipients"] and to):
            continue
        who = (names or {}).get(r["policy"], r["policy"])
        for kind in kinds:
            for recipient in to:
                rows.append((who, kind, recipient, r["practice"], r["polarity"], r["clause_id"],
                             r["text"]))
    keys = ["policy", "data_type", "recipient", "practice", "polarity"]
    flat = pd.DataFrame(rows, columns=[*keys, "clause_id", "text"])
    if flat.empty:
        return pd.DataFrame(columns=[*keys, "statements", "clauses", "example"]).astype(
            {"statements": "int64", "clauses": "int64"})
    grouped = flat.groupby(keys, sort=True)
    out = grouped.size().rename("statements").to_frame()
    out["clauses"] = grouped["clause_id"].nunique()
    out["example"] = grouped["text"].first()
    return out.reset_index().astype({"statements": "int64", "clauses": "int64"})
