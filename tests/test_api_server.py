"""The API behind a real uvicorn server on a loopback port (fake encoder, so it starts fast):
what only a socket shows — keep-alive after errors, clients that send the whole body first,
headers the server adds."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request

import pytest
import uvicorn
from test_api import AUTH, SEED, make_settings

from api.main import create_app, uvicorn_options
from conftest import FakeEncoder
from nlp.pipeline import PolicyLens

httpx = pytest.importorskip("httpx")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """An app served by uvicorn in a thread until ``stop``."""

    def __init__(self, settings, **app_kw) -> None:
        lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
        self.app = create_app(settings, lens=lens, seed=SEED, **app_kw)
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        options = uvicorn_options(settings)
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning",
                                **options)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.05)
        while httpx.get(f"{self.base}/readyz").status_code != 200:
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(30)


@pytest.fixture
def served(tmp_path):
    s = Served(make_settings(tmp_path))
    yield s
    s.stop()


def test_a_500_leaves_the_keep_alive_connection_usable(served):
    service = served.app.state.service

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    service.ask, real = boom, service.ask
    with httpx.Client(base_url=served.base) as client:
        for _ in range(3):
            r = client.post("/v1/ask", json={"question": "Do you sell data?"})
            assert r.status_code == 500 and r.json()["error"]["code"] == "internal_error"
            # The same connection answers the next, unrelated request.
            assert client.get("/v1/policies").status_code == 200
    service.ask = real


def test_the_server_does_not_name_itself(served):
    r = httpx.get(f"{served.base}/v1/policies")
    assert r.status_code == 200
    assert "server" not in r.headers


@pytest.mark.parametrize(
    ("path", "limit", "setting"),
    [("/v1/policies", "100,000", "MAX_UPLOAD_BYTES"), ("/v1/ask", "262,144", None)],
)
def test_clients_that_send_the_whole_body_first_get_the_json_413(served, path, limit, setting):
    # 3 MB: more than the sockets buffer, so a server that answers without reading the body
    # breaks the connection under a client still writing it.
    body = json.dumps({"name": "Big", "text": "We keep data. " * 210_000}).encode()
    request = urllib.request.Request(
        served.base + path, data=body, method="POST",
        headers={"Content-Type": "application/json", **AUTH},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=30)
    assert caught.value.code == 413
    message = json.loads(caught.value.read())["error"]["message"]
    assert f"at most {limit} bytes" in message  # the limit users know, not the transport's
    if setting:
        assert setting in message
    else:
        assert "MAX_" not in message  # /v1/ask has no upload setting to raise


def test_idle_connections_close_and_concurrency_is_bounded(tmp_path):
    served = Served(make_settings(tmp_path, timeout_keep_alive=1, limit_concurrency=3))
    try:
        idle = socket.create_connection(("127.0.0.1", served.port))
        idle.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        idle.settimeout(10)
        answer = b""
        while not answer.endswith(b'{"status":"ok"}'):
            answer += idle.recv(65536)
        assert answer.startswith(b"HTTP/1.1 200")
        started = time.monotonic()
        assert idle.recv(65536) == b""  # the server closed the idle connection...
        assert time.monotonic() - started < 5  # ...after about timeout_keep_alive seconds
        idle.close()
        # Connections holding unfinished bodies count against the limit; past it: 503.
        held = []
        for _ in range(5):
            s = socket.create_connection(("127.0.0.1", served.port))
            s.sendall(b"POST /v1/ask HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
            held.append(s)
        answers = []
        for s in held:
            s.settimeout(2)
            try:
                answers.append(s.recv(200))
            except TimeoutError:
                answers.append(b"")  # still held: its body never came
            s.close()
        assert any(a.startswith(b"HTTP/1.1 503") for a in answers), answers
    finally:
        served.stop()
