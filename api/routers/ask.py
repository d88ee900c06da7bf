"""``POST /v1/ask``: a question about a stored policy, answered with cited clauses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.schemas import AskRequest, AskResponse, ErrorResponse

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[ReadKey])


@router.post(
    "/ask",
    response_model=AskResponse,
    summary="Answer a question about a policy",
    responses={
        404: {"model": ErrorResponse, "description": "Unknown policy or version."},
        422: {"model": ErrorResponse, "description": "Empty or too long question, bad top_k."},
    },
)
def ask(body: AskRequest, service: ServiceDep) -> dict[str, Any]:
    """The same object as `policylens ask --json`: verdict, answer and cited clauses.

    Without `policy`, the question goes to the bundled seed policy.
    """
    answer = service.ask(
        body.question,
        policy=body.policy,
        version=body.version,
        top_k=body.top_k,
        category=body.category,
    )
    return answer.to_dict()
