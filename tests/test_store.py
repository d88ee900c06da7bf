"""The SQLite policy store: schema migrations, whole-or-nothing writes, filters, concurrency."""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from datetime import date

import numpy as np
import pytest

from nlp.errors import InputError, NotFoundError, StoreError
from nlp.service.store import MIGRATIONS, PolicyStore, SQLiteStore
from nlp.types import Clause, Policy, PolicyVersion


def make_policy(pid: str = "acme", n: int = 4) -> tuple[Policy, list[Clause], np.ndarray]:
    texts_new = [f"We collect item {i} of your data." for i in range(n)]
    texts_old = ["We share 100% of_data with partners.", "Old clause about cookies."]
    new = PolicyVersion(
        "2024-03-03", " ".join(texts_new), date(2024, 3, 3), "Acme Privacy", ((0, 4, 1),)
    )
    old = PolicyVersion("2020-01-01", " ".join(texts_old), date(2020, 1, 1), "Acme Privacy")
    policy = Policy(pid, "Acme", "acme.txt", (new, old))
    clauses: list[Clause] = []
    for version, texts in ((new, texts_new), (old, texts_old)):
        start = 0
        for i, t in enumerate(texts):
            labels = ("sharing",) if "share" in t else ("collection",) if i % 2 == 0 else ()
            clauses.append(
                Clause(f"{pid}:{version.label}:{i}", pid, version.label, ("Data", "Items"),
                       start, start + len(t), t, "sentence", "lead-in", labels)
            )
            start += len(t) + 1
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(len(clauses), 8)).astype(np.float32)
    return policy, clauses, emb


def add(store: SQLiteStore, pid: str = "acme", **kw) -> tuple[Policy, list[Clause], np.ndarray]:
    policy, clauses, emb = make_policy(pid, **kw)
    store.add_policy(policy, clauses, emb, model_id="m1", fmt="txt",
                     content_hash=f"hash-{pid}", raw_hash=f"raw-{pid}", source_url=None)
    return policy, clauses, emb


@pytest.fixture
def store(tmp_path):
    s = SQLiteStore(tmp_path / "db" / "policies.sqlite3")
    s.migrate()
    yield s
    s.close()


def test_migrate_records_schema_version_and_is_idempotent(tmp_path):
    s = SQLiteStore(tmp_path / "p.sqlite3")
    assert s.schema_version() == 0
    assert s.migrate() == len(MIGRATIONS)
    assert s.migrate() == len(MIGRATIONS)  # second run applies nothing
    assert s.schema_version() == len(MIGRATIONS)
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"schema_version", "policies", "versions", "clauses", "labels", "embeddings"} <= tables
    assert isinstance(s, PolicyStore)
    assert s.ping()
    s.close()


def test_database_from_a_newer_policylens_is_refused(tmp_path):
    s = SQLiteStore(tmp_path / "p.sqlite3")
    s.migrate()
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    conn.execute("INSERT INTO schema_version VALUES (99, 'later')")
    conn.commit()
    conn.close()
    with pytest.raises(StoreError, match="newer"):
        SQLiteStore(tmp_path / "p.sqlite3").migrate()


def test_round_trip_keeps_versions_clauses_labels_and_vectors(store):
    policy, clauses, emb = add(store)
    stored = store.load_policy("acme", "m1")
    assert stored.policy == policy  # dates, titles, headings and texts survive
    assert list(stored.clauses) == clauses  # order, offsets, sections, context and labels
    np.testing.assert_array_equal(stored.embeddings, emb)
    record = store.get_policy("acme")
    assert record.clause_count == len(clauses)
    assert [(v.label, v.clause_count) for v in record.versions] == [
        ("2024-03-03", 4), ("2020-01-01", 2)
    ]
    assert record.versions[0].effective_date == date(2024, 3, 3)
    assert store.find_by_hash("hash-acme").id == "acme"
    assert store.find_by_hash("raw-acme").id == "acme"
    assert store.find_by_hash("other") is None


def test_vectors_of_another_model_are_missing_until_stored(store):
    _, clauses, emb = add(store)
    assert store.load_policy("acme", "m2").embeddings is None
    store.put_embeddings("acme", clauses, emb * 2, "m2")
    np.testing.assert_array_equal(store.load_policy("acme", "m2").embeddings, emb * 2)
    np.testing.assert_array_equal(store.load_policy("acme", "m1").embeddings, emb)


def test_same_content_or_id_is_not_stored_twice(store):
    policy, clauses, emb = add(store)
    with pytest.raises(InputError, match="already stored"):
        store.add_policy(policy, clauses, emb, model_id="m1", fmt="txt",
                         content_hash="hash-acme", raw_hash="x")
    assert store.list_policies().total == 1


