"""The answer stage on hand-made clauses: verdict rules without any model."""

from __future__ import annotations

import pytest

from nlp.answer import answer_question, parse_question
from nlp.types import Clause, Hit


def clause(text: str, section: tuple[str, ...] = ("Sharing",), context: str = "") -> Clause:
    return Clause(
        id=f"p:v1:{abs(hash(text)) % 10**8}",
        policy_id="p",
        version="v1",
        section=section,
        start=0,
        end=len(text),
        text=text,
        context=context,
    )


TRANSFER = clause(
    "We may transfer your personal information to countries outside of the EEA, such as the "
    "United States and China.",
    ("International transfers",),
)
NO_SELL = clause("We do not sell your personal information to anyone.", ("Sharing",))
COOKIES = clause("We use both session cookies and persistent cookies.", ("Cookies",))
RETAIN = clause(
    "We retain your personal information as long as we have a legitimate business need.",
    ("Retention",),
)
ALL = [TRANSFER, NO_SELL, COOKIES, RETAIN]


def hits(*pairs: tuple[Clause, float]) -> list[Hit]:
    return [Hit(c, score=1.0 / (i + 1), dense=d) for i, (c, d) in enumerate(pairs)]


# The frame's practices are the practices stage's ids and its slots the ontology's (issue 11: one
# vocabulary for questions and statements), so these expectations changed with it.
@pytest.mark.parametrize(
    ("question", "kind", "practice", "slots"),
    [
        ("Is my data sent to China?", "yesno", "transfer_abroad", ["china"]),
        ("Do you collect my fingerprints?", "yesno", "collect", ["biometrics"]),
        ("How long do you keep my data?", "info", "retain", []),
        ("Who do you share my data with?", "info", "share", []),
        ("Is my data transferred to the US?", "yesno", "transfer_abroad", ["united_states"]),
        ("Do you share my data with advertisers?", "yesno", "share", ["advertisers"]),
        ("Do you use cookies?", "yesno", "use", ["cookie_identifiers"]),
    ],
)
def test_parse_question(question, kind, practice, slots):
    q = parse_question(question)
    assert q.kind == kind
    assert q.practices[0] == practice
    named = [s.id for s in q.slots if s.id != "personal_information"]
    assert named == slots


@pytest.mark.parametrize(("question", "field", "expected"), [
    # A longer pattern at the verb wins when it is a company's practice ...
    ("Will I get a heads up if you change the policy?", "practices", ("notify",)),
    # ... or of the verb's own subject, never of another subject's label.
    ("Does youtube kids ask for my kid's name or address?", "practices", ("collect",)),
    ("Can flirtex hear me through my phone's mic?", "practices", ()),
    ("Can I ask for a copy of my data?", "practices", ("user_export", "user_access")),
    # A notice verb whose object is a recipient is a sharing; told to the user, a notice.
    ("Does parcels tell google's partners what I do on the site?", "practices", ("share",)),
    ("Do you tell the police about me?", "practices", ("share",)),
    ("Will you tell me if there is a breach?", "practices", ("notify",)),
    # The main clause says what an information question asks, not a fronted condition.
    ("If I call nordvpn support, how long do they keep the recording?", "focus", "duration"),
    ("How long do they keep the recording if I call support?", "focus", "duration"),
    ("If I have a question, who do I contact?", "focus", "contact"),
])
def test_the_reader_frames_the_question(question, field, expected):
    assert getattr(parse_question(question), field) == expected


def test_facebook_and_meta_are_one_recipient():
    from nlp.practices import StatementExtractor

    text = "We share the videos you watch with Meta Platforms."
    c = Clause("p:v1:meta", "p", "v1", (), 0, len(text), text)
    (st,) = StatementExtractor().extract(c)
    q = parse_question("Do you tell facebook what videos I watch?")
    assert tuple(r.id for r in st.recipients) == q.slot_ids("recipients") == ("meta",)


def test_us_pronoun_is_not_the_united_states():
    q = parse_question("Can you tell us what you collect?")
    assert not q.slot_ids("places")


def test_named_country_gives_yes_with_citation():
    ans = answer_question(
        "Is my data sent to China?",
        hits((TRANSFER, 0.6), (COOKIES, 0.2)),
        ALL,
        policy="p",
        version="v1",
    )
    assert ans.verdict == "yes"
    assert [c.clause_id for c in ans.citations] == [TRANSFER.id]
    assert "China" in ans.answer


def test_unnamed_country_under_general_transfer_clause_says_so():
    ans = answer_question(
        "Is my data sent to Brazil?",
        hits((TRANSFER, 0.5), (COOKIES, 0.2)),
        ALL,
        policy="p",
        version="v1",
    )
    assert ans.verdict == "not_stated"
    assert "does not name Brazil" in ans.answer
    assert "outside the EEA" in ans.answer
    assert [c.clause_id for c in ans.citations] == [TRANSFER.id]
    assert ans.reason == "not_named_general"


