"""``POST /v1/classify``: cut a text into clauses and label them; nothing is stored."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.schemas import (
    ClassifiedClauseOut,
    ClassifyRequest,
    ClassifyResponse,
    ClauseOut,
    ErrorResponse,
)

router = APIRouter(prefix="/v1", tags=["classify"], dependencies=[ReadKey])


@router.post(
    "/classify",
    operation_id="classify",
    response_model=ClassifyResponse,
    summary="Clauses of a text with their category labels",
    responses={
        413: {"model": ErrorResponse, "description": "Text over the upload limit."},
        422: {"model": ErrorResponse, "description": "No policy text found."},
    },
)
def classify(body: ClassifyRequest, service: ServiceDep) -> ClassifyResponse:
    """Segment `text` into clauses (with offsets and section paths) and label each one.

    `labelled` is false when the server has no clause classifier installed; `scores` holds the
    classifier's probability of every label.
    """
    clauses, labelled, scores = service.classify_scored(body.text, fmt=body.format)
    return ClassifyResponse(
        clauses=[
            ClassifiedClauseOut(
                **ClauseOut.from_clause(c).model_dump(), scores=scores[i] if scores else None
            )
            for i, c in enumerate(clauses)
        ],
        labelled=labelled,
    )