def test_failure_mid_write_leaves_nothing_behind(store):
    policy, clauses, emb = make_policy("broken")
    # The third clause cannot be written (its text is not a string): the policy row, versions
    # and first clauses already inserted in the same transaction must be rolled back.
    clauses[2] = Clause("x", "broken", "2024-03-03", (), 0, 1, object(), "sentence")  # type: ignore[arg-type]
    with pytest.raises((sqlite3.Error, TypeError)):
        store.add_policy(policy, clauses, emb, model_id="m1", fmt="txt",
                         content_hash="h", raw_hash="r")
    assert not store.exists("broken")
    conn = sqlite3.connect(store.path)
    for table in ("policies", "versions", "clauses", "labels", "embeddings"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table


def test_replacing_a_policy_is_one_transaction(store):
    policy, clauses, emb = add(store)
    # A replacement that fails mid-write leaves the stored policy as it was, not deleted.
    broken = list(clauses)
    broken[2] = dataclasses.replace(broken[2], text=object())  # type: ignore[arg-type]
    with pytest.raises((sqlite3.Error, TypeError)):
        store.add_policy(policy, broken, emb, model_id="m1", fmt="txt",
                         content_hash="hash-new", raw_hash="raw-new", replace=True)
    kept = store.load_policy("acme", "m1")
    assert [c.text for c in kept.clauses] == [c.text for c in clauses]
    assert store.get_policy("acme").content_hash == "hash-acme"
    # A replacement that succeeds swaps the policy in place; without replace=True it is refused.
    with pytest.raises(InputError, match="already stored"):
        store.add_policy(policy, clauses[:3], emb[:3], model_id="m1", fmt="txt",
                         content_hash="hash-new", raw_hash="raw-new")
    store.add_policy(policy, clauses[:3], emb[:3], model_id="m1", fmt="txt",
                     content_hash="hash-new", raw_hash="raw-new", replace=True)
    assert store.get_policy("acme").content_hash == "hash-new"
    assert len(store.load_policy("acme", "m1").clauses) == 3
    assert store.list_policies().total == 1


def test_wrong_vectors_or_foreign_clauses_are_refused_before_writing(store):
    policy, clauses, emb = make_policy()
    with pytest.raises(InputError, match="one embedding per clause"):
        store.add_policy(policy, clauses, emb[:-1], model_id="m1", fmt="txt",
                         content_hash="h", raw_hash="r")
    stray = [*clauses, Clause("z", "other", "2024-03-03", (), 0, 1, "z")]
    with pytest.raises(InputError, match="do not belong"):
        store.add_policy(policy, stray, np.vstack([emb, emb[:1]]), model_id="m1", fmt="txt",
                         content_hash="h", raw_hash="r")
    assert store.list_policies().total == 0


def test_delete_cascades_to_everything_under_the_policy(store):
    add(store, "acme")
    add(store, "other")
    store.delete_policy("acme")
    with pytest.raises(NotFoundError):
        store.get_policy("acme")
    with pytest.raises(NotFoundError):
        store.delete_policy("acme")
    conn = sqlite3.connect(store.path)
    assert conn.execute("SELECT COUNT(DISTINCT policy_id) FROM clauses").fetchone()[0] == 1
    orphans = conn.execute(
        "SELECT COUNT(*) FROM embeddings e LEFT JOIN clauses c ON c.row = e.clause_row "
        "WHERE c.row IS NULL"
    ).fetchone()[0]
    assert orphans == 0
    assert conn.execute("SELECT COUNT(*) FROM labels l LEFT JOIN clauses c ON c.row = "
                        "l.clause_row WHERE c.row IS NULL").fetchone()[0] == 0
    assert store.policy_ids() == ["other"]


def test_clause_filters_and_pages(store):
    add(store, n=7)
    page = store.list_clauses("acme", version="2024-03-03", limit=3)
    assert page.total == 7 and len(page.items) == 3
    rest = store.list_clauses("acme", version="2024-03-03", offset=3, limit=10)
    ids = [c.id for c in page.items + rest.items]
    assert ids == [f"acme:2024-03-03:{i}" for i in range(7)]  # document order, no overlap
    every = store.list_clauses("acme", limit=100)
    assert every.total == 9
    sharing = store.list_clauses("acme", category="sharing")
    assert [c.text for c in sharing.items] == ["We share 100% of_data with partners."]
    assert all("collection" in c.labels for c in store.list_clauses("acme", category="collection").items)
    # LIKE wildcards in q are literal characters.
    assert store.list_clauses("acme", q="100%").total == 1
    assert store.list_clauses("acme", q="of_data").total == 1
    assert store.list_clauses("acme", q="_").total == 1
    assert store.list_clauses("acme", q="ITEM 3").total == 1  # case-insensitive
    with pytest.raises(NotFoundError):
        store.list_clauses("nope")


def test_listing_policies_is_paginated_oldest_first(store):
    for pid in ("a", "b", "c"):
        add(store, pid)
    first = store.list_policies(limit=2)
    second = store.list_policies(offset=2, limit=2)
    assert first.total == 3
    assert [p.id for p in first.items + second.items] == ["a", "b", "c"]


def test_concurrent_writers_and_readers_do_not_corrupt(tmp_path):
    store = SQLiteStore(tmp_path / "p.sqlite3")
    store.migrate()
    errors: list[BaseException] = []

    def writer(i: int) -> None:
        try:
            add(store, f"p{i}")
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    def reader() -> None:
        try:
            for _ in range(20):
                page = store.list_policies(limit=200)
                for rec in page.items:
                    # A policy is either absent or whole: never a policy without its clauses.
                    assert rec.clause_count == 6
                    assert sum(v.clause_count for v in rec.versions) == 6
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(12)]
    threads += [threading.Thread(target=reader) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert store.list_policies().total == 12
    conn = sqlite3.connect(tmp_path / "p.sqlite3")
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0] == 12 * 6
    store.close()


