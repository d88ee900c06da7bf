"""The matcher beyond ids: slot phrases by similarity, things named together, the wording of a
clause with no statement. No model runs: similarity is given a fake encoder whose cosines the test
chooses."""

from __future__ import annotations

import numpy as np
import pytest

from nlp.answer import Matcher, PhraseSimilarity, answer_question, load_question_patterns
from nlp.answer.reader import Slot
from nlp.answer.similarity import phrase_key
from nlp.config import AnswerSettings
from nlp.practices import load_ontology
from nlp.types import Clause, Hit, Span, Statement


def clause(text: str) -> Clause:
    return Clause(f"p:v1:{abs(hash(text)) % 10**8}", "p", "v1", ("Sharing",), 0, len(text), text)


class Encoder:
    """Unit vectors by phrase: ``close`` phrases get cosine ``cos`` with the first of them, every
    other phrase is orthogonal to all (or, with ``everything``, all phrases are one vector)."""

    def __init__(self, close: tuple[str, ...] = (), cos: float = 0.8, everything: bool = False):
        self.close, self.cos, self.everything = close, cos, everything
        self.calls: list[list[str]] = []

    def __call__(self, texts):
        self.calls.append(list(texts))
        out = []
        for i, t in enumerate(texts):
            if self.everything or (self.close and t == phrase_key(self.close[0])):
                out.append([1.0, 0.0, 0.0])
            elif any(t == phrase_key(c) for c in self.close[1:]):
                out.append([self.cos, float(np.sqrt(1 - self.cos**2)), 0.0])
            else:
                v = np.zeros(3 + len(texts))
                v[3 + i] = 1.0
                out.append(list(v))
        width = max(len(v) for v in out)
        return np.array([v + [0.0] * (width - len(v)) for v in out])


BADGES = clause("We may disclose your information to the folks with badges.")


def badges_statement(polarity: str = "affirmed") -> Statement:
    return Statement(
        BADGES.id, "first_party", "share", polarity,  # type: ignore[arg-type]
        data_types=(Span("your information", 18, 34, "personal_information"),),
        recipients=(Span("the folks with badges", 38, 59, None),),
    )


