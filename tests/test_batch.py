"""Batch classification of folders: output formats, a corrupt file, resuming, stdin lines."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from nlp.classify.taxonomy import LABELS
from nlp.research.batch import (
    BatchClassifier,
    BatchReport,
    find_policy_files,
    format_summary,
    stdin_clauses,
)

HERE = Path(__file__).parent / "data" / "classify"
KEYS = {"clause_id", "policy", "version", "section", "kind", "start", "end", "text", "context",
        "labels", "language", "policy_score", "scores"}  # the clause record, and the batch's own


def _rows(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_policy_ids_keep_folders_apart(tmp_path) -> None:
    for d in ("1_a", "2_b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "crawled.html").write_text("<p>We collect data.</p>")
    (tmp_path / "notes.json").write_text("{}")
    ids = [pid for _, pid in find_policy_files([tmp_path])]
    assert len(ids) == 2 and len(set(ids)) == 2


def test_folder_with_a_corrupt_file_finishes_the_good_ones(model, fake_encoder, folder, tmp_path):
    errors: list[tuple[str, str]] = []
    out = tmp_path / "out.jsonl"
    report = BatchClassifier(model, fake_encoder).run(
        [folder], out, progress=False, on_error=lambda p, r: errors.append((p, r))
    )
    assert report.done == 3
    assert [Path(p).name for p, _ in report.failed] == ["broken.pdf"]
    assert errors and Path(errors[0][0]).name == "broken.pdf" and "\n" not in errors[0][1]
    rows = _rows(out)
    assert rows and all(set(r) == KEYS for r in rows)
    assert {r["policy"] for r in rows} == {"acme", "globex", "initech"}
    by_text = {r["text"]: r for r in rows}
    retention = next(t for t in by_text if t.startswith("We keep your data"))
    assert "retention" in by_text[retention]["labels"]
    assert set(by_text[retention]["scores"]) == set(LABELS)
    acme = next(s for s in report.summaries if s.policy == "acme")
    assert acme.label_counts.get("sharing", 0) >= 1
    assert "rights" in acme.missing and "sharing" not in acme.missing
    text = format_summary(report)
    assert "failed:" in text and "broken.pdf" in text and "policies never addressing" in text


def test_resume_skips_finished_policies_and_never_duplicates(model, fake_encoder, folder, tmp_path):
    out = tmp_path / "out.jsonl"
    batch = BatchClassifier(model, fake_encoder)
    first = batch.run([folder], out, progress=False)
    full = out.read_text(encoding="utf-8")
    calls = fake_encoder.calls
    again = batch.run([folder], out, progress=False)
    assert again.done == 0 and len(again.skipped) == 3
    assert fake_encoder.calls == calls  # nothing re-encoded
    assert out.read_text(encoding="utf-8") == full

    # An interruption after the second policy: its manifest line lost, a half row written.
    manifest = out.with_name(out.name + ".manifest.jsonl")
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:1]) + "\n")
    with out.open("a", encoding="utf-8") as fh:
        fh.write('{"policy": "half a ro')
    resumed = batch.run([folder], out, progress=False)
    assert resumed.done == 2 and len(resumed.skipped) == 1
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == sorted(full.splitlines())
    assert first.clauses == len(full.splitlines())


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_csv_and_parquet_outputs(model, fake_encoder, folder, tmp_path, suffix) -> None:
    out = tmp_path / f"out{suffix}"
    report = BatchClassifier(model, fake_encoder).run([folder], out, progress=False)
    df = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    record = ["clause_id", "policy", "version", "section", "kind", "start", "end", "text",
              "context", "labels", "language"]
    assert list(df.columns) == record + ["policy_score"] + [f"score_{lab}" for lab in sorted(LABELS)]
    assert len(df) == report.clauses
    assert set(df["language"]) == {"en"} and df["policy_score"].notna().all()
    # Typed columns, no JSON in a string: one float per label, integer offsets.
    assert all(df[f"score_{label}"].dtype == "float64" for label in LABELS)
    assert df["start"].dtype == "int64" and df["end"].dtype == "int64"
    if suffix == ".parquet":
        assert all(isinstance(v, str) for v in df["labels"].iloc[0])  # a list of strings


def test_unknown_output_format_is_refused(model, fake_encoder, folder, tmp_path) -> None:
    from nlp.errors import InputError

    with pytest.raises(InputError, match=r"\.jsonl, \.csv or \.parquet"):
        BatchClassifier(model, fake_encoder).run([folder], tmp_path / "out.xlsx", progress=False)


def test_stdin_lines_are_clauses() -> None:
    clauses = stdin_clauses(["We sell data.\n", "\n", "  Cookies track you. "])
    assert [c.text for c in clauses] == ["We sell data.", "Cookies track you."]
    assert [c.id for c in clauses] == ["stdin:1", "stdin:3"]


def test_cli_classify_stdin_and_folder(model, fake_encoder, folder, tmp_path, monkeypatch):
    import nlp.classify
    import nlp.embed
    from nlp.cli import cli

    monkeypatch.setattr(nlp.classify, "load_classifier", lambda settings, scheme=None: model)
    monkeypatch.setattr(nlp.embed, "Encoder", lambda settings=None: fake_encoder)
    runner = CliRunner()
    res = runner.invoke(
        cli,
        ["classify", "--stdin-lines", "--json"],
        input="We keep your data for five years after you close your account.\n",
    )
    assert res.exit_code == 0, res.output
    row = json.loads(res.output.splitlines()[0])
    assert set(row) == KEYS and "retention" in row["labels"]

    out = tmp_path / "o.jsonl"
    res = runner.invoke(cli, ["classify", str(folder), "-o", str(out), "-q"])
    assert res.exit_code == 3, res.output  # broken.pdf was skipped
    assert "3 policies classified" in res.output and "broken.pdf" in res.output
    assert {r["policy"] for r in _rows(out)} == {"acme", "globex", "initech"}


def test_files_given_one_by_one_with_the_same_name_keep_apart(tmp_path) -> None:
    files = []
    for d in ("1_alpha", "2_beta"):
        (tmp_path / d).mkdir()
        f = tmp_path / d / "crawled.html"
        f.write_text("<p>We collect data.</p>")
        files.append(f)
    ids = sorted(pid for _, pid in find_policy_files(files))
    assert ids == ["1-alpha-crawled", "2-beta-crawled"]


# -- resuming after faults (issue 9, item 5) --------------------------------------------------


def _manifest(out: Path) -> Path:
    return out.with_name(out.name + ".manifest.jsonl")


def test_a_torn_manifest_tail_is_repaired_before_appending(model, fake_encoder, folder, tmp_path):
    out = tmp_path / "out.jsonl"
    batch = BatchClassifier(model, fake_encoder)
    batch.run([folder], out, progress=False)
    full = sorted(out.read_text(encoding="utf-8").splitlines())
    manifest = _manifest(out)
    raw = manifest.read_bytes()
    manifest.write_bytes(raw[: len(raw) - 40])  # a crash in the middle of the last record
    again = batch.run([folder], out, progress=False)
    assert again.done == 1 and len(again.skipped) == 2
    records = [json.loads(line) for line in manifest.read_text().splitlines()]
    assert len(records) == 3
    third = batch.run([folder], out, progress=False)
    assert third.done == 0 and len(third.skipped) == 3
    assert sorted(out.read_text(encoding="utf-8").splitlines()) == full


@pytest.mark.parametrize(
    ("suffix", "fault"),
    [(".jsonl", "deleted"), (".jsonl", "shortened"), (".csv", "deleted"), (".parquet", "deleted")],
)
def test_lost_output_is_classified_again(model, fake_encoder, folder, tmp_path, suffix, fault):
    out = tmp_path / f"out{suffix}"
    batch = BatchClassifier(model, fake_encoder)
    first = batch.run([folder], out, progress=False)

    def rows() -> list[str]:
        if suffix == ".parquet":
            df = pd.read_parquet(out)
            return sorted(json.dumps(r, sort_keys=True, default=list) for r in df.to_dict("records"))
        return sorted(out.read_text(encoding="utf-8").splitlines())

    full = rows()
    if suffix == ".parquet":
        shutil.rmtree(out.with_name(out.name + ".parts"))  # the per-policy parts are the output
    elif fault == "deleted":
        out.unlink()
    else:
        with out.open("r+b") as fh:
            fh.truncate(out.stat().st_size // 2)
    again = batch.run([folder], out, progress=False)
    assert again.redone >= 1 and again.done == again.redone
    assert again.done + len(again.skipped) == first.done
    assert rows() == full
    assert "classified again" in format_summary(again)


def test_every_policy_boundary_is_flushed_to_disk(model, fake_encoder, folder, tmp_path, monkeypatch):
    import os

    synced: list[int] = []
    real = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(fd), real(fd))[1])
    report = BatchClassifier(model, fake_encoder).run([folder], tmp_path / "o.jsonl", progress=False)
    assert report.done == 3 and len(synced) >= 2 * report.done  # the rows, then the record


# -- what a run says about the files it skipped (issue 9, item 6) ------------------------------


def test_unsupported_files_in_a_folder_are_listed_as_skipped(model, fake_encoder, folder, tmp_path):
    (folder / "notes.docx").write_bytes(b"PK\x03\x04")
    (folder / ".DS_Store").write_bytes(b"\0")
    (folder / ".git").mkdir()
    (folder / ".git" / "config").write_text("[core]")
    out = folder / "out.jsonl"  # the output and its manifest inside the folder are not inputs
    batch = BatchClassifier(model, fake_encoder)
    batch.run([folder], out, progress=False)
    seen: list[str] = []
    report = batch.run([folder], out, progress=False, on_error=lambda p, r: seen.append(p))
    assert [Path(p).name for p, _ in report.unsupported] == ["notes.docx"]
    assert [Path(p).name for p, _ in report.files_skipped] == ["broken.pdf", "notes.docx"]
    assert sorted(Path(p).name for p in seen) == ["broken.pdf", "notes.docx"]
    text = format_summary(report)
    assert "1 unreadable, 1 unsupported" in text
    assert "notes.docx: unsupported file type .docx" in text
    out.unlink()
    _manifest(out).unlink()
    streamed = BatchReport()
    list(batch.iter_rows([folder], on_error=lambda p, r: None, report=streamed))
    assert streamed.done == 3 and len(streamed.files_skipped) == 2


def _cli(model, fake_encoder, monkeypatch) -> CliRunner:
    import nlp.classify
    import nlp.embed

    monkeypatch.setattr(nlp.classify, "load_classifier", lambda settings, scheme=None: model)
    monkeypatch.setattr(nlp.embed, "Encoder", lambda settings=None: fake_encoder)
    return CliRunner()


def test_cli_exit_status_says_whether_files_were_skipped(model, fake_encoder, folder, tmp_path,
                                                        monkeypatch):
    from nlp.cli import EXIT_SKIPPED, cli

    runner = _cli(model, fake_encoder, monkeypatch)
    res = runner.invoke(cli, ["classify", str(folder), "-q"])  # rows on stdout
    assert res.exit_code == EXIT_SKIPPED == 3
    assert "skipped" in res.stderr and "broken.pdf" in res.stderr
    assert "3 policies classified" in res.stderr and "policies classified" not in res.stdout
    (folder / "broken.pdf").unlink()
    res = runner.invoke(cli, ["classify", str(folder), "-o", str(tmp_path / "o.jsonl"), "-q"])
    assert res.exit_code == 0 and "3 policies classified" in res.output
    empty = tmp_path / "empty"
    empty.mkdir()
    for args in ([], ["-o", str(tmp_path / "e.jsonl")]):
        res = runner.invoke(cli, ["classify", str(empty), *args])
        assert res.exit_code == 0
        assert f"no policy files found in {empty}" in res.output
        assert "0 policies classified" in res.output
    (empty / "policy.docx").write_bytes(b"PK")
    res = runner.invoke(cli, ["classify", str(empty), "-o", str(tmp_path / "d.jsonl"), "--json"])
    assert res.exit_code == 3
    final = json.loads(res.stdout.splitlines()[-1])
    assert final["policies"] == 0 and final["unsupported"][0]["path"].endswith("policy.docx")


GERMAN = """Datenschutzerklärung der Beispiel GmbH

Wir erheben Ihre E-Mail-Adresse und Ihre Telefonnummer, wenn Sie ein Konto anlegen.

Wir geben Ihre E-Mail-Adresse an Werbepartner weiter. Wir verkaufen Ihre personenbezogenen
Daten niemals an Datenhändler.
"""


@pytest.mark.parametrize("to_file", [False, True])
def test_cli_classify_warns_once_per_policy_in_an_untrained_language(
    model, fake_encoder, folder, tmp_path, monkeypatch, to_file
):
    from nlp.cli import cli

    (folder / "broken.pdf").unlink()
    (folder / "beispiel.txt").write_text(GERMAN, encoding="utf-8")
    runner = _cli(model, fake_encoder, monkeypatch)
    args = ["-o", str(tmp_path / "o.jsonl")] if to_file else []
    res = runner.invoke(cli, ["classify", str(folder), "-q", *args])
    assert res.exit_code == 0, res.output  # a warning, not a stop
    warned = [line for line in res.stderr.splitlines() if "warning" in line]
    assert len(warned) == 1, res.stderr
    assert warned[0].startswith("policylens: warning: beispiel: ") and "German" in warned[0]
    assert "4 policies classified" in res.output
