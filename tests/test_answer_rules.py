"""The question reader, the statement matcher, the verdict table and the safety rules, unit by unit.

No model runs: statements come from the practices stage's rules alone (as ``answer_question``
extracts them when none are given).
"""

from __future__ import annotations

import json

import pytest

from nlp.answer import (
    Matcher,
    answer_question,
    company_names,
    decide_topic,
    load_question_patterns,
    load_verdict_table,
    parse_question,
    retrieval_query,
)
from nlp.answer.decision import MATCH_LEVELS, TABLE_FILE
from nlp.answer.reader import Slot
from nlp.practices import load_ontology
from nlp.types import Clause, Hit, Statement


def clause(text: str, section: tuple[str, ...] = ("Sharing",), kind: str = "sentence") -> Clause:
    return Clause(f"p:v1:{abs(hash(text)) % 10**8}", "p", "v1", section, 0, len(text), text, kind)  # type: ignore[arg-type]


def ask(question: str, *pairs: tuple[Clause, float], extra: tuple[Clause, ...] = ()):
    hits = [Hit(c, score=1.0 / (i + 1), dense=d) for i, (c, d) in enumerate(pairs)]
    return answer_question(
        question, hits, [c for c, _ in pairs] + list(extra), policy="p", version="v1"
    )


# -- the reader: kind by syntax -------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("If I close my account, do you still keep my photos?", "yesno"),
        ("if I close my account do you still keep my photos", "yesno"),
        ("When I scan a barcode do you keep the photo?", "yesno"),
        ("I'm 16, can I give nord my info?", "yesno"),
        ("my data is sold?", "yesno"),
        ("Is there a way to delete my data?", "yesno"),
        ("How long do you keep my data?", "info"),
        ("Can you tell me how long you keep my data?", "info"),
        ("On what basis do you process my data?", "info"),
        ("I'm in europe, where is my data stored?", "info"),
        ("If we cancel our team, how long do you keep our payment details?", "info"),
        ("When do you delete my data?", "info"),
        ("Tell me who gets my data", "info"),
    ],
)
def test_kind_comes_from_the_main_clause(question, kind):
    assert parse_question(question).kind == kind


def test_a_leading_condition_names_no_slot():
    q = parse_question("If I close my account, do you still keep my photos?")
    assert q.practices[0] == "retain"
    assert [s.id for s in q.slots] == ["photos"]  # "account" belongs to the condition


@pytest.mark.parametrize(
    ("question", "practice"),
    [
        ("Can I delete my account?", "user_delete"),
        ("Do you delete my data when I close my account?", "delete"),
        ("Do advertisers get my location?", "share"),
        ("Do you get my location?", "collect"),
        ("Will my kid get targeted ads?", "use"),
        ("Is my data sent to advertisers?", "share"),
        ("Is my data sent to Brazil?", "transfer_abroad"),
        ("Do you sell or share my data?", "sell"),
        ("How do I opt out of marketing emails?", "user_object"),
    ],
)
def test_who_does_the_verb_decides_the_practice(question, practice):
    assert parse_question(question).practices[0] == practice


@pytest.mark.parametrize(("question", "place"), [
    ("does taimi send my info to ukraine?", "ukraine"),
    ("is my data stored in vietnam?", "vietnam"),
    ("Do you move my data to the UAE?", "united_arab_emirates"),
])
def test_any_country_is_a_place(question, place):
    q = parse_question(question)
    assert q.practices[0] == "transfer_abroad"
    assert ("places", place) in {(s.vocabulary, s.id) for s in q.slots}


@pytest.mark.parametrize(("question", "practices"), [
    ("can viber staff read my private chats?", ("collect",)),
    ("do you keep my encrypted messages?", ("retain", "collect")),
])
def test_a_practice_word_describing_the_thing_is_not_the_verb(question, practices):
    assert parse_question(question).practices == practices


@pytest.mark.parametrize(("question", "names", "subject", "recipient"), [
    # "they" refers back to the buyer the condition names: the question is whether it gets data
    ("if acme gets bought by another company, do they get my data?", {"acme"}, "recipient",
     "acquirers"),
    ("if I log in with google, do they get my email?", set(), "recipient", "google"),
    # ... but to the company when the company is named after it
    ("if my company signs up for acme, do they use my info?", {"acme"}, "first_party", None),
    ("if I delete my account, do they keep my photos?", set(), "first_party", None),
])
def test_a_pronoun_subject_refers_to_the_recipient_of_the_condition(
    question, names, subject, recipient,
):
    q = parse_question(question, names=names)
    assert q.subject == subject
    got = [s.id for s in q.slots if s.vocabulary == "recipients"]
    assert (recipient in got) if recipient else not got or subject == "first_party"


