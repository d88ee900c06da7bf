"""``GET /metrics``: Prometheus request counts and latencies per route template."""

from __future__ import annotations

import pytest
from test_api import make_client, make_settings, upload

prometheus_client = pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families  # noqa: E402


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_metrics_count_and_time_requests_per_route(tmp_path):
    with make_client(make_settings(tmp_path)) as c:
        upload(c)
        for _ in range(2):
            assert c.post("/v1/ask", json={"question": "Do you sell data?"}).status_code == 200
        c.get("/v1/policies/acme")
        c.get("/v1/policies/nope")
        r = c.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        samples = _samples(r.text)
    total = "policylens_http_requests_total"
    assert samples[(total, (("method", "POST"), ("route", "/v1/ask"), ("status", "200")))] == 2
    get = (("method", "GET"), ("route", "/v1/policies/{policy_id}"))
    assert samples[(total, (*get, ("status", "200")))] == 1
    assert samples[(total, (*get, ("status", "404")))] == 1
    count = "policylens_http_request_duration_seconds_count"
    assert samples[(count, (("method", "POST"), ("route", "/v1/ask")))] == 2
    # Route templates, never raw paths: ids stay out of the label values.
    assert not any("acme" in str(labels) for _, labels in samples)


def test_metrics_time_the_encoder_the_store_and_the_start(tmp_path):
    from fastapi.testclient import TestClient
    from test_api import SEED

    from api.main import create_app
    from api.observability import Metrics, Timed
    from conftest import FakeEncoder
    from nlp.pipeline import PolicyLens

    settings = make_settings(tmp_path)
    metrics = Metrics()
    lens = PolicyLens(settings, encoder=Timed(FakeEncoder(), metrics.model), classifier=None)
    app = create_app(settings, lens=lens, seed=SEED, metrics=metrics)
    with TestClient(app) as c:
        upload(c)
        assert c.post("/v1/ask", json={"question": "Do you sell data?"}).status_code == 200
        samples = _samples(c.get("/metrics").text)
    model = "policylens_model_seconds_count"
    assert samples[(model, (("operation", "encode"),))] >= 3  # seed, warm-up, upload, question
    store = "policylens_store_seconds_count"
    assert samples[(store, (("operation", "add_policy"),))] == 2  # the seed and the upload
    assert samples[(store, (("operation", "migrate"),))] == 1
    assert samples[("policylens_start_seconds", ())] > 0


def test_two_apps_in_one_process_keep_their_own_metrics(tmp_path):
    with make_client(make_settings(tmp_path / "a")) as a, \
            make_client(make_settings(tmp_path / "b")) as b:
        a.get("/healthz")
        text = b.get("/metrics").text
    assert 'route="/healthz"' not in text
