"""``/v1/policies``: upload, list, read and delete stored policies, and browse their clauses."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from api.deps import ReadKey, ServiceDep, UploadDep, WriteKey
from api.schemas import ClauseOut, ClausePage, ErrorResponse, PolicyCreate, PolicyOut, PolicyPage

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
    response_model=PolicyOut,
    status_code=201,
    dependencies=[WriteKey],
    summary="Upload a policy (JSON text or a file)",
    openapi_extra={"requestBody": _UPLOAD_BODY},
    responses={
        200: {"model": PolicyOut, "description": "The same text was already stored: that policy."},
        401: {"model": ErrorResponse, "description": "Missing or wrong X-API-Key."},
        403: {"model": ErrorResponse, "description": "The server has no API key: no writes."},
        413: {"model": ErrorResponse, "description": "Over the upload size limit."},
        415: {"model": ErrorResponse, "description": "Not JSON, multipart, txt, md, html or pdf."},
        422: {"model": ErrorResponse, "description": "Unreadable, binary or empty policy."},
    },
)
def create_policy(upload: UploadDep, service: ServiceDep, response: Response) -> PolicyOut:
    """Clean, segment, label and embed a policy, and store it (201).

    The same text sent again is not stored twice: the stored policy comes back with 200.
    Scripts in HTML are removed before anything is stored.
    """
    result = service.upload(
        upload.data, fmt=upload.fmt, name=upload.name, source_url=upload.source_url
    )
    response.status_code = 201 if result.created else 200
    return PolicyOut.from_record(result.record, service.seed_id)


@router.get("", response_model=PolicyPage, dependencies=[ReadKey], summary="List policies")
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
