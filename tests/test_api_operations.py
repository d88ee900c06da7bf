"""What operators and client generators rely on (issue 14, item 4): request ids in responses and
logs, readable operation ids, enums and error shapes in the schema, labels and scores."""

from __future__ import annotations

import logging
import re

import numpy as np
import pytest
from test_api import ACME, KeywordClassifier, make_client, make_settings, upload

from nlp.classify import LABELS


@pytest.fixture
def client(tmp_path):
    with make_client(make_settings(tmp_path)) as c:
        yield c


def test_every_response_has_a_request_id_taken_or_made(client, caplog):
    with caplog.at_level(logging.INFO, logger="api.requests"):
        r = client.get("/healthz", headers={"X-Request-ID": "chat-42.a"})
    assert r.headers["x-request-id"] == "chat-42.a"
    assert any("chat-42.a" in rec.getMessage() and getattr(rec, "request_id", "") == "chat-42.a"
               for rec in caplog.records)
    made = client.get("/v1/policies/nope").headers["x-request-id"]
    assert re.fullmatch(r"[0-9a-f]{32}", made)
    assert client.get("/healthz").headers["x-request-id"] != made
    # Not a plain token: replaced, never echoed into headers or logs.
    odd = client.get("/healthz", headers={"X-Request-ID": "a b<script>"})
    assert re.fullmatch(r"[0-9a-f]{32}", odd.headers["x-request-id"])
    bad_host = client.get("/healthz", headers={"Host": "evil.example"})
    assert bad_host.status_code == 400 and bad_host.headers["x-request-id"]


def test_operation_ids_are_readable(client):
    doc = client.get("/openapi.json").json()
    ids = {op["operationId"] for ops in doc["paths"].values() for op in ops.values()}
    assert {"ask", "askBatch", "search", "uploadPolicy", "listPolicies", "getPolicy",
            "deletePolicy", "listClauses", "classify", "putPolicy", "listVersions",
            "addVersion", "getPolicyText", "comparePolicyVersions", "health", "ready"} <= ids
    assert all(re.fullmatch(r"[a-z][A-Za-z]*", i) for i in ids), ids


def test_enums_and_error_schemas_in_the_document(client):
    doc = client.get("/openapi.json").json()
    schemas = doc["components"]["schemas"]
    assert "HTTPValidationError" not in schemas and "ValidationError" not in schemas
    cat = schemas["AskRequest"]["properties"]["category"]
    assert next(b for b in cat["anyOf"] if b.get("type") == "string")["enum"] == list(LABELS)
    assert schemas["AskResponse"]["properties"]["verdict"]["enum"] == [
        "yes", "no", "not_stated", "info"]
    assert set(schemas["ClauseOut"]["properties"]["kind"]["enum"]) == {
        "sentence", "bullet", "table_row", "heading"}
    assert schemas["ClauseOut"]["properties"]["labels"]["items"]["enum"] == list(LABELS)
    params = doc["paths"]["/v1/policies/{policy_id}/clauses"]["get"]["parameters"]
    category = next(p for p in params if p["name"] == "category")
    assert "enum" in str(category["schema"])
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            for status, resp in op["responses"].items():
                # /readyz answers its own Readiness body with 503, as documented.
                if status.startswith(("4", "5")) and path.startswith("/v1/"):
                    ref = str(resp.get("content", {}))
                    assert "ErrorResponse" in ref, (method, path, status)


def test_an_unknown_category_is_refused(client):
    upload(client)
    for r in (
        client.post("/v1/ask", json={"question": "Do you sell data?", "category": "bogus"}),
        client.post("/v1/search", json={"query": "sell", "category": "bogus"}),
        client.get("/v1/policies/acme/clauses", params={"category": "bogus"}),
    ):
        assert r.status_code == 422, r.text
        assert "bogus" in r.json()["error"]["message"]
    ok = client.post("/v1/ask", json={"question": "Do you sell data?", "category": "sharing"})
    assert ok.status_code == 200


class ScoringClassifier(KeywordClassifier):
    """Keyword labels plus per-label scores, as ClauseClassifier.predictions gives them."""

    def predictions(self, clauses, embeddings):
        from nlp.types import Prediction

        assert len(clauses) == len(np.asarray(embeddings))
        out = []
        for c, labels in zip(clauses, self.predict([c.text for c in clauses],
                                                   embeddings=embeddings), strict=True):
            out.append(Prediction(c.id, labels, {lab: (0.9 if lab in labels else 0.1)
                                                 for lab in ("collection", "sharing", "retention")}))
        return out


def test_citations_carry_labels_and_classify_scores(tmp_path):
    with make_client(make_settings(tmp_path), classifier=ScoringClassifier()) as c:
        upload(c)
        q = {"question": "Do you share my e-mail address?", "policy": "acme"}
        plain = c.post("/v1/ask", json=q).json()
        assert all("labels" not in cit for cit in plain["citations"])  # as `ask --json`
        ans = c.post("/v1/ask", json={**q, "citation_labels": True}).json()
        assert ans["citations"]
        assert all("labels" in cit for cit in ans["citations"])
        assert any("sharing" in cit["labels"] for cit in ans["citations"])
        r = c.post("/v1/classify", json={"text": ACME})
        assert r.status_code == 200
        clauses = r.json()["clauses"]
        share = next(cl for cl in clauses if "share" in cl["text"])
        assert share["scores"]["sharing"] == 0.9 and share["scores"]["retention"] == 0.1
    with make_client(make_settings(tmp_path / "plain")) as c:
        assert c.post("/v1/classify", json={"text": ACME}).json()["clauses"][0]["scores"] is None
