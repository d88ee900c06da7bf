"""Segment: clauses with section paths, lead-in context, exact offsets and stable ids."""

from __future__ import annotations

import hashlib
import json
import re
import sys
from pathlib import Path

import pytest

from nlp.config import SegmentSettings
from nlp.ingest import load_policy, parse_policy
from nlp.segment import PARSE_VERSION, segment_policy, segment_version, split_sentences
from nlp.serialize import to_record
from nlp.types import Clause, Policy, PolicyVersion

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parent.parent / "corpora" / "000_ce4448d9c54926ad.txt"
FIXTURES = ["brightleaf.html", "quillnote.md", "parcelpath.txt"]

RECIPIENTS_LEAD_IN = (
    "We may disclose (or provide access to) personal information to the following categories "
    "of recipients:"
)


@pytest.fixture(scope="module")
def seed() -> Policy:
    return load_policy(SEED)


@pytest.fixture(scope="module")
def seed_clauses(seed: Policy) -> list[Clause]:
    return segment_policy(seed)


def _of(clauses: list[Clause], version: str) -> list[Clause]:
    return [c for c in clauses if c.version == version]


def _find(clauses: list[Clause], needle: str) -> Clause:
    found = [c for c in clauses if needle in c.text]
    assert len(found) == 1, (needle, [c.text[:60] for c in found])
    return found[0]


# --- invariants on every input ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["seed", *FIXTURES])
def test_offsets_map_back_exactly(name: str, seed: Policy) -> None:
    policy = seed if name == "seed" else load_policy(DATA / name)
    by_label = {v.label: v for v in policy.versions}
    clauses = segment_policy(policy)
    assert clauses
    for c in clauses:
        assert by_label[c.version].text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.policy_id == policy.id


@pytest.mark.parametrize("name", ["seed", *FIXTURES])
def test_ids_are_unique_and_stable(name: str, seed: Policy) -> None:
    policy = seed if name == "seed" else load_policy(DATA / name)
    first = segment_policy(policy)
    again = segment_policy(load_policy(SEED if name == "seed" else DATA / name))
    assert [c.id for c in first] == [c.id for c in again]
    assert len({c.id for c in first}) == len(first)
    assert all(re.fullmatch(rf"{policy.id}:{c.version}:[0-9a-f]{{12}}", c.id) for c in first)


@pytest.mark.parametrize("name", ["seed", *FIXTURES])
def test_headings_are_sections_not_clauses(name: str, seed: Policy) -> None:
    policy = seed if name == "seed" else load_policy(DATA / name)
    for version in policy.versions:
        headings = {version.text[s:e] for s, e, _ in version.headings}
        clauses = segment_version(policy.id, version)
        assert not headings & {c.text for c in clauses}
        assert {c.section[-1] for c in clauses if c.section} <= headings


# --- the seed ---------------------------------------------------------------------------------


def test_seed_clauses_cover_both_versions_newest_first(seed_clauses: list[Clause]) -> None:
    labels = [c.version for c in seed_clauses]
    assert labels[0] == "2020-02-27" and labels[-1] == "2019-01-17"
    assert labels == sorted(labels, reverse=True)
    for label in ("2020-02-27", "2019-01-17"):
        kinds = {c.kind for c in _of(seed_clauses, label)}
        assert kinds == {"sentence", "bullet", "table_row"}
        assert len(_of(seed_clauses, label)) > 150


@pytest.mark.parametrize(
    ("label", "letters"), [("2020-02-27", "ABCDEFGHIJK"), ("2019-01-17", "ABCDEFGHI")]
)
def test_seed_sections(seed_clauses: list[Clause], label: str, letters: str) -> None:
    clauses = _of(seed_clauses, label)
    tops = []
    for c in clauses:
        if c.section and c.section[0] not in tops:
            tops.append(c.section[0])
    assert [t[0] for t in tops] == list(letters)
    paths = {c.section for c in clauses}
    assert ("A. COLLECTION OF INFORMATION", "Information you provide to us") in paths
    assert ("E. COOKIES", "Cookies we use") in paths
    visitors = next(t for t in tops if "VISITORS FROM THE EUROPEAN UNION" in t)
    assert (visitors, "Your rights") in paths
    # The introduction before section A has no section.
    assert clauses[0].section == () and clauses[0].text.startswith("Note: this Alibaba.com")