def test_in_memory_store_works_for_quick_use():
    s = SQLiteStore(":memory:")
    s.migrate()
    add(s)
    assert s.get_policy("acme").clause_count == 6


def test_labels_can_be_replaced(store):
    _, clauses, _ = add(store)
    relabelled = [dataclasses.replace(c, labels=("security",)) for c in clauses]
    store.put_labels("acme", relabelled)
    assert {c.labels for c in store.load_policy("acme", "m1").clauses} == {("security",)}
    assert store.list_clauses("acme", category="sharing").total == 0
    with pytest.raises(InputError):
        store.put_labels("acme", relabelled[:-1])


# -- statements and jobs (schema 2 and 3) ------------------------------------------------------


def _statements(clauses):
    from nlp.types import Retention, Span, Statement

    out = {}
    for i, c in enumerate(clauses):
        out[c.id] = (
            Statement(c.id, "first_party", "collect", "conditional", "with your consent",
                      data_types=(Span("item", 10, 14, "user_content"),),
                      retention=Retention("30 days", "duration", 30, 0, 7), negated=i % 2 == 0),
        ) if i % 2 == 0 else ()
    return out


def test_statements_round_trip_through_the_store(store):
    policy, clauses, emb = make_policy()
    given = _statements(clauses)
    store.add_policy(policy, clauses, emb, model_id="m1", fmt="txt", content_hash="h",
                     raw_hash="r", statements=given, statements_key="k1")
    back = store.load_policy("acme", "m1")
    assert back.statements == given and back.statements_key == "k1"

    add(store, "bare")  # stored without statements: none come back, not empty ones
    assert store.load_policy("bare", "m1").statements is None
    _, bare_clauses, _ = make_policy("bare")
    with pytest.raises(InputError, match="no statements given"):
        store.put_statements("bare", {}, "k2")
    store.put_statements("bare", _statements(bare_clauses), "k2")
    assert store.load_policy("bare", "m1").statements_key == "k2"
    with pytest.raises(NotFoundError):
        store.put_statements("nope", {}, "k2")