def ask(question, c, st, encoder=None, **settings):
    sims = PhraseSimilarity(encoder) if encoder is not None else None
    return answer_question(
        question, [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1",
        statements={c.id: (st,)}, settings=AnswerSettings(**settings), similarity=sims,
    )


# -- PhraseSimilarity ------------------------------------------------------------------------


def test_phrases_are_encoded_once_and_only_when_primed():
    enc = Encoder(("government", "the folks with badges"))
    sims = PhraseSimilarity(enc)
    assert sims.score("government", "the folks with badges") == 0.0  # never primed: no encode
    assert enc.calls == []
    sims.prime(["government", "the folks with badges", "Government"])
    sims.prime(["government"])
    assert len(enc.calls) == 1 and sorted(enc.calls[0]) == ["folks with badges", "government"]
    assert sims.score("government", "folks with badges") == pytest.approx(0.8)


# -- the threshold ----------------------------------------------------------------------------


def test_a_free_phrase_above_the_threshold_names_the_slot():
    ans = ask("Would you give my info to the government?", BADGES, badges_statement(),
              Encoder(("government", "the folks with badges"), cos=0.8), slot_similarity=0.65)
    assert ans.verdict == "yes" and ans.reason == "stated_similar"
    assert [c.clause_id for c in ans.citations][:1] == [BADGES.id]


def test_the_threshold_is_respected():
    enc = Encoder(("government", "the folks with badges"), cos=0.8)
    ans = ask("Would you give my info to the government?", BADGES, badges_statement(), enc,
              slot_similarity=0.85)
    assert ans.verdict != "yes"
    assert ans.verdict == ask("Would you give my info to the government?", BADGES,
                              badges_statement()).verdict  # as without similarity


def test_a_similar_denial_answers_no():
    ans = ask("Would you give my info to the government?", BADGES, badges_statement("denied"),
              Encoder(("government", "the folks with badges"), cos=0.8))
    assert ans.verdict == "no" and ans.reason == "denied_similar"


# -- a similar but different thing never becomes yes -----------------------------------------

CANADA = clause("We may transfer your personal information to Canada.")


def test_a_similar_country_is_not_the_country_asked_about():
    st = Statement(
        CANADA.id, "first_party", "transfer_abroad", "affirmed",
        data_types=(Span("your personal information", 16, 42, "personal_information"),),
        places=(Span("Canada", 46, 52, "canada"),),
    )
    # Every phrase the same vector: similarity alone would call Canada Brazil.
    ans = ask("Is my data sent to Brazil?", CANADA, st, Encoder(everything=True),
              slot_similarity=0.1)
    assert ans.verdict != "yes"
    assert "similar" not in ans.reason


def test_a_free_phrase_naming_another_thing_is_not_compared():
    matcher = Matcher(load_question_patterns(), load_ontology())
    voice = Slot("data_types", "voice_recordings", "voice recordings")
    assert not matcher.free_phrase(Span("video recordings", 0, 16, None), voice)
    assert not matcher.free_phrase(Span("voice recordings", 0, 16, "voice_recordings"), voice)
    assert matcher.free_phrase(Span("the things you say aloud", 0, 24, None), voice)
    # The extractor left "photos of faces" without an id, but it names photos: never fingerprints.
    c = clause("We keep your photos of faces.")
    st = Statement(c.id, "first_party", "retain", "affirmed",
                   data_types=(Span("your photos of faces", 8, 28, None),))
    ans = ask("Do you keep my fingerprints?", c, st, Encoder(everything=True),
              slot_similarity=0.1)
    assert ans.verdict != "yes"


def test_no_encode_when_a_statement_names_every_slot():
    c = clause("We share your information with law enforcement.")
    st = Statement(c.id, "first_party", "share", "affirmed",
                   data_types=(Span("your information", 10, 26, "personal_information"),),
                   recipients=(Span("law enforcement", 32, 47, "authorities"),))
    enc = Encoder(everything=True)
    assert ask("Would you give my info to the police?", c, st, enc).verdict == "yes"
    assert enc.calls == []


# -- things named together ------------------------------------------------------------------


def test_things_named_together_must_each_be_covered():
    c = clause("We may use your videos to improve the service.")
    st = Statement(c.id, "first_party", "use", "affirmed",
                   data_types=(Span("your videos", 11, 22, "photos"),))
    assert ask("Do you use face recognition on my videos?", c, st).verdict != "yes"
    assert ask("Do you use my fingerprints or my videos?", c, st).verdict == "yes"


def test_a_broader_denial_with_an_exception_affirms_nothing_narrower():
    c = clause("We do not collect personal information from children, except to run the site.")
    st = Statement(c.id, "first_party", "collect", "conditional", "except to run the site",
                   data_types=(Span("personal information", 18, 38, "personal_information"),),
                   negated=True)
    assert ask("Do you sell my kid's data?", c, st).verdict != "yes"
    assert ask("Do you collect my data?", c, st).verdict == "yes"  # "yes, only ..." of itself


def denial_of_several(text: str, condition: str, practices=("rent", "sell", "share")):
    c = clause(text)
    data = (Span("information about you", 0, 1, "personal_information"),)
    return c, tuple(
        Statement(c.id, "first_party", p, "conditional", condition, data_types=data, negated=True)
        for p in practices
    )


def ask_all(question, c, sts):
    return answer_question(question, [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1",
                           statements={c.id: sts})


def test_listed_exceptions_of_a_denial_of_several_practices_are_the_broadest_ones():
    c, sts = denial_of_several(
        "We do not rent, sell or share information about you, except to provide the services "
        "you request or with our service providers.",
        "except to provide the services you request or with our service providers",
    )
    sell = ask_all("Do you sell my info?", c, sts)
    assert (sell.verdict, sell.reason) == ("no", "denied")
    share = ask_all("Do you share my info?", c, sts)
    assert (share.verdict, share.reason) == ("yes", "only_with_condition")
    # Alone, a narrower practice keeps its exceptions: they are its own.
    alone = ask_all("Do you sell my info?", c, sts[1:2])
    assert alone.reason == "only_with_condition"


def test_a_condition_of_consent_holds_for_every_practice_denied():
    c, sts = denial_of_several(
        "We will not sell, rent or disclose information about you without your consent.",
        "without your consent", ("sell", "rent", "share"),
    )
    assert ask_all("Do you sell my info?", c, sts).reason == "only_with_condition"


def extracted(question: str, text: str, section: tuple[str, ...] = ()):
    from nlp.practices import StatementExtractor

    c = Clause(f"p:v1:{abs(hash(text)) % 10**8}", "p", "v1", section, 0, len(text), text)
    sts = tuple(StatementExtractor().extract(c))
    return answer_question(question, [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1",
                           statements={c.id: sts})


BREACH = "If we learn of a security breach, we will notify any affected users by email."
CHANGES = "We will notify you by email of any material changes to this policy."
BARE = "We will notify you via email or phone within 7 business days."
MESSAGES = "We will notify you when another user sends you a message."
INCIDENT = ("In the event of an incident affecting your personal information, we will act "
            "promptly to address the incident and to notify you.")


@pytest.mark.parametrize(("question", "text", "verdict"), [
    ("If you get hacked, will you tell me?", BREACH, "yes"),
    ("Will I be told if my data is leaked?", BREACH, "yes"),
    ("If you get hacked, will you tell me?", CHANGES, "not_stated"),
    ("Will you let me know if you change the privacy policy?", CHANGES, "yes"),
    ("Will you let me know if you change the privacy policy?", BREACH, "not_stated"),
    # A notice that names no event, with no sentence before it that does, is not the one asked
    # ("we will notify you when someone messages you" is no breach notice).
    ("If you get hacked, will you tell me?", BARE, "not_stated"),
    ("If you get hacked, will you tell me?", MESSAGES, "not_stated"),
    ("Will they tell me if my data gets leaked?", INCIDENT, "yes"),
    ("Will you let me know if you change the privacy policy?", INCIDENT, "not_stated"),
])
def test_a_notice_answers_only_for_the_event_it_is_about(question, text, verdict):
    assert extracted(question, text).verdict == verdict


@pytest.mark.parametrize(("before", "verdict"), [
    ("We will take the following steps should a data breach occur.", "yes"),
    ("We will take the following steps if we change this policy.", "not_stated"),
])
def test_a_bare_notice_is_about_the_event_of_the_sentence_before_it(before, verdict):
    from nlp.practices import StatementExtractor

    first = Clause(f"p:v1:{abs(hash(before)) % 10**8}", "p", "v1", ("Security",), 0,
                   len(before), before)
    bare = Clause(f"p:v1:{abs(hash(before + BARE)) % 10**8}", "p", "v1", ("Security",),
                  len(before) + 1,
                  len(before) + 1 + len(BARE), BARE)
    sts = {c.id: tuple(StatementExtractor().extract(c)) for c in (first, bare)}
    ans = answer_question("If you get hacked, will you tell me?", [Hit(bare, 1.0, 0.6)],
                          [first, bare], policy="p", version="v1", statements=sts)
    assert ans.verdict == verdict


def test_the_section_says_what_a_notice_is_about():
    text = "We will provide notice before your personal data is transferred to the buyer."
    ans = extracted("If the company gets sold, will I get a heads up?", text,
                    ("Business Transfers",))
    assert ans.verdict == "yes"


# -- the wording of a clause with no statement ----------------------------------------------


def words(question: str, text: str):
    c = clause(text)
    return answer_question(question, [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1",
                           statements={c.id: ()})


def test_a_clause_with_no_statement_answers_from_its_wording():
    ans = words("Can I turn off personalized ads?",
                "Each app provides a setting for you to turn off personalized advertising.")
    assert ans.verdict == "yes" and ans.reason == "stated_in_wording"
    assert len(ans.citations) == 1


@pytest.mark.parametrize("text", [
    "You cannot turn off personalized advertising in the app.",
    "If you are in the EU, a setting lets you turn off personalized advertising.",
])
def test_wording_with_a_denial_or_condition_does_not_answer(text):
    assert words("Can I turn off personalized ads?", text).verdict != "yes"


def test_wording_must_name_the_specific_thing():
    ans = words("Do you share my health data?", "We share information with our partners.")
    assert ans.verdict != "yes"


@pytest.mark.parametrize("text", [
    "We may share or transfer your personal information in connection with any merger, sale of "
    "company assets, financing, or acquisition of all or a portion of our business.",
    "In the event we are acquired, we may transfer the information we collected as part of that "
    "merger, acquisition, sale, or other change of control.",
])
def test_a_business_sale_in_the_wording_is_no_sale_of_your_data(text):
    assert words("Do you sell my personal info?", text).verdict != "yes"


def test_sales_as_a_noun_in_the_wording_is_no_sale_of_your_data():
    text = "We work with third parties who provide sales, consulting and support services."
    assert words("does gitlab sell my info to third parties?", text).verdict != "yes"
    assert words("Do you sell my personal info?", "We sell your personal information.").verdict \
        == "yes"


def test_the_business_sale_exclusion_is_the_sales_alone():
    text = ("We may share your personal information in connection with any merger, sale of "
            "company assets, financing, or acquisition of all or a portion of our business.")
    assert words("Do you share my personal info?", text).verdict == "yes"


# -- the question's own condition -----------------------------------------------------------

DECLINE = clause("If you decline permission for us to collect your geolocation, we will not collect it.")


@pytest.mark.parametrize(("question", "condition"), [
    ("If I turn off location, do you still collect it?", "If I turn off location"),
    ("Do you keep my photos when I close my account?", "when I close my account"),
    ("Do you sell my data?", ""),
])
def test_the_reader_keeps_the_questions_condition(question, condition):
    from nlp.answer import parse_question

    assert parse_question(question).condition == condition


def test_a_statement_under_the_questions_own_condition_answers_outright():
    matcher = Matcher(load_question_patterns(), load_ontology())
    assert matcher.same_condition("if I turn off location", "If you decline permission for us "
                                  "to collect your geolocation")
    # One refuses, the other grants: not the same condition, however alike their words.
    assert not matcher.same_condition("if I allow location", "If you decline permission for us "
                                      "to collect your geolocation")
    assert not matcher.same_condition("if I close my account", "if you decline location")
    st = Statement(DECLINE.id, "first_party", "collect", "conditional",
                   "If you decline permission for us to collect your geolocation",
                   data_types=(Span("your geolocation", 60, 76, "location"),), negated=True)
    ans = ask("If I turn off location, do you still collect it?", DECLINE, st)
    assert ans.verdict == "no" and ans.reason == "denied"
    other = ask("If I allow location, do you collect it?", DECLINE, st)
    assert other.reason == "only_with_condition"  # not the question's condition: stated with it


def test_a_denial_of_all_personal_data_covers_the_childrens():
    text = "Acme does not sell any personal data."
    other = clause("Children under 13 may not use the service.")
    c = clause(text)
    ans = answer_question("does acme sell my kid's data?", [Hit(c, 1.0, 0.6), Hit(other, 0.9, 0.5)],
                          [c, other], policy="p", version="v1")
    assert ans.verdict == "no"
    # In a policy that never speaks of children, it does not answer a question about them.
    ans = answer_question("does acme sell my kid's data?", [Hit(c, 1.0, 0.6)], [c],
                          policy="p", version="v1")
    assert ans.verdict != "no"


def test_a_denial_that_names_no_audience_covers_the_children_named_elsewhere():
    c = clause("Acme does not ask any visitors to provide their name, address or other contact "
               "information in any way.")
    other = clause("Children under 13 may not use the service.")
    ans = answer_question("does acme ask my kid for their name or address?",
                          [Hit(c, 1.0, 0.6), Hit(other, 0.9, 0.5)], [c, other], policy="p",
                          version="v1")
    assert ans.verdict == "no"


def test_collecting_a_location_answers_whether_it_is_tracked():
    c = clause("If you opt in to background location, we will collect data about your location "
               "when you are not using the Apps.")
    ans = answer_question("does acme keep tracking where i am even after i close the app?",
                          [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1")
    assert ans.verdict == "yes"


def test_the_us_of_a_question_is_not_the_pronoun_us_of_the_policy():
    m = Matcher(load_question_patterns(), load_ontology())
    for text in ("the US", "the us"):
        pat = m.names_pattern(Slot("places", "united_states", text))
        assert not pat.search("If you have questions, please contact us.")
        assert pat.search("We transfer data to the US.")
        assert pat.search("servers in the United States")


@pytest.mark.parametrize(("question", "text", "verdict"), [
    # what a third party tracks or collects itself is what the company lets it have
    ("do other companies track me on the acme site?",
     "It's also important to note that we do not allow third-party behavioral tracking.", "no"),
    ("does google get my device info?",
     "Google may collect your device information through the cookies on our pages.", "yes"),
])
def test_what_a_third_party_does_itself_answers_whether_it_gets_the_data(question, text, verdict):
    c = clause(text)
    ans = answer_question(question, [Hit(c, 1.0, 0.6)], [c], policy="p", version="v1",
                          names={"acme"})
    assert ans.verdict == verdict, ans
