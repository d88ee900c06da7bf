"""Plain data passed between the stages of policylens.

The flow is one-way: ``ingest -> segment -> classify -> embed/index -> answer``. Every stage takes
and returns these frozen dataclasses (and numpy arrays), so any answer can point back at the exact
span of the clean text it rests on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    import numpy as np

Verdict = Literal["yes", "no", "not_stated", "info"]
ClauseKind = Literal["sentence", "bullet", "table_row", "heading"]

SECTION_SEP = " > "
_HEADING_MAX_CHARS = 80
# A lead-in is kept up to its last 60 words: the model reads 256 word pieces, and a paragraph-long
# lead-in would push the clause's own words past that. (Keeping only the last ten words put the
# expected clause first for 15 instead of 13 of the 19 seed questions in raw retrieval, but the
# answer stage then cited the right clause one time less in 25; see docs/benchmarks.md.)
_LEAD_IN_WORDS = 60


@dataclass(frozen=True, slots=True)
class PolicyVersion:
    """One version of a policy: its clean text and, when stated, its effective date.

    ``label`` is the stable name used to select the version (``--version``): the ISO effective date
    when one is known, else ``"v1"``, ``"v2"``... in document order.

    ``headings`` records the section headings of ``text`` as ``(start, end, level)`` spans
    (level 1 the outermost), filled by ingest; empty when unknown (segment then detects them).

    ``date_source`` says where ``effective_date`` was read: ``"header"`` (a version header
    splitting the file), ``"text"`` (a "Last updated" line near the start), ``"time"`` (an HTML
    ``<time datetime>``), ``"meta"`` (an HTML ``<meta>`` tag); ``""`` when there is no date.
    ``language`` is the ISO 639-1 code of the text (``""``: unknown), ``languages`` every
    language found with its share of the text, largest first (more than one: a mixed text).
    """

    label: str
    text: str
    effective_date: date | None = None
    title: str = ""
    headings: tuple[tuple[int, int, int], ...] = ()
    date_source: str = ""
    language: str = ""
    languages: tuple[tuple[str, float], ...] = ()


def resolve_version(policy_id: str, labels: list[str], wanted: str | None) -> str:
    """The label among ``labels`` (newest first) that ``wanted`` names.

    ``wanted`` may be a label (``"2019-01-17"``), a unique prefix such as a year (``"2019"``),
    ``"latest"``/``None`` or ``"oldest"``. Raises ``KeyError`` listing the known labels.
    """
    if labels and (wanted is None or wanted == "latest"):
        return labels[0]
    if labels and wanted == "oldest":
        return labels[-1]
    if wanted in labels:
        return wanted
    matches = [lab for lab in labels if wanted and lab.startswith(wanted)]
    if len(matches) == 1:
        return matches[0]
    known = ", ".join(labels) or "none"
    raise KeyError(f"policy {policy_id!r} has no version {wanted!r}; known versions: {known}")


@dataclass(frozen=True, slots=True)
class Policy:
    """A privacy policy with one or more versions, newest first.

    ``warnings`` says what ingest noticed without refusing the input, such as most of the text
    removed as page debris or a language the models were not trained on; the CLI prints them and
    the JSON output carries them. ``policy_score`` is the probability that the document is a
    privacy policy at all (``None``: not scored); ``language_supported`` is ``False`` when the
    latest version is in a language the shipped models were not trained on.
    """

    id: str
    name: str
    source: str
    versions: tuple[PolicyVersion, ...]
    warnings: tuple[str, ...] = ()
    policy_score: float | None = None
    language_supported: bool = True

    @property
    def latest(self) -> PolicyVersion:
        return self.versions[0]

    @property
    def language(self) -> str:
        """The language of the latest version (ISO 639-1; ``""`` unknown)."""
        return self.versions[0].language if self.versions else ""

    def version(self, label: str | None = None) -> PolicyVersion:
        """Return the version called ``label`` (the latest when ``None``).

        ``label`` may be the version label (``"2019-01-17"``), its year (``"2019"``), or
        ``"latest"``/``"oldest"``.
        """
        chosen = resolve_version(self.id, [v.label for v in self.versions], label)
        return next(v for v in self.versions if v.label == chosen)


@dataclass(frozen=True, slots=True)
class Clause:
    """The smallest citable unit of a policy: a sentence, a bullet or a table row.

    ``text == version.text[start:end]`` always holds. ``context`` carries the lead-in sentence of a
    bullet list ("We may disclose ... to the following categories of recipients:"), which is not
    part of the span but helps retrieval and reading. ``language`` is the ISO 639-1 code of the
    clause (its version's, or its own in a mixed-language version; ``""`` unknown).
    """

    id: str
    policy_id: str
    version: str
    section: tuple[str, ...]
    start: int
    end: int
    text: str
    kind: ClauseKind = "sentence"
    context: str = ""
    labels: tuple[str, ...] = ()
    language: str = ""

    @property
    def section_path(self) -> str:
        return SECTION_SEP.join(self.section)

    def contextual_text(self) -> str:
        """The clause as read in place: its last heading, its list's lead-in, then its text.

        Both retrieval and classification read this: a bullet like "to countries outside the EEA"
        means little alone, and "Country" under "Information we receive from social media" is
        collection. The lead-in keeps its last 60 words so the clause's own words stay within the
        encoder's 256 word pieces.

        >>> Clause("c1", "p", "v1", ("Sharing",), 0, 9, "Partners.", "bullet", "We share with:"
        ...        ).contextual_text()
        'Sharing: We share with: Partners.'
        """
        text = self.text.strip()
        parts: list[str] = []
        heading = self.section[-1].strip() if self.section else ""
        if heading and self.kind != "heading" and not text.startswith(heading):
            if len(heading) > _HEADING_MAX_CHARS:
                heading = heading[:_HEADING_MAX_CHARS].rsplit(" ", 1)[0]
            parts.append(heading.rstrip(".:") + ":")
        context = self.context.strip()
        if context and context != heading and not text.startswith(context):
            parts.append(" ".join(context.split()[-_LEAD_IN_WORDS:]))
        parts.append(text)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["section"] = self.section_path
        d["labels"] = list(self.labels)
        return d


def categories_of(category: str | Iterable[str] | None) -> tuple[str, ...] | None:
    """One category or several as a tuple (``None`` stays ``None``: "not given").

    >>> categories_of("sharing"), categories_of(["sharing", "use"]), categories_of(None)
    (('sharing',), ('sharing', 'use'), None)
    """
    if category is None:
        return None
    if isinstance(category, str):
        return (category,)
    return tuple(category)


@dataclass(frozen=True, slots=True)
class ClauseQuery:
    """Which clauses a search or a listing asks for, and how many; built once, passed down.

    ``policy`` and ``version`` narrow to one policy and one of its versions (a label, a year,
    ``"latest"`` or ``"oldest"``; each layer hands the next the resolved label; ``None``: every
    policy, the latest version, or for a listing every version). ``categories`` boosts (search)
    or keeps (listing) clauses carrying one of these labels; ``None`` lets a search route the
    question to categories itself. ``contains`` keeps clauses whose text holds it (listing).
    ``top_k`` is how many hits a search returns (``None``: ``Settings.retrieval.top_k``);
    ``offset`` and ``limit`` page a listing.

    >>> ClauseQuery(policy="acme", categories="sharing").categories
    ('sharing',)
    """

    policy: str | None = None
    version: str | None = None
    categories: tuple[str, ...] | None = None
    contains: str | None = None
    top_k: int | None = None
    offset: int = 0
    limit: int = 50

    def __post_init__(self) -> None:
        # A single category given as a string would otherwise be read letter by letter.
        object.__setattr__(self, "categories", categories_of(self.categories))


@dataclass(frozen=True, slots=True)
class Prepared:
    """A policy read and made ready to search or store: its clauses, their vectors and labels.

    ``vectors`` has one row per clause (of ``Clause.contextual_text``), or is ``None`` when
    nothing asked for them; ``labelled`` says whether a classifier set the clauses' labels;
    ``statements`` are the clauses' statements in clause order (empty unless asked for).
    """

    policy: Policy
    clauses: tuple[Clause, ...]
    vectors: np.ndarray | None = None
    labelled: bool = False
    statements: tuple[Statement, ...] = ()


@dataclass(frozen=True, slots=True)
class Prediction:
    """Category labels of one clause with the per-label scores behind them."""

    clause_id: str
    labels: tuple[str, ...]
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Hit:
    """A clause found by retrieval, with its fused score and the scores it was fused from."""

    clause: Clause
    score: float
    dense: float = 0.0
    sparse: float = 0.0


@dataclass(frozen=True, slots=True)
class Citation:
    """The clause an answer rests on, with offsets into the clean text of its version."""

    clause_id: str
    policy: str
    version: str
    section: str
    text: str
    score: float
    start: int
    end: int
    labels: tuple[str, ...] = ()

    def to_dict(self, *, labels: bool = False) -> dict[str, Any]:
        """The documented ``ask --json`` citation; ``labels=True`` adds the clause's labels."""
        d: dict[str, Any] = {
            "clause_id": self.clause_id,
            "section": self.section,
            "text": self.text,
            "score": round(self.score, 4),
            "start": self.start,
            "end": self.end,
        }
        if labels:
            d["labels"] = list(self.labels)
        return d


@dataclass(frozen=True, slots=True)
class ScoredClause:
    """A clause the answer stage weighed, and what it made of it (to trace a verdict).

    ``rank`` is its place in retrieval, ``dense`` its cosine to the question, ``score`` the score
    it was ordered by for citing; ``match`` how its best statement matched the question
    (``exact``, ``general_named``, ``general`` or ``""`` when none did), ``polarity`` that
    statement's polarity towards the question and ``practice`` its practice.
    """

    clause_id: str
    rank: int
    dense: float
    score: float
    match: str = ""
    polarity: str = ""
    practice: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "clause_id": self.clause_id,
            "rank": self.rank,
            "dense": round(self.dense, 4),
            "score": round(self.score, 4),
            "match": self.match,
            "polarity": self.polarity,
            "practice": self.practice,
        }


