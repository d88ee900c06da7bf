"""Many policies at once: load a folder as a corpus, export its clauses as tables, find mentions.

A :class:`Corpus` is the policies of one folder (searched recursively), each cleaned, split into
versions and segmented, held by the lens they were loaded into (``nlp.PolicyLens``, or anything
with the methods of :class:`CorpusLens`). Files that cannot be read are skipped and listed in
``Corpus.skipped`` with the reason, so one bad file never stops a study.

The clause table
----------------
``Corpus.clause_table()`` (a pandas DataFrame), ``Corpus.to_dataset()`` (a Hugging Face
``datasets.Dataset``) and ``Corpus.to_parquet(path)`` share one row per clause and these columns:

============== ===================================================================================
policy         policy id (a slug of the file's path in the folder, e.g. ``tiktok``)
name           display name (the file name, or its folder for ``<Service>/Privacy Policy.md``)
source         the file read
version        version label (ISO effective date when stated, else ``v1``, ``v2``...)
effective_date ISO date string of the version, or null
latest         whether the version is the policy's most recent one
clause_id      stable clause id (a content hash)
section        section path, headings joined by ``" > "``
kind           ``sentence``, ``bullet``, ``table_row`` or ``heading``
start, end     character offsets into the clean text of the version
text           the clause
context        the lead-in sentence of its list, if any
labels         list of category labels (empty until classified)
language       the clause's language code (``""``: not detected)
category       first label, or ``""``
============== ===================================================================================

The practice table
------------------
``Corpus.practice_table()``, ``Corpus.to_dataset(table="practices")`` and
``Corpus.to_parquet(path, table="practices")`` hold one row per statement (the practices stage's
``Statement``, extracted once per clause and kept in the statement cache) with the keys of
``policylens practices --json``, the slots as typed columns (lists of structs); ``Corpus.flows()``
counts them by policy x data type x recipient x practice x polarity (see
:mod:`nlp.research.practices`).

Example
-------
>>> from nlp import PolicyLens
>>> lens = PolicyLens(encoder=encoder, classifier=None)
>>> corpus = load_corpus("tests/data/corpus", lens=lens)
>>> corpus.clause_table().columns.tolist()[:4]
['policy', 'name', 'source', 'version']
>>> find_mentions(corpus, country="China")["policy"].tolist()
['lumenchat']
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from nlp.answer.lexicon import ACTIONS, DATA_TYPES, PLACES, RECIPIENTS, compile_terms
from nlp.errors import InputError, NotFoundError
from nlp.extras import require
from nlp.ingest.formats import SUPPORTED_FORMATS, policy_ids, policy_names
from nlp.research.practices import (
    FLOW_PRACTICES,
    flow_summary,
    practice_arrow,
    practice_dataset,
    practice_frame,
    practice_records,
)
from nlp.types import Clause, Policy, Statement

if TYPE_CHECKING:
    import datasets
    import pandas as pd

__all__ = [
    "CLAUSE_COLUMNS",
    "Corpus",
    "CorpusLens",
    "SkippedFile",
    "coverage_matrix",
    "find_mentions",
    "load_corpus",
]

CLAUSE_COLUMNS: tuple[str, ...] = (
    "policy",
    "name",
    "source",
    "version",
    "effective_date",
    "latest",
    "clause_id",
    "section",
    "kind",
    "start",
    "end",
    "text",
    "context",
    "labels",
    "language",
    "category",
)
"""Columns of the clause table, in order (see the module docstring for their meaning)."""


class CorpusLens(Protocol):
    """What a corpus needs from the lens holding its policies (``nlp.PolicyLens`` has it all)."""

    def load(self, path: str | Path, *, policy_id: str | None = None) -> Policy:
        """Read and keep one policy file."""
        ...

    def clauses(self, policy_id: str | None = None, version: str | None = None) -> list[Clause]:
        """The clauses of one version of a kept policy."""
        ...

    def classify(
        self, policy_ids: Iterable[str] | None = None, *, classifier: Any | None = None
    ) -> None:
        """Label the clauses of kept policies (by default with the shipped classifier)."""
        ...

    def statements_for(self, clauses: Sequence[Clause]) -> dict[str, tuple[Statement, ...]]:
        """The statements of each clause by clause id (extracted once, then kept)."""
        ...


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file of the folder that could not be read as a policy, and why."""

    path: str
    reason: str


