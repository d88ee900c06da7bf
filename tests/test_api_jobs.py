"""Large uploads as jobs, against a real ``policylens serve`` process, through restarts.

An upload over ``job_upload_bytes`` answers 202 with a job and its Location; the job is kept in the
store, so a server killed while it runs picks it up again at its next start, and a job that cannot
be run again (its upload lost, or its attempts used up) is reported failed: never lost silently.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from conftest import DATA
from nlp.service.store import SQLiteStore

httpx = pytest.importorskip("httpx")
pytestmark = pytest.mark.slow

KEY = "jobs-key"
AUTH = {"X-API-Key": KEY}
ROOT = Path(__file__).resolve().parent.parent


def big_policy(sections: int = 40) -> str:
    """A long policy of distinct clauses (well over the test's job threshold)."""
    parts = ["Bigco Privacy Policy", "", "Last updated: March 3, 2024", ""]
    for i in range(sections):
        parts += [f"## Section {i}", "",
                  f"We share your device identifiers with analytics partner number {i} to measure "
                  f"feature {i}.", "",
                  f"We keep the logs of service {i} for {i + 10} days and then delete them.", ""]
    return "\n".join(parts)


def _free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(tmp_path: Path, db: Path, name: str) -> Iterator[tuple[str, subprocess.Popen]]:
    port = _free_port()
    env = {
        **os.environ,
        "POLICYLENS_API_KEY": KEY,
        "POLICYLENS_DB": str(db),
        "POLICYLENS_CORPUS": str(DATA / "quillnote.md"),
        "POLICYLENS_API__JOB_UPLOAD_BYTES": "2000",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log_path = tmp_path / f"{name}.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "nlp.cli", "serve", "--host", "127.0.0.1", "--port",
             str(port), "--log-level", "warning"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 600
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"server exited early: {log_path.read_text()}")
                try:
                    if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    pytest.fail("server not ready after 600 s")
                time.sleep(0.3)
            yield base, proc
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(30)
    assert "Traceback" not in log_path.read_text(errors="replace")


def wait_for(client: httpx.Client, job_id: str, timeout: float = 300) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}").json()
        assert 0.0 <= job["progress"] <= 1.0
        if job["state"] in ("succeeded", "failed"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.2)


def test_large_uploads_are_jobs_that_survive_restarts(tmp_path):
    db = tmp_path / "jobs.sqlite3"
    text = big_policy()
    assert len(text.encode()) > 2000
    with serve(tmp_path, db, "first") as (base, _), httpx.Client(base_url=base,
                                                                  timeout=120) as client:
        r = client.post("/v1/policies", json={"name": "Bigco", "text": text}, headers=AUTH)
        assert r.status_code == 202, r.text
        job = r.json()
        assert r.headers["location"] == f"/v1/jobs/{job['id']}"
        assert job["state"] in ("queued", "running") and job["result"] is None
        # Questions are answered while the job runs.
        ask = client.post("/v1/ask", json={"question": "Do you sell my data?"})
        assert ask.status_code == 200 and ask.json()["policy"] == "quillnote"
        done = wait_for(client, job["id"])
        assert done["state"] == "succeeded", done
        assert done["result"] == {"policy_id": "bigco", "created": True}
        assert done["progress"] == 1.0
        policy = client.get("/v1/policies/bigco").json()
        assert policy["clause_count"] >= 80
        kept = client.get("/v1/policies/bigco/practices", params={"practice": "retain"}).json()
        assert kept["total"] >= 40

        # The same text again is known at once: 200 with the policy, no job.
        again = client.post("/v1/policies", json={"name": "Bigco", "text": text}, headers=AUTH)
        assert again.status_code == 200 and again.json()["id"] == "bigco"
        # Small uploads stay synchronous; refusals come at once, not as failed jobs.
        small = client.post("/v1/policies", json={"name": "Tiny", "text":
                            "Tiny Privacy Policy\n\nWe never sell your data.\n"}, headers=AUTH)
        assert small.status_code == 201
        assert client.post("/v1/policies", json={"name": " ", "text": text},
                           headers=AUTH).status_code == 422
        assert client.get("/v1/jobs/nope").status_code == 404

        # A job killed mid-run: the server dies right after accepting it.
        other = big_policy(60).replace("Bigco", "Othco")
        r = client.post("/v1/policies", json={"name": "Othco", "text": other}, headers=AUTH)
        assert r.status_code == 202
        killed = r.json()["id"]
    # (the context manager killed the server with SIGKILL: no clean shutdown)

    # Jobs a dead server left behind: one whose bytes were lost, one that used its attempts.
    store = SQLiteStore(db)
    store.migrate()
    assert store.get_job(killed).state in ("queued", "running")  # unfinished when it died
    for job_id in ("lost", "exhausted"):
        store.add_job(job_id, "upload", {"fmt": "txt", "name": "X", "source_url": None,
                                         "policy_id": None, "text": True}, b"x" * 3000)
    store.update_job("exhausted", state="running")
    store.update_job("exhausted", state="queued")
    store.update_job("exhausted", state="running")  # two starts, each ended by a crash
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("UPDATE jobs SET payload = NULL WHERE id = 'lost'")
    conn.commit()
    conn.close()

    with serve(tmp_path, db, "second") as (base, proc), httpx.Client(base_url=base,
                                                                     timeout=120) as client:
        resumed = wait_for(client, killed)
        assert resumed["state"] == "succeeded", resumed
        assert resumed["result"]["policy_id"] == "othco"
        assert client.get("/v1/policies/othco").status_code == 200
        for job_id in ("lost", "exhausted"):
            failed = client.get(f"/v1/jobs/{job_id}").json()
            assert failed["state"] == "failed"
            assert failed["error"]["code"] == "job_interrupted"
            assert failed["error"]["message"]
        first = client.get(f"/v1/jobs/{job['id']}").json()
        assert first["state"] == "succeeded"  # finished jobs are kept
        proc.send_signal(signal.SIGINT)
        assert proc.wait(60) == 0