def test_recording_is_asked_as_keeping_and_as_collecting():
    # "do you record my calls" is answered by "we do not store the contents of calls" (retain)
    # and by "we record calls" (collect, which implies keeping).
    assert parse_question("Do you record my voice calls?").practices == ("retain", "collect")


def test_slots_carry_the_ontology_ids():
    onto = load_ontology()
    q = parse_question("Do you give my pics or my kid's location to the feds?")
    ids = {(s.vocabulary, s.id) for s in q.slots}
    assert {("data_types", "photos"), ("data_types", "location"),
            ("recipients", "authorities"), ("audience", "children")} <= ids
    for vocab, nid in ids:
        assert nid in onto.nodes[vocab]


def test_the_company_name_is_the_first_party_never_a_slot_or_query_word():
    q = parse_question("Does Acme sell my data to Google?", names={"acme"})
    assert q.subject == "first_party"
    assert "acme" not in q.query.lower()
    assert [s.id for s in q.slots if s.vocabulary == "recipients"] == ["google"]


@pytest.mark.parametrize("question", [
    "Does the company collect my location?",
    "Does this site keep my data after I delete my account?",
    "Does the app sell my data to advertisers?",
])
def test_the_company_as_the_app_or_the_site_is_the_first_party(question):
    # "the company" is no third-party recipient and "this site" no browsing history
    q = parse_question(question)
    assert q.subject == "first_party"
    assert not {"third_parties", "browsing_history"} & {s.id for s in q.slots}, q.slots


def test_a_company_noun_after_the_name_is_part_of_it():
    q = parse_question("do other companies track me on the simplywise site?", names={"simplywise"})
    assert [s.id for s in q.slots] == ["third_parties"]
    assert "site" not in q.query


@pytest.mark.parametrize(("question", "practice"), [
    ("does imgur run face recognition on my photos?", "use"),
    ("If I delete my account, do my old blog comments stay up?", "retain"),
    ("will my photos remain on your servers after I quit?", "retain"),
])
def test_everyday_verbs_ask_about_a_practice(question, practice):
    assert parse_question(question).practices[:1] == (practice,)


def test_words_outside_the_patterns_steer_only():
    q = parse_question("Do you read my horoscope?")
    assert "horoscope" in q.words
    assert not any("horoscope" in s.text for s in q.slots)


@pytest.mark.parametrize("question, vocabulary, node", [
    ("Do you read my calendar?", "data_types", "calendar"),
    ("Does the app read my email messages?", "data_types", "messages"),
    ("Do you record my phone calls?", "data_types", "voice_recordings"),
    ("Do you use face recognition on me?", "data_types", "biometrics"),
])
def test_everyday_nouns_name_their_node(question, vocabulary, node):
    q = parse_question(question)
    assert (vocabulary, node) in {(s.vocabulary, s.id) for s in q.slots}, q.slots


@pytest.mark.parametrize("question", [
    "Will your staff ever call me and ask for my password?",
    "Will you contact me about offers?",
])
def test_a_verb_is_not_a_data_type(question):
    q = parse_question(question)
    assert not {"voice_recordings", "contacts_list"} & {s.id for s in q.slots}, q.slots


def test_retrieval_query_adds_policy_words():
    q = parse_question("do you sell my pics?")
    assert retrieval_query(q).startswith("do you sell my pics")
    assert "photo" in retrieval_query(q)


def test_company_names_from_name_and_text_but_not_things():
    texts = ["Acme collects data. We store it in Japan. Acme is based in Japan. Japan is nice.",
             "Acme shares with Google. Acme may use Google. Acme, Google."]
    names = company_names("Acme Privacy Policy", texts)
    assert "acme" in names
    assert "japan" not in names and "google" not in names


def test_a_policy_named_after_a_recipient_company_is_that_company():
    # Google is a recipient in other policies; in Amazon's own policy, Amazon is "we".
    assert "amazon" in company_names("Amazon.com Privacy Notice", ["Amazon may share with Google."])
    assert "google" not in company_names("Scanner for Google Drive", ["We use Google Drive."])
    q = parse_question("Does Amazon get my credit history?", names={"amazon"})
    assert q.subject == "first_party" and not q.slot_ids("recipients")


