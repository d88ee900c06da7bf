"""Negation and condition scope of the practices stage (nlp/practices/scope.py).

Each mechanism is tested on sentences written for these tests, then on the examples of the
issues, which are behaviour users rely on.
"""

from __future__ import annotations

import pytest

from nlp.practices import StatementExtractor
from nlp.practices.rules import load_patterns
from nlp.practices.tokens import tokenize
from nlp.types import Clause, Statement


def clause(text: str) -> Clause:
    return Clause("c1", "p", "v1", ("Section",), 0, len(text), text)


@pytest.fixture(scope="module")
def ex() -> StatementExtractor:
    return StatementExtractor()


def read(ex: StatementExtractor, text: str) -> list[Statement]:
    return ex.extract(clause(text))


def polarities(ex: StatementExtractor, text: str) -> dict[str, str]:
    return {s.practice: s.polarity for s in read(ex, text)}


def ids(values) -> set[str]:
    return {v.id or v.text for v in values}


# -- coordination: a negation reaches every coordinated verb --------------------------------
@pytest.mark.parametrize("text, practices", [
    ("Our company does not lease, trade or disclose your contact list to marketers.",
     {"rent", "share"}),
    ("We neither rent nor sell your browsing history.", {"rent", "sell"}),
    ("We do not sell your purchase history or share it with data brokers.", {"sell", "share"}),
    ("We will not keep your messages, sell them, or pass them to advertisers.",
     {"retain", "sell", "share"}),
])
def test_a_negation_reaches_every_coordinated_verb(ex, text, practices):
    got = polarities(ex, text)
    assert practices <= set(got), got
    assert all(got[p] == "denied" for p in practices), got


def test_a_negation_stops_at_a_new_subject_and_at_a_relative_clause(ex):
    got = polarities(ex, "We do not collect your precise location, we use your IP address.")
    assert got == {"collect": "denied", "use": "affirmed"}
    # the negation of "responsible" does not reach a verb four words on, in another clause
    assert polarities(ex, "We are not responsible for how advertisers use your data.") == {
        "use": "affirmed"}


# -- boundaries: "but", "however", ";" ------------------------------------------------------
@pytest.mark.parametrize("text, expected", [
    ("We do not sell your contacts, but we do share them with our affiliates.",
     {"sell": "denied", "share": "affirmed"}),
    ("We never rent your data; we use it for analytics.", {"rent": "denied", "use": "affirmed"}),
    ("We will not sell your email address, however we use it to send you receipts.",
     {"sell": "denied", "use": "affirmed"}),
    ("We share usage data with auditors, but never sell it.",
     {"share": "affirmed", "sell": "denied"}),
])
def test_a_negation_stops_at_but_however_and_semicolons(ex, text, expected):
    got = polarities(ex, text)
    assert {p: got.get(p) for p in expected} == expected, got


# -- conditions keep their text and govern their own verbs ----------------------------------
def test_a_fronted_condition_governs_the_verbs_after_it(ex):
    (st,) = read(ex, "If you sign up for our newsletter, we store your email address.")
    assert (st.practice, st.polarity) == ("retain", "conditional")
    assert st.condition == "If you sign up for our newsletter"
    assert not st.negated


def test_a_trailing_condition_governs_the_verb_phrase_before_it(ex):
    got = {s.practice: s for s in read(
        ex, "We collect your email address and share it with sponsors unless you object.")}
    assert got["collect"].polarity == "affirmed"
    assert got["share"].polarity == "conditional"
    assert got["share"].condition == "unless you object"


def test_a_condition_inside_a_coordination_governs_the_verb_after_it(ex):
    got = {s.practice: s for s in read(
        ex, "We collect your postcode and, with your permission, share it with our partners.")}
    assert got["collect"].polarity == "affirmed"
    assert (got["share"].polarity, got["share"].condition) == ("conditional",
                                                               "with your permission")


def test_the_users_choice_makes_a_practice_conditional_not_denied(ex):
    (st,) = read(ex, "You can ask us not to sell your personal information.")
    assert (st.practice, st.polarity, st.negated) == ("sell", "conditional", False)
    assert st.actor == "first_party"
    assert st.condition == "You can ask us not to sell"


# -- negative determiners over the data type ------------------------------------------------
@pytest.mark.parametrize("text, practice", [
    ("No payment card numbers are stored on our servers.", "retain"),
    ("None of your messages are sold.", "sell"),
    ("We collect no biometric data.", "collect"),
    ("Nobody at our company will sell your address book.", "sell"),
])
def test_a_negative_determiner_denies_the_practice(ex, text, practice):
    assert polarities(ex, text).get(practice) == "denied", read(ex, text)


