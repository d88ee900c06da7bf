"""End to end: a real ``policylens serve`` process on a free loopback port, with the real model.

Upload a policy file, ask about it, delete it, shut the server down cleanly.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

httpx = pytest.importorskip("httpx")

KEY = "e2e-key"
pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "POLICYLENS_API_KEY": KEY,
        "POLICYLENS_DB": str(tmp_path / "e2e.sqlite3"),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    log = (tmp_path / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "nlp.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=Path(__file__).resolve().parent.parent,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # a fresh machine encodes the seed policy first
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"server exited early: {(tmp_path / 'server.log').read_text()}")
            try:
                if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("server not ready after 600 s")
            time.sleep(0.5)
        yield base, proc, tmp_path / "server.log"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(30)
        log.close()


def test_serve_upload_ask_delete_shutdown(server, data_dir):
    base, proc, log = server
    with httpx.Client(base_url=base, timeout=120) as client:
        assert client.get("/healthz").json() == {"status": "ok"}

        seed = client.post("/v1/ask", json={"question": "Is my data sent to China?"}).json()
        assert seed["verdict"] == "yes"  # the bundled seed policy, as `policylens ask` answers

        content = (data_dir / "quillnote.md").read_bytes()
        r = client.post("/v1/policies", files={"file": ("quillnote.md", content)},
                        headers={"X-API-Key": KEY})
        assert r.status_code == 201, r.text
        policy = r.json()
        assert policy["id"] == "quillnote" and policy["clause_count"] > 10
        again = client.post("/v1/policies", files={"file": ("quillnote.md", content)},
                            headers={"X-API-Key": KEY})
        assert again.status_code == 200 and again.json()["id"] == "quillnote"

        r = client.post("/v1/ask", json={"question": "Do you collect my precise location?",
                                         "policy": "quillnote"})
        assert r.status_code == 200
        answer = r.json()
        assert answer["policy"] == "quillnote"
        assert answer["verdict"] == "no"
        assert "precise location" in answer["citations"][0]["text"]

        assert client.delete("/v1/policies/quillnote").status_code == 401  # no key
        assert client.delete("/v1/policies/quillnote",
                             headers={"X-API-Key": KEY}).status_code == 204
        gone = client.post("/v1/ask", json={"question": "Do you sell data?",
                                            "policy": "quillnote"})
        assert gone.status_code == 404 and gone.json()["error"]["code"] == "not_found"

    proc.send_signal(signal.SIGINT)  # what Ctrl-C or a process manager sends
    assert proc.wait(60) == 0
    assert "Traceback" not in log.read_text(errors="replace")
