"""The integration routes a chatbot backend needs (issue 14): search, many questions, versions,
texts, client-chosen ids and version comparison, in-process with the fake encoder."""

from __future__ import annotations

import pytest
from test_api import ACME, AUTH, TWO_VERSIONS, assert_error, make_client, make_settings, upload

ACME_2025 = ACME.replace("March 3, 2024", "May 1, 2025").replace(
    "We never sell your personal information to data brokers.",
    "We sell your e-mail address to data brokers.",
)


def assert_invalid(r) -> None:
    """422 in the JSON error shape, whether pydantic or the service refused it."""
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] in {"validation_error", "invalid_input"}


@pytest.fixture
def client(tmp_path):
    with make_client(make_settings(tmp_path, max_batch_questions=3, max_ask_policies=3)) as c:
        yield c


def test_search_finds_clauses_across_policies_and_in_one(client):
    upload(client)
    r = client.post("/v1/search", json={"query": "payment card details", "top_k": 2})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["query"] == "payment card details"
    assert 1 <= len(body["hits"]) <= 2
    hit = body["hits"][0]
    assert {"clause", "score", "dense", "sparse"} <= hit.keys()
    assert "payment card" in hit["clause"]["text"]
    one = client.post("/v1/search", json={"query": "payment card", "policy": "acme"}).json()
    assert {h["clause"]["policy_id"] for h in one["hits"]} == {"acme"}
    assert_error(client.post("/v1/search", json={"query": "x", "policy": "nope"}), 404,
                 "not_found")
    assert_invalid(client.post("/v1/search", json={"query": ""}))