@dataclass(frozen=True, slots=True)
class Answer:
    """A verdict on a question, a one-sentence extractive answer and the clauses it rests on.

    ``reason`` is the code of the decision (a row of ``nlp/data/verdict_table.json`` for yes/no
    questions, ``info`` or ``info_not_found`` for the others); ``scored`` every clause weighed, in
    retrieval order; ``closest`` the nearest clause of a ``not_stated`` answer, shown as such and
    never as support (``citations`` stay empty then).
    """

    question: str
    policy: str
    version: str
    verdict: Verdict
    answer: str
    citations: tuple[Citation, ...] = ()
    reason: str = ""
    scored: tuple[ScoredClause, ...] = ()
    closest: Citation | None = None

    def to_dict(self, *, labels: bool = False) -> dict[str, Any]:
        """The stable JSON shape documented in the README (the API adds citation labels)."""
        return {
            "question": self.question,
            "policy": self.policy,
            "version": self.version,
            "verdict": self.verdict,
            "answer": self.answer,
            "reason": self.reason,
            "citations": [c.to_dict(labels=labels) for c in self.citations],
        }


Polarity = Literal["affirmed", "denied", "conditional"]
RetentionKind = Literal[
    "duration", "as_long_as_needed", "indefinitely", "until_deleted", "legal_requirement"
]


