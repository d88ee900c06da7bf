"""The Ray engine: a batch's tasks run by a pool of Ray actors, on this machine or a cluster.

Each actor gets the worker once (through Ray's object store) and keeps it, so it loads the models
once and then classifies task after task; rows come back to the driver, which writes them. An
actor that dies (a crash, out of memory, a node lost, ``ray.kill``) is replaced and its tasks are
run again (see :class:`~nlp.research.engines.PoolEngine`). Ray is the ``[ray]`` extra; this module
imports it only when a run starts, and says how to install it when it is missing.
"""

from __future__ import annotations

import logging
import math
import os
import time
from typing import Any

from nlp.config import BatchSettings
from nlp.extras import require
from nlp.research.engines import PoolEngine, Task, TaskResult, Worker, WorkerLost

__all__ = ["RayEngine", "require_ray"]


def require_ray() -> Any:
    """The ``ray`` module, or a ``MissingExtraError`` that says how to install it."""
    require("ray", "ray", purpose="the ray engine (--engine ray)")
    import ray

    return ray


class _Actor:
    """What each Ray actor holds: the worker, sent once, and kept between tasks."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def ready(self) -> int:
        return os.getpid()

    def run(self, task: Task) -> TaskResult:
        return self.worker(task)


class RayEngine(PoolEngine):
    """``workers`` Ray actors of ``settings.cpus_per_worker`` CPUs each.

    ``address`` names the cluster to join (``"auto"`` on a node of it, ``"ray://head:10001"``
    from outside); without it, and when Ray is not already initialised in this process, a local
    Ray instance is started for the run and stopped after it. ``startup_seconds`` is what
    starting Ray and the actors took.
    """

    name = "ray"

    def __init__(
        self, workers: int, *, address: str | None = None, settings: BatchSettings | None = None
    ) -> None:
        super().__init__(workers, settings)
        self.address = address
        self.actors: list[Any] = []
        self.running: dict[Any, int] = {}  # tasks in flight per actor
        self.startup_seconds = 0.0
        self._owner: dict[Any, Any] = {}
        self._started_ray = False
        self._worker_ref: Any = None
        self._actor_cls: Any = None

    def start(self, worker: Worker) -> None:
        ray = require_ray()
        t0 = time.perf_counter()
        cpus = self.settings.cpus_per_worker
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {"include_dashboard": False, "logging_level": logging.WARNING}
            if self.address is None:
                kwargs["num_cpus"] = max(os.cpu_count() or 1, math.ceil(self.workers * cpus))
            ray.init(address=self.address, **kwargs)
            self._started_ray = True
        self._worker_ref = ray.put(worker)
        self._actor_cls = ray.remote(num_cpus=cpus, max_restarts=0, max_task_retries=0)(_Actor)
        for _ in range(self.workers):
            self._add_actor()
        ray.get([a.ready.remote() for a in self.actors])
        self.startup_seconds = time.perf_counter() - t0

    def _add_actor(self) -> None:
        actor = self._actor_cls.remote(self._worker_ref)
        self.actors.append(actor)
        self.running[actor] = 0

    def _replace(self, actor: Any) -> None:
        """Put a new actor in the place of a dead one (once, whichever of its tasks tells)."""
        if actor not in self.running:
            return
        import ray

        self.actors.remove(actor)
        del self.running[actor]
        ray.kill(actor, no_restart=True)  # a half-dead actor must not come back with old work
        self._add_actor()

    def submit(self, task: Task) -> Any:
        actor = min(self.actors, key=lambda a: self.running[a])
        ref = actor.run.remote(task)
        self._owner[ref] = actor
        self.running[actor] += 1
        return ref

    def wait(self, handles: list[Any]) -> list[tuple[Any, TaskResult | WorkerLost]]:
        import ray
        from ray.exceptions import ObjectLostError, RayActorError, RayTaskError, WorkerCrashedError

        ready, _ = ray.wait(handles, num_returns=1)
        out: list[tuple[Any, TaskResult | WorkerLost]] = []
        for ref in ready:
            actor = self._owner.pop(ref)
            if actor in self.running:
                self.running[actor] -= 1
            try:
                out.append((ref, ray.get(ref)))
            except (RayActorError, WorkerCrashedError, ObjectLostError) as exc:
                self._replace(actor)
                out.append((ref, WorkerLost(type(exc).__name__)))
            except RayTaskError as exc:
                # The worker's own error (not about an input: those come back as results) stops
                # the run as it would in one process, as the error itself.
                cause = getattr(exc, "cause", None)
                raise (cause if isinstance(cause, Exception) else exc) from None
        return out

    def stop(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor, no_restart=True)
        self.actors.clear()
        self.running.clear()
        self._owner.clear()
        if self._started_ray:
            ray.shutdown()
            self._started_ray = False
