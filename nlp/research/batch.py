"""Classify every clause of many policies: files and folders in, one row per clause out.

This is the logic behind ``policylens classify``. For each policy file (txt, md, html, pdf) it
ingests, segments, embeds and classifies the clauses of every version and writes one row per
clause, the clause record of ``nlp.serialize`` with its per-label ``scores`` and its policy's
``policy_score``, to JSONL (``scores`` an object), CSV or Parquet (one float column
``score_<label>`` per label; ``labels`` a list in Parquet, ``;``-joined in CSV), or yields them,
for stdout.

Batch runs are resumable: next to the output a manifest (``<output>.manifest.jsonl``) records
each finished policy (its file key, clause count, per-label counts and the output size after it).
Both are flushed to disk (``fsync``) at every policy boundary, the output before its manifest
line. Run the same command again and finished policies are skipped. Before anything is appended
the manifest is checked against the output: a torn last line (a crash mid-write) is cut off, and
records whose rows the output no longer holds (a deleted or shortened output) are dropped, so
those policies are classified again; the output is then cut back to the last recorded size, so a
policy interrupted halfway is written again, never twice.

A file that cannot be read is reported (one line) and skipped, and so is a file in a folder that
is not a policy format (``.docx``...); the rest are still classified, and the report lists both.

The driver (this class) lists the inputs (:mod:`nlp.research.inputs`: local paths and fsspec
URLs), cuts them into tasks of a few policies, and writes the rows that come back
(:mod:`nlp.research.output`); one worker, :class:`PolicyWorker`, turns a task into rows, run by
an engine (:mod:`nlp.research.engines`): in this process, in a pool of local processes
(``engine="local", workers=N``), or by Ray actors on a cluster (``engine="ray"``).

Example
-------
>>> from nlp.classify import load_classifier
>>> from nlp.config import ClassifySettings
>>> from nlp.research.batch import BatchClassifier
>>> clf = load_classifier(ClassifySettings())
>>> batch = BatchClassifier(clf, encoder)
>>> report = batch.run(["tests/data/corpus"], tmp_path / "out.jsonl", progress=False)
>>> report.done, len(report.failed)  # three policies; a broken PDF reported and skipped
(3, 1)
"""

from __future__ import annotations

import io
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from nlp.classify.model import ClauseClassifier
from nlp.classify.taxonomy import ASKED_FOR
from nlp.config import BatchSettings, IngestSettings, SegmentSettings
from nlp.embed import TextEncoder
from nlp.errors import InputError, PolicylensError
from nlp.research.engines import (
    Engine,
    InlineEngine,
    PolicyResult,
    Task,
    TaskResult,
    cpu_share,
    make_engine,
    make_tasks,
)
from nlp.research.inputs import PolicyInput, find_inputs, list_inputs, read_input
from nlp.research.output import Sink, open_sink
from nlp.serialize import CLAUSE_RECORD, clause_record
from nlp.types import Clause

__all__ = [
    "BatchClassifier",
    "BatchReport",
    "PolicySummary",
    "PolicyWorker",
    "clause_rows",
    "find_inputs",
    "find_policy_files",
    "format_summary",
    "stdin_clauses",
]

# JSONL keys; CSV and Parquet spread the scores.
CSV_FIELDS = (*CLAUSE_RECORD, "policy_score", "scores")
# What a worker reports as an unreadable input instead of stopping the run.
INPUT_ERRORS = (PolicylensError, OSError, ValueError, RuntimeError)


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """One classified policy: clauses per label and the asked-for categories it never addresses."""

    policy: str
    path: str
    versions: int
    clauses: int
    label_counts: dict[str, int]
    missing: tuple[str, ...]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "path": self.path,
            "versions": self.versions,
            "clauses": self.clauses,
            "label_counts": self.label_counts,
            "missing": list(self.missing),
            "seconds": round(self.seconds, 3),
        }


