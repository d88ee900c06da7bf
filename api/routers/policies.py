"""``/v1/policies``: upload, list, read and delete stored policies, and browse their clauses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import JSONResponse

from api.deps import ReadKey, ServiceDep, UploadDep, WriteKey
from api.errors import error_code
from api.schemas import (
    ClauseOut,
    ClausePage,
    CompareResponse,
    ErrorResponse,
    JobOut,
    PolicyCreate,
    PolicyOut,
    PolicyPage,
    StatementPage,
    VersionCreate,
    VersionList,
    VersionText,
)
from nlp.service.practices import StatementFilter
from nlp.service.records import JobRecord
from nlp.types import Polarity

router = APIRouter(prefix="/v1/policies", tags=["policies"])

# No listing is this long; the bound keeps huge offsets from reaching SQLite's 64-bit integers.
MAX_OFFSET = 1_000_000_000
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
Limit = Annotated[
    int,
    Query(ge=1, le=MAX_OFFSET, description="Page size; at most the server's `max_page_size`."),
]

_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "No policy with this id."}
}
_UPLOAD_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": PolicyCreate.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {
                        "type": "string",
                        "format": "binary",
                        "description": "A .txt, .md, .html or .pdf file.",
                    },
                    "name": {"type": "string", "description": "Default: the file name."},
                    "source_url": {"type": "string"},
                },
            }
        },
    },
}


@router.post(
    "",
    operation_id="uploadPolicy",
    response_model=PolicyOut,
    status_code=201,
    dependencies=[WriteKey],
    summary="Upload a policy (JSON text or a file)",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        200: {"model": PolicyOut, "description": "The same text was already stored: that policy."},
        202: {"model": JobOut, "description": "A large upload: a job stores it (see Location)."},
        401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key."},
        403: {"model": ErrorResponse, "description": "The server has no API key: no writes."},
        413: {"model": ErrorResponse, "description": "Over the upload size limit."},
        415: {"model": ErrorResponse, "description": "Not JSON, multipart, txt, md, html or pdf."},
        422: {"model": ErrorResponse, "description": "Unreadable, binary or empty policy."},
    },
)
def create_policy(
    upload: UploadDep, service: ServiceDep, response: Response
) -> PolicyOut | JSONResponse:
    """Clean, segment, label and embed a policy, and store it (201).

    The same text sent again is not stored twice: the stored policy comes back with 200.
    Scripts in HTML are removed before anything is stored. An upload over the server's
    `job_upload_bytes` is answered 202 with a job (`Location: /v1/jobs/{id}`) that stores it in
    the background.
    """
    result = service.jobs.upload(
        upload.data, fmt=upload.fmt, name=upload.name, source_url=upload.source_url
    )
    if isinstance(result, JobRecord):
        return accepted(result)
    response.status_code = 201 if result.created else 200
    return PolicyOut.from_record(result.record, service.seed_id)


def accepted(job: JobRecord) -> JSONResponse:
    """202 Accepted with the job, and where to follow it."""
    body = JobOut.from_record(job, error_code(job.error["type"]) if job.error else None)
    return JSONResponse(
        body.model_dump(mode="json"), status_code=202, headers={"Location": f"/v1/jobs/{job.id}"}
    )


@router.get(
    "",
    response_model=PolicyPage,
    dependencies=[ReadKey],
    operation_id="listPolicies",
    summary="List policies",
)
def list_policies(
    service: ServiceDep,
    offset: Offset = 0,
    limit: Limit = 50,
) -> PolicyPage:
    """Stored policies, oldest first, with their versions and clause counts."""
    page = service.list_policies(offset=offset, limit=limit)
    return PolicyPage(
        items=[PolicyOut.from_record(r, service.seed_id) for r in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


@router.get(
    "/{policy_id}",
    operation_id="getPolicy",
    response_model=PolicyOut,
    dependencies=[ReadKey],
    responses=_NOT_FOUND,
    summary="One policy",
)
def get_policy(policy_id: str, service: ServiceDep) -> PolicyOut:
    """A stored policy with its versions and clause count."""
    return PolicyOut.from_record(service.get(policy_id), service.seed_id)


@router.delete(
    "/{policy_id}",
    operation_id="deletePolicy",
    status_code=204,
    dependencies=[WriteKey],
    summary="Delete a policy",
    responses={
        **_NOT_FOUND,
        401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key."},
        409: {"model": ErrorResponse, "description": "The bundled seed policy."},
    },
)
def delete_policy(policy_id: str, service: ServiceDep) -> Response:
    """Delete a policy with its versions, clauses, labels and vectors."""
    service.delete(policy_id)
    return Response(status_code=204)


@router.get(
    "/{policy_id}/clauses",
    operation_id="listClauses",
    response_model=ClausePage,
    dependencies=[ReadKey],
    responses=_NOT_FOUND,
    summary="Clauses of a policy, filtered and paginated",
)
def list_clauses(
    policy_id: str,
    service: ServiceDep,
    version: Annotated[
        str | None,
        Query(description="Label, year, `latest`, `oldest` or `all`; default latest."),
    ] = None,
    category: Annotated[str | None, Query(description="Only clauses with this label.")] = None,
    q: Annotated[str | None, Query(max_length=200, description="Only clauses containing this.")]
    = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> ClausePage:
    """Clauses in document order with section paths, offsets and labels."""
    page = service.list_clauses(
        policy_id, version=version, category=category, q=q, offset=offset, limit=limit
    )
    return ClausePage(
        items=[ClauseOut.from_clause(c) for c in page.items],
        total=page.total,
        offset=page.offset,
        limit=page.limit,
    )


_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key."},
    403: {"model": ErrorResponse, "description": "The server has no API key: no writes."},
    404: {"model": ErrorResponse, "description": "No policy with this id."},
    409: {"model": ErrorResponse, "description": "The seed policy, or the text is stored "
          "under another id."},
    413: {"model": ErrorResponse, "description": "Over the upload size limit."},
    415: {"model": ErrorResponse, "description": "Not JSON, multipart, txt, md, html or pdf."},
    422: {"model": ErrorResponse, "description": "Unreadable, binary or empty policy."},
}


@router.put(
    "/{policy_id}",
    response_model=PolicyOut,
    status_code=201,
    dependencies=[WriteKey],
    operation_id="putPolicy",
    summary="Store a policy under an id of your choice (or add a version to it)",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        200: {"model": PolicyOut, "description": "The policy existed: the text is a new "
              "version of it, or was stored already."},
        202: {"model": JobOut, "description": "A large upload: a job stores it (see Location)."},
        **_WRITE_ERRORS,
    },
)
def put_policy(
    policy_id: str, upload: UploadDep, service: ServiceDep, response: Response
) -> PolicyOut | JSONResponse:
    """Create the policy `policy_id` (201); if it exists, a new text becomes its newest version
    (200), and a text it already holds changes nothing (200). A large upload is a job (202)."""
    existed = service.store.exists(policy_id)
    result = service.jobs.upload(
        upload.data,
        fmt=upload.fmt,
        name=upload.name,
        source_url=upload.source_url,
        policy_id=policy_id,
    )
    if isinstance(result, JobRecord):
        return accepted(result)
    response.status_code = 201 if result.created and not existed else 200
    return PolicyOut.from_record(result.record, service.seed_id)


@router.get(
    "/{policy_id}/versions",
    response_model=VersionList,
    dependencies=[ReadKey],
    operation_id="listVersions",
    responses=_NOT_FOUND,
    summary="Versions of a policy, newest first",
)
def list_versions(policy_id: str, service: ServiceDep) -> VersionList:
    """Each version's label, effective date, title, size and clause count."""
    record = service.get(policy_id)
    out = PolicyOut.from_record(record, service.seed_id)
    return VersionList(policy=record.id, items=list(out.versions))