@pytest.mark.parametrize(("label", "letter"), [("2020-02-27", "I"), ("2019-01-17", "G")])
def test_seed_international_transfers_clause(
    seed_clauses: list[Clause], label: str, letter: str
) -> None:
    c = _find(_of(seed_clauses, label), "such as the United States and China")
    assert c.section == (
        f"{letter}. VISITORS FROM THE EUROPEAN UNION",
        "International transfers of personal information",
    )
    assert c.kind == "sentence"
    assert c.text.startswith("In connection with our provision of the Platform")
    assert c.text.endswith("the United States and China.")


def test_seed_recipient_bullets_carry_the_lead_in(seed_clauses: list[Clause]) -> None:
    for label in ("2020-02-27", "2019-01-17"):
        clauses = _of(seed_clauses, label)
        users = _find(clauses, "Other Platform Users where necessary")
        assert users.kind == "bullet" and users.context == RECIPIENTS_LEAD_IN
        assert users.text.startswith("Other Platform Users")  # marker stripped
        sub = _find(clauses, "custom agents for customs clearances purposes")
        assert sub.kind == "bullet"
        assert sub.context.startswith(RECIPIENTS_LEAD_IN)
        assert "Categories of these partners or service providers include:" in sub.context
        advisers = _find(clauses, "To our professional advisers")
        assert advisers.context == RECIPIENTS_LEAD_IN


def test_seed_cookie_table_rows_are_table_row_clauses(seed_clauses: list[Clause]) -> None:
    for label in ("2020-02-27", "2019-01-17"):
        rows = [c for c in _of(seed_clauses, label) if c.kind == "table_row"]
        assert [r.text.split(" ")[0] for r in rows] == [
            "Essential",
            "Statistical",
            "Personalisation",
            "Marketing",
        ]
        assert all(r.section == ("E. COOKIES", "Cookies we use") for r in rows)
        assert all(r.context == "Types of cookie | Who serves these cookies" for r in rows)
        assert "improve and optimize our Platform and its security." in rows[1].text


def test_seed_paragraph_broken_across_pages_is_one_clause(seed_clauses: list[Clause]) -> None:
    new = _of(seed_clauses, "2020-02-27")
    c = _find(new, "may submit complaints regarding the products")
    assert c.text.startswith("Please note, Buyers and/or Sellers may submit complaints")
    c = _find(new, "statistical purposes) if and where this is permitted")
    assert c.text.endswith("permitted by applicable data protection laws.")
    old = _of(seed_clauses, "2019-01-17")
    c = _find(old, "In some instances, you may be required to provide us")
    assert c.text.endswith("use all the features of our Platform.")


DEBRIS = re.compile(
    r"web\.archive\.org|\]\(|\*\*|<p|</|<ul|^\d+/\d+$|Rules List|©|Agreements in|EXHIBIT|"
    r"icburule|Follow Us|Browse Alphabetically|Table of Contents"
)


def test_seed_clauses_hold_no_debris(seed_clauses: list[Clause]) -> None:
    bad = [c.text[:80] for c in seed_clauses if DEBRIS.search(c.text) or DEBRIS.search(c.context)]
    assert not bad


def test_seed_sentences_do_not_break_on_abbreviations(seed_clauses: list[Clause]) -> None:
    new = _of(seed_clauses, "2020-02-27")
    assert _find(new, "Company Reg. No. 200720572D").text.startswith("If you are in the EEA")
    google = _find(new, 'Google, Inc. ("Google")')
    assert google.text.startswith("Google Analytics (More information) Our Platform uses")
    eg = _find(new, "(e.g. like advertising, interactive content and analytics)")
    assert eg.text.startswith("Third party cookies enable")
    mail = _find(new, "A copy of those clauses can be requested from")
    assert mail.text.endswith("DataProtection@service.alibaba.com.")
    url = _find(new, "Cookie Preferences Tool")
    assert url.text.endswith("https://buyercentral.alibaba.com/privacy/cookie_setting.htm.")


def test_long_bullets_are_cited_sentence_by_sentence(seed: Policy) -> None:
    new = seed.latest
    short = segment_version(seed.id, new)
    parts = [c for c in short if c.section[-1:] == ("Information that we collect automatically",)]
    assert any(c.text.startswith("In some countries, including countries") for c in parts)
    assert all(c.kind == "bullet" for c in parts)
    whole = segment_version(seed.id, new, SegmentSettings(max_bullet_chars=100_000))
    visit = _find(whole, "If you visit our Platform, we will automatically collect")
    assert "In some countries" in visit.text and visit.kind == "bullet"


