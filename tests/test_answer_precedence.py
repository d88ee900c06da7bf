"""Which reading decides when the retrieved clauses disagree: the precedence rules of the verdict
table, each with sentences of its own. No model runs: statements come from the practices
stage's rules, except where a test gives them to pin the case down."""

from __future__ import annotations

import json

import pytest

from nlp.answer import answer_question, load_verdict_table
from nlp.answer.decision import TABLE_FILE, Precedence, Reading
from nlp.types import Clause, Hit, Span, Statement


def clause(text: str) -> Clause:
    return Clause(f"p:v1:{abs(hash(text)) % 10**8}", "p", "v1", ("Privacy",), 0, len(text), text)  # type: ignore[arg-type]


def ask(question: str, *pairs: tuple[Clause, float], statements=None):
    hits = [Hit(c, score=1.0 / (i + 1), dense=d) for i, (c, d) in enumerate(pairs)]
    return answer_question(question, hits, [c for c, _ in pairs], policy="p", version="v1",
                           statements=statements)


def reading(polarity: str, match: str = "exact", fit: str = "same", condition: str = "",
            hit: int = 0, named: bool = True) -> Reading:
    st = Statement(f"c{hit}", "first_party", "collect", polarity, condition)
    return Reading(hit, st, match, polarity, condition, practice_fit=fit, names_asked=named)


# -- the table's precedence rules, one by one ---------------------------------------------

RULES = json.loads(TABLE_FILE.read_text(encoding="utf-8"))["precedence"]


def test_every_precedence_rule_has_a_reason_and_loads():
    table = load_verdict_table()
    assert len(table.precedence) == len(RULES) >= 3
    assert all(isinstance(r, Precedence) and len(r.reason) > 20 for r in table.precedence)


def test_choose_keeps_the_first_reading_when_no_rule_fits():
    table = load_verdict_table()
    first, second = reading("affirmed", hit=0), reading("denied", "general", hit=1)
    chosen, rule = table.choose([first, second], lambda r: False)
    assert chosen is first and rule is None


def test_choose_prefers_a_denial_of_the_same_practice_over_a_related_affirmation():
    table = load_verdict_table()
    related = reading("affirmed", fit="related", hit=0)
    denial = reading("denied", fit="same", hit=1)
    chosen, rule = table.choose([related, denial], lambda r: False)
    assert chosen is denial and rule is not None and rule.over.get("practice") == "related"
    # A denial of a related practice is no reason to set the affirmation aside.
    chosen, rule = table.choose([related, reading("denied", fit="related", hit=1)],
                                lambda r: False)
    assert chosen is related and rule is None
    # Nor is a denial that is "exact" only because the question names nothing in particular.
    chosen, rule = table.choose([related, reading("denied", hit=1, named=False)],
                                lambda r: False)
    assert chosen is related and rule is None
    # Nor when the question asks about no practice at all.
    chosen, rule = table.choose([reading("affirmed", "general_named", fit="none"),
                                 reading("denied", fit="none", hit=1)], lambda r: False)
    assert rule is None


def test_choose_prefers_a_named_denial_over_a_general_affirmation_only():
    table = load_verdict_table()
    general = reading("affirmed", "general_named", hit=0)
    denial = reading("denied", "exact", hit=1)
    assert table.choose([general, denial], lambda r: False)[0] is denial
    # A denial that covers the thing only in general does not outrank the affirmation.
    broad = reading("denied", "general_named", hit=1)
    assert table.choose([general, broad], lambda r: False)[0] is general
    # An affirmation naming the exact thing asked keeps its rank above an exact denial.
    exact = reading("affirmed", "exact", hit=0)
    assert table.choose([exact, denial], lambda r: False)[0] is exact


def test_choose_prefers_an_affirmation_naming_the_thing_over_a_general_one():
    table = load_verdict_table()
    general = reading("affirmed", "general_named", hit=0)
    exact = reading("affirmed", "exact", hit=1)
    chosen, rule = table.choose([general, exact], lambda r: False)
    assert chosen is exact and rule is not None
    # Not when the exact one names nothing in particular ("my data").
    vague = reading("affirmed", "exact", hit=1, named=False)
    assert table.choose([general, vague], lambda r: False)[0] is general