@router.post(
    "/{policy_id}/versions",
    response_model=PolicyOut,
    status_code=201,
    dependencies=[WriteKey],
    operation_id="addVersion",
    summary="Add a new text of a policy as its newest version",
    responses={
        200: {"model": PolicyOut, "description": "The policy holds this text already."},
        202: {"model": JobOut, "description": "A large text: a job stores it (see Location)."},
        **_WRITE_ERRORS,
    },
)
def add_version(
    policy_id: str, body: VersionCreate, service: ServiceDep, response: Response
) -> PolicyOut | JSONResponse:
    """Store `text` as the newest version of `policy_id` (201), labelled by its effective date.

    A text equal to a stored version's is not stored again: the policy comes back with 200. A
    large text is a job (202), as a large upload is.
    """
    result = service.jobs.add_version(policy_id, body.text, fmt=body.format)
    if isinstance(result, JobRecord):
        return accepted(result)
    response.status_code = 201 if result.created else 200
    return PolicyOut.from_record(result.record, service.seed_id)


@router.get(
    "/{policy_id}/text",
    response_model=VersionText,
    dependencies=[ReadKey],
    operation_id="getPolicyText",
    responses={404: {"model": ErrorResponse, "description": "No such policy or version."}},
    summary="The clean text of a version (what clause offsets point into)",
)
def get_text(
    policy_id: str,
    service: ServiceDep,
    version: Annotated[
        str | None, Query(description="Label, year, `latest` or `oldest`; default latest.")
    ] = None,
) -> VersionText:
    """`text[start:end]` of this version is the text of each clause and citation."""
    v = service.version_text(policy_id, version)
    return VersionText(
        policy=policy_id,
        version=v.label,
        effective_date=v.effective_date,
        title=v.title,
        text=v.text,
    )


