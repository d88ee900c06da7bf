"""The practices stage: statements users and the answer stage rely on."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.config import IngestSettings, PracticesSettings, SegmentSettings
from nlp.ingest import load_policy
from nlp.practices import (
    PracticeTagger,
    StatementExtractor,
    find_retention,
    load_extractor,
    load_ontology,
    statement_row,
)
from nlp.practices.tokens import tokenize
from nlp.segment import segment_policy
from nlp.types import Clause, Statement

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpora" / "000_ce4448d9c54926ad.txt"
MODEL = ROOT / "models" / "practices"


def clause(text: str, kind: str = "sentence", context: str = "", cid: str = "c1") -> Clause:
    return Clause(cid, "p", "v1", ("Section",), 0, len(text), text, kind, context)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def rules() -> StatementExtractor:
    return StatementExtractor()


@pytest.fixture(scope="module")
def shipped() -> StatementExtractor:
    """The shipped tagger without the encoder fallback (no model download, no ../shared)."""
    return load_extractor(PracticesSettings()).extractor


@pytest.fixture(scope="module")
def seed_statements(shipped) -> tuple[list[Clause], list[Statement]]:
    policy = load_policy(SEED, IngestSettings())
    clauses = segment_policy(policy, SegmentSettings())
    return clauses, [s for sts in shipped.extract_many(clauses) for s in sts]


def by_practice(statements: list[Statement]) -> dict[str, Statement]:
    return {s.practice: s for s in statements}


@pytest.mark.parametrize("which", ["rules", "shipped"])
def test_negation_has_scope(which, request):
    ex = request.getfixturevalue(which)
    sts = by_practice(ex.extract(clause(
        "We do not sell your email address, but we share your location with advertisers.")))
    assert sts["sell"].polarity == "denied"
    assert sts["share"].polarity == "affirmed"
    assert [r.id for r in sts["share"].recipients] == ["advertisers"]
    assert "location" in {d.id for d in sts["share"].data_types}
    assert "email_address" in {d.id for d in sts["sell"].data_types}


def test_a_denied_statement_is_denied(rules):
    for text in ("We do not sell your personal information.",
                 "We never sell personal data to anyone.",
                 "We don't rent or sell your information to third parties."):
        sts = [s for s in rules.extract(clause(text)) if s.practice == "sell"]
        assert sts and all(s.polarity == "denied" for s in sts), text


def test_a_conditional_statement_keeps_its_condition(rules):
    sts = by_practice(rules.extract(clause(
        "We may sell your data unless you opt out; we never rent it.")))
    assert sts["sell"].polarity == "conditional"
    assert sts["sell"].condition == "unless you opt out"
    assert not sts["sell"].negated  # yes, unless you opt out
    assert sts["rent"].polarity == "denied"
    assert "user_object" not in sts  # "opt out" is the condition, not a user right here
    consent = by_practice(rules.extract(clause(
        "We will share your health data with researchers only with your consent.")))
    assert consent["share"].polarity == "conditional"
    assert consent["share"].condition == "with your consent"
    never = by_practice(rules.extract(clause(
        "We will not share your health data with employers without your consent.")))
    assert never["share"].polarity == "conditional" and never["share"].negated


def test_spans_point_into_the_clause(shipped):
    c = clause("If you register, we collect your name, email address and phone number "
               "and share them with payment processors in the United States.")
    for st in shipped.extract(c):
        for span in (*st.data_types, *st.recipients, *st.places, *st.purposes):
            assert c.text[span.start : span.end] == span.text


def test_list_lead_in_and_its_items(rules):
    lead = "We may disclose (or provide access to) personal information to the following " \
           "categories of recipients:"
    item = clause("payment service providers who help us settle payments;", "bullet", lead)
    share = [s for s in rules.extract(item) if s.practice == "share"]
    assert share, "the lead-in's statement is carried by its item"
    assert [r.id for r in share[0].recipients] == ["payment_processors"]
    assert share[0].recipients[0].text == "payment service providers"
    assert "personal_information" in {d.id for d in share[0].data_types}
    assert share[0].data_types[0].start == -1  # taken from the lead-in, not a span of the item
    collect_lead = "We collect the following information:"
    item = clause("your IP address and browser type.", "bullet", collect_lead)
    col = [s for s in rules.extract(item) if s.practice == "collect"]
    assert {d.id for d in col[0].data_types} >= {"ip_address", "device_information"}


def test_seed_lead_in_items_are_recipients(seed_statements):
    clauses, statements = seed_statements
    lead_items = {c.id for c in clauses if c.kind == "bullet"
                  and "categories of recipients" in c.context}
    assert len(lead_items) >= 8  # both versions
    recipients = {r.id for s in statements if s.clause_id in lead_items and s.practice == "share"
                  for r in s.recipients}
    assert {"payment_processors", "authorities", "advertisers", "affiliates"} <= recipients


def test_seed_transfers_name_the_united_states_and_china(seed_statements):
    clauses, statements = seed_statements
    versions = {c.id: c.version for c in clauses}
    found = {}
    for st in statements:
        places = {p.id for p in st.places}
        if st.practice == "transfer_abroad" and {"united_states", "china"} <= places:
            found[versions[st.clause_id]] = st
    assert set(found) == {"2020-02-27", "2019-01-17"}
    for st in found.values():
        assert st.polarity == "affirmed"
        assert "outside_eea" in {p.id for p in st.places}
        assert "personal_information" in {d.id for d in st.data_types}


def test_seed_retention_is_as_long_as_needed(seed_statements):
    _, statements = seed_statements
    kinds = {s.retention.kind for s in statements if s.practice == "retain" and s.retention}
    assert "as_long_as_needed" in kinds


def test_ontology_subsumption_finds_ip_addresses_under_identifiers(rules):
    onto = load_ontology()
    assert onto.is_a("ip_address", "identifiers")
    assert onto.is_a("ip_address", "device_identifiers")
    assert not onto.is_a("email_address", "identifiers")
    assert "ip_address" in onto.descendants("identifiers")
    assert onto.is_a("germany", "eu") and onto.is_a("germany", "eea")
    assert onto.is_a("outside_eea", "outside_your_country")
    sts = rules.extract(clause("We automatically collect IP addresses and cookies."))
    hits = [d for s in sts for d in s.data_types if onto.is_a(d.id, "identifiers")]
    assert {d.id for d in hits} >= {"ip_address"}


def test_surface_matching_is_case_and_plural_tolerant():
    onto = load_ontology()
    assert [s.id for s in onto.match("Email Addresses and PHONE NUMBERS", "data_types")] == [
        "email_address", "phone_number"]
    assert onto.lookup("your precise location data", "data_types") == "precise_location"
    assert onto.lookup("something else entirely", "data_types") is None


def test_unknown_phrase_is_kept_or_named_by_the_nearest_node(rules):
    sts = rules.extract(clause("We share your data with landlords."))
    share = by_practice(sts)["share"]
    assert [(r.text, r.id) for r in share.recipients] == [("landlords", None)]  # never dropped
    onto = load_ontology()

    def encode(texts: list[str]) -> np.ndarray:
        # "landlords" sits next to the node "service_providers"; everything else apart
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for i, t in enumerate(texts):
            out[i, 0 if t in {"landlords", "service provider"} else 1 + (hash(t) % 3)] = 1.0
        return out

    named = StatementExtractor(onto, encode=encode, nearest_threshold=0.9).extract(
        clause("We share your data with landlords."))
    assert by_practice(named)["share"].recipients[0].id == "service_providers"


@pytest.mark.parametrize(
    ("text", "kind", "days"),
    [("Logs are deleted after 30 days.", "duration", 30),
     ("We keep it for two years.", "duration", 730),
     ("We keep it for 18 months.", "duration", 540),
     ("We retain it until you delete your account.", "until_deleted", None),
     ("We may keep it indefinitely.", "indefinitely", None),
     ("We keep it as long as necessary for the purposes.", "as_long_as_needed", None)],
)
def test_retention_periods(text, kind, days):
    found = find_retention(text)
    assert found is not None and (found.kind, found.days) == (kind, days)
    assert text[found.start : found.end] == found.text


def test_tagger_round_trip_without_pickle(tmp_path):
    tagger = PracticeTagger.load(MODEL)
    sentence = [tokenize("We collect your email address and location data.")]
    tagger.save(tmp_path)
    again = PracticeTagger.load(tmp_path)
    assert again.predict_tags(sentence) == tagger.predict_tags(sentence)
    with np.load(tmp_path / "tagger.npz", allow_pickle=False) as z:
        assert all(z[k].dtype != object for k in z.files)
    params = json.loads((MODEL / "params.json").read_text())
    assert 0.0 < params["nearest_threshold"] <= 1.01


def test_shipped_tagger_finds_data_types():
    tagger = PracticeTagger.load(MODEL)
    text = "We collect your email address, your phone number and your precise location."
    spans = [text[a:b] for a, b in tagger.find_spans([text])[0]]
    joined = " | ".join(spans)
    assert "email address" in joined and "phone number" in joined


def test_statement_row_has_the_documented_shape(rules):
    c = clause("We keep your messages for 90 days.")
    st = by_practice(rules.extract(c))["retain"]
    row = statement_row(c, st)
    assert list(row) == ["clause_id", "policy", "version", "section", "text", "actor",
                         "practice", "polarity", "condition", "negated", "data_types", "recipients",
                         "purposes", "places", "retention", "audience"]
    assert row["retention"] == {"text": "90 days", "kind": "duration", "days": 90}
    assert row["data_types"] == [{"text": "messages", "id": "messages", "start": 13, "end": 21}]


@pytest.mark.slow
def test_cli_practices_json(tmp_path):
    env = {**__import__("os").environ, "POLICYLENS_EMBED__CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "practices", str(SEED), "--json"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in proc.stdout.splitlines()]
    assert len(rows) > 50
    assert {r["version"] for r in rows} == {"2020-02-27", "2019-01-17"}
    for r in rows:
        assert r["polarity"] in {"affirmed", "denied", "conditional"}
        for slot in ("data_types", "recipients", "purposes", "places", "audience"):
            for v in r[slot]:
                assert list(v) == ["text", "id", "start", "end"]
                if v["start"] >= 0:
                    assert r["text"][v["start"] : v["end"]] == v["text"]
    transfers = [r for r in rows if r["practice"] == "transfer_abroad"
                 and {"united_states", "china"} <= {p["id"] for p in r["places"]}]
    assert len(transfers) == 2 and all(r["polarity"] == "affirmed" for r in transfers)
    human = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "practices", str(SEED), "--version", "2019"],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=600,
    )
    assert human.returncode == 0 and "transfer_abroad" in human.stdout


def test_goods_and_user_rights_objects_are_not_data_practices(rules):
    sts = rules.extract(clause("We do not intend to sell any of our products to minors."))
    assert not [s for s in sts if s.practice == "sell"]
    right = rules.extract(clause(
        "The right to object to processing of your personal information.", "bullet",
        "If you are a resident of the EEA, you have the following data protection rights:"))
    assert [s.practice for s in right] == ["user_object"]
    assert [a.id for a in right[0].audience] == ["eea_residents"]


def test_a_sentence_that_lists_continues_the_statement_before(rules):
    text = "We collect information from your device. This may include your IP address."
    sts = rules.extract(clause(text))
    ids = {d.id for s in sts if s.practice == "collect" for d in s.data_types}
    assert "ip_address" in ids


def test_nested_list_lead_in_takes_the_outer_statement(rules):
    outer_lead = "We may disclose personal information to the following categories of recipients:"
    outer = clause("Service providers working with us. Categories of these service providers "
                   "include:", "bullet", outer_lead, cid="outer")
    inner = clause("cloud computing service providers to provide cloud storage;", "bullet",
                   "Categories of these service providers include:", cid="inner")
    _, inner_sts = rules.extract_many([outer, inner])
    share = [s for s in inner_sts if s.practice == "share"]
    assert share and share[0].recipients[0].id == "service_providers"


def test_seed_gold_file_is_well_formed():
    rows = [json.loads(line) for line in
            (ROOT / "corpora" / "labels" / "seed_statements.jsonl").read_text().splitlines()]
    policy = load_policy(SEED, IngestSettings())
    by_id = {c.id: c for c in segment_policy(policy, SegmentSettings())}
    assert {r["version"] for r in rows} == {"2020-02-27", "2019-01-17"}
    for r in rows:
        c = by_id[r["clause_id"]]
        assert r["text"] == c.text
        for slot in ("data_types", "recipients", "purposes", "places", "audience"):
            for v in r.get(slot) or []:
                if v["start"] >= 0:
                    assert c.text[v["start"] : v["end"]] == v["text"]
    practices = {r["practice"] for r in rows}
    assert {"collect", "share", "transfer_abroad", "retain", "user_access"} <= practices


def test_facade_extracts_statements_once_and_forgets_them_with_the_policy(tmp_path):
    from nlp import PolicyLens
    from nlp.config import Settings
    from tests.fakes import FakeEncoder

    settings = Settings(embed={"use_cache": False})
    lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
    path = tmp_path / "p.txt"
    path.write_text("We do not sell your data, but we share your email address with advertisers.")
    lens.load(path, policy_id="p")
    statements = lens.statements("p")
    assert {(s.practice, s.polarity) for s in statements} >= {
        ("sell", "denied"), ("share", "affirmed")
    }
    calls = []
    lens._extractor.extract = lambda clauses, **kw: calls.append(clauses) or []  # type: ignore
    assert lens.statements("p") == statements and not calls
    lens.remove("p")
    assert not lens._statements


_LISTED = (
    "Sharing\n\nWe may disclose your personal information to the following recipients:\n\n"
    "- payment service providers who settle payments;\n- law enforcement agencies.\n\n"
    "We do not sell your data, but we share your email address with advertisers.\n"
)


class _NoExtractor:
    """Stands in for the extractor where none may run: any extraction fails the test."""

    def extract(self, clauses, **kw):
        raise AssertionError(f"extracted {len(clauses)} clauses again")


def _lens(tmp_path, **practices):
    from nlp import PolicyLens
    from nlp.config import Settings
    from tests.fakes import FakeEncoder

    settings = Settings(embed={"cache_dir": tmp_path / "cache"}, practices=practices)
    return PolicyLens(settings, encoder=FakeEncoder(), classifier=None)


def test_a_second_lens_reads_the_statements_back_without_extracting(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(_LISTED)
    first = _lens(tmp_path)
    first.load(path, policy_id="p")
    said = first.statements("p")
    assert {(s.practice, s.polarity) for s in said} >= {("sell", "denied"), ("share", "affirmed")}
    second = _lens(tmp_path)  # a fresh lens knows nothing but what is on disk
    second._extractor = _NoExtractor()  # type: ignore[assignment]
    second.load(path, policy_id="p")
    assert second.statements("p") == said
    # Another extractor (here: another nearest-node threshold) never reads those statements.
    other = _lens(tmp_path, nearest_threshold=0.99)
    other._extractor = _NoExtractor()  # type: ignore[assignment]
    other.load(path, policy_id="p")
    with pytest.raises(AssertionError, match="extracted"):
        other.statements("p")


def test_statements_cached_by_other_extractor_code_are_not_read(tmp_path, monkeypatch):
    from nlp.practices import api

    path = tmp_path / "p.md"
    path.write_text(_LISTED)
    first = _lens(tmp_path)
    first.load(path, policy_id="p")
    first.statements("p")
    # The same settings and data files, but other rules in the code (no version bump).
    monkeypatch.setattr(api, "_code_digest", lambda: b"other code")
    second = _lens(tmp_path)
    second._extractor = _NoExtractor()  # type: ignore[assignment]
    second.load(path, policy_id="p")
    with pytest.raises(AssertionError, match="extracted"):
        second.statements("p")


def test_a_damaged_statement_cache_entry_is_extracted_again(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(_LISTED)
    lens = _lens(tmp_path)
    lens.load(path, policy_id="p")
    said = lens.statements("p")
    entries = list((tmp_path / "cache" / "statements").rglob("*.json"))
    assert len(entries) == 1
    entries[0].write_text('{"statements": {"x": [{"bogus": 1}]}}')
    again = _lens(tmp_path)
    again.load(path, policy_id="p")
    assert again.statements("p") == said


def test_an_item_asked_alone_keeps_its_lead_in(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(_LISTED)
    lens = _lens(tmp_path)
    lens.load(path, policy_id="p")
    item = next(c for c in lens.clauses("p") if c.text.startswith("payment service"))
    alone = lens.statements_for([item])[item.id]
    share = [s for s in alone if s.practice == "share"]
    assert share and share[0].recipients[0].id == "payment_processors"
    assert [s for s in lens.statements("p") if s.clause_id == item.id] == list(alone)


def test_prepare_gives_statements_and_add_keeps_them(tmp_path):
    path = tmp_path / "p.md"
    path.write_text(_LISTED)
    lens = _lens(tmp_path)
    plain = lens.prepare(path, policy_id="p", vectors=False, labels=False)
    assert plain.statements == ()  # only when asked for
    ready = lens.prepare(path, policy_id="p", vectors=False, labels=False, statements=True)
    ids = [c.id for c in ready.clauses]
    assert ready.statements and all(s.clause_id in ids for s in ready.statements)
    order = [ids.index(s.clause_id) for s in ready.statements]
    assert order == sorted(order)  # in clause order
    other = _lens(tmp_path / "elsewhere")  # no cache in common: only add() can give them
    other._extractor = _NoExtractor()  # type: ignore[assignment]
    other.add(ready.policy, ready.clauses, statements=ready.statements)
    assert other.statements("p") == list(ready.statements)


@pytest.mark.parametrize(("text", "vocabulary", "node"), [
    ("your child's photo", "audience", "children"),
    ("children's personal information", "audience", "children"),
    ("the advertiser's own cookies", "recipients", "advertisers"),
])
def test_a_possessive_names_what_its_noun_names(text, vocabulary, node):
    from nlp.practices import load_ontology

    assert node in {s.id for s in load_ontology().match(text, vocabulary)}


@pytest.mark.parametrize(("text", "named"), [
    ("For transfers to the US we rely on the Data Privacy Framework.", True),
    ("Your data may be stored in the US and the EU.", True),
    ("Please contact us with any questions.", False),  # the pronoun
    ("Tell us what you think.", False),
    ("HOW TO CONTACT US", False),  # a heading in capitals
    ("9. HOW TO CONTACT US If you have any questions, write to us.", False),
])
def test_a_form_in_capitals_names_the_country_only_as_written(text, named):
    from nlp.practices import load_ontology

    found = {s.id for s in load_ontology().match(text, "places")}
    assert ("united_states" in found) == named, found
