"""The label set and the OPP-115 / APPCorp mappings (data in nlp/data/taxonomy.json)."""

from __future__ import annotations

import pytest

from nlp.classify.taxonomy import (
    APPCORP_LABELS,
    ASKED_FOR,
    LABELS,
    OPP115_LABELS,
    labels,
    map_source_labels,
    mapping,
    scheme_labels,
    split_by_cues,
    unsupervised_labels,
)
from nlp.errors import InputError


def test_label_set_is_the_documented_twelve() -> None:
    assert LABELS == (
        "collection",
        "use",
        "sharing",
        "retention",
        "rights",
        "cookies",
        "security",
        "children",
        "international",
        "changes",
        "contact",
        "other",
    )
    assert ASKED_FOR == ("collection", "use", "sharing", "retention", "rights", "cookies")
    assert all(lab.definition for lab in labels())


@pytest.mark.parametrize(
    ("source", "names"), [("opp115", OPP115_LABELS), ("appcorp", APPCORP_LABELS)]
)
def test_every_source_label_is_mapped_to_known_labels(source: str, names: tuple[str, ...]) -> None:
    table = mapping(source)
    assert set(table) == set(names)
    for entry in table.values():
        assert entry["to"] and set(entry["to"]) <= set(LABELS)
    assert set(unsupervised_labels(source)) <= set(LABELS)


def test_source_label_counts() -> None:
    assert len(OPP115_LABELS) == 12 and len(APPCORP_LABELS) == 11


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We collect your e-mail address and phone number.", ("collection",)),
        ("Your information is used to personalise the app.", ("use",)),
        ("We collect your location to show nearby stores.", ("collection", "use")),
        ("First party practices apply.", ("collection", "use")),  # no cue: both
    ],
)
def test_first_party_split(text: str, expected: tuple[str, ...]) -> None:
    assert split_by_cues("first_party", text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("We do not knowingly collect data from children under 13.", ("children",)),
        ("Data may be transferred to countries outside the EEA.", ("international",)),
        ("California residents may ask which data we disclosed.", ("rights",)),
        ("Special provisions apply to some users.", ("other",)),
    ],
)
def test_audience_split(text: str, expected: tuple[str, ...]) -> None:
    assert split_by_cues("audiences", text) == expected


def test_map_source_labels() -> None:
    assert map_source_labels("opp115", ["Do Not Track"], "We ignore DNT.") == ("cookies",)
    assert map_source_labels(
        "appcorp", ["Third_Party_Share_and_Collection", "Policy_Change"], "x"
    ) == ("sharing", "changes")
    assert map_source_labels("opp115", ["User Choice/Control"], "Opt out here.") == ("rights",)


def test_unknown_source_label_says_where_to_add_it() -> None:
    with pytest.raises(InputError, match="taxonomy.json"):
        map_source_labels("opp115", ["Made Up Category"], "text")
    with pytest.raises(InputError, match="policylens, opp115"):
        scheme_labels("nope")


def test_docs_define_every_label_with_examples() -> None:
    from pathlib import Path

    doc = Path(__file__).resolve().parent.parent / "docs" / "taxonomy.md"
    text = doc.read_text(encoding="utf-8")
    for name in LABELS:
        assert f"### `{name}`" in text
