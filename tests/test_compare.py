"""Clause alignment and change reports: unit tests on hand-made clauses, then the seed's versions."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from nlp.compare import (
    CHANGE_KINDS,
    ClauseChange,
    Comparison,
    compare_versions,
    mark_words,
    normalize_section,
    normalize_text,
    word_diff,
)
from nlp.config import CompareSettings
from nlp.types import Clause


def _clauses(
    version: str, items: list[tuple[str, str] | tuple[str, str, tuple[str, ...]]]
) -> list[Clause]:
    """Clauses of one version from (section, text[, labels]) items, offsets as if concatenated."""
    out, pos = [], 0
    for item in items:
        section, text = item[0], item[1]
        labels = item[2] if len(item) > 2 else ()
        sec = tuple(s for s in section.split(" > ") if s)
        out.append(
            Clause(
                f"{version}-{len(out)}",
                "acme",
                version,
                sec,
                pos,
                pos + len(text),
                text,
                labels=labels,
            )
        )
        pos += len(text) + 1
    return out


OLD = _clauses(
    "2019",
    [
        (
            "A. COLLECTION",
            "We collect your name and e-mail address when you register.",
            ("collection",),
        ),
        (
            "A. COLLECTION",
            "We collect your IP address through [cookies](https://acme.example/cookies).",
            ("collection", "cookies"),
        ),
        ("B. USE", "We use your data to process your orders.", ("use",)),
        ("B. USE", "We use your browsing history to personalise our newsletters.", ("use",)),
        ("C. SHARING", "We share your data with our payment processors.", ("sharing",)),
        ("C. SHARING", "We may sell aggregated statistics to partners.", ("sharing",)),
        ("D. RETENTION", "We keep your data for as long as your account is open.", ("retention",)),
        ("E. CONTACT", 'Questions? See section E "CONTACT US" below.', ("contact",)),
    ],
)
NEW = _clauses(
    "2020",
    [
        (
            "A. COLLECTION",
            "We collect your name and e-mail address when you register.",
            ("collection",),
        ),
        ("A. COLLECTION", "We collect your IP address through cookies.", ("collection", "cookies")),
        ("B. USE", "We use your data to process your orders.", ("use",)),
        (
            "B. USE",
            "We use your browsing history and purchases to show you tailored advertising.",
            ("use",),
        ),
        ("C. SHARING", "We share your data with our payment processors.", ("sharing",)),
        ("D. SECURITY", "We encrypt your password and card details at rest.", ("security",)),
        ("E. RETENTION", "We keep your data for as long as your account is open.", ("retention",)),
        ("F. CONTACT", 'Questions? See section F "CONTACT US" below.', ("contact",)),
    ],
)


@pytest.fixture
def cmp(fake_encoder) -> Comparison:
    return compare_versions(OLD, NEW, fake_encoder)


def test_normalize_text_drops_differences_of_form():
    assert normalize_text("H. HOW TO CONTACT US") == normalize_text("J. How to contact us")
    assert normalize_text('see section **H "HOW TO CONTACT US"**') == normalize_text(
        'see section J. "HOW TO CONTACT US"'
    )
    assert normalize_text("through [cookies](https://a.example/c).") == "through cookies"
    assert normalize_text("(a) we  collect\u00a0data") == "we collect data"
    assert normalize_section(("G. VISITORS FROM THE EU", "Your rights")) == normalize_section(
        ("I. VISITORS FROM THE EU", "Your rights")
    )
    # A real difference in words survives normalisation.
    assert normalize_text("We keep data 30 days") != normalize_text("We keep data 90 days")


def test_word_diff_marks_inserted_and_deleted_words():
    assert word_diff("We sell data.", "We never sell data.") == (
        ("equal", "We"),
        ("insert", "never"),
        ("equal", "sell data."),
    )
    old, new = mark_words("We keep logs for 30 days.", "We keep logs for 90 days.")
    assert old == "We keep logs for [-30-] days."
    assert new == "We keep logs for {+90+} days."


def test_each_clause_appears_once_in_new_document_order(cmp):
    olds = [c.old.id for c in cmp.changes if c.old]
    news = [c.new.id for c in cmp.changes if c.new]
    assert sorted(olds) == sorted(c.id for c in OLD)
    assert news == [c.id for c in NEW]


def test_kinds_of_change(cmp):
    by_kind = {
        k: [(c.old.text if c.old else None, c.new.text if c.new else None) for c in cmp.of_kind(k)]
        for k in ("added", "removed", "changed", "cosmetic")
    }
    assert by_kind["added"] == [(None, "We encrypt your password and card details at rest.")]
    assert by_kind["removed"] == [("We may sell aggregated statistics to partners.", None)]
    assert by_kind["changed"] == [
        (
            "We use your browsing history to personalise our newsletters.",
            "We use your browsing history and purchases to show you tailored advertising.",
        )
    ]
    # Markdown link syntax and a renumbered cross-reference are form, not substance.
    assert [o for o, _ in by_kind["cosmetic"]] == [
        "We collect your IP address through [cookies](https://acme.example/cookies).",
        'Questions? See section E "CONTACT US" below.',
    ]
    assert len(cmp.of_kind("unchanged")) == 4
    # A clause whose section letter changed (D -> E) is the same clause, not moved.
    retention = next(c for c in cmp.changes if c.new and c.new.text.startswith("We keep"))
    assert retention.kind == "unchanged" and not retention.moved


def test_removed_clause_is_placed_where_it_was(cmp):
    kinds = [c.kind for c in cmp.changes]
    i = kinds.index("removed")
    assert cmp.changes[i - 1].new.text == "We share your data with our payment processors."


def test_counts_per_category(cmp):
    counts = cmp.counts()
    assert counts["sharing"]["removed"] == 1
    assert counts["security"]["added"] == 1
    assert counts["use"]["changed"] == 1
    assert counts["cookies"]["cosmetic"] == 1
    frame = cmp.counts_frame(substantive_only=True)
    assert list(frame.columns) == ["added", "removed", "changed", "total"]
    assert set(frame.index) == {"sharing", "security", "use"}
    assert frame.loc["use", "total"] == 1


def test_changed_wording_side_by_side(cmp):
    ch = cmp.of_kind("changed")[0]
    old, new = ch.side_by_side()
    assert old == "We use your browsing history to [-personalise our newsletters.-]"
    assert (
        new
        == "We use your browsing history {+and purchases+} to {+show you tailored advertising.+}"
    )
    assert 0 < ch.text_similarity < 1 and ch.similarity >= CompareSettings().match_threshold - 0.2


def test_to_frame_columns_and_rows(cmp):
    frame = cmp.to_frame()
    assert list(frame.columns) == [
        "kind",
        "category",
        "labels",
        "similarity",
        "text_similarity",
        "embedding_similarity",
        "moved",
        "old_section",
        "new_section",
        "old_text",
        "new_text",
        "old_marked",
        "new_marked",
        "old_clause_id",
        "new_clause_id",
        "old_start",
        "old_end",
        "new_start",
        "new_end",
        "old_clauses",
        "new_clauses",
    ]
    assert "unchanged" not in set(frame["kind"])
    assert len(cmp.to_frame(include_unchanged=True)) == len(cmp.changes)
    added = frame[frame["kind"] == "added"].iloc[0]
    assert added["new_section"] == "D. SECURITY" and pd.isna(added["old_text"])


def test_to_dict_is_json_ready(cmp):
    d = json.loads(json.dumps(cmp.to_dict()))
    assert d["old"] == {"policy": "acme", "version": "2019"}
    assert d["summary"] == {"added": 1, "removed": 1, "changed": 1, "cosmetic": 2, "unchanged": 4}
    changed = next(c for c in d["changes"] if c["kind"] == "changed")
    assert changed["category"] == "use" and changed["old"]["section"] == "B. USE"
    assert "{+" in changed["new_marked"]


def test_unrelated_clauses_are_not_paired(fake_encoder):
    old = _clauses("v1", [("", "We never sell your personal data.")])
    new = _clauses("v2", [("", "Children under 13 may not open an account.")])
    kinds = [c.kind for c in compare_versions(old, new, fake_encoder).changes]
    assert sorted(kinds) == ["added", "removed"]


def test_duplicate_sentences_pair_within_their_section(fake_encoder):
    old = _clauses("v1", [("A", "Contact us."), ("B", "Contact us."), ("B", "We keep logs.")])
    new = _clauses("v2", [("B", "Contact us."), ("B", "We keep logs.")])
    cmp = compare_versions(old, new, fake_encoder)
    removed = cmp.of_kind("removed")
    assert [c.old.section for c in removed] == [("A",)]


def test_empty_sides(fake_encoder):
    cmp = compare_versions([], NEW, fake_encoder)
    assert [c.kind for c in cmp.changes] == ["added"] * len(NEW)
    assert compare_versions([], [], fake_encoder).changes == ()


def test_report_lists_substantive_changes_only(cmp):
    text = cmp.report()
    assert "1 added, 1 removed, 1 changed, 2 cosmetic, 4 unchanged" in text
    assert "ADDED" in text and "REMOVED" in text and "CHANGED" in text
    assert "COSMETIC" not in text
    assert "COSMETIC" in cmp.report(include_cosmetic=True)


def test_clause_change_category_defaults():
    c = Clause("x", "p", "v", (), 0, 3, "Hi.")
    ch = ClauseChange(kind="added", old=None, new=c)
    assert ch.category == "unlabelled" and ch.substantive


# --- the seed: 2019-01-17 -> 2020-02-27 with the real model ----------------------------------


@pytest.fixture(scope="session")
def seed_comparison(seed_path, tmp_path_factory):
    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    cache = tmp_path_factory.mktemp("cache")
    settings = Settings(embed={"cache_dir": cache})
    return PolicyLens(settings).compare(seed_path)


@pytest.mark.slow
def test_seed_versions_compared_oldest_to_newest(seed_comparison):
    assert (seed_comparison.old_version, seed_comparison.new_version) == (
        "2019-01-17",
        "2020-02-27",
    )


@pytest.mark.slow
def test_seed_substantive_changes_are_exactly_the_real_ones(seed_comparison):
    cmp = seed_comparison
    added = cmp.of_kind("added")
    # The two new sections F. MINORS and G. SECURITY MEASURES, clause by clause, and nothing else.
    assert {c.new.section_path for c in added} == {"F. MINORS", "G. SECURITY MEASURES"}
    assert any("not targeted to minors" in c.new.text for c in added)
    assert any("commercially reasonable security methods" in c.new.text for c in added)
    assert any("cannot guarantee the security" in c.new.text for c in added)
    assert cmp.of_kind("removed") == []

    changed = {(c.old.text, c.new.text) for c in cmp.of_kind("changed")}
    texts_new = [n for _, n in changed]
    assert len(changed) == 3, sorted(texts_new)
    # Third-party data now also used "to improve our marketing efforts".
    kyc = next(c for c in cmp.of_kind("changed") if "improve our marketing efforts" in c.new.text)
    assert "improve our marketing" not in kyc.old.text and "KYC" in kyc.old.text
    assert "{+and to improve our marketing efforts.+}" in kyc.side_by_side()[1]
    # "personalizing our marketing and communications" -> "sending and serving tailored marketing
    # and advertising".
    mkt = next(c for c in cmp.of_kind("changed") if "tailored marketing" in c.new.text)
    assert "personalizing our marketing and communications" in mkt.old.text
    # A third real wording change the issue does not name, so listed here on purpose: the data
    # received from those third parties now includes "contact information for company
    # representatives" (2019: "contact information"). It is substantive, not a matter of form.
    reps = next(c for c in cmp.of_kind("changed") if "for company representatives" in c.new.text)
    assert reps.old.text.startswith("This may include your name")


@pytest.mark.slow
def test_seed_differences_of_form_are_cosmetic(seed_comparison):
    cosmetic = seed_comparison.of_kind("cosmetic")
    # Cross-references renumbered from section H to section J.
    assert len(cosmetic) >= 4
    for ch in cosmetic:
        assert "section H" in ch.old.text.replace("section H.", "section H")
        assert "section J" in ch.new.text.replace("section J.", "section J")
    # Renumbered sections (G. VISITORS... -> I. VISITORS...) hold unchanged clauses, not moved.
    eu = [
        c for c in seed_comparison.changes if c.new and c.new.section_path.startswith("I. VISITORS")
    ]
    assert eu and all(c.kind in ("unchanged", "cosmetic") and not c.moved for c in eu)


@pytest.mark.slow
def test_cli_compare_seed_json_and_text(seed_path, tmp_path, monkeypatch):
    from nlp.cli import cli

    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path))
    runner = CliRunner()
    res = runner.invoke(cli, ["compare", str(seed_path), "--json"])
    assert res.exit_code == 0, res.output
    d = json.loads(res.stdout)  # stdout only: a model-loading progress bar may go to stderr
    assert d["old"]["version"] == "2019-01-17" and d["new"]["version"] == "2020-02-27"
    assert d["summary"]["changed"] == 3 and d["summary"]["removed"] == 0
    added = [c["new"]["section"] for c in d["changes"] if c["kind"] == "added"]
    assert len(added) == d["summary"]["added"] >= 10
    assert set(added) == {"F. MINORS", "G. SECURITY MEASURES"}
    res = runner.invoke(cli, ["compare", str(seed_path)])
    assert res.exit_code == 0, res.output
    assert "ADDED" in res.stdout and "F. MINORS" in res.stdout
    assert "{+and to improve our marketing efforts.+}" in res.stdout


@pytest.mark.slow
def test_seed_changes_are_reported_per_category(seed_comparison):
    from nlp.config import ClassifySettings

    if not ClassifySettings().model_dir.exists():
        pytest.skip("no shipped clause classifier in models/: clauses are unlabelled")
    counts = seed_comparison.counts_frame(substantive_only=True)
    # The new sections land in their categories: minors -> children, security measures -> security.
    assert counts.loc["children", "added"] == 2
    assert counts.loc["security", "added"] >= 6
    assert "unlabelled" not in counts.index


def test_article_numbers_are_substance_not_form(fake_encoder):
    old = _clauses("v1", [("", "We rely on Article 6(1)(a) GDPR, your consent.")])
    new = _clauses("v2", [("", "We rely on Article 6(1)(f) GDPR, your consent.")])
    assert [c.kind for c in compare_versions(old, new, fake_encoder).changes] == ["changed"]


def test_many_reworded_clauses_pair_with_their_own_version(fake_encoder):
    # More left-over clauses than the candidate shortlist: each reworded clause must still find
    # its counterpart, in shuffled order, with no anchors to help.
    topics = [f"topic{i} alpha{i} beta{i} gamma{i} delta{i}" for i in range(30)]
    old = _clauses("v1", [("", f"We process {t} for you.") for t in topics])
    new = _clauses("v2", [("", f"We now process {t} for partners.") for t in reversed(topics)])
    cmp = compare_versions(old, new, fake_encoder)
    changed = cmp.of_kind("changed")
    assert len(changed) == 30
    for ch in changed:
        assert ch.old.text.split()[2] == ch.new.text.split()[3]


# --- files ------------------------------------------------------------------------------------

_V1 = """Privacy Policy

