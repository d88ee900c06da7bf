"""``POST /v1/ask`` and ``/v1/ask/batch``: questions about stored policies, with cited clauses."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.schemas import (
    AskBatchRequest,
    AskBatchResponse,
    AskManyResponse,
    AskRequest,
    AskResponse,
    ErrorResponse,
)

router = APIRouter(prefix="/v1", tags=["ask"], dependencies=[ReadKey])


@router.post(
    "/ask",
    response_model=AskResponse | AskManyResponse,
    response_model_exclude_unset=True,
    operation_id="ask",
    summary="Answer a question about a policy (or several)",
    responses={
        404: {"model": ErrorResponse, "description": "Unknown policy or version."},
        422: {"model": ErrorResponse, "description": "Empty or too long question, bad top_k."},
    },
)
def ask(body: AskRequest, service: ServiceDep) -> dict[str, Any]:
    """The same object as `policylens ask --json`: verdict, answer and cited clauses.

    Without `policy`, the question goes to the bundled seed policy. With `policies`, the answer
    is one object per policy, and the ids of the policies that say yes and no.
    """
    if body.policies is not None:
        answers = service.ask_many(
            body.question,
            policies=body.policies,
            version=body.version,
            top_k=body.top_k,
            category=body.category,
        )
        return {
            "answers": [a.to_dict(labels=body.citation_labels) for a in answers],
            "yes": [a.policy for a in answers if a.verdict == "yes"],
            "no": [a.policy for a in answers if a.verdict == "no"],
        }
    answer = service.ask(
        body.question,
        policy=body.policy,
        version=body.version,
        top_k=body.top_k,
        category=body.category,
    )
    return answer.to_dict(labels=body.citation_labels)


@router.post(
    "/ask/batch",
    response_model=AskBatchResponse,
    response_model_exclude_unset=True,
    operation_id="askBatch",
    summary="Answer several questions about one policy",
    responses={
        404: {"model": ErrorResponse, "description": "Unknown policy or version."},
        422: {"model": ErrorResponse, "description": "Too many questions, or a bad one."},
    },
)
def ask_batch(body: AskBatchRequest, service: ServiceDep) -> dict[str, Any]:
    """One answer per question, in order; at most the server's `max_batch_questions`."""
    answers = service.ask_batch(
        body.questions,
        policy=body.policy,
        version=body.version,
        top_k=body.top_k,
        category=body.category,
    )
    return {"answers": [a.to_dict(labels=body.citation_labels) for a in answers]}