def test_choose_prefers_a_denial_under_the_questions_own_condition():
    table = load_verdict_table()
    plain = reading("affirmed", hit=0)
    own = reading("denied", condition="if you decline", hit=1)
    chosen, rule = table.choose([plain, own], lambda r: r is own)
    assert chosen is own and rule is not None and rule.prefer.get("own_condition") is True
    # The same denial under another condition does not.
    assert table.choose([plain, own], lambda r: False)[0] is plain


# -- end to end, with sentences -----------------------------------------------------------


def test_a_denial_of_keeping_outranks_a_collection_ranked_above_it():
    given = clause("When you sign up, you give us your phone number so we can text you a code.")
    denied = clause("We do not retain your phone number once the code is sent.")
    ans = ask("Do you keep my phone number?", (given, 0.7), (denied, 0.45))
    assert ans.verdict == "no"
    assert ans.citations[0].clause_id == denied.id


def test_a_denial_about_something_else_does_not_answer_a_question_naming_nothing():
    used = clause("We use your information to run and improve the service.")
    children = clause("We do not knowingly collect information from children under 13.")
    ans = ask("If I call support, do you collect anything?", (used, 0.7), (children, 0.45))
    assert ans.verdict == "yes" and ans.citations[0].clause_id == used.id


def test_keeping_stated_outright_is_still_yes_beside_a_collection():
    given = clause("When you sign up, you give us your phone number so we can text you a code.")
    kept = clause("We retain your phone number for as long as your account is open.")
    ans = ask("Do you keep my phone number?", (given, 0.7), (kept, 0.45))
    assert ans.verdict == "yes"


def test_sharing_with_partners_does_not_answer_a_question_about_selling():
    shared = clause("We share your personal information with our partners.")
    never = clause("We never sell your personal information.")
    ans = ask("Do you sell my data?", (shared, 0.7), (never, 0.45))
    assert ans.verdict == "no"
    assert ans.citations[0].clause_id == never.id


def test_a_named_denial_outranks_a_general_collection_ranked_above_it():
    general = clause("We collect personal information about you when you use the app.")
    denied = clause("We do not collect your precise location.")
    ans = ask("Do you collect my precise location?", (general, 0.7), (denied, 0.4))
    assert ans.verdict == "no"
    assert ans.citations[0].clause_id == denied.id


def test_a_specific_affirmation_is_not_overruled_by_a_broader_denial():
    named = clause("We share your email address with advertisers.")
    broad = clause("We do not share your personal information with anyone else.")
    ans = ask("Do you share my email address with advertisers?", (named, 0.6), (broad, 0.5))
    assert ans.verdict == "yes"
    assert ans.citations[0].clause_id == named.id


@pytest.mark.parametrize("allowed", [False, True])
def test_a_denial_under_the_questions_condition_outranks_a_plain_collection(allowed):
    plain = clause("We collect your location to show you stores nearby.")
    decline = clause("If you decline permission for us to collect your geolocation, we will "
                     "not collect it.")
    statements = {
        plain.id: (Statement(plain.id, "first_party", "collect", "affirmed", "",
                             data_types=(Span("your location", 11, 24, "location"),)),),
        decline.id: (Statement(decline.id, "first_party", "collect", "conditional",
                               "If you decline permission for us to collect your geolocation",
                               data_types=(Span("your geolocation", 49, 65, "location"),),
                               negated=True),),
    }
    question = ("If I allow location, do you collect it?" if allowed
                else "If I turn off location, do you still collect it?")
    ans = ask(question, (plain, 0.7), (decline, 0.45), statements=statements)
    if allowed:
        # Not the question's condition: the plain collection keeps its rank.
        assert ans.verdict == "yes" and ans.citations[0].clause_id == plain.id
    else:
        assert ans.verdict == "no" and ans.reason == "denied"
        assert ans.citations[0].clause_id == decline.id