@pytest.mark.parametrize("text, expected", [
    # A verb's -ing form after "of" states the practice; "not in the business of" negates it.
    ("Twitch is not in the business of selling our users' personal information to others.",
     {"sell": "denied"}),
    ("We are in the business of selling ads, and we share your data with advertisers.",
     {"share": "affirmed"}),
    ("We are capable of tracking your visits across websites.", {"track": "affirmed"}),
    # Handed to the company itself is collection, not sharing.
    ("Your calendar events are stored locally on your computer and never sent to us.",
     {"collect": "denied"}),
    ("Your data is sent to us when you sign up.", {"collect": "affirmed"}),
    ("These photos are stored on your device and cannot be accessed by us.",
     {"collect": "denied"}),
    ("We may give your data to advertisers.", {"share": "affirmed"}),
    # Engaging in a purpose is using data for it; engaging in anything else states nothing.
    ("The website does not engage in any personalised advertising.", {"use": "denied"}),
    ("We engage in interest-based advertising with our partners.", {"use": "affirmed"}),
    ("We engage in discussions with our community.", {"use": None}),
    # Releasing information discloses it, whether or not a recipient is named.
    ("We release account information when release is appropriate to comply with the law.",
     {"share": "affirmed"}),
])
def test_how_a_cue_is_worded_says_which_practice(ex, text, expected):
    got = polarities(ex, text)
    assert {p: got.get(p) for p in expected} == expected, got


@pytest.mark.parametrize("text, expected", [
    # A cue naming the purpose of a negated verb is negated with it.
    ("These partners are not used for behavioral tracking of children.",
     {"use": "denied", "track": "denied"}),
    ("We never use your contacts for targeted advertising or tracking.",
     {"use": "denied", "track": "denied"}),
    ("We use cookies for behavioral tracking.", {"use": "affirmed", "track": "affirmed"}),
    # ... but not across a clause boundary.
    ("We do not sell your data, but we use it for ad tracking.", {"sell": "denied",
                                                               "track": "affirmed"}),
])
def test_a_cue_in_the_purpose_of_a_verb_shares_its_scope(ex, text, expected):
    got = polarities(ex, text)
    assert {p: got.get(p) for p in expected} == expected, got


def test_a_practice_noun_states_the_practice_only_as_subject_of_an_event_verb(ex):
    [st] = read(ex, "The collection of your geolocation may occur in the background.")
    assert (st.practice, st.polarity) == ("collect", "affirmed")
    assert "location" in ids(st.data_types)
    assert read(ex, "The collection of data is described below.") == []


def test_a_negation_reaches_across_a_comma_of_a_verb_series(ex):
    got = polarities(ex, "We do not read, listen or store your messages.")
    assert got == {"collect": "denied", "retain": "denied"}, got


@pytest.mark.parametrize("text", [
    "This Privacy Policy explains how Acme collects, uses, shares and stores your information.",
    "We provide this notice to describe the ways we collect and use personal information.",
    "To learn more about how we use cookies, see our Cookie Policy.",
])
def test_a_sentence_about_what_the_policy_describes_states_no_practice(ex, text):
    assert read(ex, text) == []


def test_a_practice_before_a_descriptive_frame_is_still_stated(ex):
    assert polarities(ex, "We collect your name, as this policy explains.") == {
        "collect": "affirmed"}


def test_a_negation_of_a_verb_that_is_no_cue_reaches_the_series_after_it(ex):
    # "save" states no practice; the series of cues it opens, ending in "or", is still denied
    got = polarities(ex, "We won't save your number, share it, sell it, or show it to anyone.")
    assert got == {"share": "denied", "sell": "denied"}, got
    # without a disjunction closing the series, the verb after the comma is a new statement
    got = polarities(ex, "We do not need your number, we share it with carriers.")
    assert got.get("share") == "affirmed", got


@pytest.mark.parametrize("text", [
    "Messages you have received are shown in your inbox.",
    "You may receive emails from us.",
])
def test_what_the_user_receives_is_not_collected(ex, text):
    assert read(ex, text) == []


def test_what_the_user_submits_is_collected(ex):
    assert polarities(ex, "You submit photos when you create a profile.") == {
        "collect": "affirmed"}


def test_a_document_name_is_not_data(ex):
    assert read(ex, "Please read our Cookie Policy for more information.") == []
    [st] = read(ex, "We use cookies as described in our Cookie Policy.")
    assert [d.text for d in st.data_types] == ["cookies"]