Last updated: January 1, 2021

1. COLLECTION

We collect your e-mail address when you sign up.

2. RETENTION

We keep your data for 30 days.
"""
_V2 = _V1.replace("January 1, 2021", "March 1, 2024").replace("30 days", "90 days")


@pytest.fixture
def file_lens(fake_encoder, tmp_path):
    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    settings = Settings(embed={"cache_dir": tmp_path / "cache", "use_cache": False})
    return PolicyLens(settings, encoder=fake_encoder, classifier=None)


def test_compare_two_files_of_the_same_name(file_lens, tmp_path):
    from nlp.compare import compare_files

    for folder, text in (("2021", _V1), ("2024", _V2)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "Privacy Policy.txt").write_text(text)
    cmp = compare_files(
        tmp_path / "2021" / "Privacy Policy.txt",
        tmp_path / "2024" / "Privacy Policy.txt",
        parse=file_lens.parse,
        encoder=file_lens.encoder,
    )
    # Both files stay loaded side by side, named by folder: the old one is not replaced.
    assert (cmp.old_policy, cmp.old_version) == ("2021-privacy-policy", "2021-01-01")
    assert (cmp.new_policy, cmp.new_version) == ("2024-privacy-policy", "2024-03-01")
    # The "Last updated" line changed too, but the date is the version's label: form only.
    assert [c.new.text for c in cmp.of_kind("cosmetic")] == ["Last updated: March 1, 2024"]
    changed = cmp.of_kind("changed")
    assert [c.side_by_side() for c in changed] == [
        ("We keep your data for [-30-] days.", "We keep your data for {+90+} days.")
    ]
    assert not cmp.of_kind("added", "removed")


def test_compare_one_file_needs_two_versions(file_lens, tmp_path):
    from nlp.compare import compare_files
    from nlp.errors import InputError

    path = tmp_path / "single.txt"
    path.write_text(_V1)
    with pytest.raises(InputError, match="single version; give a second policy"):
        compare_files(path, parse=file_lens.parse, encoder=file_lens.encoder)


def test_cli_compare_errors_are_one_line(tmp_path, monkeypatch, capsys):
    from nlp.cli import main

    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "single.txt"
    path.write_text(_V1)
    for args, message in (
        (["compare", str(path)], "single version"),
        (["compare", str(tmp_path / "missing.txt")], "no such file"),
    ):
        with pytest.raises(SystemExit) as exc:
            main(args)
        err = capsys.readouterr().err
        assert exc.value.code == 1
        last = err.strip().splitlines()[-1]  # after any model-loading progress bar
        assert last.startswith("policylens: error:") and message in last


@pytest.mark.parametrize(
    ("old", "new", "kind"),
    [
        ("Last updated: January 1, 2021", "Last updated: March 1, 2024", "cosmetic"),
        ("Effective date: 2019-01-17", "Effective date: 2020-02-27", "cosmetic"),
        (
            "Version 2 of our terms gives you new rights.",
            "Version 3 of our terms gives you new rights.",
            "changed",
        ),
        ("We keep logs until January 2021.", "We keep logs until January 2024.", "changed"),
    ],
)
def test_only_the_version_date_stamp_is_form(fake_encoder, old, new, kind):
    cmp = compare_versions(_clauses("v1", [("", old)]), _clauses("v2", [("", new)]), fake_encoder)
    assert [c.kind for c in cmp.changes] == [kind]


_FORM_OLD = """ACME PRIVACY POLICY