def test_unmentioned_data_type_is_not_stated_without_citations():
    ans = answer_question(
        "Do you collect my fingerprints?",
        hits((RETAIN, 0.4), (COOKIES, 0.3)),
        ALL,
        policy="p",
        version="v1",
    )
    assert ans.verdict == "not_stated"
    assert ans.citations == ()
    assert "fingerprints" in ans.answer


def test_negated_statement_gives_no():
    ans = answer_question(
        "Do you sell my personal information?",
        hits((NO_SELL, 0.7), (TRANSFER, 0.3)),
        ALL,
        policy="p",
        version="v1",
    )
    assert ans.verdict == "no"
    assert ans.citations[0].clause_id == NO_SELL.id


def test_info_question_quotes_best_clause():
    ans = answer_question(
        "How long do you keep my data?",
        hits((RETAIN, 0.55), (TRANSFER, 0.2)),
        ALL,
        policy="p",
        version="v1",
    )
    assert ans.verdict == "info"
    assert ans.citations[0].clause_id == RETAIN.id
    assert "retain" in ans.answer


def test_irrelevant_hits_are_not_cited():
    ans = answer_question(
        "What is the capital of France?", hits((RETAIN, 0.05)), ALL, policy="p", version="v1"
    )
    assert ans.verdict == "not_stated"
    assert ans.citations == ()


def test_json_shape_is_stable():
    ans = answer_question(
        "Is my data sent to China?", hits((TRANSFER, 0.6)), ALL, policy="p", version="v1"
    )
    d = ans.to_dict()
    # issue 11 adds the reason code; the rest of the documented shape stays.
    assert list(d) == ["question", "policy", "version", "verdict", "answer", "reason", "citations"]
    assert d["reason"] == "stated"
    assert list(d["citations"][0]) == ["clause_id", "section", "text", "score", "start", "end"]


def test_list_lead_in_is_quoted_with_its_items():
    lead = clause("We process personal information only where it is:", ("Legal basis",))
    items = [
        Clause(f"p:v1:i{i}", "p", "v1", ("Legal basis",), 0, len(t), t, "bullet", lead.text)
        for i, t in enumerate(["necessary for a contract;", "based on your consent."])
    ]
    ans = answer_question(
        "On what basis do you process my data?",
        hits((lead, 0.6)),
        [lead, *items],
        policy="p",
        version="v1",
    )
    assert ans.verdict == "info"
    assert "necessary for a contract; based on your consent" in ans.answer


def test_typographic_apostrophe_negation_gives_no():
    no_sell = clause("We don’t sell your information to anyone.", ("Sharing",))
    ans = answer_question(
        "Do you sell my personal information?",
        hits((no_sell, 0.6)),
        [no_sell],
        policy="p",
        version="v1",
    )
    assert ans.verdict == "no"


def test_unstated_practice_is_named_in_the_answer():
    ans = answer_question(
        "Do you sell my personal information?", hits((COOKIES, 0.3)), ALL, policy="p", version="v1"
    )
    assert ans.verdict == "not_stated"
    assert ans.answer == "The policy does not say that personal information is sold."
    assert ans.citations == ()


def test_lexicon_is_read_from_its_data_file(tmp_path):
    import json

    from nlp.answer import lexicon

    doc = json.loads(lexicon.DATA_FILE.read_text(encoding="utf-8"))
    assert (doc["format"], doc["version"]) == ("policylens-lexicon", 1)
    assert list(lexicon.PLACES) == list(doc["places"])
    assert lexicon.ACTIONS["sell"] == tuple(doc["actions"]["sell"])
    assert lexicon.region_of("Norway") == ["European Economic Area", "Europe"]
    # A file of another version is refused with a message naming it, not misread.
    other = tmp_path / "lexicon.json"
    other.write_text(json.dumps({**doc, "version": 99}), encoding="utf-8")
    with pytest.raises(ValueError, match="not a policylens-lexicon file of version 1"):
        lexicon.read_lexicon(other)


def test_a_word_outside_the_patterns_steers_which_statement_decides():
    # Both clauses state the user's choice over cookies; the question's own word ("essential")
    # is in the one that denies it, ranked second: it decides, and is cited first.
    choose = clause("You may disable cookies at any time.", ("Cookies",))
    essential = clause("Essential cookies cannot be disabled.", ("Cookies",))
    ans = answer_question(
        "can I switch off the essential cookies?",
        [Hit(choose, score=1.0, dense=0.65), Hit(essential, score=1.0, dense=0.6)],
        [choose, essential],
        policy="p",
        version="v1",
    )
    assert ans.verdict == "no", ans
    assert ans.citations[0].clause_id == essential.id