@dataclass
class BatchReport:
    """Outcome of a batch run."""

    summaries: list[PolicySummary] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # finished in an earlier run
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line reason)
    unsupported: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    clauses: int = 0
    seconds: float = 0.0
    output: Path | None = None
    redone: int = 0  # policies of the manifest whose rows the output had lost
    inputs: tuple[str, ...] = ()
    engine: str = "local"
    workers: int = 1
    worker_losses: int = 0  # task runs lost to a dying worker (run again, or reported failed)
    warnings: list[tuple[str, str]] = field(default_factory=list)  # (policy id, warning)

    @property
    def files_skipped(self) -> list[tuple[str, str]]:
        """Files not classified in this run nor an earlier one: unreadable, then unsupported."""
        return self.failed + self.unsupported

    @property
    def done(self) -> int:
        """Policies classified in this run."""
        return len(self.summaries)


def find_policy_files(paths: Iterable[str | Path]) -> list[tuple[Path, str]]:
    """Expand files and folders into ``(file, policy_id)`` pairs, sorted, duplicates removed.

    Folders are searched recursively for policy files. Ids follow ``nlp.ingest.policy_ids``: below
    a folder given, a file is named after its sub-folder when it is the only policy file there
    (``"TikTok/Privacy Policy.md"`` -> ``"tiktok"``), else after its path below the folder, so
    equal file names in different folders (``crawled.html``) stay apart.
    """
    return find_inputs(paths)[0]


def clause_rows(
    clauses: Sequence[Clause],
    classifier: ClauseClassifier,
    embeddings: np.ndarray,
    policy_scores: dict[str, float | None] | None = None,
) -> list[dict[str, Any]]:
    """One output row per clause, in the stable JSON shape of ``policylens classify``.

    ``policy_scores`` gives each policy id its "is this a privacy policy?" score (column
    ``policy_score``; ``None`` when not scored).
    """
    preds = classifier.predictions(clauses, embeddings)
    policy_scores = policy_scores or {}
    return [
        {
            **clause_record(c),
            "labels": list(p.labels),
            "policy_score": policy_scores.get(c.policy_id),
            "scores": p.scores,
        }
        for c, p in zip(clauses, preds, strict=True)
    ]


def stdin_clauses(lines: Iterable[str], policy: str = "stdin") -> list[Clause]:
    """Each non-empty input line as one clause (no segmentation), ids ``<policy>:<line no>``."""
    out: list[Clause] = []
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if text:
            out.append(Clause(f"{policy}:{n}", policy, "", (), 0, len(text), text))
    return out


@dataclass
class PolicyWorker:
    """Turns a task (a few policy files) into rows: the one task function every engine runs.

    It holds the models; a pool sends it once to each process or actor, where the encoder loads
    its model on first use, so each worker loads the models once. The clauses of all the task's
    policies are encoded in one call (full batches); a file that cannot be read is returned as
    an error for the driver to report, and the others are still classified.
    """

    classifier: ClauseClassifier
    encoder: TextEncoder
    ingest: IngestSettings | None = None
    segment: SegmentSettings | None = None
    batch_size: int | None = None
    min_policy_score: float = 0.0
    # Each policy's "is this a privacy policy?" score (``None``: not scored), by policy id.
    policy_scores: dict[str, float | None] = field(default_factory=dict)
    # The warning of each policy read in a language the models were not trained on, by policy id
    # (the policy score has its column; other ingest warnings stay with `segment`).
    policy_warnings: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def segment_file(self, source: str | Path, policy_id: str) -> tuple[list[Clause], int]:
        """The clauses of every version of one policy file, and its number of versions.

        A file whose policy score is below ``min_policy_score`` is refused (``InputError``).
        """
        from nlp.segment import segment_policy

        policy = read_input(str(source), policy_id, self.ingest)
        score = policy.policy_score
        if score is not None and score < self.min_policy_score:
            raise InputError(
                f"not a privacy policy: policy score {score:.2f} is below --min-policy-score "
                f"{self.min_policy_score:g}"
            )
        self.policy_scores[policy_id] = score
        if not policy.language_supported:
            from nlp.ingest import language_warning

            self.policy_warnings[policy_id] = (
                language_warning(
                    policy.language, self.ingest or IngestSettings(), label=Path(str(source)).name
                ),
            )
        return segment_policy(policy, self.segment), len(policy.versions)

    def __call__(self, task: Task) -> TaskResult:
        segmented: list[tuple[PolicyInput, list[Clause], int, float]] = []
        failed: dict[str, PolicyResult] = {}
        for inp in task.inputs:
            t0 = time.perf_counter()
            try:
                clauses, versions = self.segment_file(inp.source, inp.policy_id)
            except INPUT_ERRORS as exc:
                failed[inp.key] = PolicyResult(inp, error=_one_line(exc))
                continue
            segmented.append((inp, clauses, versions, time.perf_counter() - t0))
        t0 = time.perf_counter()
        texts = [c.contextual_text() for _, clauses, _, _ in segmented for c in clauses]
        emb = (
            self.encoder.encode(texts, batch_size=self.batch_size)
            if texts
            else np.zeros((0, 0), dtype=np.float32)
        )
        share = (time.perf_counter() - t0) / max(len(texts), 1)
        done: dict[str, PolicyResult] = {}
        start = 0
        for inp, clauses, versions, seconds in segmented:
            n = len(clauses)
            part = emb[start : start + n]
            rows = clause_rows(clauses, self.classifier, part, self.policy_scores) if n else []
            start += n
            warned = self.policy_warnings.pop(inp.policy_id, ())
            done[inp.key] = PolicyResult(inp, rows, versions, seconds + share * n, None, warned)
        return TaskResult(task, tuple(done.get(i.key) or failed[i.key] for i in task.inputs))


