"""``POST /v1/classify``: cut a text into clauses and label them; nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.schemas import ClassifyRequest, ClassifyResponse, ClauseOut, ErrorResponse

router = APIRouter(prefix="/v1", tags=["classify"], dependencies=[ReadKey])


@router.post(
    "/classify",
    response_model=ClassifyResponse,
    summary="Clauses of a text with their category labels",
    responses={
        413: {"model": ErrorResponse, "description": "Text over the upload limit."},
        422: {"model": ErrorResponse, "description": "No policy text found."},
    },
)
def classify(body: ClassifyRequest, service: ServiceDep) -> ClassifyResponse:
    """Segment `text` into clauses (with offsets and section paths) and label each one.

    `labelled` is false when the server has no clause classifier installed.
    """
    clauses, labelled = service.classify(body.text, fmt=body.format)
    return ClassifyResponse(clauses=[ClauseOut.from_clause(c) for c in clauses], labelled=labelled)
