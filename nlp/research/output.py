"""The output of a batch run and its manifest: what is on disk, what a re-run may skip.

Rows go to one JSONL or CSV file (appended policy by policy), to one Parquet file (per-policy
parts merged at the end), or to a folder of Parquet parts, one per task, which is how a cluster
run writes (``pd.read_parquet(folder)`` reads them as one table; the manifest inside is
``_manifest.jsonl``, a name Parquet readers skip).

The manifest has one JSON line per finished policy: its file key, where its rows end (``offset``,
the output's size after them) or which part holds them, and its summary. The output is flushed to
the disk (``fsync``) before the manifest line that points at it, so the manifest never claims
rows the output lacks. On resume the manifest is checked against the output: a torn last line is
cut off, records whose rows the output no longer holds are dropped (those policies run again),
and whatever an interrupted run wrote after the last record kept (the tail of a file, a part
without its records) is removed, so no row is ever written twice.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from nlp.errors import InputError
from nlp.extras import require

__all__ = ["OUTPUT_FORMATS", "FileSink", "PartsSink", "Sink", "flat_row", "open_sink"]

OUTPUT_FORMATS = {".jsonl": "jsonl", ".json": "jsonl", ".csv": "csv", ".parquet": "parquet"}
MANIFEST = "_manifest.jsonl"


def _sync(fh: IO[Any]) -> None:
    """Flush ``fh`` to the disk, so that a crash after this loses nothing written before."""
    fh.flush()
    os.fsync(fh.fileno())


def flat_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row with its scores as one ``score_<label>`` float each: the CSV and Parquet columns
    (typed columns, never JSON in a string)."""
    flat = {k: v for k, v in row.items() if k != "scores"}
    flat.update({f"score_{label}": float(v) for label, v in sorted(row["scores"].items())})
    return flat


def _flat_fields(fields: Sequence[str]) -> list[str]:
    return [f for f in fields if f != "scores"]


def _write_parquet(rows: list[dict[str, Any]], fields: Sequence[str], dest: Path) -> None:
    """Rows as a Parquet file, written whole or not at all (a temporary file, then a rename)."""
    import pandas as pd

    flat = [flat_row(r) for r in rows]
    df = pd.DataFrame(flat) if flat else pd.DataFrame(columns=_flat_fields(fields))
    tmp = dest.with_name(dest.name + ".tmp")
    df.to_parquet(tmp, index=False)
    with tmp.open("rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dest)


class Sink:
    """Where rows and manifest records go. Subclasses say how rows are stored and checked."""

    manifest: Path

    def reset(self) -> None:
        """Start afresh: no output, no manifest."""
        raise NotImplementedError

    def write(self, task_id: str, items: list[tuple[str, list[dict[str, Any]]]]) -> list[dict]:
        """Store the rows of each ``(key, rows)`` of a task; the manifest fields of each."""
        raise NotImplementedError

    def owns(self, path: Path) -> bool:
        """Whether ``path`` (found in an input folder) is this output or part of it."""
        raise NotImplementedError

    def finish(self, keys: Sequence[str]) -> None:
        """After the last task: the policies ``keys``, in input order, are the whole output."""

    def _keep(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        raise NotImplementedError

    def _cut(self, kept: list[dict[str, Any]]) -> None:
        raise NotImplementedError

    def record(self, rec: dict[str, Any]) -> None:
        """Append one finished policy's record to the manifest, flushed to the disk."""
        self.manifest.parent.mkdir(parents=True, exist_ok=True)
        with self.manifest.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(rec) + "\n")
            _sync(fh)

    def resume(self) -> tuple[dict[str, dict[str, Any]], int]:
        """The finished policies an earlier run recorded and the output still holds, by file key,
        and how many recorded ones it had lost (they are classified again)."""
        if not self.manifest.exists():
            return {}, 0
        records, torn = _read_manifest(self.manifest)
        kept = self._keep(records)
        if torn or len(kept) < len(records):
            tmp = self.manifest.with_name(self.manifest.name + ".tmp")
            with tmp.open("w", encoding="utf-8") as fh:
                fh.writelines(json.dumps(rec) + "\n" for rec in kept)
                _sync(fh)
            os.replace(tmp, self.manifest)
        self._cut(kept)
        return {rec["key"]: rec for rec in kept}, len(records) - len(kept)


class FileSink(Sink):
    """One output file: JSONL or CSV appended policy by policy, or Parquet merged at the end."""

    def __init__(self, path: Path, fmt: str, fields: Sequence[str]) -> None:
        self.path = path
        self.fmt = fmt
        self.fields = tuple(fields)
        self.manifest = path.with_name(path.name + ".manifest.jsonl")
        self.parts = path.with_name(path.name + ".parts")
        self._prepare()

    def _prepare(self) -> None:
        if self.fmt == "parquet":
            # Said before any policy is processed, not after the first one.
            require("research", "pandas", "pyarrow", purpose="Parquet output")
            self.parts.mkdir(parents=True, exist_ok=True)
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)

    def reset(self) -> None:
        for stale in (self.manifest, self.path):
            stale.unlink(missing_ok=True)
        shutil.rmtree(self.parts, ignore_errors=True)
        self._prepare()

    def owns(self, path: Path) -> bool:
        own = {self.path.resolve(), self.manifest.resolve()}
        return path in own or self.parts.resolve() in path.parents

    def size(self) -> int:
        return self.path.stat().st_size if self.path.exists() and self.fmt != "parquet" else 0

    def _holds(self, record: dict[str, Any], size: int) -> bool:
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

    def _keep(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # In order while the output holds their rows: after a lost policy nothing is trusted.
        size = self.size()
        kept: list[dict[str, Any]] = []
        end = 0
        for rec in records:
            if int(rec["offset"]) < end or not self._holds(rec, size):
                break
            kept.append(rec)
            end = int(rec["offset"])
        return kept

    def _cut(self, kept: list[dict[str, Any]]) -> None:
        """Drop whatever an interrupted run wrote after the last finished policy."""
        end = int(kept[-1]["offset"]) if kept else 0
        if self.fmt != "parquet" and self.path.exists() and self.path.stat().st_size > end:
            with self.path.open("r+b") as fh:
                fh.truncate(end)
                _sync(fh)

    def write(self, task_id: str, items: list[tuple[str, list[dict[str, Any]]]]) -> list[dict]:
        return [
            {"offset": self._write_one(key, rows) if rows else self.size()} for key, rows in items
        ]

    def _write_one(self, key: str, rows: list[dict[str, Any]]) -> int:
        if self.fmt == "jsonl":
            with self.path.open("a", encoding="utf-8") as fh:
                for r in rows:
                    fh.write(json.dumps(r, ensure_ascii=False) + "\n")
                _sync(fh)
        elif self.fmt == "csv":
            new = not self.path.exists() or self.path.stat().st_size == 0
            flat = [{**flat_row(r), "labels": ";".join(r["labels"])} for r in rows]
            if new:
                fields = list(flat[0])
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
            _write_parquet(rows, self.fields, self.parts / f"{key}.parquet")
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
            else pd.DataFrame(columns=_flat_fields(self.fields))
        )
        df.to_parquet(self.path, index=False)