class BatchClassifier:
    """Classifies the clauses of many policy files, resumably, on one of the engines.

    Parameters
    ----------
    classifier
        A fitted :class:`~nlp.classify.ClauseClassifier`.
    encoder
        Sentence encoder (``nlp.embed.Encoder``) matching the classifier's embeddings.
    ingest, segment
        Settings for reading and segmenting the policies.
    batch_size
        Encoder batch size.
    engine
        ``"local"`` (default: this process, or a pool of ``workers`` local processes), ``"ray"``
        (a pool of ``workers`` Ray actors; the ``[ray]`` extra), or an engine object of
        :mod:`nlp.research.engines`. With a pool, the classifier and the encoder are sent to each
        worker (an ``Encoder`` as its settings: each worker loads the model itself).
    workers, address
        Worker processes or actors, and the Ray cluster to join (default: start a local one).
    settings
        The rest of the tunables (``Settings().batch``): policies per task, retries...
    min_policy_score
        Files whose "is this a privacy policy?" score is below this are reported and skipped.
    """

    def __init__(
        self,
        classifier: ClauseClassifier,
        encoder: TextEncoder,
        *,
        ingest: IngestSettings | None = None,
        segment: SegmentSettings | None = None,
        batch_size: int | None = None,
        engine: str | Engine | None = None,
        workers: int | None = None,
        address: str | None = None,
        settings: BatchSettings | None = None,
        min_policy_score: float = 0.0,
    ) -> None:
        self.settings = settings or BatchSettings()
        self.engine = make_engine(engine, workers=workers, address=address, settings=self.settings)
        pooled = not isinstance(self.engine, InlineEngine)
        if pooled and hasattr(encoder, "with_threads"):
            # One process per core would otherwise each start a thread per core.
            threads = self.settings.cpus_per_worker if self.engine.name == "ray" else None
            encoder = encoder.with_threads(int(threads or cpu_share(self.engine.workers)))
        self.worker = PolicyWorker(
            classifier, encoder, ingest, segment, batch_size, min_policy_score
        )

    @property
    def classifier(self) -> ClauseClassifier:
        return self.worker.classifier

    @property
    def encoder(self) -> TextEncoder:
        return self.worker.encoder

    @property
    def policy_scores(self) -> dict[str, float | None]:
        """The policy scores of the files this process read (a pool's workers keep their own;
        the rows carry them all)."""
        return self.worker.policy_scores

    def segment_file(self, path: Path, policy_id: str) -> tuple[list[Clause], int]:
        """The clauses of every version of one policy file, and its number of versions."""
        return self.worker.segment_file(path, policy_id)

    def classify_file(self, path: Path, policy_id: str) -> tuple[list[dict[str, Any]], int]:
        """Rows of every clause of one policy file and its number of versions."""
        inp = PolicyInput(str(path), policy_id, "")
        (result,) = self.worker(Task("", (inp,))).results
        if result.error is not None:
            raise InputError(result.error)
        return result.rows, result.versions

    def _results(
        self,
        todo: Sequence[PolicyInput],
        report: BatchReport,
        on_error: Callable[[str, str], None] | None,
        *,
        strict: bool = False,
        on_warning: Callable[[str, str], None] | None = None,
    ) -> Iterator[tuple[TaskResult, list[PolicyResult]]]:
        """Run the tasks of ``todo``; each task's result and its policies classified, while the
        failed ones go to ``report`` and ``on_error`` (``strict``, without it: the first raises)
        and each ingest warning to ``report`` and ``on_warning`` (``(policy id, message)``)."""
        report.engine = self.engine.name
        report.workers = self.engine.workers
        tasks = make_tasks(todo, self.settings.policies_per_task)
        try:
            for tr in self.engine.map(self.worker, tasks):
                for r in tr.results:
                    for message in r.warnings:
                        report.warnings.append((r.input.policy_id, message))
                        if on_warning is not None:
                            on_warning(r.input.policy_id, message)
                    if r.error is None:
                        continue
                    if on_error is None and strict:
                        raise InputError(r.error)
                    report.failed.append((r.input.source, r.error))
                    if on_error is not None:
                        on_error(r.input.source, r.error)
                yield tr, [r for r in tr.results if r.error is None]
        finally:
            report.worker_losses = int(getattr(self.engine, "lost", 0))

    def iter_rows(
        self,
        paths: Iterable[str | Path],
        *,
        on_error: Callable[[str, str], None] | None = None,
        report: BatchReport | None = None,
        on_warning: Callable[[str, str], None] | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield rows of every clause of every file (no output file, no manifest).

        ``on_error`` is called with ``(path, reason)`` for every file skipped, unreadable or
        unsupported (without it an unreadable file raises); ``on_warning`` with ``(policy id,
        message)`` for each policy classified anyway in a language the models were not
        trained on. ``report``, when given, is filled as the rows go:
        policies, clauses, warnings and the files skipped.
        """
        report = BatchReport() if report is None else report
        t0 = time.perf_counter()
        paths = list(paths)
        inputs, others = list_inputs(paths)
        report.inputs = tuple(str(p) for p in paths)
        for path in others:
            _skip_unsupported(report, path, on_error)
        for _, results in self._results(
            inputs, report, on_error, strict=True, on_warning=on_warning
        ):
            for r in results:
                report.summaries.append(_summary(r))
                report.clauses += len(r.rows)
                report.seconds = time.perf_counter() - t0
                yield from r.rows
        report.seconds = time.perf_counter() - t0

    def run(
        self,
        paths: Iterable[str | Path],
        output: str | Path,
        *,
        resume: bool = True,
        progress: bool = True,
        on_error: Callable[[str, str], None] | None = None,
        on_warning: Callable[[str, str], None] | None = None,
    ) -> BatchReport:
        """Classify every policy under ``paths`` into ``output``: a .jsonl, .csv or .parquet
        file, or a folder of Parquet parts, one per task (a name ending in ``/``).

        With ``resume`` (default) policies recorded in the manifest by an earlier run, and still
        held by the output, are skipped; without it the output and manifest are started afresh.
        ``on_error`` is called with ``(path, reason)`` for every file skipped (unreadable, or not
        a policy format), ``on_warning`` with ``(policy id, message)`` for every ingest warning
        (as :meth:`iter_rows`); the run goes on.
        """
        from tqdm import tqdm

        sink = open_sink(output, CSV_FIELDS)
        report = BatchReport(output=Path(output))
        done: dict[str, dict[str, Any]] = {}
        if resume and sink.manifest.exists():
            done, report.redone = sink.resume()
        else:
            sink.reset()
        paths = list(paths)
        inputs, others = list_inputs(paths)
        report.inputs = tuple(str(p) for p in paths)
        for path in others:
            if not sink.owns(Path(path)):
                _skip_unsupported(report, path, on_error)
        t0 = time.perf_counter()
        report.skipped = [i.source for i in inputs if i.key in done]
        todo = [i for i in inputs if i.key not in done]
        with tqdm(
            total=len(inputs),
            initial=len(report.skipped),
            desc="classify",
            unit="policy",
            disable=not progress,
            leave=False,
        ) as bar:
            for tr, results in self._results(todo, report, on_error, on_warning=on_warning):
                _store(sink, tr, results, report)
                bar.update(len(tr.results))
                bar.set_postfix(clauses=report.clauses)
        sink.finish([i.key for i in inputs])
        report.seconds = time.perf_counter() - t0
        return report


def _summary(r: PolicyResult) -> PolicySummary:
    return _summarise(r.input.policy_id, r.input.source, r.versions, r.rows, r.seconds)


def _store(sink: Sink, tr: TaskResult, results: list[PolicyResult], report: BatchReport) -> None:
    """Write a task's rows, then record each policy: the manifest never points past the rows."""
    fields = sink.write(tr.task.id, [(r.input.key, r.rows) for r in results])
    for r, where in zip(results, fields, strict=True):
        summary = _summary(r)
        sink.record({"key": r.input.key, **where, **summary.to_dict()})
        report.summaries.append(summary)
        report.clauses += len(r.rows)


def _skip_unsupported(
    report: BatchReport, path: str, on_error: Callable[[str, str], None] | None
) -> None:
    from nlp.research.inputs import unsupported_reason

    reason = unsupported_reason(path)
    report.unsupported.append((path, reason))
    if on_error is not None:
        on_error(path, reason)


def _summarise(
    pid: str, path: str, versions: int, rows: list[dict[str, Any]], seconds: float
) -> PolicySummary:
    counts: Counter[str] = Counter()
    for r in rows:
        counts.update(r["labels"])
    missing = tuple(label for label in ASKED_FOR if counts[label] == 0)
    return PolicySummary(
        pid, path, versions, len(rows), dict(sorted(counts.items())), missing, seconds
    )


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split()) or type(exc).__name__
    return msg if len(msg) <= 300 else msg[:297] + "..."