def test_patterns_file_is_versioned_data():
    rules = load_question_patterns()
    assert rules.doc["format"] == "policylens-question-patterns"
    for entry in rules.doc["patterns"]:
        assert set(entry) == {"label", "pattern", "id"}


# -- the matcher ----------------------------------------------------------------------------


def st(practice: str, polarity: str = "affirmed", **slots) -> Statement:
    from nlp.types import Span

    fields = {k: tuple(Span(t, 0, len(t), i) for t, i in v) for k, v in slots.items()}
    return Statement("c", "first_party", practice, polarity, **fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_question_patterns(), load_ontology())


@pytest.mark.parametrize(
    ("asked", "practice", "polarity", "expected"),
    [
        ("share", "share", "affirmed", "affirmed"),
        ("share", "sell", "affirmed", "affirmed"),  # selling is sharing
        ("sell", "share", "affirmed", None),  # sharing is not selling
        ("share", "collect", "denied", "denied"),  # what is not collected is not shared
        ("sell", "sell", "denied", "denied"),
        ("collect", "use", "affirmed", "affirmed"),
        ("sell", "use", "affirmed", None),
    ],
)
def test_practice_polarity(matcher, asked, practice, polarity, expected):
    assert matcher.polarity(asked, st(practice, polarity)) == expected


@pytest.mark.parametrize(
    ("slot", "spans", "expected"),
    [
        (("data_types", "identifiers"), [("IP address", "ip_address")], "exact"),
        (("data_types", "ip_address"), [("identifiers", "identifiers")], "general"),
        (("recipients", "advertisers"), [("service providers", "service_providers")], "other"),
        (("places", "brazil"), [("outside the EEA", "outside_eea")], "general"),
        (("places", "france"), [("outside the EEA", "outside_eea")], "other"),
        (("recipients", "employers"), [("employers", None)], "exact"),
        (("data_types", "health"), [], "open"),
    ],
)
def test_slot_levels(matcher, slot, spans, expected):
    vocab, nid = slot
    s = Slot(vocab, nid, nid.replace("_", " "))
    statement = st("share", **{vocab: spans})
    assert matcher.slot_level(s, statement, clause("We may share it.")) == expected


def test_the_clause_naming_the_thing_fills_an_open_slot(matcher):
    s = Slot("data_types", "location", "location")
    c = clause("We share it, including your location, with partners.")
    assert matcher.slot_level(s, st("share"), c) == "exact"


# -- the verdict table: every row, and every combination covered ---------------------------


ROWS = json.loads(TABLE_FILE.read_text(encoding="utf-8"))["rows"]


@pytest.mark.parametrize("row", ROWS, ids=[r["reason"] + "-" + str(r["condition"]) for r in ROWS])
def test_each_table_row_decides(row):
    table = load_verdict_table()
    conds = [False, True] if row["condition"] == "*" else [row["condition"]]
    pols = ["affirmed", "denied"] if row["polarity"] == "*" else [row["polarity"]]
    hit = [table.decide(row["match"], p, c) for p in pols for c in conds]
    assert any(h.reason == row["reason"] and h.verdict == row["verdict"] for h in hit)


@pytest.mark.parametrize("match", MATCH_LEVELS)
@pytest.mark.parametrize("polarity", ["affirmed", "denied"])
@pytest.mark.parametrize("condition", [False, True])
def test_table_covers_every_case(match, polarity, condition):
    row = load_verdict_table().decide(match, polarity, condition)
    assert row.verdict in {"yes", "no", "not_stated"}


def test_general_affirmation_is_never_yes():
    table = load_verdict_table()
    for cond in (False, True):
        assert table.decide("general", "affirmed", cond).verdict == "not_stated"


# -- the safety rules -----------------------------------------------------------------------

TRANSFER = clause(
    "We may transfer your personal information to countries outside of the EEA, such as the "
    "United States and China.", ("International transfers",),
)


def test_an_unnamed_country_is_not_yes_and_cites_the_general_transfer():
    ans = ask("Does my data end up in Brazil?", (TRANSFER, 0.5))
    assert ans.verdict == "not_stated"
    assert ans.reason == "not_named_general"
    assert "does not name Brazil" in ans.answer and "outside the EEA" in ans.answer
    assert [c.clause_id for c in ans.citations] == [TRANSFER.id]


