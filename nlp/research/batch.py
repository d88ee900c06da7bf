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

import csv
import hashlib
import io
import json
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import numpy as np

from nlp.classify.model import ClauseClassifier
from nlp.classify.taxonomy import ASKED_FOR
from nlp.config import IngestSettings, SegmentSettings
from nlp.embed import TextEncoder
from nlp.errors import InputError, PolicylensError
from nlp.extras import require
from nlp.serialize import CLAUSE_RECORD, clause_record
from nlp.types import Clause

__all__ = [
    "BatchClassifier",
    "BatchReport",
    "PolicySummary",
    "clause_rows",
    "find_inputs",
    "find_policy_files",
    "format_summary",
    "stdin_clauses",
]

OUTPUT_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
# JSONL keys; CSV and Parquet spread the scores.
CSV_FIELDS = (*CLAUSE_RECORD, "policy_score", "scores")


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


def unsupported_reason(path: Path) -> str:
    """Why a file found in a folder is not classified."""
    from nlp.ingest import SUPPORTED_FORMATS

    kind = path.suffix.lower() or "(none)"
    return f"unsupported file type {kind}; policylens reads {', '.join(SUPPORTED_FORMATS)}"


def find_inputs(paths: Iterable[str | Path]) -> tuple[list[tuple[Path, str]], list[Path]]:
    """:func:`find_policy_files`, and the other files found in the folders, which are skipped.

    Files and folders whose name starts with a dot (``.DS_Store``, ``.git/``) are neither.
    """
    from nlp.ingest import SUPPORTED_FORMATS, policy_ids

    out: dict[Path, str] = {}
    others: dict[Path, None] = {}
    singles: list[Path] = []
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            files = []
            for f in sorted(root.rglob("*")):
                if not f.is_file():
                    continue
                if f.suffix.lower() in SUPPORTED_FORMATS and not f.name.startswith("."):
                    files.append(f)
                elif not any(part.startswith(".") for part in f.relative_to(root).parts):
                    others.setdefault(f.resolve())
            for f, pid in policy_ids(files, root=root, taken=set(out.values())).items():
                out.setdefault(f.resolve(), pid)
        elif root.is_file():
            singles.append(root)
        else:
            raise InputError(f"{root} does not exist; give policy files or folders")
    # Files given one by one may share a name (".../12_App/crawled.html"): policy_ids names
    # those by their folder too, so that every policy keeps its own id.
    singles = [f for f in singles if f.resolve() not in out]
    for f, pid in policy_ids(singles, taken=set(out.values())).items():
        out.setdefault(f.resolve(), pid)
    policies = sorted(((p, pid) for p, pid in out.items()), key=lambda t: str(t[0]))
    return policies, sorted((p for p in others if p not in out), key=str)


def _file_key(path: Path) -> str:
    st = path.stat()
    return hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:20]


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