@dataclass(frozen=True, slots=True)
class Span:
    """A slot value: a phrase of a clause (``clause.text[start:end] == text``) and its ontology id.

    ``id`` is ``None`` when no ontology node matched: the phrase is kept as free text, never
    dropped. A value a list item takes from its lead-in has ``start == end == -1``.
    """

    text: str
    start: int
    end: int
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "id": self.id, "start": self.start, "end": self.end}


@dataclass(frozen=True, slots=True)
class Retention:
    """How long data is kept: the phrase, its kind and, for a stated duration, the days."""

    text: str
    kind: RetentionKind
    days: int | None = None
    start: int = -1
    end: int = -1

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "kind": self.kind, "days": self.days}


@dataclass(frozen=True, slots=True)
class Statement:
    """One practice a clause states: who does what with which data, to whom, why, where, how long.

    A clause may hold several (``"we do not sell X, but we share Y with Z"`` is one denied and one
    affirmed statement). ``polarity`` is ``conditional`` when the practice depends on ``condition``
    ("unless you opt out", "with your consent", "if required by law"); ``negated`` tells its two
    kinds apart: "we do not share X without your consent" (negated: no, unless) from "we may sell
    X unless you opt out" (yes, unless). Every slot value is a ``Span`` of the clause's text with
    its ontology id.
    """

    clause_id: str
    actor: str
    practice: str
    polarity: Polarity
    condition: str = ""
    data_types: tuple[Span, ...] = ()
    recipients: tuple[Span, ...] = ()
    purposes: tuple[Span, ...] = ()
    places: tuple[Span, ...] = ()
    retention: Retention | None = None
    audience: tuple[Span, ...] = ()
    evidence: Span | None = None
    negated: bool = False

    def to_dict(self) -> dict[str, Any]:
        """The slots as JSON-ready values (the clause fields are added by the caller)."""
        return {
            "clause_id": self.clause_id,
            "actor": self.actor,
            "practice": self.practice,
            "polarity": self.polarity,
            "condition": self.condition,
            "negated": self.negated,
            "data_types": [s.to_dict() for s in self.data_types],
            "recipients": [s.to_dict() for s in self.recipients],
            "purposes": [s.to_dict() for s in self.purposes],
            "places": [s.to_dict() for s in self.places],
            "retention": self.retention.to_dict() if self.retention else None,
            "audience": [s.to_dict() for s in self.audience],
        }