def test_a_phrasal_cue_with_the_user_as_its_object(ex):
    [st] = read(ex, "Our staff will never ask you for your password by phone.")
    assert (st.practice, st.polarity) == ("collect", "denied")
    assert "account_credentials" in ids(st.data_types)


def test_no_over_something_that_is_not_data_denies_nothing(ex):
    assert polarities(ex, "We share your data with our partners at no cost to you.") == {
        "share": "affirmed"}


def test_a_verb_that_negates_its_complement(ex):
    assert polarities(ex, "Our partners are prohibited from selling your information.") == {
        "sell": "denied"}
    assert polarities(ex, "We share usage data with auditors without selling it.") == {
        "share": "affirmed", "sell": "denied"}


# -- exceptions ---------------------------------------------------------------------------
def test_an_exception_keeps_the_denial_under_its_condition(ex):
    sts = [s for s in read(ex, "We do not disclose your contact details to other companies, "
                               "other than the courier who delivers your order.")
           if s.practice == "share"]
    assert sts and sts[0].polarity == "conditional" and sts[0].negated
    assert sts[0].condition.startswith("other than the courier")
    (law,) = [s for s in read(ex, "We do not disclose your health records except where the "
                                  "law requires it.") if s.practice == "share"]
    assert (law.polarity, law.negated) == ("conditional", True)
    assert law.condition == "except where the law requires it"


def test_an_excluded_phrase_is_denied_alone(ex):
    sts = read(ex, "We keep your email address, but not your password, for five years.")
    kept = [s for s in sts if s.polarity == "affirmed"]
    excluded = [s for s in sts if s.polarity == "denied"]
    assert [s.practice for s in kept] == ["retain"] and [s.practice for s in excluded] == [
        "retain"]
    assert ids(kept[0].data_types) == {"email_address"}
    assert "password" in " ".join(d.text for d in excluded[0].data_types)
    shared = {(s.polarity, r.id) for s in read(
        ex, "We share your purchase history with advertisers, but not with data brokers.")
        for r in s.recipients}
    assert ("affirmed", "advertisers") in shared
    assert ("denied", "advertisers") not in shared
    assert any(p == "denied" for p, _ in shared)


def test_negations_inside_a_condition_reach_nothing_outside_it(ex):
    sts = read(ex, "If you do not opt out, we will share your usage data with partners.")
    (share,) = [s for s in sts if s.practice == "share"]
    assert (share.polarity, share.negated) == ("conditional", False)


def test_the_scope_words_are_data():
    patterns = load_patterns()
    assert patterns.version == "2.6"
    scope = patterns.scope
    assert {"not", "never", "nor"} <= scope.verbal
    assert "no" in scope.determiners
    low = [t.text.lower() for t in tokenize("whether or not you agree")]
    assert not scope.is_negator(low, 2)


# -- the issues' examples -----------------------------------------------------------------
def test_issue_if_you_are_a_buyer_is_a_condition_not_a_denial(ex):
    sts = [s for s in read(ex, "If you are a Buyer, we will share your contact details with "
                               "the Seller.") if s.practice == "share"]
    assert sts and sts[0].polarity == "conditional" and not sts[0].negated
    assert sts[0].condition == "If you are a Buyer"


def test_issue_does_not_rent_sell_or_share(ex):
    got = polarities(ex, "Yahoo does not rent, sell or share information about you "
                         "(including personally identifiable information) with other people "
                         "or non-affiliated companies.")
    assert got == {"rent": "denied", "sell": "denied", "share": "denied"}


def test_issue_may_sell_unless_opt_out_never_rent(ex):
    got = {s.practice: s for s in read(
        ex, "We may sell your data unless you opt out; we never rent it.")}
    assert (got["sell"].polarity, got["sell"].condition, got["sell"].negated) == (
        "conditional", "unless you opt out", False)
    assert got["rent"].polarity == "denied"


def test_issue_profile_but_not_photos_is_kept(ex):
    sts = read(ex, "Your profile, but not your photos, is kept for 30 days.")
    affirmed = [s for s in sts if s.polarity == "affirmed"]
    assert [s.practice for s in affirmed] == ["retain"]
    assert "profile" in {d.text for d in affirmed[0].data_types}
    assert "photos" not in {d.text for d in affirmed[0].data_types}
    assert affirmed[0].retention is not None and affirmed[0].retention.days == 30
    # the photos are excluded: denied for them alone, never a denial of the whole
    assert all("photos" in {d.text for d in s.data_types} and "profile" not in {
        d.text for d in s.data_types} for s in sts if s.polarity == "denied")