# --- fixtures ---------------------------------------------------------------------------------


def test_html_fixture_clauses() -> None:
    clauses = segment_policy(load_policy(DATA / "brightleaf.html"))
    sub = _find(clauses, "heart rate, if you connect a wearable device;")
    assert sub.kind == "bullet" and sub.section == ("1. Information we collect",)
    assert "We collect the following information" in sub.context
    assert "Health and fitness data you choose to record:" in sub.context
    police = _find(clauses, "law enforcement authorities")
    assert police.kind == "bullet" and police.context == "We share it only with:"
    rows = [c for c in clauses if c.kind == "table_row"]
    assert [r.text.split("\t")[0] for r in rows] == ["bl_session", "_ga", "bl_consent"]
    assert {r.context for r in rows} == {"Cookie | Purpose | Duration"}
    loc = _find(clauses, "precise location of your device")
    assert loc.section == ("1. Information we collect", "Location data")


def test_markdown_fixture_clauses() -> None:
    clauses = segment_policy(load_policy(DATA / "quillnote.md"))
    rows = [c for c in clauses if c.kind == "table_row"]
    assert len(rows) == 3 and all(r.section == ("How we use your data",) for r in rows)
    assert rows[0].context == "Purpose | Legal basis | Data used"
    crash = _find(clauses, "crash reports")
    assert "Usage data: which features you use" in crash.context
    assert crash.context.startswith("We collect only what we need to run the service:")
    stripe = _find(clauses, "(Stripe, Inc.)")
    assert stripe.text.endswith("our payment provider (Stripe, Inc.).")
    ie = _find(clauses, "i.e. when a court")
    assert ie.text.startswith("We may disclose data when required by law")
    assert _find(clauses, "biometric").section == ("What we collect", "Data we do not collect")


def test_text_fixture_clauses() -> None:
    clauses = segment_policy(load_policy(DATA / "parcelpath.txt"))
    sms = _find(clauses, "by text message")
    assert sms.section == ("1. INFORMATION WE COLLECT", "1.3 Information from our customers")
    assert "tracking updates:" in sms.context
    broken = _find(clauses, "so that we can answer questions from senders and recipients")
    assert broken.kind == "sentence" and broken.section == ("2. HOW WE USE INFORMATION",)
    rows = [c for c in clauses if c.kind == "table_row"]
    assert len(rows) == 3 and rows[0].context == "Record | Retention period"
    canada = _find(clauses, "e.g. in Canada or Mexico")
    assert canada.text.startswith("Partner carriers may be located")
    address = _find(clauses, "500 Harbor Blvd., Long Beach")
    assert address.text.startswith("Parcelpath Delivery, Inc., Attn: Privacy Office")


# --- settings, fallbacks, helpers -------------------------------------------------------------


def test_min_clause_chars_drops_short_clauses() -> None:
    clauses = segment_policy(
        load_policy(DATA / "quillnote.md"), SegmentSettings(min_clause_chars=60)
    )
    assert clauses and all(len(c.text) >= 60 for c in clauses)


def test_version_without_recorded_headings_still_gets_sections() -> None:
    text = (
        "A. COLLECTION\n\nWe collect your name.\n\nCookies we use\n\n"
        "We use these cookies:\n\n- session cookies;\n  - login;\n- analytics cookies.\n\n"
        "B. SHARING\n\nWe share nothing."
    )
    clauses = segment_version("x", PolicyVersion(label="v1", text=text))
    assert [(c.section, c.kind, c.text) for c in clauses] == [
        (("A. COLLECTION",), "sentence", "We collect your name."),
        (("A. COLLECTION", "Cookies we use"), "sentence", "We use these cookies:"),
        (("A. COLLECTION", "Cookies we use"), "bullet", "session cookies;"),
        (("A. COLLECTION", "Cookies we use"), "bullet", "login;"),
        (("A. COLLECTION", "Cookies we use"), "bullet", "analytics cookies."),
        (("B. SHARING",), "sentence", "We share nothing."),
    ]
    assert clauses[3].context == "We use these cookies: session cookies;"


