"""Batch engines without Ray: a local process pool, fsspec inputs, a folder of Parquet parts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from nlp.config import BatchSettings
from nlp.research.batch import BatchClassifier
from nlp.research.engines import InlineEngine, ProcessEngine, make_engine, make_tasks
from nlp.research.inputs import list_inputs
from nlp.research.output import flat_row
from tests.fakes import SlowEncoder
from tests.test_batch import _cli

QUICK = BatchSettings(policies_per_task=1, max_task_retries=1)


def sorted_rows(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


def table_rows(df: pd.DataFrame) -> list[str]:
    return sorted(json.dumps(r, sort_keys=True, default=list) for r in df.to_dict("records"))


@pytest.fixture
def reference(model, fake_encoder, folder, tmp_path) -> Path:
    out = tmp_path / "single.jsonl"
    BatchClassifier(model, fake_encoder).run([folder], out, progress=False)
    return out


def test_engines_are_chosen_by_name() -> None:
    assert isinstance(make_engine("local"), InlineEngine)
    assert isinstance(make_engine("local", workers=3), ProcessEngine)
    with pytest.raises(ValueError, match="unknown engine"):
        make_engine("spark")


def test_tasks_cover_every_input_once(folder) -> None:
    inputs, _ = list_inputs([folder])
    tasks = make_tasks(inputs, 3)
    assert [i for t in tasks for i in t.inputs] == inputs
    assert [len(t.inputs) for t in tasks] == [3, 1] and len({t.id for t in tasks}) == 2


def test_local_pool_writes_the_rows_of_one_process(model, folder, reference, tmp_path) -> None:
    out = tmp_path / "pool.jsonl"
    batch = BatchClassifier(model, SlowEncoder(), engine="local", workers=2, settings=QUICK)
    report = batch.run([folder], out, progress=False)
    assert report.done == 3 and [Path(p).name for p, _ in report.failed] == ["broken.pdf"]
    assert sorted_rows(out) == sorted_rows(reference)
    again = batch.run([folder], out, progress=False)
    assert again.done == 0 and len(again.skipped) == 3


def test_a_policy_that_kills_its_worker_is_reported_and_nothing_else_lost(
    model, folder, reference, tmp_path
) -> None:
    (folder / "poison.txt").write_text("We collect DIE-HERE data from every visitor.\n")
    out = tmp_path / "pool.jsonl"
    engine = ProcessEngine(2, QUICK)
    batch = BatchClassifier(model, SlowEncoder(die_on="DIE-HERE"), engine=engine, settings=QUICK)
    report = batch.run([folder], out, progress=False)
    assert report.done == 3 and engine.lost >= 2  # the poison's two runs, maybe a neighbour's
    reasons = dict(report.failed)
    assert sorted(Path(p).name for p in reasons) == ["broken.pdf", "poison.txt"]
    assert "worker died 2 times" in reasons[str((folder / "poison.txt").resolve())]
    assert sorted_rows(out) == sorted_rows(reference)


def test_fsspec_urls_are_inputs(model, fake_encoder, folder, reference, tmp_path) -> None:
    import fsspec

    mem = fsspec.filesystem("memory")
    for f in folder.iterdir():
        mem.pipe(f"/policies-{tmp_path.name}/{f.name}", f.read_bytes())
    mem.pipe(f"/policies-{tmp_path.name}/notes.docx", b"PK\x03\x04")
    out = tmp_path / "mem.jsonl"
    report = BatchClassifier(model, fake_encoder).run(
        [f"memory://policies-{tmp_path.name}"], out, progress=False
    )
    assert report.done == 3 and report.failed[0][0].endswith("broken.pdf")
    assert "cannot read 'broken.pdf'" in report.failed[0][1]  # named as a local file is
    assert [p for p, _ in report.unsupported] == [f"memory:///policies-{tmp_path.name}/notes.docx"]
    assert sorted_rows(out) == sorted_rows(reference)
    again = BatchClassifier(model, fake_encoder).run(
        [f"memory://policies-{tmp_path.name}"], out, progress=False
    )
    assert again.done == 0 and len(again.skipped) == 3


def test_a_missing_url_is_bad_input(model, fake_encoder, tmp_path) -> None:
    from nlp.errors import InputError

    with pytest.raises(InputError, match="does not exist"):
        BatchClassifier(model, fake_encoder).run(
            ["memory://no/such/folder"], tmp_path / "o.jsonl", progress=False
        )


def test_a_folder_output_holds_one_parquet_part_per_task(model, fake_encoder, folder, reference,
                                                         tmp_path) -> None:
    out = tmp_path / "parts"
    settings = BatchSettings(policies_per_task=2)
    batch = BatchClassifier(model, fake_encoder, settings=settings)
    report = batch.run([folder], f"{out}/", progress=False)
    parts = sorted(p.name for p in out.glob("part-*.parquet"))
    assert report.done == 3 and len(parts) == 2  # (broken, acme), (globex, initech): 2 with rows
    assert (out / "_manifest.jsonl").exists()
    want = table_rows(pd.DataFrame([flat_row(json.loads(r)) for r in sorted_rows(reference)]))
    got = pd.read_parquet(out)
    got["labels"] = got["labels"].map(list)
    assert table_rows(got) == want

    # A torn manifest loses the record of one policy of a two-policy part: the part goes, and
    # both of its policies are classified again, never written twice.
    manifest = out / "_manifest.jsonl"
    raw = manifest.read_bytes()
    manifest.write_bytes(raw[: len(raw) - 30])
    again = batch.run([folder], out, progress=False)
    assert again.redone >= 1 and again.done == 2
    regot = pd.read_parquet(out)
    assert len(regot) == len(got)

    # A folder that is not a parts folder is never written into without the trailing /.
    from nlp.errors import InputError

    (tmp_path / "plain").mkdir()
    with pytest.raises(InputError, match="is a folder.*end the name with /"):
        batch.run([folder], tmp_path / "plain", progress=False)


def test_cli_engine_options(model, fake_encoder, folder, reference, tmp_path, monkeypatch) -> None:
    from nlp.cli import cli

    runner = _cli(model, fake_encoder, monkeypatch)
    out = tmp_path / "o.jsonl"
    res = runner.invoke(
        cli, ["classify", str(folder), "-o", str(out), "-q", "--engine", "local", "--workers", "2"]
    )
    assert res.exit_code == 3, res.output  # broken.pdf skipped, as in one process
    assert "3 policies classified" in res.output and "broken.pdf" in res.output
    assert "engine: local, 2 workers" in res.output
    assert sorted_rows(out) == sorted_rows(reference)
    res = runner.invoke(cli, ["classify", str(folder), "--workers", "0"])
    assert res.exit_code == 2


def test_cli_ray_engine_without_ray_says_how_to_install(model, fake_encoder, folder, monkeypatch):
    from nlp.cli import cli

    runner = _cli(model, fake_encoder, monkeypatch)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    res = runner.invoke(cli, ["classify", str(folder), "-o", "x.jsonl", "--engine", "ray"])
    assert res.exit_code == 2
    assert 'pip install "policylens[ray]"' in res.output

