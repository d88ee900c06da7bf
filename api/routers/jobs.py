"""``/v1/jobs``: the state of a background job (a large upload being stored)."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import ReadKey, ServiceDep
from api.errors import error_code
from api.schemas import ErrorResponse, JobOut

router = APIRouter(prefix="/v1/jobs", tags=["jobs"])


@router.get(
    "/{job_id}",
    response_model=JobOut,
    dependencies=[ReadKey],
    operation_id="getJob",
    responses={404: {"model": ErrorResponse, "description": "No job with this id."}},
    summary="A background job: state, progress, result or error",
)
def get_job(job_id: str, service: ServiceDep) -> JobOut:
    """`queued`, `running` (with `progress`), then `succeeded` (with `result.policy_id`) or
    `failed` (with `error`). Jobs are kept in the store: a restart runs unfinished ones again or
    reports them failed."""
    job = service.jobs.get(job_id)
    return JobOut.from_record(job, error_code(job.error["type"]) if job.error else None)