class Corpus:
    """Policies loaded from files, with their clauses (held by a lens, e.g. ``PolicyLens``).

    Build one with :func:`load_corpus`. ``policies`` are in file order; ``names`` maps policy ids
    to display names; ``skipped`` lists files that could not be read.
    """

    def __init__(
        self,
        lens: CorpusLens,
        policies: Sequence[Policy],
        names: dict[str, str] | None = None,
        skipped: Sequence[SkippedFile] = (),
    ) -> None:
        self.lens = lens
        self.policies = list(policies)
        self.names = dict(names or {p.id: p.name for p in self.policies})
        self.skipped = list(skipped)

    def __len__(self) -> int:
        return len(self.policies)

    def __repr__(self) -> str:
        return f"Corpus({len(self.policies)} policies, {len(self.skipped)} skipped)"

    @property
    def ids(self) -> list[str]:
        return [p.id for p in self.policies]

    def clauses(self, policy_id: str | None = None, version: str | None = "latest") -> list[Clause]:
        """Clauses of one policy (or all), of the latest version (``None``: of all versions)."""
        out: list[Clause] = []
        for p in self.policies:
            if policy_id is not None and p.id != policy_id:
                continue
            if version is None:
                for v in p.versions:
                    out.extend(self.lens.clauses(p.id, v.label))
            else:
                out.extend(self.lens.clauses(p.id, version))
        return out

    def classify(self, classifier: Any | None = None) -> Corpus:
        """Label every clause (all versions) with a clause classifier; returns ``self``.

        ``classifier`` is a fitted ``nlp.classify.ClauseClassifier`` (anything with
        ``label_clauses(clauses, encoder)``); by default the lens's own (the one shipped in
        ``Settings.classify.model_dir``). It embeds what it classifies with the lens's encoder
        (cached on disk); its labels replace ``Clause.labels``, in the lens's index too.

        Raises ``ModelError`` when no classifier is given and none is shipped.
        """
        self.lens.classify(self.ids, classifier=classifier)
        return self

    # -- tables -------------------------------------------------------------------------------

    def records(self, *, version: str | None = None) -> list[dict[str, Any]]:
        """Clause rows as dicts (``version=None``: all versions; ``"latest"``: newest only)."""
        rows: list[dict[str, Any]] = []
        for p in self.policies:
            latest = p.latest.label
            wanted = _version_label(p, version) if version is not None else None
            for v in p.versions:
                if wanted is not None and v.label != wanted:
                    continue
                for c in self.lens.clauses(p.id, v.label):
                    rows.append(
                        {
                            "policy": p.id,
                            "name": self.names.get(p.id, p.name),
                            "source": p.source,
                            "version": v.label,
                            "effective_date": (
                                v.effective_date.isoformat() if v.effective_date else None
                            ),
                            "latest": v.label == latest,
                            "clause_id": c.id,
                            "section": c.section_path,
                            "kind": c.kind,
                            "start": c.start,
                            "end": c.end,
                            "text": c.text,
                            "context": c.context,
                            "labels": list(c.labels),
                            "language": c.language,
                            "category": c.labels[0] if c.labels else "",
                        }
                    )
        return rows

    def clause_table(self, *, version: str | None = None) -> pd.DataFrame:
        """One row per clause with the columns of ``CLAUSE_COLUMNS`` (all versions by default).

        >>> from nlp import PolicyLens
        >>> lens = PolicyLens(encoder=encoder, classifier=None)
        >>> corpus = load_corpus("tests/data/corpus", lens=lens)
        >>> df = corpus.clause_table(version="latest")
        >>> df.groupby("name").size().to_dict()
        {'kitemail': 13, 'lumenchat': 13, 'orbitfit': 9}
        """
        require("research", "pandas", purpose="a corpus table")
        import pandas as pd

        frame = pd.DataFrame(self.records(version=version), columns=list(CLAUSE_COLUMNS))
        return frame.astype({"start": "int64", "end": "int64", "latest": "bool"})

    def practice_records(self, *, version: str | None = None) -> list[dict[str, Any]]:
        """Statement rows as dicts, keyed by ``PRACTICE_COLUMNS`` (see :meth:`practice_table`)."""
        rows: list[dict[str, Any]] = []
        for p in self.policies:
            wanted = _version_label(p, version) if version is not None else None
            for v in p.versions:
                if wanted is not None and v.label != wanted:
                    continue
                clauses = self.lens.clauses(p.id, v.label)
                rows.extend(practice_records(clauses, self.lens.statements_for(clauses)))
        return rows

    def practice_table(self, *, version: str | None = None) -> pd.DataFrame:
        """One row per statement of every clause (all versions by default; ``"latest"``: newest).

        The columns are ``PRACTICE_COLUMNS`` (the keys of ``policylens practices --json``):
        strings, a bool ``negated``, the slots as lists of ``{"text", "id", "start", "end"}``
        and ``retention`` as ``{"text", "kind", "days"}`` or ``None``. Statements are extracted
        once per clause (loading the practices models) and kept in the statement cache.

        >>> from nlp import PolicyLens
        >>> lens = PolicyLens(encoder=encoder, classifier=None)
        >>> corpus = load_corpus("tests/data/corpus", lens=lens)
        >>> t = corpus.practice_table(version="latest")
        >>> sell = t[(t.policy == "kitemail") & (t.practice == "sell")]
        >>> sell["polarity"].tolist()
        ['denied']
        """
        return practice_frame(self.practice_records(version=version))

    def flows(
        self,
        *,
        version: str | None = "latest",
        practices: Iterable[str] | None = FLOW_PRACTICES,
        roll_up: int | None = None,
        data_types: Iterable[str] | None = None,
        recipients: Iterable[str] | None = None,
        free_text: str | None = None,
    ) -> pd.DataFrame:
        """Statement counts by policy (display name) x data type x recipient x practice x polarity.

        See :func:`nlp.research.practices.flow_summary`; ``roll_up=1`` counts data types as their
        top-level kind in the ontology (``precise_location`` as ``location``); ``data_types`` and
        ``recipients`` keep those ontology nodes and what lies below them; ``free_text="other"``
        counts the phrases the ontology does not name under one label instead of their words.
        """
        return flow_summary(self.practice_table(version=version), names=self.names,
                            practices=practices, roll_up=roll_up, data_types=data_types,
                            recipients=recipients, free_text=free_text)

    def to_dataset(
        self, *, version: str | None = None, table: Literal["clauses", "practices"] = "clauses"
    ) -> datasets.Dataset:
        """The clause table (or, with ``table="practices"``, the practice table) as a dataset.

        Typed features: ``labels`` a list of strings; the practice slots lists of structs and
        ``retention`` a struct.
        """
        require("research", "datasets", purpose="a Hugging Face dataset")
        import datasets

        if table == "practices":
            return practice_dataset(self.practice_records(version=version))
        features = datasets.Features(
            {
                **{c: datasets.Value("string") for c in CLAUSE_COLUMNS},
                "latest": datasets.Value("bool"),
                "start": datasets.Value("int64"),
                "end": datasets.Value("int64"),
                "labels": datasets.Sequence(datasets.Value("string")),
            }
        )
        rows = self.records(version=version)
        columns = {c: [r[c] for r in rows] for c in CLAUSE_COLUMNS}
        return datasets.Dataset.from_dict(columns, features=features)

    def to_parquet(
        self,
        path: str | Path,
        *,
        version: str | None = None,
        table: Literal["clauses", "practices"] = "clauses",
    ) -> Path:
        """Write the clause table (``labels`` a list column) or, with ``table="practices"``, the
        practice table (slots as lists of structs, ``retention`` a struct) to Parquet."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        if table == "practices":
            import pyarrow.parquet as pq

            pq.write_table(practice_arrow(self.practice_records(version=version)), path)
            return path
        self.clause_table(version=version).to_parquet(path, index=False)
        return path


# --- loading ----------------------------------------------------------------------------------


def load_corpus(
    folder: str | Path,
    *,
    lens: CorpusLens,
    pattern: str = "**/*",
    classifier: Any | None = None,
) -> Corpus:
    """Load every policy file under ``folder`` (recursively) into ``lens``, as a :class:`Corpus`.

    Files with a supported extension (.txt, .md, .html, .htm, .pdf) matching ``pattern`` (a glob
    relative to ``folder``, e.g. ``"*/Privacy Policy.md"``) are read; those that fail are skipped
    and listed in ``corpus.skipped`` with the reason. A file in a sub-folder is named after its
    folder(s) when that is unique (``TikTok/Privacy Policy.md`` -> ``TikTok``), else after its
    path without the extension. With ``classifier``, clauses are labelled (see
    :meth:`Corpus.classify`). ``nlp.load_corpus`` makes the lens for you.

    Raises ``InputError`` when ``folder`` is not a folder or holds no readable policy.

    >>> from nlp import PolicyLens
    >>> lens = PolicyLens(encoder=encoder, classifier=None)
    >>> corpus = load_corpus("tests/data/corpus", lens=lens)
    >>> [s.path for s in corpus.skipped]
    ['tests/data/corpus/broken.pdf']
    >>> corpus = load_corpus("../shared/datasets/opentermsarchive/pga-versions",
    ...                      lens=PolicyLens(), pattern="*/Privacy Policy.md")  # doctest: +SKIP
    >>> corpus.skipped                                               # doctest: +SKIP
    []
    """
    root = Path(folder)
    if not root.is_dir():
        raise InputError(f"{str(root)!r} is not a folder; give the folder that holds the policies")
    files = sorted(
        p
        for p in root.glob(pattern)
        if p.is_file() and p.suffix.lower() in SUPPORTED_FORMATS and not p.name.startswith(".")
    )
    names = policy_names(files, root=root)
    ids = policy_ids(files, root=root)  # "X" and "x" get "x" and "x-2": neither replaces the other
    policies: list[Policy] = []
    shown: dict[str, str] = {}
    skipped: list[SkippedFile] = []
    for f in files:
        pid = ids[f]
        try:
            policy = lens.load(f, policy_id=pid)
        except (InputError, OSError, UnicodeError) as exc:
            skipped.append(SkippedFile(str(f), str(exc) or type(exc).__name__))
            continue
        policies.append(policy)
        shown[policy.id] = names[f]
    if not policies:
        why = f"; skipped: {skipped[0].path}: {skipped[0].reason}" if skipped else ""
        raise InputError(
            f"no readable policy under {str(root)!r} matching {pattern!r}{why}; "
            "use .txt, .md, .html or .pdf files"
        )
    corpus = Corpus(lens, policies, shown, skipped)
    if classifier is not None:
        corpus.classify(classifier)
    return corpus


def _version_label(policy: Policy, version: str) -> str:
    try:
        return policy.version(version).label
    except KeyError as exc:
        raise NotFoundError(str(exc.args[0])) from None


# --- analyses -----------------------------------------------------------------------------------


def coverage_matrix(
    corpus: Corpus,
    *,
    version: str = "latest",
    categories: Sequence[str] | None = None,
    binary: bool = False,
) -> pd.DataFrame:
    """Policies x categories: how many clauses of each policy carry each label (0: none).

    Rows are display names, columns the policylens labels in canonical order (or ``categories``)
    plus any other label found. ``binary=True`` gives 1/0 (covered or not) instead of counts.

    >>> coverage_matrix(corpus).loc["lumenchat", "retention"]     # doctest: +SKIP
    1
    """
    require("research", "pandas", purpose="a coverage matrix")
    import pandas as pd

    from nlp.classify.taxonomy import LABELS

    cols = list(categories or LABELS)
    counts: dict[str, dict[str, int]] = {}
    for p in corpus.policies:
        row = dict.fromkeys(cols, 0)
        for c in corpus.lens.clauses(p.id, version):
            for label in c.labels:
                if categories is not None and label not in row:
                    continue
                row[label] = row.get(label, 0) + 1
        counts[corpus.names.get(p.id, p.id)] = row
    extra = sorted({k for r in counts.values() for k in r} - set(cols))
    frame = pd.DataFrame.from_dict(counts, orient="index", columns=cols + extra).fillna(0)
    frame = frame.astype("int64")
    frame.index.name = "policy"
    frame.columns.name = "category"
    return (frame > 0).astype("int64") if binary else frame


def _pattern(
    kind: str, value: str, table: dict[str, tuple[str, ...]]
) -> tuple[str, re.Pattern[str]]:
    """The canonical name and regex for ``value`` (a lexicon entry, else the literal words)."""
    for name, stems in table.items():
        if name.lower() == value.strip().lower():
            return name, compile_terms(stems)
    if not value.strip():
        raise InputError(f"the {kind} to find is empty; name one, e.g. {next(iter(table))!r}")
    return value.strip(), compile_terms((re.escape(value.strip()),))


def find_mentions(
    corpus: Corpus,
    *,
    country: str | None = None,
    data_type: str | None = None,
    third_party: str | None = None,
    practice: str | None = None,
    category: str | None = None,
    version: str | None = "latest",
) -> pd.DataFrame:
    """The clauses that mention a country, a data type and/or a third party, with the words found.

    Each argument narrows the search (a clause must match all that are given). ``country``,
    ``data_type`` and ``third_party`` are looked up in the lexicon (``nlp.lexicon.PLACES``,
    ``DATA_TYPES``, ``RECIPIENTS``: "United States" also finds "U.S." and "USA") and otherwise
    matched as literal words. ``practice`` is a practice verb of ``nlp.lexicon.ACTIONS``
    (``"transfer"``, ``"share"``, ``"sell"``, ``"keep"``...); ``category`` keeps clauses with that
    label. The clause's lead-in context and last heading are searched with it, so a bullet
    "China" under "We may transfer your data to:" counts.

    Returns a DataFrame with the clause-table columns ``policy``, ``name``, ``version``,
    ``clause_id``, ``section``, ``text``, ``labels``, ``start``, ``end`` and ``matched`` (the
    words that matched, ";"-joined), one row per clause; empty when nothing matches.

    >>> from nlp import PolicyLens
    >>> lens = PolicyLens(encoder=encoder, classifier=None)
    >>> corpus = load_corpus("tests/data/corpus", lens=lens)
    >>> found = find_mentions(corpus, country="China", practice="transfer")
    >>> found[["policy", "matched"]].values.tolist()
    [['lumenchat', 'China;servers in;transferred']]
    """
    require("research", "pandas", purpose="a table of mentions")
    import pandas as pd

    tests: list[tuple[str, re.Pattern[str]]] = []
    if country is not None:
        tests.append(_pattern("country", country, PLACES))
    if data_type is not None:
        tests.append(_pattern("data type", data_type, DATA_TYPES))
    if third_party is not None:
        tests.append(_pattern("third party", third_party, RECIPIENTS))
    if practice is not None:
        if practice.lower() not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            raise InputError(f"unknown practice {practice!r}; use one of: {known}")
        tests.append((practice.lower(), compile_terms(ACTIONS[practice.lower()])))
    if not tests and category is None:
        raise InputError(
            "say what to find: country=, data_type=, third_party=, practice= or category="
        )
    columns = [
        "policy",
        "name",
        "version",
        "clause_id",
        "section",
        "text",
        "labels",
        "start",
        "end",
        "matched",
    ]
    rows = []
    for p in corpus.policies:
        versions: Iterable[str] = (
            [v.label for v in p.versions] if version is None else [_version_label(p, version)]
        )
        for label in versions:
            for c in corpus.lens.clauses(p.id, label):
                if category is not None and category not in c.labels:
                    continue
                haystack = " ".join(
                    filter(None, (c.section[-1] if c.section else "", c.context, c.text))
                )
                found: list[str] = []
                for _name, rx in tests:
                    hits = [m.group(0) for m in rx.finditer(haystack)]
                    if not hits:
                        break
                    found.extend(dict.fromkeys(hits))
                else:
                    rows.append(
                        {
                            "policy": p.id,
                            "name": corpus.names.get(p.id, p.name),
                            "version": label,
                            "clause_id": c.id,
                            "section": c.section_path,
                            "text": c.text,
                            "labels": list(c.labels),
                            "start": c.start,
                            "end": c.end,
                            "matched": ";".join(found),
                        }
                    )
    return pd.DataFrame(rows, columns=columns)