def _flat(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its scores as one ``score_<label>`` value each (CSV and Parquet columns)."""
    flat = {k: v for k, v in row.items() if k != "scores"}
    flat.update({f"score_{label}": float(v) for label, v in sorted(row["scores"].items())})
    return flat


def stdin_clauses(lines: Iterable[str], policy: str = "stdin") -> list[Clause]:
    """Each non-empty input line as one clause (no segmentation), ids ``<policy>:<line no>``."""
    out: list[Clause] = []
    for n, line in enumerate(lines, 1):
        text = line.strip()
        if text:
            out.append(Clause(f"{policy}:{n}", policy, "", (), 0, len(text), text))
    return out


class _Sink:
    """Appends rows to JSONL/CSV, or to per-policy Parquet parts merged at the end."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.fmt = OUTPUT_FORMATS[path.suffix.lower()]
        except KeyError as exc:
            raise InputError(
                f"cannot write {path.name}: use an output ending in .jsonl, .csv or .parquet"
            ) from exc
        self.parts = path.with_name(path.name + ".parts")
        if self.fmt == "parquet":
            # Said before any policy is processed, not after the first one.
            require("research", "pandas", "pyarrow", purpose="Parquet output")
            self.parts.mkdir(parents=True, exist_ok=True)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() and self.fmt != "parquet" else 0

    def truncate(self, size: int) -> None:
        """Drop whatever an interrupted run wrote after the last finished policy."""
        if self.fmt != "parquet" and self.path.exists() and self.path.stat().st_size > size:
            with self.path.open("r+b") as fh:
                fh.truncate(size)
                _sync(fh)

    def holds(self, record: dict[str, Any], size: int) -> bool:
        """Whether the output (``size`` bytes now) still ends a policy where ``record`` says."""
        if self.fmt == "parquet":
            part = self.parts / f"{record['key']}.parquet"
            return int(record.get("clauses", 0)) == 0 or part.exists()
        offset = int(record["offset"])
        if offset == 0 or offset > size:
            return offset == 0
        with self.path.open("rb") as fh:
            fh.seek(offset - 1)
            return fh.read(1) == b"\n"  # a row boundary, not the middle of a rewritten file

    def write(self, key: str, rows: list[dict[str, Any]]) -> int:
        if self.fmt == "jsonl":
            with self.path.open("a", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                _sync(fh)
        elif self.fmt == "csv":
            new = not self.path.exists() or self.path.stat().st_size == 0
            flat = [{**_flat(r), "labels": ";".join(r["labels"])} for r in rows]
            if new:
                fields = list(flat[0]) if flat else list(CLAUSE_RECORD)
            else:
                with self.path.open(encoding="utf-8", newline="") as fh:
                    fields = next(csv.reader(fh))  # resumed: the header already written
            with self.path.open("a", encoding="utf-8", newline="") as fh:
                w = csv.DictWriter(fh, fieldnames=fields)
                if new:
                    w.writeheader()
                w.writerows(flat)
                _sync(fh)
        else:
            import pandas as pd

            df = pd.DataFrame([_flat(r) for r in rows])
            tmp = self.parts / f"{key}.parquet.tmp"
            df.to_parquet(tmp, index=False)
            with tmp.open("rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, self.parts / f"{key}.parquet")
        return self.size()

    def finish(self, keys: Sequence[str]) -> None:
        if self.fmt != "parquet":
            return
        import pandas as pd

        frames = [
            pd.read_parquet(self.parts / f"{k}.parquet")
            for k in keys
            if (self.parts / f"{k}.parquet").exists()
        ]
        df = (
            pd.concat(frames, ignore_index=True)
            if frames
            else pd.DataFrame(columns=list(CLAUSE_RECORD))
        )
        df.to_parquet(self.path, index=False)


@dataclass(frozen=True, slots=True)
class _Pending:
    """A segmented policy waiting for its clauses to be encoded."""

    path: Path
    pid: str
    key: str
    clauses: list[Clause]
    versions: int
    seconds: float


class BatchClassifier:
    """Classifies the clauses of many policy files, resumably.

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
    chunk_clauses
        Clauses of several policies are encoded together once at least this many are waiting;
        each policy is still written (and recorded as finished) on its own.
    """

    def __init__(
        self,
        classifier: ClauseClassifier,
        encoder: TextEncoder,
        *,
        ingest: IngestSettings | None = None,
        segment: SegmentSettings | None = None,
        batch_size: int | None = None,
        chunk_clauses: int = 512,
        min_policy_score: float = 0.0,
    ) -> None:
        self.min_policy_score = min_policy_score
        self.policy_scores: dict[str, float | None] = {}
        self.classifier = classifier
        self.chunk_clauses = chunk_clauses
        self.encoder = encoder
        self.ingest = ingest
        self.segment = segment
        self.batch_size = batch_size

    def segment_file(self, path: Path, policy_id: str) -> tuple[list[Clause], int]:
        """The clauses of every version of one policy file, and its number of versions."""
        from nlp.ingest import load_policy
        from nlp.segment import segment_policy

        policy = load_policy(path, self.ingest, policy_id=policy_id)
        score = policy.policy_score
        if score is not None and score < self.min_policy_score:
            raise InputError(
                f"not a privacy policy: policy score {score:.2f} is below --min-policy-score "
                f"{self.min_policy_score:g}"
            )
        self.policy_scores[policy_id] = score
        return segment_policy(policy, self.segment), len(policy.versions)

    def classify_file(self, path: Path, policy_id: str) -> tuple[list[dict[str, Any]], int]:
        """Rows of every clause of one policy file and its number of versions."""
        clauses, n_versions = self.segment_file(path, policy_id)
        if not clauses:
            return [], n_versions
        emb = self.encoder.encode(
            [c.contextual_text() for c in clauses], batch_size=self.batch_size
        )
        return clause_rows(clauses, self.classifier, emb, self.policy_scores), n_versions

    def iter_rows(
        self,
        paths: Iterable[str | Path],
        *,
        on_error: Callable[[str, str], None] | None = None,
        report: BatchReport | None = None,
    ) -> Iterator[dict[str, Any]]:
        """Yield rows of every clause of every file (no output file, no manifest).

        ``on_error`` is called with ``(path, reason)`` for every file skipped, unreadable or
        unsupported (without it an unreadable file raises). ``report``, when given, is filled as
        the rows go: policies, clauses and the files skipped.
        """
        report = BatchReport() if report is None else report
        t0 = time.perf_counter()
        paths = list(paths)
        files, others = find_inputs(paths)
        report.inputs = tuple(str(p) for p in paths)
        for path in others:
            _skip_unsupported(report, path, on_error)
        for path, pid in files:
            t1 = time.perf_counter()
            try:
                rows, n_versions = self.classify_file(path, pid)
            except (PolicylensError, OSError, ValueError) as exc:
                if on_error is None:
                    raise
                reason = _one_line(exc)
                report.failed.append((str(path), reason))
                on_error(str(path), reason)
                continue
            seconds = time.perf_counter() - t1
            report.summaries.append(_summarise(pid, str(path), n_versions, rows, seconds))
            report.clauses += len(rows)
            report.seconds = time.perf_counter() - t0
            yield from rows
        report.seconds = time.perf_counter() - t0

    def run(
        self,
        paths: Iterable[str | Path],
        output: str | Path,
        *,
        resume: bool = True,
        progress: bool = True,
        on_error: Callable[[str, str], None] | None = None,
    ) -> BatchReport:
        """Classify every policy under ``paths`` into ``output`` (.jsonl, .csv or .parquet).

        With ``resume`` (default) policies recorded in the manifest by an earlier run, and still
        held by the output, are skipped; without it the output and manifest are started afresh.
        ``on_error`` is called with ``(path, reason)`` for every file skipped (unreadable, or not
        a policy format); the run goes on.
        """
        from tqdm import tqdm

        out = Path(output)
        sink = _Sink(out)
        manifest = out.with_name(out.name + ".manifest.jsonl")
        report = BatchReport(output=out)
        done: dict[str, dict[str, Any]] = {}
        if resume and manifest.exists():
            done, report.redone = _resume(manifest, sink)
        else:
            for stale in (manifest, out):
                stale.unlink(missing_ok=True)
            shutil.rmtree(sink.parts, ignore_errors=True)
            sink = _Sink(out)
        paths = list(paths)
        files, others = find_inputs(paths)
        report.inputs = tuple(str(p) for p in paths)
        own = {out.resolve(), manifest.resolve()}
        for path in others:
            if path not in own and sink.parts.resolve() not in path.parents:
                _skip_unsupported(report, path, on_error)
        t0 = time.perf_counter()
        keys: list[str] = []
        pending: list[_Pending] = []

        def flush() -> None:
            # One encoder call for several policies: full batches, as fast as encoding alone.
            if not pending:
                return
            t1 = time.perf_counter()
            texts = [c.contextual_text() for p in pending for c in p.clauses]
            emb = (
                self.encoder.encode(texts, batch_size=self.batch_size)
                if texts
                else np.zeros((0, 0), dtype=np.float32)
            )
            share = (time.perf_counter() - t1) / max(len(texts), 1)
            start = 0
            for p in pending:
                n = len(p.clauses)
                part = emb[start : start + n]
                scores = self.policy_scores
                rows = clause_rows(p.clauses, self.classifier, part, scores) if n else []
                start += n
                offset = sink.write(p.key, rows) if rows else sink.size()
                summary = _summarise(p.pid, str(p.path), p.versions, rows, p.seconds + share * n)
                # After the rows are on disk: the manifest never points past what the output holds.
                with manifest.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps({"key": p.key, "offset": offset, **summary.to_dict()}))
                    fh.write("\n")
                    _sync(fh)
                report.summaries.append(summary)
                report.clauses += n
            pending.clear()

        bar = tqdm(files, desc="classify", unit="policy", disable=not progress, leave=False)
        for path, pid in bar:
            key = _file_key(path)
            keys.append(key)
            if key in done:
                report.skipped.append(str(path))
                continue
            t1 = time.perf_counter()
            try:
                clauses, n_versions = self.segment_file(path, pid)
            except (PolicylensError, OSError, ValueError, RuntimeError) as exc:
                reason = _one_line(exc)
                report.failed.append((str(path), reason))
                if on_error is not None:
                    on_error(str(path), reason)
                continue
            pending.append(_Pending(path, pid, key, clauses, n_versions, time.perf_counter() - t1))
            if sum(len(p.clauses) for p in pending) >= self.chunk_clauses:
                flush()
                bar.set_postfix(clauses=report.clauses)
        flush()
        bar.close()
        sink.finish(keys)
        report.seconds = time.perf_counter() - t0
        return report


def _sync(fh: IO[Any]) -> None:
    """Flush ``fh`` to the disk, so that a crash after this loses nothing written before."""
    fh.flush()
    os.fsync(fh.fileno())


def _skip_unsupported(
    report: BatchReport, path: Path, on_error: Callable[[str, str], None] | None
) -> None:
    reason = unsupported_reason(path)
    report.unsupported.append((str(path), reason))
    if on_error is not None:
        on_error(str(path), reason)


def _read_manifest(path: Path) -> tuple[list[dict[str, Any]], bool]:
    """The manifest's records up to its first torn or unreadable line, and whether it had one.

    Only the last line can be torn by a crash; after any bad line nothing is trusted.
    """
    raw = path.read_bytes()
    records: list[dict[str, Any]] = []
    for line in raw.splitlines(keepends=True):
        try:
            if not line.endswith(b"\n"):
                raise ValueError("torn line")
            rec = json.loads(line)
            str(rec["key"]), int(rec["offset"])
        except (ValueError, KeyError, TypeError):
            return records, True
        records.append(rec)
    return records, False


def _resume(manifest: Path, sink: _Sink) -> tuple[dict[str, dict[str, Any]], int]:
    """The finished policies an earlier run recorded and the output still holds, by file key,
    and how many recorded ones it had lost (they are classified again).

    Records are kept in order while the output holds their rows; the manifest is rewritten
    without the rest (and without a torn tail), then the output is cut back to the last kept
    record, so nothing is appended onto a torn line or after rows of an unrecorded policy.
    """
    records, torn = _read_manifest(manifest)
    size = sink.size()
    kept: list[dict[str, Any]] = []
    end = 0
    for rec in records:
        if int(rec["offset"]) < end or not sink.holds(rec, size):
            break
        kept.append(rec)
        end = int(rec["offset"])
    if torn or len(kept) < len(records):
        tmp = manifest.with_name(manifest.name + ".tmp")
        with tmp.open("w", encoding="utf-8") as fh:
            fh.writelines(json.dumps(rec) + "\n" for rec in kept)
            _sync(fh)
        os.replace(tmp, manifest)
    sink.truncate(end)
    return {rec["key"]: rec for rec in kept}, len(records) - len(kept)


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
