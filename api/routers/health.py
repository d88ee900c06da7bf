"""Liveness and readiness probes, and the Prometheus metrics."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from api.deps import ReadKey
from api.schemas import Health, Readiness

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Health, operation_id="health", summary="The process is up")
def healthz() -> Health:
    """Answers as soon as the process runs, even while models are loading."""
    return Health()


@router.get(
    "/readyz",
    operation_id="ready",
    response_model=Readiness,
    summary="Models loaded and store reachable",
    responses={503: {"model": Readiness, "description": "Still starting, or the store is down."}},
)
def readyz(request: Request) -> JSONResponse:
    """200 once the models are loaded and the store answers; 503 until then."""
    service = getattr(request.app.state, "service", None)
    checks = service.ready() if service is not None else {"started": False}
    ok = all(checks.values())
    body = Readiness(status="ready" if ok else "starting", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if ok else 503)


@router.get(
    "/metrics",
    operation_id="metrics",
    dependencies=[ReadKey],
    include_in_schema=False,
    summary="Prometheus metrics",
)
def metrics(request: Request) -> Response:
    """Request counts and latencies per route, in the Prometheus text format."""
    m = request.app.state.metrics
    return Response(m.render(), media_type=m.content_type)