@router.get(
    "/{policy_id}/compare",
    response_model=CompareResponse,
    dependencies=[ReadKey],
    operation_id="comparePolicyVersions",
    responses={
        404: {"model": ErrorResponse, "description": "No such policy or version."},
        422: {"model": ErrorResponse, "description": "The policy has a single version."},
    },
    summary="What changed between two versions of a policy",
)
def compare_versions(
    policy_id: str,
    service: ServiceDep,
    from_: Annotated[
        str | None, Query(alias="from", description="The old version; default the one before.")
    ] = None,
    to: Annotated[str | None, Query(description="The new version; default the latest.")] = None,
) -> dict[str, Any]:
    """The report of `policylens compare --json`: clauses added, removed and changed."""
    return service.compare(policy_id, old_version=from_, new_version=to).to_dict()


@router.get(
    "/{policy_id}/practices",
    response_model=StatementPage,
    dependencies=[ReadKey],
    operation_id="listPractices",
    responses={
        404: {"model": ErrorResponse, "description": "No such policy or version."},
        422: {"model": ErrorResponse, "description": "An unknown practice, data type, recipient "
              "or polarity (the message lists the known ones)."},
    },
    summary="Statements of a policy: who does what with which data, filtered",
)
def list_practices(
    policy_id: str,
    service: ServiceDep,
    practice: Annotated[
        str | None, Query(description="Only this practice (collect, share, sell, ...).")
    ] = None,
    data_type: Annotated[
        str | None,
        Query(description="Only statements about this data type or one below it in the ontology "
              "(`identifiers` finds `ip_address`)."),
    ] = None,
    recipient: Annotated[
        str | None, Query(description="Only statements naming this recipient or one below it.")
    ] = None,
    polarity: Annotated[Polarity | None, Query(description="affirmed, denied or conditional.")]
    = None,
    version: Annotated[
        str | None,
        Query(description="Label, year, `latest`, `oldest` or `all`; default latest."),
    ] = None,
    offset: Offset = 0,
    limit: Limit = 50,
) -> dict[str, Any]:
    """The statements of a version in clause order, as `policylens practices --json` prints them:
    actor, practice, polarity and condition, data types, recipients, purposes, places, retention
    and audience, each a span of the clause with its ontology id. Extracted once, when the policy
    was stored."""
    wanted = StatementFilter.checked(
        practice=practice, polarity=polarity, data_type=data_type, recipient=recipient
    )
    page = service.practices(
        policy_id, version=version, wanted=wanted, offset=offset, limit=limit
    )
    return {
        "policy": policy_id,
        "items": list(page.items),
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
    }