def test_a_specific_data_type_under_a_general_clause_is_not_yes():
    general = clause("We share your personal information with advertisers.")
    ans = ask("Do you share my health data with advertisers?", (general, 0.6))
    assert ans.verdict == "not_stated"
    assert ans.citations == ()  # not_stated presents nothing as support ...
    assert ans.closest is not None and ans.closest.clause_id == general.id  # ... but shows it


def test_not_stated_presents_no_citation_as_support():
    cookies = clause("We use both session cookies and persistent cookies.", ("Cookies",))
    ans = ask("Do you collect my fingerprints?", (cookies, 0.4))
    assert ans.verdict == "not_stated"
    assert ans.citations == ()
    assert ans.closest is not None


def test_a_conditional_statement_answers_with_its_condition():
    c = clause("We may sell your personal information unless you opt out.")
    ans = ask("Do you sell my data?", (c, 0.6))
    assert ans.verdict == "yes"
    assert ans.answer.startswith("Yes, unless you opt out")
    assert ans.reason == "stated_with_condition"


def test_a_denial_answers_within_its_scope():
    c = clause("We will never share your health data with employers.")
    assert ask("Will my employer get my health data?", (c, 0.6)).verdict == "no"
    # ... and says nothing about other recipients.
    assert ask("Do you share my health data with advertisers?", (c, 0.6)).verdict != "no"


def test_sell_unless_opt_out_and_never_rent_is_not_a_denial_of_selling():
    c = clause("We may sell your data unless you opt out; we never rent it.")
    ans = ask("Do you sell my data?", (c, 0.6))
    assert ans.verdict == "yes"


def test_denying_some_data_is_no_denial_of_all():
    c = clause("We do not collect your contacts or your precise location.")
    assert ask("Do you sell my data?", (c, 0.6)).verdict != "no"
    assert ask("Do you collect my precise location?", (c, 0.6)).verdict == "no"


def test_share_buttons_do_not_share_data():
    c = clause("Our pages have share buttons for social networks.")
    assert ask("Do you share my data?", (c, 0.6)).verdict != "yes"


def test_a_heading_is_never_evidence():
    heading = clause("How long do we keep your information?", ("Retention",), kind="heading")
    body = clause("We keep your data for 30 days after you close your account.", ("Retention",))
    ans = ask("How long do you keep my data?", (heading, 0.9), (body, 0.6))
    assert ans.verdict == "info"
    assert [c.clause_id for c in ans.citations] == [body.id]


def test_an_info_question_cites_the_sentence_holding_the_answer():
    vague = clause("We care about how long your information stays with us.", ("Retention",))
    days = clause("Chat transcripts are deleted after 90 days.", ("Retention",))
    ans = ask("How long do you keep my chats?", (vague, 0.62), (days, 0.55))
    assert ans.citations[0].clause_id == days.id


def test_a_concrete_period_is_cited_before_a_vague_one():
    vague = clause("We keep your personal data for only as long as we need to.", ("Retention",))
    month = clause("We will respond to all requests within one month.", ("Rights",))
    ans = ask("If I ask for a copy of my data, how long until they reply?", (vague, 0.62),
              (month, 0.6))
    assert ans.citations[0].clause_id == month.id
    spelled = clause("The life span of cookies is thirteen (13) months maximum.", ("Cookies",))
    ans = ask("how long do cookies stay on my phone", (vague, 0.62), (spelled, 0.6))
    assert ans.citations[0].clause_id == spelled.id


def test_every_scored_clause_is_kept_with_the_reason():
    other = clause("We use cookies.", ("Cookies",))
    ans = ask("Is my data sent to China?", (TRANSFER, 0.6), (other, 0.3))
    assert ans.reason == "stated"
    assert [s.clause_id for s in ans.scored] == [TRANSFER.id, other.id]
    assert ans.scored[0].match == "exact"


# -- topics ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text", "verdict"),
    [
        ("Can my 12 year old use it?", "You must be at least 13 years old to use the Service.",
         "no"),
        ("Can a 17 year old use it?", "You must be at least 16 years old to use the Service.",
         "yes"),
        ("Is this meant for kids?", "Our Services are not directed to children under 13.", "no"),
    ],
)
def test_age_limits(question, text, verdict):
    c = clause(text, ("Children",))
    got = decide_topic("age_limit", question, [Hit(c, 1.0, 0.6)])
    assert got is not None and got[0] == verdict