Last updated: January 1, 2021

A. COLLECTION

We collect your name and e-mail address when you open an account. We also collect the pages you view on our website.

B. SHARING

We share your information with the courier that delivers your parcel. For questions, see section C "CONTACT US" below.

C. CONTACT US

Write to privacy@acme.example or use the form on our website.
"""

_FORM_NEW = """ACME PRIVACY POLICY

Last updated: March 1, 2024

A. COLLECTION

We collect your name and e-mail address when you open an account. We also collect the pages you
view on our [website](https://acme.example/).

Page 1 of 2

B. SECURITY

We encrypt your password.

C. SHARING

We share your information with the courier that delivers your parcel. For questions, see section **D "CONTACT US"** below.

D. CONTACT US

Write to privacy@acme.example or use the form on our [website](https://web.archive.org/web/20240301000000/https://acme.example/contact).
"""


def test_differences_of_form_in_files_are_cosmetic(file_lens, tmp_path):
    # The new file: Markdown links, a web-archive URL, a page counter and a paragraph broken
    # across lines, bold cross-reference, sections renumbered (B -> C, C -> D) around one new
    # section. Only the new section is substantive.
    from nlp.compare import compare_files

    (tmp_path / "old.txt").write_text(_FORM_OLD)
    (tmp_path / "new.txt").write_text(_FORM_NEW)
    cmp = compare_files(
        tmp_path / "old.txt", tmp_path / "new.txt", parse=file_lens.parse, encoder=file_lens.encoder
    )
    assert [(c.kind, c.section, c.new.text) for c in cmp.substantive] == [
        ("added", "B. SECURITY", "We encrypt your password.")
    ]
    assert {c.kind for c in cmp.changes} == {"added", "cosmetic", "unchanged"}


_ANCHORS_BEFORE = [("A", "We are Acme and this is our privacy policy.")]
_ANCHORS_AFTER = [("C", "Write to privacy@acme.example with questions.")]


def test_a_clause_split_in_two_is_one_cosmetic_change(fake_encoder):
    old = _clauses(
        "v1",
        [
            *_ANCHORS_BEFORE,
            (
                "B",
                "We collect your name and address. We use them to ship your order and to answer you.",
            ),
            *_ANCHORS_AFTER,
        ],
    )
    new = _clauses(
        "v2",
        [
            *_ANCHORS_BEFORE,
            ("B", "We collect your name and address."),
            ("B", "We use them to ship your order and to answer you."),
            *_ANCHORS_AFTER,
        ],
    )
    cmp = compare_versions(old, new, fake_encoder)
    assert [c.kind for c in cmp.changes] == ["unchanged", "cosmetic", "unchanged"]
    split = cmp.changes[1]
    assert [c.text for c in split.new_clauses] == [new[1].text, new[2].text]
    assert split.new_text == old[1].text
    row = cmp.to_frame().iloc[0]
    assert (row["old_clauses"], row["new_clauses"]) == (1, 2)
    assert (row["new_start"], row["new_end"]) == (new[1].start, new[2].end)


def test_a_split_with_new_words_is_one_change(fake_encoder):
    old = _clauses(
        "v1",
        [
            *_ANCHORS_BEFORE,
            (
                "B",
                "We collect your name and address. We use them to ship your order and to answer you.",
            ),
            *_ANCHORS_AFTER,
        ],
    )
    new = _clauses(
        "v2",
        [
            *_ANCHORS_BEFORE,
            ("B", "We collect your name and address."),
            ("B", "We use them to ship your order, to answer you and to show you ads."),
            *_ANCHORS_AFTER,
        ],
    )
    cmp = compare_versions(old, new, fake_encoder)
    assert [c.kind for c in cmp.changes] == ["unchanged", "changed", "unchanged"]
    assert "{+and to show you ads.+}" in cmp.changes[1].side_by_side()[1]
    assert cmp.to_dict()["changes"][0]["new_extra"][0]["text"] == new[2].text


def test_clauses_merged_into_one(fake_encoder):
    old = _clauses(
        "v1",
        [
            *_ANCHORS_BEFORE,
            ("B", "We collect your name and address."),
            ("B", "We use them to ship your order and to answer you."),
            *_ANCHORS_AFTER,
        ],
    )
    new = _clauses(
        "v2",
        [
            *_ANCHORS_BEFORE,
            (
                "B",
                "We collect your name and address, and we use them to ship your order and to answer you.",
            ),
            *_ANCHORS_AFTER,
        ],
    )
    cmp = compare_versions(old, new, fake_encoder)
    assert [c.kind for c in cmp.changes] == ["unchanged", "changed", "unchanged"]
    merged = cmp.changes[1]
    assert [c.text for c in merged.old_clauses] == [old[1].text, old[2].text]
    assert merged.side_by_side()[1].count("{+") == 1  # only the joining "and we" is new


def test_a_clause_added_next_to_a_changed_one_stays_added(fake_encoder):
    old = _clauses(
        "v1", [*_ANCHORS_BEFORE, ("B", "We keep server logs for 30 days."), *_ANCHORS_AFTER]
    )
    new = _clauses(
        "v2",
        [
            *_ANCHORS_BEFORE,
            ("B", "We keep server logs for 90 days."),
            ("B", "We never sell your personal data to anyone."),
            *_ANCHORS_AFTER,
        ],
    )
    kinds = [c.kind for c in compare_versions(old, new, fake_encoder).changes]
    assert kinds == ["unchanged", "changed", "added", "unchanged"]


# --- nothing loads a model it does not use ----------------------------------------------------


class _CountingClassifier:
    """Labels every clause "other" and counts the calls (stands in for the shipped model)."""

    def __init__(self) -> None:
        self.calls = 0

    def label_clauses(self, clauses, encoder):  # noqa: ARG002
        import dataclasses

        self.calls += 1
        return [dataclasses.replace(c, labels=("other",)) for c in clauses]

    def predict(self, texts, embeddings=None):  # noqa: ARG002
        self.calls += 1
        return [("other",) for _ in texts]


def test_identical_files_are_compared_without_encoding_or_labelling(fake_encoder, tmp_path):
    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    clf = _CountingClassifier()
    settings = Settings(embed={"cache_dir": tmp_path / "cache", "use_cache": False})
    lens = PolicyLens(settings, encoder=fake_encoder, classifier=clf)
    (tmp_path / "a.txt").write_text(_V1)
    (tmp_path / "b.txt").write_text(_V1)
    report_kinds = Comparison.report_kinds()
    cmp = lens.compare(tmp_path / "a.txt", tmp_path / "b.txt", label_kinds=report_kinds)
    assert {c.kind for c in cmp.changes} == {"unchanged"}
    # Every clause paired by its wording and the text report needs no category: no model ran.
    assert (fake_encoder.calls, clf.calls) == (0, 0)
    assert "0 added, 0 removed, 0 changed, 0 cosmetic" in cmp.report()
    # The JSON counts every clause per category, so it labels each file once.
    full = lens.compare(tmp_path / "a.txt", tmp_path / "b.txt")
    assert clf.calls == 2 and fake_encoder.calls == 0
    unchanged = {**dict.fromkeys(CHANGE_KINDS, 0), "unchanged": len(cmp.changes)}
    assert full.to_dict()["by_category"] == {"other": unchanged}
    assert full.report() == cmp.report()


def test_labels_after_alignment_equal_labels_before(fake_encoder, tmp_path):
    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    clf = _CountingClassifier()
    settings = Settings(embed={"cache_dir": tmp_path / "cache", "use_cache": False})
    lens = PolicyLens(settings, encoder=fake_encoder, classifier=clf)
    (tmp_path / "old.txt").write_text(_V1)
    (tmp_path / "new.txt").write_text(_V2)
    after = lens.compare(tmp_path / "old.txt", tmp_path / "new.txt")
    old_policy, old_clauses = lens.parse(tmp_path / "old.txt", policy_id="old")
    new_policy, new_clauses = lens.parse(tmp_path / "new.txt", policy_id="new")
    before = compare_versions(
        [c for c in lens.label(old_clauses) if c.version == old_policy.version().label],
        [c for c in lens.label(new_clauses) if c.version == new_policy.version().label],
        fake_encoder,
    )
    assert after == before and after.of_kind("changed")[0].labels == ("other",)


def test_cli_compare_of_identical_files_loads_no_encoder(tmp_path):
    import os
    import subprocess
    import sys

    (tmp_path / "a.txt").write_text(_V1)
    (tmp_path / "b.txt").write_text(_V1)
    code = (
        "import sys\n"
        "from nlp.cli import main\n"
        f"sys.argv = ['policylens', 'compare', {str(tmp_path / 'a.txt')!r}, {str(tmp_path / 'b.txt')!r}]\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    print('ENCODER', 'sentence_transformers' in sys.modules)\n"
    )
    env = {**os.environ, "POLICYLENS_EMBED__CACHE_DIR": str(tmp_path / "cache")}
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert "0 added, 0 removed, 0 changed, 0 cosmetic" in res.stdout
    assert "ENCODER False" in res.stdout


def test_compare_policies_reports_per_category(fake_encoder, tmp_path):
    # Loading no longer labels a policy; the per-category report still asks the lens for labels.
    from nlp.compare import compare_policies
    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    clf = _CountingClassifier()
    settings = Settings(embed={"cache_dir": tmp_path / "cache", "use_cache": False})
    lens = PolicyLens(settings, encoder=fake_encoder, classifier=clf)
    (tmp_path / "old.txt").write_text(_V1)
    (tmp_path / "new.txt").write_text(_V2)
    lens.load(tmp_path / "old.txt")
    lens.load(tmp_path / "new.txt")
    cmp = compare_policies(lens, "old", "new")
    assert clf.calls >= 1
    assert list(cmp.counts_frame(substantive_only=True).index) == ["other"]
