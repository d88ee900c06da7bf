"""``GET /v1/policies/{id}/practices`` and the statements kept in the store.

Statements are extracted once, when a policy is stored, and read back at start (nothing is
extracted again); a store written before statements existed is upgraded in place and filled once.
"""

from __future__ import annotations

import sqlite3

import pytest
from fastapi.testclient import TestClient
from test_api import AUTH, SEED, assert_error, make_client, make_settings, upload

from api.main import create_app
from conftest import FakeEncoder
from nlp.pipeline import PolicyLens
from nlp.practices import statement_row
from nlp.service.store import MIGRATIONS, SQLiteStore

EXAMPLE = """Example Privacy Policy

Last updated: March 3, 2024

We share your IP address and device identifiers with advertisers for ad targeting.

We do not sell your personal information.

We may share your email address with service providers unless you opt out.

We keep your messages for 30 days.
"""

# The documented row of `policylens practices --json` (README): the API gives the same keys.
ROW_KEYS = {"clause_id", "policy", "version", "section", "text", "actor", "practice", "polarity",
            "condition", "negated", "data_types", "recipients", "purposes", "places", "retention",
            "audience"}


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


def practices(client, pid="example", **params):
    return client.get(f"/v1/policies/{pid}/practices", params=params)


def test_practices_route_rows_and_filters(settings):
    with make_client(settings) as c:
        assert upload(c, EXAMPLE, name="Example").status_code == 201
        r = practices(c)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["policy"] == "example" and body["total"] == len(body["items"]) >= 4
        assert all(set(row) == ROW_KEYS for row in body["items"])

        # A data type finds its subtypes through the ontology: identifiers > ip_address.
        ids = practices(c, data_type="identifiers").json()["items"]
        assert [row["practice"] for row in ids] == ["share"]
        assert {d["id"] for d in ids[0]["data_types"]} >= {"ip_address", "device_identifiers"}
        assert [r["recipients"][0]["id"] for r in ids] == ["advertisers"]

        denied = practices(c, polarity="denied").json()["items"]
        assert [(r["practice"], r["data_types"][0]["id"]) for r in denied] == [
            ("sell", "personal_information")]
        cond = practices(c, polarity="conditional", recipient="service_providers").json()
        assert [r["condition"] for r in cond["items"]] == ["unless you opt out"]
        kept = practices(c, practice="retain").json()["items"]
        assert kept[0]["retention"] == {"text": "30 days", "kind": "duration", "days": 30}
        assert practices(c, practice="sell", polarity="affirmed").json()["total"] == 0

        # The span offsets point into the clause text.
        row = ids[0]
        for span in row["data_types"]:
            assert row["text"][span["start"]:span["end"]] == span["text"]

        page = practices(c, limit=1, offset=1).json()
        assert page["total"] == body["total"] and page["items"] == body["items"][1:2]
        assert practices(c, version="all").json()["total"] == body["total"]

        for bad in ({"data_type": "bogus"}, {"practice": "teleport"}, {"recipient": "martians"}):
            err = assert_error(practices(c, **bad), 422, "invalid_input")
            assert "use one of" in err["message"]
        assert_error(practices(c, polarity="maybe"), 422, "validation_error")  # a schema enum
        assert_error(practices(c, "nope"), 404, "not_found")
        assert_error(practices(c, version="1999"), 404, "not_found")


def test_the_route_serves_what_the_practices_stage_extracts(settings):
    with make_client(settings) as c:
        upload(c, EXAMPLE, name="Example")
        rows = practices(c, limit=200).json()["items"]
        lens = c.app.state.service.lens
    clauses = lens.clauses("example")
    fresh = PolicyLens(settings, encoder=lens.encoder, classifier=None)
    by_clause = fresh.statements_for(clauses)
    assert rows == [statement_row(cl, st) for cl in clauses for st in by_clause[cl.id]]