def test_words_outside_the_patterns_are_never_required():
    ans = answer_question(
        "can I switch off the essential cookies?",
        hits((clause("You may disable cookies at any time.", ("Cookies",)), 0.62),),
        [],
        policy="p",
        version="v1",
    )
    assert ans.verdict == "yes", ans


@pytest.mark.parametrize(("focus", "text", "holds"), [
    ("duration", "All your data is erased within 7 calendar days of deletion.", True),
    ("duration", "We answer requests within 30 business days.", True),
    ("duration", "We keep your data for our records.", False),
    ("outcome", "Uninstalling the app will not immediately delete your account.", True),
    ("outcome", "Your account may be deactivated after two weeks.", True),
    ("outcome", "You can contact us with questions.", False),
    ("method", "To download a copy go to: netflix.com/account/getmyinfo", True),
    ("method", "You may request erasure of your personal data at privacy.finnair.com.", True),
    ("method", "Booking.com is one of the companies of the group.", False),
])
def test_the_evidence_an_information_question_asks_for(focus, text, holds):
    from nlp.answer.patterns import load_question_patterns

    assert bool(load_question_patterns().focus_evidence[focus].search(text)) == holds


@pytest.mark.parametrize(("question", "verdict"), [
    ("can my 16 year old use the app?", "no"),
    ("I'm 19, can I use the app?", "yes"),
])
def test_a_minimum_age_stated_as_and_above(question, verdict):
    c = clause("We restrict the use of our Services to individuals age 18 and above.",
               ("Children",))
    assert answer_question(question, hits((c, 0.7)), [c], policy="p",
                           version="v1").verdict == verdict


@pytest.mark.parametrize(("text", "verdict", "reason"), [
    # naming no recipient, a denial of handing over denies it to anyone ...
    ("We do not share your precise location.", "no", "denied_in_general"),
    # ... but a denial of another practice says nothing of sharing
    ("We do not collect your precise location.", "not_stated", "no_statement"),
])
def test_a_denial_naming_no_recipient(text, verdict, reason):
    c = clause(text)
    ans = answer_question("Do you share my location with advertisers?", hits((c, 0.7)), [c],
                          policy="p", version="v1")
    assert (ans.verdict, ans.reason) == (verdict, reason)


@pytest.mark.parametrize(("text", "verdict"), [
    # a recipient named only in general ("third parties") is denied it as well ...
    ("We do not share your precise location.", "no"),
    # ... while an affirmation must still name some recipient ("share buttons" share no data)
    ("Our pages have share buttons for your location.", "not_stated"),
])
def test_a_denial_naming_no_recipient_answers_a_question_of_third_parties(text, verdict):
    c = clause(text)
    ans = answer_question("Do third parties get my location?", hits((c, 0.7)), [c],
                          policy="p", version="v1")
    assert ans.verdict == verdict, ans



def test_a_denial_that_refers_back_to_data_takes_the_data_named_before_it():
    from nlp.practices import StatementExtractor

    first = clause("Some of the games may capture the full name and photograph of children.",
                   ("Children",))
    denial = clause("However, these data attributes are stored on the device and cannot be "
                    "accessed by us.", ("Children",))
    sts = {c.id: tuple(StatementExtractor().extract(c)) for c in (first, denial)}
    ans = answer_question("can you see my kid's photo?", [Hit(denial, 1.0, 0.6)],
                          [first, denial], policy="p", version="v1", statements=sts)
    assert ans.verdict == "no", ans
    # with nothing before it that names data, the denial covers nothing
    alone = answer_question("can you see my kid's photo?", [Hit(denial, 1.0, 0.6)], [denial],
                            policy="p", version="v1", statements={denial.id: sts[denial.id]})
    assert alone.verdict != "no"


def test_a_clause_agreeing_with_the_verdict_moves_up_the_citations():
    contact = clause("Contact us at privacy@example.com with any questions.", ("Contact",))
    files = clause("Cookies are small text files placed on your device.", ("Cookies",))
    scope = clause("This policy applies to our website and apps.", ("About",))
    never = clause("We never sell data about you.", ("Sale",))
    ans = answer_question(
        "Do you sell my personal information?",
        hits((contact, 0.6), (NO_SELL, 0.58), (files, 0.5), (never, 0.48), (scope, 0.45)),
        [*ALL, contact, files, scope, never],
        policy="p",
        version="v1",
    )
    assert ans.verdict == "no"
    cited = [c.clause_id for c in ans.citations]
    # Retrieval order alone would cite the files clause third; the second denial goes before it.
    assert set(cited[:3]) == {NO_SELL.id, never.id, contact.id}
