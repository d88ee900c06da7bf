"""``POST /v1/search``: the clauses of stored policies that best match a query."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.schemas import ClauseOut, ErrorResponse, HitOut, SearchRequest, SearchResponse

router = APIRouter(prefix="/v1", tags=["search"], dependencies=[ReadKey])


@router.post(
    "/search",
    response_model=SearchResponse,
    operation_id="search",
    summary="Find the clauses that match a query",
    responses={
        404: {"model": ErrorResponse, "description": "Unknown policy or version."},
        422: {"model": ErrorResponse, "description": "Empty or too long query, bad top_k."},
    },
)
def search(body: SearchRequest, service: ServiceDep) -> SearchResponse:
    """Hybrid (dense + keyword) search, as `policylens search`: best clauses first.

    Without `policy`, the latest version of every stored policy is searched.
    """
    hits = service.search(
        body.query,
        policy=body.policy,
        version=body.version,
        top_k=body.top_k,
        category=body.category,
    )
    return SearchResponse(
        query=body.query,
        hits=[
            HitOut(
                clause=ClauseOut.from_clause(h.clause),
                score=round(h.score, 4),
                dense=round(h.dense, 4),
                sparse=round(h.sparse, 4),
            )
            for h in hits
        ],
    )