def test_issue_do_not_sell_but_share(ex):
    got = {s.practice: s for s in read(
        ex, "We do not sell your location, but we share your email address with advertisers.")}
    assert got["sell"].polarity == "denied"
    assert got["share"].polarity == "affirmed"
    assert ids(got["share"].recipients) == {"advertisers"}


def test_issue_never_share_health_data_with_employers(ex):
    (st,) = read(ex, "We will never share your health data with employers.")
    assert (st.practice, st.polarity) == ("share", "denied")
    assert [r.text for r in st.recipients] == ["employers"]


def test_a_cue_about_goods_does_not_hide_a_later_data_practice(ex):
    assert polarities(ex, "Our revenue comes from the sale of (mostly digital) products, not "
                          "from selling your browsing history.") == {"sell": "denied"}


def test_then_closes_a_condition_and_an_event_keeps_its_own_verbs(ex):
    (share,) = [s for s in read(ex, "If your account is managed by your school (for example, "
                                    "for pupils) then we share your usage data with teachers.")
                if s.practice == "share"]
    assert share.condition == "If your account is managed by your school (for example, for pupils)"
    got = {s.practice: s for s in read(ex, "When you upload a photo, we store it on our servers.")}
    assert got["retain"].polarity == "conditional"
    assert got["retain"].condition == "When you upload a photo"
    assert got["collect"].polarity == "affirmed"  # the upload itself is collected


def test_a_colon_between_two_predications_splits_them(ex):
    text = ("Right to Opt Out of Sale of Personal Information: As the term is defined by the "
            "CCPA, Acme does not sell any personal data.")
    assert polarities(ex, text).get("sell") == "denied"
    # A colon that opens a list keeps its items with the verb.
    sts = read(ex, "We collect the following: your name, email address and phone number.")
    assert ids(sts[0].data_types) >= {"name", "email_address", "phone_number"}


@pytest.mark.parametrize(("text", "actor"), [
    ("Arcademics: Provides some of the games. Does not collect or store personal information.",
     "third_parties"),
    ("Google Analytics: Collects usage data to measure traffic.", "analytics_providers"),
    ("Location: Collects your GPS location.", "first_party"),
    ("Service Providers: We share data with them.", "first_party"),
])
def test_a_labelled_clause_with_no_subject_is_said_of_its_label(ex, text, actor):
    assert {st.actor for st in read(ex, text)} == {actor}


@pytest.mark.parametrize(("text", "practice", "polarity"), [
    ("Your exact coordinates will never be revealed to any user.", "share", "denied"),
    ("Your profile is shown to other users.", "share", "affirmed"),
    ("Upon removal of your account we delete your data.", "delete", "affirmed"),
])
def test_revealing_and_showing_to_someone_is_sharing(ex, text, practice, polarity):
    assert polarities(ex, text).get(practice) == polarity


@pytest.mark.parametrize(("text", "practice", "polarity"), [
    ("No biometric processing of these images is performed by Lydia.", "use", "denied"),
    ("No sale of your data takes place.", "sell", "denied"),
    ("We do not drop first or third party cookies through our affiliate links.", "collect",
     "denied"),
    ("We drop cookies on your device.", "collect", "affirmed"),
])
def test_a_negative_determiner_of_a_practice_noun_and_dropping_cookies(ex, text, practice,
                                                                        polarity):
    assert polarities(ex, text).get(practice) == polarity


@pytest.mark.parametrize(("text", "practice", "polarity"), [
    ("Personal data collected: None", "collect", "denied"),
    ("Data collected: your email address.", "collect", "affirmed"),
    ("Acme does not ask any visitors to provide their name, address or other contact "
     "information in any way.", "collect", "denied"),
])
def test_a_label_answered_with_none_and_asking_to_provide(ex, text, practice, polarity):
    assert polarities(ex, text).get(practice) == polarity


def test_a_cue_in_the_label_itself_is_not_said_of_the_label(ex):
    assert {st.actor for st in read(ex, "Data shared with third parties: None.")} == {
        "first_party"}


def test_but_we_dont_denies_the_practice_before_for_the_company(ex):
    text = ("Other platforms may sell your sensitive personal information for targeted "
            "advertising, but we don't.")
    sts = read(ex, text)
    assert [(st.practice, st.polarity, st.actor) for st in sts] == [
        ("sell", "denied", "first_party")]
    assert polarities(ex, "We share your data, but we do not sell it.") == {
        "share": "affirmed", "sell": "denied"}
