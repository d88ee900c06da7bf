"""Where the tasks of a batch run: this process, a pool of local processes, or Ray actors.

The driver (:class:`~nlp.research.batch.BatchClassifier`) cuts the policies into :class:`Task`
objects and hands them, with one picklable worker (a callable ``Task -> TaskResult`` holding the
models), to an engine; the engine yields each task's result as it completes, in any order. Every
engine runs the same worker, so a policy gives the same rows whatever runs it.

- :class:`InlineEngine` calls the worker in this process, task after task.
- :class:`ProcessEngine` (``engine="local"``, ``workers > 1``) runs it in a pool of local processes.
- ``RayEngine`` (``engine="ray"``, :mod:`nlp.research.ray_engine`) in a pool of Ray actors.

Pools share :class:`PoolEngine`'s scheduling: a few tasks queued per worker, and a task whose
worker died (a crash, out of memory, an actor killed) is run again, split into one task per
policy, each alone in the pool, so that a policy that kills its worker is found and no other is
charged for it; after ``max_task_retries`` it is reported as failed, and nothing else is lost.
A worker's Python error that is not about its input (a bug) stops the run, as it would in one
process.
"""

from __future__ import annotations

import hashlib
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from nlp.config import BatchSettings
from nlp.research.inputs import PolicyInput

__all__ = [
    "Engine",
    "InlineEngine",
    "PolicyResult",
    "PoolEngine",
    "ProcessEngine",
    "Task",
    "TaskResult",
    "Worker",
    "make_engine",
    "make_tasks",
]


@dataclass(frozen=True, slots=True)
class Task:
    """Some policies for one worker; ``attempt`` counts the runs lost to a dying worker."""

    id: str
    inputs: tuple[PolicyInput, ...]
    attempt: int = 0


@dataclass(frozen=True, slots=True)
class PolicyResult:
    """One policy of a task: its rows, or the one-line reason it could not be read; and the
    warnings to print for it (a language the models were not trained on)."""

    input: PolicyInput
    rows: list[dict[str, Any]] = field(default_factory=list)
    versions: int = 0
    seconds: float = 0.0
    error: str | None = None
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TaskResult:
    task: Task
    results: tuple[PolicyResult, ...]


class Worker(Protocol):
    """What runs a task: picklable, so a pool sends it once to each of its processes or actors."""

    def __call__(self, task: Task) -> TaskResult: ...


def _task_id(inputs: Sequence[PolicyInput]) -> str:
    return hashlib.sha256("\0".join(i.key for i in inputs).encode()).hexdigest()[:16]


def make_tasks(inputs: Sequence[PolicyInput], per_task: int) -> list[Task]:
    """Consecutive runs of ``per_task`` inputs; a task's id follows from its inputs' keys."""
    chunks = [tuple(inputs[i : i + per_task]) for i in range(0, len(inputs), max(per_task, 1))]
    return [Task(_task_id(c), c) for c in chunks]


class Engine(Protocol):
    """Runs tasks with a worker and yields their results as they complete."""

    name: str  # "local" or "ray", as the CLI says it
    workers: int

    def map(self, worker: Worker, tasks: Iterable[Task]) -> Iterator[TaskResult]: ...


