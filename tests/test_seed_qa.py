"""Questions about the bundled seed policy, answered with the real model, and the clause cited.

These are the behaviours the README promises; they load all-MiniLM-L6-v2 once for the session.
"""

from __future__ import annotations

import pytest

from nlp import PolicyLens, Settings

pytestmark = pytest.mark.slow

TRANSFER = "such as the United States and China"


@pytest.fixture(scope="session")
def lens(tmp_path_factory) -> PolicyLens:
    cache = tmp_path_factory.mktemp("cache")
    return PolicyLens(Settings(embed={"cache_dir": cache}))


# (question, verdict, a phrase the first citation must contain, the last heading of its section)
CASES = [
    (
        "Is my data sent to China?",
        "yes",
        TRANSFER,
        "International transfers of personal information",
    ),
    ("Is my data transferred to the United States?", "yes", "United States", None),
    (
        "Is my data sent to Brazil?",
        "not_stated",
        TRANSFER,
        "International transfers of personal information",
    ),
    (
        "How long do you keep my data?",
        "info",
        "We retain your personal information as long as",
        "D. RETENTION",
    ),
    ("Do you use cookies?", "yes", "cookies", None),
    ("Do you share my data with advertisers?", "yes", "marketing and advertising platforms", None),
    (
        "Do you share my personal information with law enforcement?",
        "yes",
        "law enforcement agencies",
        None,
    ),
    (
        "Can I request deletion of my personal information?",
        "yes",
        "request deletion",
        "Your rights",
    ),
    ("Can I opt out of marketing emails?", "yes", "opt-out", "Your rights"),
    (
        "How can I contact you about my personal information?",
        "info",
        "contact us",
        None,
    ),
    ("Do you collect my IP address?", "yes", "IP addresses", None),
    ("How do you protect my information?", "info", "security", "G. SECURITY MEASURES"),
    ("What does the policy say about children and minors?", "info", "minors", "F. MINORS"),
    ("Who is the data controller?", "info", "data controller", None),
    (
        "What is the legal basis for processing my personal information?",
        "info",
        "legal basis",
        "Legal basis for data processing",
    ),
    ("Which language version of the policy prevails?", "info", "English version shall prevail",
     "K. LANGUAGE"),
    ("Do you use Google Analytics?", "yes", "Google Analytics", None),
    ("Do cookies store my password?", "no", "do not store account numbers or passwords", None),
    (
        "Will you notify me when the privacy policy changes?",
        "yes",
        "inform you",
        "H. CHANGES TO THIS PRIVACY POLICY",
    ),
]


@pytest.mark.parametrize(
    ("question", "verdict", "phrase", "section"), CASES,
    ids=[str(c.values[0] if hasattr(c, "values") else c[0]) for c in CASES],
)
def test_seed_question_cites_the_right_clause(lens, question, verdict, phrase, section):
    ans = lens.ask(question)
    assert ans.version == "2020-02-27"
    assert ans.verdict == verdict, ans.answer
    assert ans.citations, ans.answer
    first = ans.citations[0]
    assert phrase.lower() in first.text.lower(), [c.text[:80] for c in ans.citations]
    if section:
        assert first.section.split(" > ")[-1].rstrip(".") == section
    text = lens.policy().version(ans.version).text
    assert text[first.start : first.end] == first.text


def test_contact_answer_cites_the_address(lens):
    ans = lens.ask("How can I contact you about my personal information?")
    assert any("DataProtection@service.alibaba.com" in c.text for c in ans.citations)


def test_unnamed_country_is_not_a_bare_yes(lens):
    ans = lens.ask("Is my data sent to Brazil?")
    assert ans.verdict == "not_stated"
    assert "does not name Brazil" in ans.answer
    assert "EEA" in ans.answer


def test_unmentioned_data_type_has_no_supporting_citation(lens):
    ans = lens.ask("Do you collect my fingerprints?")
    assert ans.verdict == "not_stated"
    assert ans.citations == ()


def test_selling_is_not_claimed(lens):
    assert lens.ask("Do you sell my personal information?").verdict == "not_stated"


def test_older_version_on_request(lens):
    ans = lens.ask("Is my data sent to China?", version="2019")
    assert ans.version == "2019-01-17"
    assert ans.verdict == "yes"
    assert ans.citations[0].section.startswith("G. VISITORS FROM THE EUROPEAN UNION")


def test_search_finds_transfer_clause(lens):
    hits = lens.search("data transfers outside Europe", top_k=5)
    assert any(TRANSFER in h.clause.text for h in hits[:3])
    assert all(h.clause.version == "2020-02-27" for h in hits)