def test_every_age_limit_near_the_question_is_compared():
    # The first clause's limit (13) does not bind a 15-year-old; the later one (18) does, and a
    # parent's involvement lifts it: yes, with that condition.
    under13 = clause("We do not knowingly collect personal information from children under 13.",
                     ("Children",))
    parent = clause("If you are under 18, you may use the Services only with the involvement of a "
                    "parent or guardian.", ("Children",))
    hits = [Hit(under13, 1.0, 0.7), Hit(parent, 0.9, 0.6)]
    assert decide_topic("age_limit", "can my 15 yr old use it?", hits) == (
        "yes", "age_with_parent", 1)
    # A limit no parent can lift answers no, whatever comes first.
    hard = clause("You can't use the app if you are younger than 13.", ("Children",))
    hits = [Hit(parent, 1.0, 0.7), Hit(hard, 0.9, 0.6)]
    assert decide_topic("age_limit", "my daughter is 12, can she join?", hits) == (
        "no", "age_limit", 1)
    # Past every limit: yes, from the highest.
    assert decide_topic("age_limit", "my son is 19, can he use it?", hits) == ("yes", "age_limit", 0)


@pytest.mark.parametrize(("question", "focus"), [
    ("how do I contact gitlab about a privacy concern?", "contact"),
    ("how can I reach your privacy officer", "contact"),
    ("how do i delete my email address?", "method"),
    ("how do i opt out of ads", "method"),
])
def test_how_do_i_gives_way_to_the_focus_of_its_verb(question, focus):
    assert parse_question(question).focus == focus


def test_a_name_after_a_preposition_is_not_the_subject():
    q = parse_question("Can other people on ASKfm see exactly where I am?", names={"askfm"})
    assert q.subject == "recipient" and q.practices == ("share",)
    assert q.slot_ids("recipients") == ("other_users",)
    q = parse_question("does askfm share my data with advertisers", names={"askfm"})
    assert q.subject == "first_party"


def test_a_thing_in_the_possessive_holds_the_thing_asked_about():
    q = parse_question("do you use my phone's gps location?")
    assert q.slot_ids("data_types") == ("precise_location",)
    q = parse_question("do you read my kid's messages")
    assert q.slot_ids("data_types") == ("messages",) and q.slot_ids("audience") == ("children",)


def test_a_thing_on_which_another_is_kept_is_not_asked_about():
    q = parse_question("does ask.fm snoop through the contacts on my phone")
    assert q.practices == ("collect",) and q.slot_ids("data_types") == ("contacts_list",)


def test_a_device_right_before_a_thing_holds_it():
    q = parse_question("will the app look at my phone contacts")
    assert q.slot_ids("data_types") == ("contacts_list",)
    # A device before a generic head is the thing asked about ("device info").
    assert parse_question("what device info do you collect").slot_ids("data_types") == (
        "device_information",)


def test_a_pronoun_after_the_conditions_verb_is_its_object():
    q = parse_question("if i allow it will the league app look at my phone contacts")
    assert q.kind == "yesno" and q.condition == "if i allow it"


def test_the_camera_and_microphone_are_devices_and_on_camera_is_video():
    q = parse_question("Does Toca Boca World use the iPad camera or microphone?",
                       names={"toca", "boca"})
    assert set(q.slot_ids("data_types")) == {"camera", "microphone"}
    assert not q.slot_ids("places")  # "World" is part of the product's name
    assert parse_question("could I end up on camera?").slot_ids("data_types") == ("photos",)


def test_a_question_after_a_statement_with_no_comma_asks_yes_or_no():
    q = parse_question("my son is 14 can he use wetransfer to send his homework")
    assert q.kind == "yesno" and "age_limit" in q.topics


def test_other_before_a_noun_is_no_recipient():
    assert not parse_question("does acme follow me around other websites?").slot_ids("recipients")
    assert parse_question("do you give my data to others?").slot_ids("recipients") == (
        "third_parties",)


def test_the_generic_head_of_named_things_is_not_asked_about_apart():
    q = parse_question("Does Waking Up sell my sensitive mental health info to advertisers?")
    assert set(q.slot_ids("data_types")) == {"sensitive", "health"}
    assert load_ontology().is_a("health", "sensitive", "data_types")


def test_what_a_recipient_finds_out_of_what_i_watch_is_shared():
    q = parse_question("do those ad companies find out which shows I watched?")
    assert q.practices[0] == "share" and q.subject == "recipient"
    assert q.slot_ids("data_types") == ("viewing_history",)