def test_ask_over_several_policies_answers_each(client):
    upload(client)
    upload(client, TWO_VERSIONS, name="Zeta")
    r = client.post("/v1/ask", json={"question": "Do you share my e-mail address?",
                                     "policies": ["acme", "zeta"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert [a["policy"] for a in body["answers"]] == ["acme", "zeta"]
    assert set(body["yes"]) | set(body["no"]) <= {"acme", "zeta"}
    for a in body["answers"]:
        assert a["verdict"] in {"yes", "no", "not_stated", "info"}
        assert "yes" not in body or a["policy"] not in body["yes"] or a["verdict"] == "yes"
    both = {"question": "x?", "policy": "acme", "policies": ["zeta"]}
    assert_invalid(client.post("/v1/ask", json=both))
    too_many = {"question": "x?", "policies": ["a", "b", "c", "d"]}
    assert_invalid(client.post("/v1/ask", json=too_many))
    assert_error(client.post("/v1/ask", json={"question": "x?", "policies": ["acme", "nope"]}),
                 404, "not_found")


def test_ask_batch_answers_in_order_and_is_bounded(client):
    upload(client)
    qs = ["Do you sell my data?", "How long do you keep payment card details?"]
    r = client.post("/v1/ask/batch", json={"questions": qs, "policy": "acme"})
    assert r.status_code == 200, r.text
    assert [a["question"] for a in r.json()["answers"]] == qs
    assert all(a["policy"] == "acme" for a in r.json()["answers"])
    assert_invalid(client.post("/v1/ask/batch", json={"questions": ["q?"] * 4}))
    assert_invalid(client.post("/v1/ask/batch", json={"questions": []}))


def test_text_route_returns_what_offsets_point_into(client):
    upload(client, TWO_VERSIONS, name="Zeta")
    for version in ("2019", None):
        params = {"version": version} if version else {}
        text = client.get("/v1/policies/zeta/text", params=params).json()
        clauses = client.get("/v1/policies/zeta/clauses", params=params).json()["items"]
        assert clauses
        assert text["version"] == clauses[0]["version"]
        for c in clauses:
            assert text["text"][c["start"]:c["end"]] == c["text"]
    ans = client.post("/v1/ask", json={"question": "How long do you keep chat logs?",
                                       "policy": "zeta"}).json()
    text = client.get("/v1/policies/zeta/text", params={"version": ans["version"]}).json()["text"]
    for cit in ans["citations"]:
        assert text[cit["start"]:cit["end"]] == cit["text"]
    assert_error(client.get("/v1/policies/zeta/text", params={"version": "1999"}), 404,
                 "not_found")
    assert_error(client.get("/v1/policies/nope/text"), 404, "not_found")


def test_new_text_of_a_policy_is_a_new_version_and_dedupes(client):
    upload(client)
    before = client.get("/v1/policies/acme/versions").json()
    assert [v["label"] for v in before["items"]] == ["2024-03-03"]
    r = client.post("/v1/policies/acme/versions", json={"text": ACME_2025}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "acme"
    assert [v["label"] for v in r.json()["versions"]] == ["2025-05-01", "2024-03-03"]
    again = client.post("/v1/policies/acme/versions", json={"text": ACME_2025}, headers=AUTH)
    assert again.status_code == 200
    assert len(again.json()["versions"]) == 2
    old = client.post("/v1/policies/acme/versions", json={"text": ACME}, headers=AUTH)
    assert old.status_code == 200
    listed = client.get("/v1/policies/acme/versions").json()["items"]
    assert [v["label"] for v in listed] == ["2025-05-01", "2024-03-03"]
    # Both versions are asked and searched from the index.
    ans = client.post("/v1/ask", json={"question": "Do you sell my e-mail address?",
                                       "policy": "acme"}).json()
    assert ans["version"] == "2025-05-01"
    old_ans = client.post("/v1/ask", json={"question": "Do you sell my data?",
                                           "policy": "acme", "version": "2024"}).json()
    assert old_ans["version"] == "2024-03-03"
    assert client.get("/v1/policies/acme/clauses", params={"version": "2024"}).json()["total"]
    assert_error(client.post("/v1/policies/acme/versions", json={"text": ACME_2025}), 401,
                 "unauthorized")
    assert_error(client.post("/v1/policies/nope/versions", json={"text": ACME}, headers=AUTH),
                 404, "not_found")


def test_versions_survive_a_restart(tmp_path):
    settings = make_settings(tmp_path)
    with make_client(settings) as c:
        upload(c)
        assert c.post("/v1/policies/acme/versions", json={"text": ACME_2025},
                      headers=AUTH).status_code == 201
    with make_client(settings) as c:
        labels = [v["label"] for v in c.get("/v1/policies/acme/versions").json()["items"]]
        assert labels == ["2025-05-01", "2024-03-03"]
        assert c.post("/v1/ask", json={"question": "Do you sell data?", "policy": "acme",
                                       "version": "2024"}).json()["version"] == "2024-03-03"


def test_put_stores_under_the_client_id_then_adds_versions(client):
    r = client.put("/v1/policies/acme-corp", json={"name": "Acme", "text": ACME}, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["id"] == "acme-corp"
    same = client.put("/v1/policies/acme-corp", json={"name": "Acme", "text": ACME},
                      headers=AUTH)
    assert same.status_code == 200
    assert len(same.json()["versions"]) == 1
    # The same text under another id: it is stored once, under the first id.
    assert_error(client.put("/v1/policies/other", json={"name": "A", "text": ACME},
                            headers=AUTH), 409, "conflict")
    newer = client.put("/v1/policies/acme-corp", json={"name": "Acme", "text": ACME_2025},
                       headers=AUTH)
    assert newer.status_code == 200
    assert [v["label"] for v in newer.json()["versions"]] == ["2025-05-01", "2024-03-03"]
    assert_invalid(client.put("/v1/policies/Bad%20Id", json={"name": "A", "text": ACME},
                            headers=AUTH))
    assert_error(client.put("/v1/policies/x", json={"name": "A", "text": ACME}), 401,
                 "unauthorized")


def test_compare_two_stored_versions(client):
    upload(client, TWO_VERSIONS, name="Zeta")
    r = client.get("/v1/policies/zeta/compare")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["old"] == {"policy": "zeta", "version": "2019-01-17"}
    assert body["new"] == {"policy": "zeta", "version": "2021-02-27"}
    assert body["summary"]["changed"] >= 1
    changed = [c for c in body["changes"] if c["kind"] == "changed"]
    assert any("30 days" in c["new"]["text"] and "5 years" in c["old"]["text"] for c in changed)
    same = client.get("/v1/policies/zeta/compare",
                      params={"from": "2019", "to": "2021"}).json()
    assert same["summary"] == body["summary"]
    only_to = client.get("/v1/policies/zeta/compare", params={"to": "2021"}).json()
    assert only_to["old"]["version"] == "2019-01-17"
    assert_error(client.get("/v1/policies/zeta/compare", params={"from": "1999"}), 404,
                 "not_found")
    assert_invalid(client.get("/v1/policies/zeta/compare", params={"to": "2019"}))
    upload(client)
    assert_invalid(client.get("/v1/policies/acme/compare"))
    assert_error(client.get("/v1/policies/nope/compare"), 404, "not_found")


def test_a_large_new_version_is_a_job(tmp_path):
    import time

    settings = make_settings(tmp_path, job_upload_bytes=2_000)
    with make_client(settings) as client:
        upload(client)
        big = ACME_2025 + "\n\n" + "\n\n".join(
            f"We keep support ticket {i} for {i + 1} days." for i in range(120)
        )
        r = client.post("/v1/policies/acme/versions", json={"text": big}, headers=AUTH)
        assert r.status_code == 202, r.text
        job = r.headers["Location"]
        for _ in range(600):
            state = client.get(job).json()
            if state["state"] in {"succeeded", "failed"}:
                break
            time.sleep(0.1)
        assert state["state"] == "succeeded", state
        labels = [v["label"] for v in client.get("/v1/policies/acme/versions").json()["items"]]
        assert labels == ["2025-05-01", "2024-03-03"]
        # A missing policy is refused at once, not by a failed job.
        assert_error(client.post("/v1/policies/nope/versions", json={"text": big}, headers=AUTH),
                     404, "not_found")
