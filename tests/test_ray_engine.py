"""The Ray engine on a real local Ray instance: same rows, a killed actor, resume, a bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nlp.config import BatchSettings
from nlp.research.batch import BatchClassifier, format_summary
from tests.fakes import SlowEncoder

ray = pytest.importorskip("ray", reason="the [ray] extra is not installed")
from nlp.research.ray_engine import RayEngine  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# One policy per task and two queued per actor: an actor always has work in flight to lose.
SETTINGS = BatchSettings(policies_per_task=1, tasks_in_flight=2, max_task_retries=1)


@pytest.fixture(scope="module")
def cluster():
    """A local Ray instance of two CPUs for this module; its workers import this tree."""
    started = not ray.is_initialized()
    if started:
        ray.init(
            num_cpus=2,
            include_dashboard=False,
            logging_level="warning",
            runtime_env={"env_vars": {"PYTHONPATH": str(ROOT)}},
        )
    yield
    if started:
        ray.shutdown()


@pytest.fixture
def many(folder) -> Path:
    """The test folder with more policies, so that a run has tasks left when an actor dies."""
    for i in range(2):
        for name in ("acme.txt", "globex.md"):
            src = folder / name
            (folder / f"copy{i}-{name}").write_text(src.read_text().replace("Acme", f"Acme{i}"))
    return folder


def sorted_rows(path: Path) -> list[str]:
    return sorted(path.read_text(encoding="utf-8").splitlines())


@pytest.fixture
def reference(model, fake_encoder, many, tmp_path) -> Path:
    out = tmp_path / "single.jsonl"
    BatchClassifier(model, fake_encoder).run([many], out, progress=False)
    return out


class KillOnce(RayEngine):
    """Kills the busiest actor with ``ray.kill`` as soon as the first task comes back."""

    killed = False

    def wait(self, handles):
        out = super().wait(handles)
        if not self.killed:
            busiest = max(self.actors, key=lambda a: self.running[a])
            assert self.running[busiest] >= 1  # it has a task in flight to lose
            ray.kill(busiest)
            self.killed = True
        return out


class StopAfter(RayEngine):
    """Interrupts the run (as Ctrl-C would) once ``n`` tasks have come back."""

    def __init__(self, n: int, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.n = n

    def wait(self, handles):
        out = super().wait(handles)
        self.n -= len(out)
        if self.n < 0:
            raise KeyboardInterrupt
        return out


def test_ray_rows_equal_one_process_and_a_rerun_resumes_an_interrupted_run(
    cluster, model, many, reference, tmp_path
) -> None:
    out = tmp_path / "ray.jsonl"
    slow = SlowEncoder(delay=0.2)
    with pytest.raises(KeyboardInterrupt):
        BatchClassifier(model, slow, engine=StopAfter(3, 2, settings=SETTINGS),
                        settings=SETTINGS).run([many], out, progress=False)
    manifest = out.with_name(out.name + ".manifest.jsonl")
    finished = [json.loads(line)["path"] for line in manifest.read_text().splitlines()]
    assert 1 <= len(finished) < 7
    engine = RayEngine(2, settings=SETTINGS)
    errors: list[str] = []
    # Given as a file:// URL this time: the same files (same keys), read through fsspec.
    again = BatchClassifier(model, slow, engine=engine, settings=SETTINGS).run(
        [f"file://{many}"], out, progress=False, on_error=lambda p, r: errors.append(p)
    )
    assert again.engine == "ray" and again.workers == 2
    assert sorted(Path(p).name for p in again.skipped) == sorted(Path(p).name for p in finished)
    assert again.done == 7 - len(finished)
    assert [Path(p).name for p, _ in again.failed] == ["broken.pdf"]
    assert [Path(p).name for p in errors] == ["broken.pdf"]
    assert sorted_rows(out) == sorted_rows(reference)
    assert engine.actors == []  # stopped after the run


def test_a_killed_actor_loses_nothing_and_a_policy_that_kills_its_actor_is_reported(
    cluster, model, many, reference, tmp_path
) -> None:
    (many / "poison.txt").write_text("We collect DIE-HERE data from every visitor.\n")
    out = tmp_path / "ray.jsonl"
    engine = KillOnce(2, settings=SETTINGS)
    encoder = SlowEncoder(delay=0.3, die_on="DIE-HERE")
    report = BatchClassifier(model, encoder, engine=engine, settings=SETTINGS).run(
        [many], out, progress=False
    )
    assert engine.killed and report.worker_losses == engine.lost >= 2
    reasons = {Path(p).name: r for p, r in report.failed}
    assert sorted(reasons) == ["broken.pdf", "poison.txt"]
    assert "worker died 2 times" in reasons["poison.txt"]
    assert "task runs lost to a dying worker" in format_summary(report)
    assert report.done == 7
    assert sorted_rows(out) == sorted_rows(reference)
    manifest = out.with_name(out.name + ".manifest.jsonl")
    assert len(manifest.read_text().splitlines()) == 7  # each policy recorded once