def test_a_transcript_is_its_own_data_type():
    assert parse_question("does blizzard keep the transcript?").slot_ids("data_types") == (
        "transcripts",)


def test_a_name_after_a_preposition_and_article_is_not_the_subject():
    q = parse_question("Can other users on The League see exactly where I am?", names={"league"})
    assert q.subject == "recipient" and q.practices == ("share",)
    assert q.slot_ids("data_types") == ("precise_location",)


@pytest.mark.parametrize(("question", "practice"), [
    ("if I delete my coursera account do I lose my certificates?", "delete"),
    ("do you put cookies on my computer", "collect"),
    ("will my photos disappear if I stop paying?", "delete"),
])
def test_everyday_verbs_of_deleting_and_setting_cookies(question, practice):
    assert parse_question(question).practices[0] == practice


def test_a_violation_of_personal_data_is_a_breach():
    m = Matcher(load_question_patterns(), load_ontology())
    c = Clause("c", "p", "v", (), 0, 0, "In case of violation of your personal data, we will "
               "promptly inform you.")
    assert m.same_event("Will you tell me if my data gets breached?", c)


def test_consent_to_get_from_a_parent_lifts_an_age_limit():
    c = clause("According to COPPA, we are required to get a consent from a parent or a legal "
               "guardian of the child below the age of 13 before they may use our Apps.",
               ("Children",))
    q = "Do the games need a parent's OK before a kid under 13 plays?"
    assert "age_limit" in parse_question(q).topics
    assert decide_topic("age_limit", q, [Hit(c, 1.0, 0.6)]) == ("yes", "age_with_parent", 0)


def test_an_age_in_the_question_asks_the_age_topic():
    assert "age_limit" in parse_question("my son is 14, can he make an account?").topics
    assert "age_limit" not in parse_question("do you sell my data?").topics
    assert "age_limit" not in parse_question("is my data kept for 14 days?").topics


@pytest.mark.parametrize(
    ("text", "age"),
    [("If you are under 18, you may use it with a parent.", 18),
     ("his/her age is under 16, he or she will be unable to register", 16),
     ("Users aged 16 and over may consent.", 16),
     ("We keep logs for 18 months.", None),
     ("See section 13 of the terms.", None)],
)
def test_the_ages_a_clause_states(text, age):
    from nlp.answer.topics import _min_age

    assert _min_age(text, load_question_patterns()) == age


def test_a_fee_ruled_out_outranks_a_nearer_fee_in_some_cases():
    some = clause("In such cases, we may charge a reasonable fee, or refuse to act on the request.",
                  ("Rights",))
    none = clause("We do not charge a fee to process or respond to your verifiable request "
                  "unless such request is manifestly unfounded or excessive.", ("Rights",))
    got = decide_topic("fees", "do you charge me to get my data?",
                       [Hit(some, 1.0, 0.67), Hit(none, 0.9, 0.66)])
    assert got == ("no", "no_fee", 1)
    assert decide_topic("fees", "is there a fee?", [Hit(some, 1.0, 0.67)]) == (
        "yes", "fee_charged", 0)
    assert "fees" in parse_question("do you charge me to get my data?").topics


def test_do_not_track_not_honoured_is_no():
    c = clause("We do not currently respond to Do Not Track signals.", ("Cookies",))
    assert ask("Do you honor do not track?", (c, 0.6)).verdict == "no"


def test_perfect_security_is_not_promised():
    c = clause("No method of transmission over the Internet is 100% secure.", ("Security",))
    assert ask("Can you guarantee my data is totally safe?", (c, 0.6)).verdict == "no"


@pytest.mark.parametrize(("question", "focus"), [
    ("who actually runs this and where are they?", "identity"),
    ("where is nordvpn based for government requests?", "identity"),
    ("where is my data stored?", "place"),
])
def test_where_the_company_is_based_asks_who_it_is(question, focus):
    assert parse_question(question, names={"nordvpn"}).focus == focus


def test_an_identity_answer_names_the_legal_entity_first():
    vague = clause("Our Service may contain links to other websites that are not operated by us.")
    entity = clause("The controller of your data is Acme Software GmbH, Hauptstrasse 1, Berlin.")
    ans = answer_question("who runs this app?", [Hit(vague, 1.0, 0.6), Hit(entity, 0.9, 0.58)],
                          [vague, entity], policy="p", version="v1")
    assert ans.verdict == "info" and ans.citations[0].clause_id == entity.id
