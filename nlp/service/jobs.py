"""Background jobs: large uploads processed by a bounded pool of worker threads, kept in the store.

A job is written to the store (state ``queued``, its request and the uploaded bytes) before it is
answered, so it outlives the process that accepted it. :meth:`JobRunner.resume`, called at start,
takes the jobs the last process left ``queued`` or ``running``: those whose bytes are kept and that
have not used up their attempts are queued again, the others are marked ``failed`` with the
reason. A job is never dropped silently. A final job (``succeeded`` or ``failed``) keeps its
result or error and drops its bytes.

The pool has ``settings.api.job_workers`` threads: however many large uploads arrive, at most that
many are processed at once, and the server's other threads stay free for questions. On Linux the
workers also run at a lower CPU priority (``settings.api.job_nice``): a thread is a task there,
with its own niceness, so the model calls of a large upload yield the cores to those of questions.
"""

from __future__ import annotations

import logging
import os
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from nlp.errors import ConflictError, InputError, PolicylensError
from nlp.ingest.formats import FORMATS
from nlp.service.naming import check_policy_id, sha256_of
from nlp.service.plaintext import check_source_url, plain_text
from nlp.service.records import JobRecord, PolicyStore

if TYPE_CHECKING:
    from nlp.service.service import PolicyService, UploadResult

__all__ = ["JobRunner", "Progress", "UploadJobs", "Work"]

log = logging.getLogger(__name__)

#: Reports how far a job is, from 0 to 1.
Progress = Callable[[float], None]
#: Runs a job: ``(request, payload, progress) -> result`` (JSON-ready), raising on failure.
Work = Callable[[dict[str, Any], bytes, Progress], dict[str, Any]]


class JobRunner:
    """Runs jobs of one kind through ``work`` on ``workers`` threads, recording them in ``store``.

    Parameters
    ----------
    store
        Where jobs are kept (``PolicyStore``: ``add_job``, ``update_job``, ``get_job``, ...).
    work
        What a job does (see :data:`Work`).
    workers
        Jobs processed at once.
    attempts
        Starts a job may have: one interrupted by a crash or a restart is run again until it has
        used them up, then reported ``failed`` (a job that kills the server is not retried forever).
    nice
        Niceness added to each worker thread where the OS has per-thread priorities (Linux).
    """

    def __init__(
        self,
        store: PolicyStore,
        work: Work,
        *,
        workers: int = 1,
        attempts: int = 2,
        nice: int = 0,
    ) -> None:
        self.store = store
        self.work = work
        self.attempts = attempts
        self._pool = ThreadPoolExecutor(
            max_workers=max(1, workers),
            thread_name_prefix="job",
            initializer=_lower_priority,
            initargs=(nice,),
        )
        self._closed = threading.Event()

    def submit(self, kind: str, request: dict[str, Any], payload: bytes) -> JobRecord:
        """Keep a new job and queue it; returns it as stored (``queued``)."""
        job = self.store.add_job(uuid.uuid4().hex, kind, request, payload)
        self._pool.submit(self._run, job.id)
        return job

    def get(self, job_id: str) -> JobRecord:
        """A job as stored now (``NotFoundError`` if unknown)."""
        return self.store.get_job(job_id)

    def resume(self) -> list[str]:
        """Queue again (or fail, saying why) the jobs a previous process left unfinished; returns
        the ids queued again."""
        queued: list[str] = []
        for job in self.store.unfinished_jobs():
            if self.store.job_payload(job.id) is None:
                reason = "the server stopped while the job was pending and its upload is lost"
            elif job.attempts >= self.attempts:
                reason = (
                    f"the server stopped during each of the job's {job.attempts} attempts; "
                    "upload the policy again, or split it"
                )
            else:
                log.info("job %s was %s when the server stopped: running it again", job.id,
                         job.state)
                self.store.update_job(job.id, state="queued", progress=0.0)
                self._pool.submit(self._run, job.id)
                queued.append(job.id)
                continue
            log.warning("job %s failed: %s", job.id, reason)
            self.store.update_job(
                job.id, state="failed", error={"type": "Interrupted", "message": reason}
            )
        return queued

    def _run(self, job_id: str) -> None:
        if self._closed.is_set():
            return  # left queued in the store: the next start runs it
        job = self.store.get_job(job_id)
        payload = self.store.job_payload(job_id)
        if payload is None or job.state != "queued":
            return
        self.store.update_job(job_id, state="running", progress=0.0)

        def progress(share: float) -> None:
            self.store.update_job(job_id, progress=round(min(max(share, 0.0), 1.0), 3))

        try:
            result = self.work(job.request, payload, progress)
        except PolicylensError as exc:
            self.store.update_job(
                job_id, state="failed", error={"type": type(exc).__name__, "message": str(exc)}
            )
        except Exception:
            log.exception("job %s failed", job_id)
            self.store.update_job(
                job_id,
                state="failed",
                error={"type": "InternalError", "message": "the job failed unexpectedly"},
            )
        else:
            self.store.update_job(job_id, state="succeeded", progress=1.0, result=result)

    def close(self) -> None:
        """Stop taking jobs: queued ones stay queued in the store for the next start; the one
        running finishes (a thread cannot be stopped safely)."""
        self._closed.set()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _lower_priority(nice: int) -> None:
    """Make the calling (worker) thread ``nice`` steps less urgent; a no-op where unsupported."""
    if nice <= 0 or not hasattr(os, "setpriority"):
        return
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        log.debug("cannot lower the priority of job threads here")