def test_fallback_finds_numbered_headings_but_keeps_numbered_items() -> None:
    text = (
        "1. INTRODUCTION\n\nThis policy explains what we do with your data.\n\n"
        "2. Sharing\n\nWe share data with:\n\n1. our payment processor;\n2. the tax office."
    )
    clauses = segment_version("x", PolicyVersion(label="v1", text=text))
    assert [(c.section, c.kind, c.text) for c in clauses] == [
        (("1. INTRODUCTION",), "sentence", "This policy explains what we do with your data."),
        (("2. Sharing",), "sentence", "We share data with:"),
        (("2. Sharing",), "bullet", "our payment processor;"),
        (("2. Sharing",), "bullet", "the tax office."),
    ]


def test_identical_sentences_get_distinct_ids() -> None:
    text = "Cookies\n\nWe may change this.\n\nSharing\n\nWe may change this. We may change this."
    clauses = segment_version("x", PolicyVersion(label="v1", text=text))
    assert len(clauses) == 3 and len({c.id for c in clauses}) == 3


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("See www.example.com/a.html. Then stop.", ["See www.example.com/a.html.", "Then stop."]),
        (
            "Write to a.b@example.co.uk. We answer.",
            ["Write to a.b@example.co.uk.", "We answer."],
        ),
        ("Acme Ltd. (Reg. No. 123) is the controller.", ["Acme Ltd. (Reg. No. 123) is the controller."]),
        ("We use data, e.g. your IP, i.e. a number. Done.", ["We use data, e.g. your IP, i.e. a number.", "Done."]),
        ("See Cal. Civ. Code § 1798.83 for details. Next.", ["See Cal. Civ. Code § 1798.83 for details.", "Next."]),
        ("We use it to: i. run it; ii. secure it. Done.", ["We use it to: i. run it; ii. secure it.", "Done."]),
    ],
)  # fmt: skip
def test_split_sentences(text: str, expected: list[str]) -> None:
    assert [text[a:b] for a, b in split_sentences(text)] == expected


def test_a_policy_on_one_line_longer_than_spacy_takes_is_segmented() -> None:
    # spaCy refuses texts over 1,000,000 characters; one line of 1.2 MB used to exit 70.
    sentence = (
        "We" + " collect your e-mail address to run the service and" * 200 + " never sell it."
    )
    line = " ".join([sentence] * 120)
    policy = parse_policy(line.encode(), fmt="txt", name="one-line")
    assert len(policy.latest.text) > 1_000_000
    clauses = segment_policy(policy)
    text = policy.latest.text
    assert all(text[c.start : c.end] == c.text for c in clauses)
    assert [c.text for c in clauses] == [sentence] * 120  # cut at sentence ends, none lost


def test_a_long_text_without_sentence_ends_is_cut_at_spaces() -> None:
    text = "we collect data " * 100_000
    spans = split_sentences(text)
    assert len(spans) > 1 and all(b - a <= 20_000 for a, b in spans)
    assert " ".join(text[a:b] for a, b in spans) == text.strip()


# --- the stage version ----------------------------------------------------------------------

GOLDEN = DATA / "parse_golden.json"
# Inputs whose parsed and segmented output is recorded in GOLDEN: the seed and one file per format
# and quirk (Windows-1252, HTML pages, Markdown, plain-text exports).
GOLDEN_INPUTS = [SEED] + [
    DATA / name
    for name in (
        "brightleaf.html", "cp1252.txt", "parcelpath.txt", "quillnote.md",
        "corpus/kitemail.txt", "corpus/lumenchat.md", "corpus/orbitfit.html",
    )
]  # fmt: skip
UPDATE_GOLDEN = "PYTHONPATH=. python tests/test_segment.py --update-golden"


def _parse_digests() -> dict[str, str]:
    """sha256 of the canonical JSON of each golden input, parsed and segmented."""
    out = {}
    for path in GOLDEN_INPUTS:
        # Read as an upload, so that nothing depends on where the checkout is.
        policy = parse_policy(path.read_bytes(), fmt=path.suffix, name=path.stem, source=path.name)
        record = {"policy": to_record(policy), "clauses": to_record(segment_policy(policy))}
        canonical = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        out[path.name] = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    return out