class CountingExtractor:
    """The lens's extractor, counting the clauses it is asked to read."""

    def __init__(self, real) -> None:
        self.real = real
        self.metadata = real.metadata
        self.clauses = 0

    def extract(self, clauses, batch_size: int = 256):
        self.clauses += len(clauses)
        return self.real.extract(clauses, batch_size)




def _start_counting(settings, extractor=None):


    lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
    counting = CountingExtractor(extractor or lens.extractor)
    lens._extractor = counting  # the test's probe: what the lens extracts
    app = create_app(settings, lens=lens, seed=SEED)
    return TestClient(app, raise_server_exceptions=False), counting


def test_statements_are_read_back_from_the_store_not_extracted_again(settings):
    with make_client(settings) as c:
        upload(c, EXAMPLE, name="Example")
        before = practices(c, limit=200).json()
    client, counting = _start_counting(settings)
    with client as c:
        assert practices(c, limit=200).json() == before
        assert practices(c, "quillnote").json()["total"] > 0
    assert counting.clauses == 0


def _downgrade_to_schema_1(path) -> None:
    """Make ``path`` what a policylens from before statements and jobs wrote (schema 1)."""
    conn = sqlite3.connect(path)
    conn.executescript(
        "ALTER TABLE versions DROP COLUMN language;"
        "ALTER TABLE versions DROP COLUMN languages;"
        "ALTER TABLE versions DROP COLUMN date_source;"
        "ALTER TABLE clauses DROP COLUMN language;"
        "ALTER TABLE policies DROP COLUMN policy_score;"
        "ALTER TABLE policies DROP COLUMN language_supported;"
        "ALTER TABLE policies DROP COLUMN warnings;"
        "ALTER TABLE clauses DROP COLUMN statements;"
        "ALTER TABLE policies DROP COLUMN statements_key;"
        "DROP TABLE jobs;"
        "DELETE FROM schema_version WHERE version > 1;"
    )
    conn.close()


def test_a_store_from_before_statements_is_upgraded_and_filled_once(settings):
    with make_client(settings) as c:
        upload(c, EXAMPLE, name="Example")
        before = practices(c, limit=200).json()
        n_clauses = sum(p["clause_count"] for p in c.get("/v1/policies").json()["items"])
    _downgrade_to_schema_1(settings.api.db)
    assert SQLiteStore(settings.api.db).schema_version() == 1

    client, counting = _start_counting(settings)
    with client as c:
        assert practices(c, limit=200).json() == before  # the old store's policy, in place
        assert c.get("/v1/policies/example").status_code == 200
    assert counting.clauses == n_clauses  # every stored clause, once
    store = SQLiteStore(settings.api.db)
    assert store.schema_version() == len(MIGRATIONS)
    assert store.load_policy("example", "fake-hash-384").statements is not None
    store.close()

    client, counting = _start_counting(settings)
    with client as c:
        assert practices(c, limit=200).json() == before
    assert counting.clauses == 0  # kept by the first start after the upgrade


def test_statements_of_another_extractor_are_extracted_again(settings):
    with make_client(settings) as c:
        upload(c, EXAMPLE, name="Example")
    lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
    other = CountingExtractor(lens.extractor)
    other.metadata = {**other.metadata, "nearest_threshold": 0.99}  # as a retrained model
    client, counting = _start_counting(settings, other)
    with client as c:
        assert practices(c).status_code == 200
    assert counting.clauses > 0


def test_uploaded_versions_keep_their_statements(settings):
    newer = EXAMPLE.replace("March 3, 2024", "May 5, 2025").replace(
        "We keep your messages for 30 days.", "We keep your messages for 90 days.")
    with make_client(settings) as c:
        upload(c, EXAMPLE, name="Example")
        r = c.post("/v1/policies/example/versions", json={"text": newer}, headers=AUTH)
        assert r.status_code == 201, r.text
        latest = practices(c, practice="retain").json()["items"]
        oldest = practices(c, practice="retain", version="oldest").json()["items"]
        assert latest[0]["retention"]["days"] == 90 and oldest[0]["retention"]["days"] == 30
        assert practices(c, practice="retain", version="all").json()["total"] == 2