class UploadJobs:
    """Uploads of a :class:`~nlp.service.PolicyService` as jobs when they are large.

    :meth:`upload` stores a small upload at once (``PolicyService.upload``) and makes a large one
    (over ``settings.api.job_upload_bytes``) a job on a :class:`JobRunner` of
    ``settings.api.job_workers`` threads.
    """

    def __init__(self, service: PolicyService) -> None:
        self.service = service
        api = service.settings.api
        self.runner = JobRunner(
            service.store,
            self._work,
            workers=api.job_workers,
            attempts=api.job_attempts,
            nice=api.job_nice,
        )

    def upload(
        self,
        data: str | bytes,
        *,
        fmt: str,
        name: str,
        source_url: str | None = None,
        policy_id: str | None = None,
    ) -> UploadResult | JobRecord:
        """The stored upload, or the job that will store it.

        What can be refused at once is refused at once (size, format, name, id); a text stored
        already answers with its policy, never a job.
        """
        service = self.service
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        if not self._queued(raw) or fmt not in FORMATS:
            return service.upload(
                data, fmt=fmt, name=name, source_url=source_url, policy_id=policy_id
            )
        name = plain_text(name or "")[0].strip()
        if not name:
            raise InputError("the policy needs a name (e.g. the company or product)")
        source_url = check_source_url(source_url)
        if policy_id is not None:
            check_policy_id(policy_id)
            if policy_id == service.seed_id:
                raise ConflictError(f"{policy_id!r} is the bundled seed policy; it takes no "
                                    "versions")
        existing = service.store.find_by_hash(sha256_of(fmt, raw))
        if existing is not None and policy_id in (None, existing.id):
            from nlp.service.service import UploadResult

            return UploadResult(existing, created=False)
        request = {
            "fmt": fmt,
            "name": name,
            "source_url": source_url,
            "policy_id": policy_id,
            "text": isinstance(data, str),
        }
        return self.runner.submit("upload", request, raw)

    def add_version(
        self, policy_id: str, data: str | bytes, *, fmt: str
    ) -> UploadResult | JobRecord:
        """A new text of a stored policy, stored at once when small, else as a job.

        The policy must exist (``NotFoundError``) and may not be the seed (``ConflictError``):
        both are said at once, never by a failed job.
        """
        service = self.service
        raw = data if isinstance(data, bytes) else data.encode("utf-8")
        if not self._queued(raw) or fmt not in FORMATS or policy_id == service.seed_id:
            return service.add_version(policy_id, data, fmt=fmt)
        service.store.get_policy(policy_id)
        request = {
            "kind": "version", "policy_id": policy_id, "fmt": fmt, "text": isinstance(data, str)
        }
        return self.runner.submit("version", request, raw)

    def _queued(self, raw: bytes) -> bool:
        """Whether an upload of ``raw`` becomes a job: over the job threshold, and not so large
        that it is refused at once (the synchronous path says so)."""
        api = self.service.settings.api
        return api.job_upload_bytes < len(raw) <= api.max_upload_bytes

    def get(self, job_id: str) -> JobRecord:
        """A job as stored now (``NotFoundError`` if unknown)."""
        return self.runner.get(job_id)

    def resume(self) -> list[str]:
        """See :meth:`JobRunner.resume`."""
        return self.runner.resume()

    def close(self) -> None:
        self.runner.close()

    def _work(self, request: dict[str, Any], payload: bytes, progress: Progress) -> dict[str, Any]:
        data: str | bytes = payload.decode("utf-8") if request.get("text") else payload
        if request.get("kind") == "version":
            added = self.service.add_version(request["policy_id"], data, fmt=request["fmt"])
            progress(1.0)
            return {"policy_id": added.record.id, "created": added.created}
        store = self.service.store
        existed = request["policy_id"] is not None and store.exists(request["policy_id"])
        result = self.service.upload(
            data,
            fmt=request["fmt"],
            name=request["name"],
            source_url=request["source_url"],
            policy_id=request["policy_id"],
            progress=progress,
        )
        return {"policy_id": result.record.id, "created": result.created and not existed}