def _write_golden() -> None:
    record = {"parse_version": PARSE_VERSION, "digests": _parse_digests()}
    GOLDEN.write_text(json.dumps(record, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def test_parse_version_is_bumped_when_the_output_changes() -> None:
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    recorded: int = golden["parse_version"]
    digests = _parse_digests()
    changed = sorted(k for k in digests.keys() | golden["digests"].keys()
                     if digests.get(k) != golden["digests"].get(k))  # fmt: skip
    if changed and recorded == PARSE_VERSION:
        pytest.fail(
            f"the output of ingest/segment changed for {', '.join(changed)} but "
            f"nlp.segment.PARSE_VERSION is still {PARSE_VERSION}: caches would serve the old "
            "output. If the change is intended, bump PARSE_VERSION (nlp/segment/version.py) and "
            f"rewrite the golden file with `{UPDATE_GOLDEN}`"
        )
    assert recorded <= PARSE_VERSION, "PARSE_VERSION never goes down"
    if changed or recorded != PARSE_VERSION:
        pytest.fail(
            f"PARSE_VERSION is {PARSE_VERSION} but {GOLDEN.name} records {recorded}: "
            f"rewrite it with `{UPDATE_GOLDEN}`"
        )


if __name__ == "__main__" and sys.argv[1:] == ["--update-golden"]:
    _write_golden()
    print(f"wrote {GOLDEN} for PARSE_VERSION {PARSE_VERSION}")


def _clause_spans(settings: SegmentSettings) -> set[tuple[str, str, int, int]]:
    files = [SEED, DATA / "brightleaf.html", DATA / "quillnote.md", DATA / "parcelpath.txt"]
    files += sorted(
        f for f in (DATA / "corpus").glob("*.*") if f.suffix in {".md", ".txt", ".html"}
    )
    return {
        (p.id, c.version, c.start, c.end)
        for p in (load_policy(f) for f in files)
        for c in segment_policy(p, settings)
    }


def test_rule_sentences_agree_with_spacys_sentencizer_on_the_bundled_policies():
    pytest.importorskip("spacy")
    rules = _clause_spans(SegmentSettings(sentencizer="rules"))
    spacy = _clause_spans(SegmentSettings(sentencizer="spacy"))
    assert len(rules & spacy) / len(rules | spacy) >= 0.99


@pytest.mark.parametrize(
    ("text", "sentences"),
    [
        (
            "Write to privacy@example.com. We answer in 30 days.",
            ["Write to privacy@example.com.", "We answer in 30 days."],
        ),
        (
            "See https://example.com/privacy/. It changed.",
            ["See https://example.com/privacy/.", "It changed."],
        ),
        (
            "Contact DataProtection.AE@example.com to ask.",
            ["Contact DataProtection.AE@example.com to ask."],
        ),
        ("We keep it... Then we delete it.", ["We keep it... Then we delete it."]),
        (
            "Mail J. Smith in the U.S. office. Thanks!",
            ["Mail J. Smith in the U.S. office.", "Thanks!"],
        ),
        ("We sell data.We never rent it.", ["We sell data.", "We never rent it."]),
        ('He said "stop." Then it ended.', ['He said "stop."', "Then it ended."]),
        (
            "Voir la section 2.1. Nous gardez-vous ? Oui !",
            ["Voir la section 2.1.", "Nous gardez-vous ?", "Oui !"],
        ),
        ("我们收集数据。 我们不出售。", ["我们收集数据。", "我们不出售。"]),
        ("Smith v. Jones is cited. Next.", ["Smith v. Jones is cited.", "Next."]),
    ],
)
def test_rule_sentences(text, sentences):
    assert [text[a:b] for a, b in split_sentences(text)] == sentences


def test_the_spacy_sentencizer_without_spacy_names_its_extra(monkeypatch):
    from nlp.errors import MissingExtraError

    monkeypatch.setitem(sys.modules, "spacy", None)
    with pytest.raises(MissingExtraError, match=r"policylens\[spacy\]"):
        split_sentences("One. Two.", sentencizer="spacy")


@pytest.mark.parametrize(("lead", "expected"), [
    ("We may share your personal data with the parties set out below.", True),
    ("We may share your personal data with:", True),
    ("We care about your privacy.", False),
])
def test_a_list_lead_in_ends_with_a_colon_or_points_ahead(lead: str, expected: bool) -> None:
    text = f"# Sharing\n\n{lead}\n\n- Advertising networks, including Google.\n"
    policy = parse_policy(text, fmt="md", name="acme")
    [item] = [c for c in segment_policy(policy) if c.kind == "bullet"]
    assert (item.context == lead) == expected, item.context