class PartsSink(Sink):
    """A folder of Parquet parts, one per task (``part-<task>.parquet``), and its manifest.

    A part is written whole (a temporary file, then a rename) before the records of its
    policies; on resume a part is kept only with the records of all its policies.
    """

    def __init__(self, folder: Path, fields: Sequence[str]) -> None:
        self.folder = folder
        self.fields = tuple(fields)
        self.manifest = folder / MANIFEST
        require("research", "pandas", "pyarrow", purpose="Parquet output")
        folder.mkdir(parents=True, exist_ok=True)

    def reset(self) -> None:
        self.manifest.unlink(missing_ok=True)
        self._cut([])

    def owns(self, path: Path) -> bool:
        return self.folder.resolve() in path.parents

    def write(self, task_id: str, items: list[tuple[str, list[dict[str, Any]]]]) -> list[dict]:
        filled = [rows for _, rows in items if rows]
        if not filled:
            return [{"offset": 0, "part": None} for _ in items]
        part = f"part-{task_id}.parquet"
        _write_parquet([r for rows in filled for r in rows], self.fields, self.folder / part)
        return [
            {"offset": 0, "part": part if rows else None, "part_policies": len(filled)}
            for _, rows in items
        ]

    def _keep(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        per_part: dict[str, int] = {}
        for rec in records:
            if rec.get("part"):
                per_part[rec["part"]] = per_part.get(rec["part"], 0) + 1
        whole = {
            part
            for part, n in per_part.items()
            if (self.folder / part).exists()
            and all(int(r.get("part_policies", 0)) == n for r in records if r.get("part") == part)
        }
        return [rec for rec in records if not rec.get("part") or rec["part"] in whole]

    def _cut(self, kept: list[dict[str, Any]]) -> None:
        """Remove the parts no record kept points at: an interrupted task's, or a stale run's."""
        parts = {rec["part"] for rec in kept if rec.get("part")}
        for f in self.folder.glob("part-*.parquet*"):
            if f.name not in parts:
                f.unlink()


def open_sink(output: str | Path, fields: Sequence[str]) -> Sink:
    """The sink of ``output``: a folder of Parquet parts when its name ends in ``/`` (or it holds
    the manifest of one), else a file whose suffix says its format (``.jsonl``, ``.csv``,
    ``.parquet``). Any other existing folder is refused: the parts sink removes stray parts."""
    path = Path(output)
    if str(output).endswith(("/", os.sep)) or (path / MANIFEST).is_file():
        return PartsSink(path, fields)
    if path.is_dir():
        raise InputError(
            f"{output} is a folder; give the name of a file to write, or end the name with / to "
            "write Parquet parts into it"
        )
    try:
        fmt = OUTPUT_FORMATS[path.suffix.lower()]
    except KeyError as exc:
        raise InputError(
            f"cannot write {path.name}: use an output ending in .jsonl, .csv or .parquet, or a "
            "folder (a name ending in /) for Parquet parts"
        ) from exc
    return FileSink(path, fmt, fields)


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
