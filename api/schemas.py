"""Request and response models of the HTTP API (pydantic lives here, at the edge, only).

Structural rules (types, required fields, minimum values) are declared here so they appear in the
OpenAPI schema; limits that come from settings (question length, ``top_k``, page size, upload
size) are checked by ``nlp.service`` and answered with the same JSON error shape.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from nlp.serialize import clause_record
from nlp.service.records import JobRecord, PolicyRecord
from nlp.types import Clause, ClauseKind, Polarity, RetentionKind, Verdict


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- errors -----------------------------------------------------------------------------------


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable code, e.g. `not_found`.")
    message: str = Field(description="What went wrong and what to do about it.")
    fields: list[dict[str, Any]] | None = Field(
        None, description="For validation errors: where (`loc`) and what (`msg`) is wrong."
    )


class ErrorResponse(BaseModel):
    """Every 4xx/5xx body."""

    error: ErrorDetail

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"error": {"code": "not_found", "message": "no policy 'acme'; list them with "
                           "GET /v1/policies", "fields": None}}
            ]
        }
    )


# --- ask --------------------------------------------------------------------------------------


class AskRequest(_Model):
    question: str = Field(min_length=1, description="A question about the policy.")
    policy: str | None = Field(
        None, min_length=1, description="Policy id; default the bundled seed policy."
    )
    version: str | None = Field(
        None,
        min_length=1,
        description="Version label, year, `latest` or `oldest`; default the latest.",
    )
    policies: list[Annotated[str, Field(min_length=1)]] | None = Field(
        None,
        min_length=1,
        description="Several policy ids: one answer per policy (instead of `policy`).",
    )
    top_k: int | None = Field(None, ge=1, description="How many clauses to cite at most.")
    category: str | None = Field(
        None, min_length=1, description="Boost clauses labelled with this category."
    )
    citation_labels: bool = Field(
        False, description="Add each citation's category `labels` (not in `ask --json`)."
    )

    @model_validator(mode="after")
    def _one_target(self) -> AskRequest:
        if self.policy is not None and self.policies is not None:
            raise ValueError("give `policy` or `policies`, not both")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"question": "Is my data sent to China?"},
                         {"question": "Do you sell my data?", "policy": "acme", "top_k": 3},
                         {"question": "Do you sell my data?", "policies": ["acme", "zeta"]}]
        },
    )


class AskBatchRequest(_Model):
    questions: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="Questions about one policy, answered in order."
    )
    policy: str | None = Field(
        None, min_length=1, description="Policy id; default the bundled seed policy."
    )
    version: str | None = Field(None, min_length=1, description="Version; default the latest.")
    top_k: int | None = Field(None, ge=1, description="How many clauses to cite at most.")
    category: str | None = Field(None, min_length=1, description="Boost this category.")
    citation_labels: bool = Field(
        False, description="Add each citation's category `labels` (not in `ask --json`)."
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"questions": ["Do you sell my data?", "How long do you keep it?"]}]
        },
    )


class SearchRequest(_Model):
    query: str = Field(min_length=1, description="Words or a question to find clauses for.")
    policy: str | None = Field(
        None, min_length=1, description="Policy id; default every stored policy."
    )
    version: str | None = Field(
        None, min_length=1, description="Version (with `policy`); default the latest."
    )
    top_k: int | None = Field(None, ge=1, description="How many clauses at most.")
    category: str | None = Field(None, min_length=1, description="Boost this category.")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"query": "sell personal data", "top_k": 3}]},
    )


class CitationOut(BaseModel):
    clause_id: str
    section: str
    text: str
    score: float
    start: int = Field(description="Offset of the clause in its version's clean text.")
    end: int
    labels: list[str] | None = Field(
        None, description="The clause's category labels (with `citation_labels`)."
    )


class HitOut(BaseModel):
    clause: ClauseOut
    score: float = Field(description="The fused retrieval score (higher is better).")
    dense: float
    sparse: float


class SearchResponse(BaseModel):
    query: str
    hits: list[HitOut]


class AskResponse(BaseModel):
    """The same object as `policylens ask --json`."""

    question: str
    policy: str
    version: str
    verdict: Verdict
    answer: str
    reason: str = Field(
        "", description="The code of the decision (a row of the verdict table, a topic's code, "
        "`info` or `info_not_found`)."
    )
    citations: list[CitationOut]

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "question": "Is my data sent to China?",
                    "policy": "000-ce4448d9c54926ad",
                    "version": "2020-02-27",
                    "verdict": "yes",
                    "answer": "Yes — the policy states: “… such as the United States and "
                    "China.”",
                    "reason": "stated",
                    "citations": [
                        {
                            "clause_id": "000-ce4448d9c54926ad:2020-02-27:1a2b3c4d5e6f",
                            "section": "I. VISITORS FROM THE EUROPEAN UNION > International "
                            "transfers of personal information",
                            "text": "… such as the United States and China.",
                            "score": 0.61,
                            "start": 25321,
                            "end": 25580,
                            "labels": ["international"],
                        }
                    ],
                }
            ]
        }
    )


class AskManyResponse(BaseModel):
    """Answers to one question over several policies (`policies` in the request)."""

    answers: list[AskResponse]
    yes: list[str] = Field(description="The policies whose verdict is `yes`.")
    no: list[str] = Field(description="The policies whose verdict is `no`.")


class AskBatchResponse(BaseModel):
    answers: list[AskResponse] = Field(description="One answer per question, in order.")


# --- policies ---------------------------------------------------------------------------------


class PolicyCreate(_Model):
    """A policy sent as JSON; files go as `multipart/form-data` (field `file`)."""

    name: str = Field(min_length=1, max_length=200, description="Company or product name.")
    text: str = Field(min_length=1, description="The policy text (plain, Markdown or HTML).")
    source_url: str | None = Field(None, max_length=2000, description="Where the text came from.")
    format: Literal["txt", "md", "html"] = Field(
        "txt", description="How to read `text`; HTML is also recognised inside `txt`."
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Acme",
                    "text": "Acme Privacy Policy\n\nLast updated: March 3, 2024\n\nSharing\n\n"
                    "We never sell your personal data to anyone.",
                    "source_url": "https://acme.example/privacy",
                }
            ]
        },
    )


class VersionCreate(_Model):
    """A new text of a stored policy."""

    text: str = Field(min_length=1, description="The policy text (plain, Markdown or HTML).")
    format: Literal["txt", "md", "html"] = "txt"

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "Acme Privacy Policy\n\nLast updated: May 1, 2025\n\n"
                          "We sell your e-mail address to data brokers."}]
        },
    )


class VersionText(BaseModel):
    policy: str
    version: str
    effective_date: date | None
    title: str
    text: str = Field(description="The clean text; clause `start`/`end` offsets point into it.")


class VersionOut(BaseModel):
    label: str
    effective_date: date | None
    title: str
    chars: int
    clause_count: int
    language: str = Field("", description="ISO 639-1 code of the version's language; '': unknown.")
    date_source: str = Field(
        "",
        description="Where `effective_date` was read: header, text, time, meta; '': no date.",
    )


class PolicyOut(BaseModel):
    id: str
    name: str
    source_url: str | None
    format: str
    content_hash: str
    created_at: str
    clause_count: int
    versions: list[VersionOut]
    seed: bool = Field(False, description="The bundled seed policy (cannot be deleted).")
    language: str = Field("", description="ISO 639-1 code of the latest version; '': unknown.")
    language_supported: bool = Field(
        True,
        description="False when the latest version is in a language the models were not "
        "trained on: its labels and answers are unreliable.",
    )
    policy_score: float | None = Field(
        None,
        description="How likely the document is a privacy policy (0..1); null: not scored.",
    )
    warnings: list[str] = Field(
        default_factory=list, description="What ingest noticed without refusing the upload."
    )

    @classmethod
    def from_record(cls, record: PolicyRecord, seed_id: str | None = None) -> PolicyOut:
        return cls(
            id=record.id,
            name=record.name,
            source_url=record.source_url,
            format=record.fmt,
            content_hash=record.content_hash,
            created_at=record.created_at,
            clause_count=record.clause_count,
            versions=[
                VersionOut(
                    label=v.label,
                    effective_date=v.effective_date,
                    title=v.title,
                    chars=v.chars,
                    clause_count=v.clause_count,
                    language=v.language,
                    date_source=v.date_source,
                )
                for v in record.versions
            ],
            seed=record.id == seed_id,
            language=record.language,
            language_supported=record.language_supported,
            policy_score=record.policy_score,
            warnings=list(record.warnings),
        )

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "acme",
                    "name": "Acme",
                    "source_url": "https://acme.example/privacy",
                    "format": "txt",
                    "content_hash": "9f56ad15…",
                    "created_at": "2026-11-29T01:00:00+00:00",
                    "clause_count": 1,
                    "versions": [
                        {
                            "label": "2024-03-03",
                            "effective_date": "2024-03-03",
                            "title": "Acme Privacy Policy",
                            "chars": 52,
                            "clause_count": 1,
                        }
                    ],
                    "seed": False,
                }
            ]
        }
    )


class VersionList(BaseModel):
    policy: str
    items: list[VersionOut] = Field(description="Newest first.")


class ClauseRef(BaseModel):
    clause_id: str
    version: str
    section: str
    start: int
    end: int
    text: str


class ChangeOut(BaseModel):
    kind: str
    category: str
    labels: list[str]
    similarity: float
    text_similarity: float
    embedding_similarity: float
    moved: bool
    old: ClauseRef | None
    new: ClauseRef | None
    old_extra: list[ClauseRef]
    new_extra: list[ClauseRef]
    old_marked: str | None
    new_marked: str | None
    diff: list[list[str]]


class CompareSide(BaseModel):
    policy: str
    version: str


class CompareResponse(BaseModel):
    """The JSON of `policylens compare --json`: what was added, removed and changed."""

    old: CompareSide
    new: CompareSide
    summary: dict[str, int]
    by_category: dict[str, dict[str, int]]
    changes: list[ChangeOut]


class PolicyPage(BaseModel):
    items: list[PolicyOut]
    total: int
    offset: int
    limit: int


class ClauseOut(BaseModel):
    """The clause record (`nlp.serialize.CLAUSE_RECORD`, as every CLI JSON output and table has
    it), with `id` and `policy_id`, the names /v1 gave `clause_id` and `policy` first."""

    clause_id: str
    policy: str
    version: str
    section: str = Field(description="Headings above the clause, joined by ` > `.")
    kind: ClauseKind
    start: int
    end: int
    text: str
    context: str
    labels: list[str]
    language: str = Field("", description="ISO 639-1 code of the clause's language; '': unknown.")
    id: str = Field(description="Same as `clause_id` (kept: /v1 changes are additive).")
    policy_id: str = Field(description="Same as `policy` (kept: /v1 changes are additive).")

    @classmethod
    def from_clause(cls, clause: Clause) -> ClauseOut:
        return cls(**clause_record(clause), id=clause.id, policy_id=clause.policy_id)


class ClausePage(BaseModel):
    items: list[ClauseOut]
    total: int
    offset: int
    limit: int


# --- classify ---------------------------------------------------------------------------------


class ClassifyRequest(_Model):
    text: str = Field(min_length=1, description="Policy text to cut into clauses and label.")
    format: Literal["txt", "md", "html"] = "txt"

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"text": "We share your e-mail address with advertising partners."}]
        },
    )


class ClassifiedClauseOut(ClauseOut):
    scores: dict[str, float] | None = Field(
        None, description="The classifier's probability of every label (None: no classifier)."
    )


class ClassifyResponse(BaseModel):
    clauses: list[ClassifiedClauseOut]
    labelled: bool = Field(
        description="False when no clause classifier is installed: clauses carry no labels."
    )


# --- practices ------------------------------------------------------------------------------


class SpanOut(BaseModel):
    text: str = Field(description="The phrase, `clause.text[start:end]` (-1: from a lead-in).")
    id: str | None = Field(description="Its ontology node; None: kept as free text.")
    start: int
    end: int


class RetentionOut(BaseModel):
    text: str
    kind: RetentionKind
    days: int | None


class StatementOut(BaseModel):
    """One statement: a row of `policylens practices --json`."""

    clause_id: str
    policy: str
    version: str
    section: str = Field(description="Headings above the clause, joined by ` > `.")
    text: str = Field(description="The clause's text.")
    actor: str = Field(description="`first_party`, or the organisation or third party acting.")
    practice: str = Field(description="What is done (collect, share, sell, retain, ...).")
    polarity: Polarity
    condition: str = Field(description="The condition of a `conditional` statement, else ''.")
    negated: bool = Field(description="Conditional and negated: 'we do not X unless Y'.")
    data_types: list[SpanOut]
    recipients: list[SpanOut]
    purposes: list[SpanOut]
    places: list[SpanOut]
    retention: RetentionOut | None
    audience: list[SpanOut]


class StatementPage(BaseModel):
    policy: str
    items: list[StatementOut]
    total: int
    offset: int
    limit: int


# --- jobs -----------------------------------------------------------------------------------


class JobResult(BaseModel):
    policy_id: str = Field(description="The stored policy: GET /v1/policies/{policy_id}.")
    created: bool = Field(description="False: the same text was stored already.")


class JobOut(BaseModel):
    id: str
    kind: Literal["upload", "version"] = Field(
        description="`upload`: a new policy (POST/PUT); `version`: a new text of one."
    )
    state: Literal["queued", "running", "succeeded", "failed"]
    progress: float = Field(ge=0, le=1, description="How far the job is, 0 to 1.")
    result: JobResult | None = Field(description="Once `succeeded`.")
    error: ErrorDetail | None = Field(description="Once `failed`: why.")
    attempts: int = Field(description="Starts so far (a restart during a run starts it again).")
    created_at: str
    updated_at: str

    @classmethod
    def from_record(cls, job: JobRecord, error_code: str | None = None) -> JobOut:
        error = None
        if job.error is not None:
            error = ErrorDetail(code=error_code or "job_failed", message=job.error["message"])
        return cls(
            id=job.id,
            kind=job.kind,  # type: ignore[arg-type]
            state=job.state,  # type: ignore[arg-type]
            progress=job.progress,
            result=JobResult(**job.result) if job.result else None,
            error=error,
            attempts=job.attempts,
            created_at=job.created_at,
            updated_at=job.updated_at,
        )


# --- tools ----------------------------------------------------------------------------------


class ToolFunction(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any] = Field(description="JSON Schema of the arguments.")


class ToolEndpoint(BaseModel):
    method: Literal["GET", "POST"]
    path: str


class ToolOut(BaseModel):
    type: Literal["function"] = "function"
    function: ToolFunction
    endpoint: ToolEndpoint = Field(description="The route a call goes to, arguments as its body.")


class ToolList(BaseModel):
    tools: list[ToolOut]


# --- health -----------------------------------------------------------------------------------


class Health(BaseModel):
    status: Literal["ok"] = "ok"


class Readiness(BaseModel):
    status: Literal["ready", "starting"]
    checks: dict[str, bool]