class InlineEngine:
    """Every task in this process, in order: the single-process path."""

    name = "local"
    workers = 1

    def map(self, worker: Worker, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        for task in tasks:
            yield worker(task)


class WorkerLost(Exception):
    """The worker running a task died before it answered."""


class PoolEngine:
    """Scheduling shared by the pools: submit, wait for any, run again what a dead worker lost.

    Subclasses give :meth:`start`, :meth:`submit` (a handle for the task's result),
    :meth:`wait` (results or ``WorkerLost`` of some finished handles) and :meth:`stop`.
    """

    name = "local"

    def __init__(self, workers: int, settings: BatchSettings | None = None) -> None:
        self.settings = settings or BatchSettings()
        self.workers = workers
        self.lost = 0  # task runs lost to a dying worker, and run again or given up

    def start(self, worker: Worker) -> None:
        raise NotImplementedError

    def submit(self, task: Task) -> Any:
        raise NotImplementedError

    def wait(self, handles: list[Any]) -> list[tuple[Any, TaskResult | WorkerLost]]:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def map(self, worker: Worker, tasks: Iterable[Task]) -> Iterator[TaskResult]:
        queue = deque(tasks)
        if not queue:
            return
        self.start(worker)
        running: dict[Any, Task] = {}
        capacity = self.workers * self.settings.tasks_in_flight
        try:
            while queue or running:
                # A task that lost its worker once runs alone: if it dies again, it was the cause,
                # and no other task is charged for it.
                while queue and len(running) < capacity:
                    if any(t.attempt for t in running.values()) or (queue[0].attempt and running):
                        break
                    task = queue.popleft()
                    running[self.submit(task)] = task
                for handle, outcome in self.wait(list(running)):
                    task = running.pop(handle)
                    if isinstance(outcome, WorkerLost):
                        self.lost += 1
                        given_up = self._retry(task, outcome, queue)
                        if given_up is not None:
                            yield given_up
                    else:
                        yield outcome
        finally:
            self.stop()

    def _retry(self, task: Task, lost: WorkerLost, queue: deque[Task]) -> TaskResult | None:
        """Queue ``task`` again, one task per policy, or give it up after the last retry."""
        if task.attempt >= self.settings.max_task_retries:
            runs = task.attempt + 1
            reason = f"its worker died {runs} time{'s' * (runs > 1)} while classifying it ({lost})"
            return TaskResult(task, tuple(PolicyResult(i, error=reason) for i in task.inputs))
        if len(task.inputs) == 1:
            queue.appendleft(replace(task, attempt=task.attempt + 1))
        else:
            for i in reversed(task.inputs):
                queue.appendleft(Task(_task_id([i]), (i,), task.attempt + 1))
        return None


# The worker of this process of a ProcessEngine pool, set once by the pool's initializer.
_worker: Worker | None = None


def _init_process(worker: Worker) -> None:
    global _worker
    _worker = worker


def _run_in_process(task: Task) -> TaskResult:
    assert _worker is not None, "the pool initializer sets the worker"
    return _worker(task)


class ProcessEngine(PoolEngine):
    """A pool of local processes (``spawn``: no fork of a process that runs model threads)."""

    def __init__(self, workers: int, settings: BatchSettings | None = None) -> None:
        super().__init__(workers, settings)
        self._worker: Worker | None = None
        self._pool: ProcessPoolExecutor | None = None

    def start(self, worker: Worker) -> None:
        import multiprocessing

        self._worker = worker
        self._pool = ProcessPoolExecutor(
            self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_process,
            initargs=(worker,),
        )

    def submit(self, task: Task) -> Future[TaskResult]:
        assert self._pool is not None
        return self._pool.submit(_run_in_process, task)

    def wait(self, handles: list[Any]) -> list[tuple[Any, TaskResult | WorkerLost]]:
        finished, _ = wait(handles, return_when=FIRST_COMPLETED)
        broken = any(isinstance(f.exception(), BrokenProcessPool) for f in finished)
        if broken:
            # One process died and took the pool down: it fails every task it held, at once.
            finished, _ = wait(handles)
        out: list[tuple[Any, TaskResult | WorkerLost]] = []
        for fut in finished:
            if isinstance(fut.exception(), BrokenProcessPool):
                out.append((fut, WorkerLost("a worker process exited")))
            else:
                out.append((fut, fut.result()))  # a worker's own error (a bug) raises here
        if broken and self._worker is not None:
            self.stop()
            self.start(self._worker)
        return out

    def stop(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


def make_engine(
    engine: str | Engine | None = None,
    *,
    workers: int | None = None,
    address: str | None = None,
    settings: BatchSettings | None = None,
) -> Engine:
    """The engine named (``"local"`` or ``"ray"``), with ``workers`` processes or actors; an
    :class:`Engine` object is returned as it is. Defaults come from ``settings``."""
    if engine is not None and not isinstance(engine, str):
        return engine
    settings = settings or BatchSettings()
    name = engine or settings.engine
    n = workers or settings.workers
    if name == "ray":
        from nlp.research.ray_engine import RayEngine

        return RayEngine(n, address=address or settings.address, settings=settings)
    if name != "local":
        from nlp.errors import InputError

        raise InputError(f"unknown engine {name!r}; use local or ray")
    return InlineEngine() if n <= 1 else ProcessEngine(n, settings)


def cpu_share(workers: int) -> int:
    """Threads each of ``workers`` local processes may use without them fighting for cores."""
    return max(1, (os.cpu_count() or 1) // max(workers, 1))