def test_a_schema_1_store_upgrades_in_place_and_keeps_its_policies(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
    MIGRATIONS[0](conn)  # the first schema, as policylens wrote it before statements and jobs
    conn.execute("INSERT INTO schema_version VALUES (1, '2026-01-01')")
    conn.execute("INSERT INTO policies (id, name, fmt, raw_hash, content_hash, created_at,"
                 " n_clauses) VALUES ('old', 'Old', 'txt', 'r', 'h', '2026-01-01', 1)")
    conn.execute("INSERT INTO versions (policy_id, position, label, text) VALUES"
                 " ('old', 0, 'v1', 'We sell nothing.')")
    conn.execute("INSERT INTO clauses (policy_id, version, position, id, section, start, \"end\","
                 " text, kind) VALUES ('old', 'v1', 0, 'old:v1:0', '[]', 0, 16,"
                 " 'We sell nothing.', 'sentence')")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version() == 1
    assert store.migrate() == len(MIGRATIONS) == 4
    old = store.load_policy("old", "m1")
    assert [c.text for c in old.clauses] == ["We sell nothing."]
    assert old.statements is None  # to be extracted once by the service
    assert store.unfinished_jobs() == []
    store.close()


# -- language and document profile (schema 4) ----------------------------------------------------


def test_languages_policy_score_and_warnings_round_trip_through_the_store(store):
    policy, clauses, emb = make_policy()
    new, old = policy.versions
    policy = dataclasses.replace(
        policy,
        versions=(
            dataclasses.replace(new, language="de", languages=(("de", 0.7), ("en", 0.3)),
                                date_source="text"),
            dataclasses.replace(old, language="en", languages=(("en", 1.0),),
                                date_source="header"),
        ),
        warnings=("'acme' is in German (de); labels are unreliable",),
        policy_score=0.8125,
        language_supported=False,
    )
    clauses = [dataclasses.replace(c, language="en" if c.version == old.label else "de")
               for c in clauses]
    record = store.add_policy(policy, clauses, emb, model_id="m1", fmt="txt",
                              content_hash="h", raw_hash="r")
    assert (record.language, record.language_supported, record.policy_score) == (
        "de", False, 0.8125)
    assert record.warnings == policy.warnings
    assert [(v.language, v.date_source) for v in record.versions] == [
        ("de", "text"), ("en", "header")]
    back = store.load_policy("acme", "m1")
    assert back.policy == policy
    assert list(back.clauses) == clauses
    listed = store.list_clauses("acme", version=old.label).items
    assert {c.language for c in listed} == {"en"}


def test_a_schema_3_store_upgrades_in_place_with_languages_unknown(tmp_path):
    path = tmp_path / "old.sqlite3"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TEXT)")
    for number, migration in enumerate(MIGRATIONS[:3], 1):  # as policylens wrote it before
        migration(conn)
        conn.execute("INSERT INTO schema_version VALUES (?, '2026-01-01')", (number,))
    conn.execute("INSERT INTO policies (id, name, fmt, raw_hash, content_hash, created_at,"
                 " n_clauses) VALUES ('old', 'Old', 'txt', 'r', 'h', '2026-01-01', 1)")
    conn.execute("INSERT INTO versions (policy_id, position, label, text) VALUES"
                 " ('old', 0, 'v1', 'We sell nothing.')")
    conn.execute("INSERT INTO clauses (policy_id, version, position, id, section, start, \"end\","
                 " text, kind) VALUES ('old', 'v1', 0, 'old:v1:0', '[]', 0, 16,"
                 " 'We sell nothing.', 'sentence')")
    conn.commit()
    conn.close()
    store = SQLiteStore(path)
    assert store.schema_version() == 3
    assert store.migrate() == len(MIGRATIONS) == 4
    old = store.load_policy("old", "m1")
    assert [c.text for c in old.clauses] == ["We sell nothing."]
    assert old.clauses[0].language == "" and old.policy.language == ""
    record = store.get_policy("old")
    assert (record.language, record.policy_score, record.warnings) == ("", None, ())
    assert old.profiled is False  # the service detects them once
    found = dataclasses.replace(old.policy, versions=(dataclasses.replace(
        old.policy.versions[0], language="en", languages=(("en", 1.0),)),), policy_score=0.5)
    store.put_profile(found, [dataclasses.replace(old.clauses[0], language="en")])
    again = store.load_policy("old", "m1")
    assert again.profiled and again.policy == found and again.clauses[0].language == "en"
    assert old.policy.versions[0].languages == () and old.policy.versions[0].date_source == ""
    assert (old.policy.policy_score, old.policy.language_supported) == (None, True)
    store.close()


def test_jobs_keep_state_and_drop_their_bytes_when_final(store):
    job = store.add_job("j1", "upload", {"name": "X"}, b"bytes")
    assert (job.state, job.progress, job.attempts) == ("queued", 0.0, 0)
    assert store.job_payload("j1") == b"bytes"
    store.update_job("j1", state="running", progress=0.2)
    assert [j.id for j in store.unfinished_jobs()] == ["j1"]
    store.update_job("j1", state="succeeded", progress=1.0, result={"policy_id": "x"})
    done = store.get_job("j1")
    assert (done.state, done.attempts, done.result) == ("succeeded", 1, {"policy_id": "x"})
    assert store.job_payload("j1") is None and store.unfinished_jobs() == []
    with pytest.raises(InputError):
        store.update_job("j1", state="bogus")
    with pytest.raises(NotFoundError):
        store.get_job("nope")