def format_summary(report: BatchReport, *, per_policy: bool = True) -> str:
    """A plain-text summary: one line per policy, then totals and never-addressed counts."""
    buf = io.StringIO()
    if per_policy:
        for s in report.summaries:
            top = ", ".join(
                f"{k} {v}" for k, v in sorted(s.label_counts.items(), key=lambda kv: -kv[1])[:6]
            )
            miss = ", ".join(s.missing) if s.missing else "-"
            buf.write(f"{s.policy}: {s.clauses} clauses ({top}); never addresses: {miss}\n")
    n = report.done
    if not (report.summaries or report.skipped or report.files_skipped):
        where = ", ".join(report.inputs) or "the paths given"
        from nlp.ingest import SUPPORTED_FORMATS

        kinds = ", ".join(SUPPORTED_FORMATS)
        buf.write(f"no policy files found in {where} (policylens reads {kinds})\n")
    buf.write(
        f"\n{n} policies classified, {report.clauses} clauses, "
        f"{len(report.skipped)} already done, {len(report.files_skipped)} files skipped "
        f"({len(report.failed)} unreadable, {len(report.unsupported)} unsupported), "
        f"{report.seconds:.1f}s\n"
    )
    if report.workers > 1 or report.engine != "local":
        buf.write(f"engine: {report.engine}, {report.workers} workers")
        if report.worker_losses:
            buf.write(
                f"; {report.worker_losses} task runs lost to a dying worker were run again "
                "(or, after the last retry, their policies reported as failed)"
            )
        buf.write("\n")
    if report.redone:
        buf.write(
            f"{report.redone} policies recorded as done were classified again: the output no "
            "longer held their rows\n"
        )
    if n:
        never = Counter(m for s in report.summaries for m in s.missing)
        parts = [f"{label} {never[label]}" for label in ASKED_FOR]
        buf.write("policies never addressing: " + ", ".join(parts) + "\n")
    for path, reason in report.failed:
        buf.write(f"failed: {path}: {reason}\n")
    for path, reason in report.unsupported:
        buf.write(f"skipped: {path}: {reason}\n")
    return buf.getvalue()
