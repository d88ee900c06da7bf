"""Ingest: clean text out of messy .txt/.md/.html/.pdf policies, versions split and dated."""

from __future__ import annotations

import re
import zlib
from datetime import date
from pathlib import Path

import pytest

from nlp.config import IngestSettings
from nlp.errors import InputError
from nlp.ingest import clean as _clean
from nlp.ingest import load_policy, parse_policy
from nlp.types import Policy

DATA = Path(__file__).parent / "data"
SEED = Path(__file__).resolve().parent.parent / "corpora" / "000_ce4448d9c54926ad.txt"

# Substrings that are debris in the seed and must never reach clean text.
SEED_DEBRIS = [
    "web.archive.org",
    "](",
    "**",
    "<p",
    "</p>",
    "<ul",
    "Rules List",
    "Rules Center",
    "Penalty Record",
    "Agreements in",
    "©",
    "EXHIBIT",
    "icburule",
    "Browse Alphabetically",
    "Follow Us",
    "Free APP",
    "Download TradeManager",
    "Alibaba Group | Taobao",
    "Español",
    "Table of Contents",
    "New Version (Effective",
    "Old version (Effective",
    "What are you looking for",
    "Back to list",
    "All rights reserved",
]


@pytest.fixture(scope="module")
def seed() -> Policy:
    return load_policy(SEED)


def _headings(version) -> list[str]:
    return [version.text[s:e] for s, e, _lvl in version.headings]


# --- the seed ---------------------------------------------------------------------------------


def test_seed_has_two_dated_versions_newest_first(seed: Policy) -> None:
    assert [v.label for v in seed.versions] == ["2020-02-27", "2019-01-17"]
    assert [v.effective_date for v in seed.versions] == [date(2020, 2, 27), date(2019, 1, 17)]
    assert seed.id == "000-ce4448d9c54926ad"
    assert all(v.title == "Privacy Policy" for v in seed.versions)
    assert seed.version("2019").label == "2019-01-17"


def test_seed_sections_found_in_each_version(seed: Policy) -> None:
    new, old = seed.versions
    top_new = [h for h, (_s, _e, lvl) in zip(_headings(new), new.headings, strict=True) if lvl == 1]
    top_old = [h for h, (_s, _e, lvl) in zip(_headings(old), old.headings, strict=True) if lvl == 1]
    assert [h[:2] for h in top_new] == [f"{c}." for c in "ABCDEFGHIJK"]
    assert [h[:2] for h in top_old] == [f"{c}." for c in "ABCDEFGHI"]
    assert "F. MINORS" in top_new and not any("MINORS" in h for h in top_old)
    for version in seed.versions:
        subs = [h for h, (_s, _e, lvl) in zip(_headings(version), version.headings, strict=True)
                if lvl == 2]  # fmt: skip
        for name in (
            "Information you provide to us",
            "Information that we collect automatically",
            "Information that we receive from third parties",
            "What are cookies?",
            "Cookies we use",
            "Legal basis for data processing",
            "International transfers of personal information",
            "Your rights",
        ):
            assert name in subs, (version.label, name)


def test_seed_table_of_contents_removed(seed: Policy) -> None:
    for version in seed.versions:
        # Each heading occurs once: the TOC entry above the first paragraph is gone.
        assert version.text.count("A. COLLECTION OF INFORMATION") == 1
        assert version.text.count("Legal basis for data processing") == 1
        assert version.text.startswith("Note: this Alibaba.com Privacy Policy applies")


@pytest.mark.parametrize("needle", SEED_DEBRIS)
def test_seed_has_no_debris(seed: Policy, needle: str) -> None:
    for version in seed.versions:
        assert needle not in version.text, (version.label, needle)


def test_seed_has_no_page_counters_tags_or_archive_ids(seed: Policy) -> None:
    for version in seed.versions:
        for line in version.text.split("\n"):
            assert not re.fullmatch(r"\s*\d+\s*/\s*\d+\s*", line), line
            assert not re.search(r"</?[a-z]+[^<>]*>", line), line
            assert "20200901155358" not in line


def test_seed_versions_do_not_share_text(seed: Policy) -> None:
    new, old = seed.versions
    assert "sending and serving tailored marketing" in new.text
    assert "sending and serving tailored marketing" not in old.text
    assert "personalizing our marketing and communications" in old.text
    assert "personalizing our marketing and communications" not in new.text
    for version in seed.versions:
        assert version.text.endswith("the English version shall prevail.")
        assert version.text.count("We at Alibaba.com") == 1


def _strip_markup(line: str) -> str:
    """The test's own markup removal (independent of the code under test)."""
    line = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", line)
    line = re.sub(r"<(https?://[^>]+)>", r"\1", line)
    line = re.sub(r"<[^<>]+>", " ", line)
    line = line.replace("**", "").replace("•", " ")
    line = re.sub(r"^\s*(?:-\s+)?(?:o\s+)?", "", line)
    line = re.sub(r"(?<=\S)(?=https?://)", " ", line)
    return " ".join(line.split())


def test_seed_no_policy_text_lost(seed: Policy) -> None:
    """Every substantive raw line (or table cell) is found in the clean text of a version."""
    clean = [" ".join(v.text.replace("\t", " ").split()) for v in seed.versions]
    missing = []
    for raw in SEED.read_text(encoding="utf-8").splitlines():
        if raw.count(" | ") >= 3 or raw.count(" - ") >= 3:
            continue  # a footer link list (site chrome), not policy text
        for cell in raw.split("\t"):
            piece = _strip_markup(cell)
            substantive = len(piece) > 60 and "web.archive.org" not in cell
            if substantive and not any(piece in text for text in clean):
                missing.append(piece[:80])
    assert not missing, missing


def test_seed_paragraphs_broken_across_pages_are_rejoined(seed: Policy) -> None:
    new, old = seed.versions
    assert "Buyers and/or Sellers may submit complaints regarding the products" in new.text
    assert "statistical purposes) if and where this is permitted" in new.text
    assert "For more information about Google Analytics cookies, visit:" in new.text
    assert "(which may include minors as applicable) of products" in old.text
    assert "some functionalities of the website." in old.text
    # A sub-bullet cut by a page break keeps its second half, not a stray paragraph.
    assert "\n  - marketing and advertising platforms" in old.text
    assert "data they collect from other websites or through other sources" in old.text


def test_seed_table_rows_split_across_pages_are_rejoined(seed: Policy) -> None:
    for version in seed.versions:
        rows = [ln for ln in version.text.split("\n") if "\t" in ln]
        assert len(rows) == 5  # header + 4 cookie types
        assert rows[0] == "Types of cookie\tWho serves these cookies"
        stat = next(r for r in rows if r.startswith("Statistical Cookies"))
        first, second = stat.split("\t")
        assert first.endswith("improve and optimize our Platform and its security.")
        assert "https://policies.google.com/privacy https://developers.google.com/" in second


def test_seed_lists_are_nested(seed: Policy) -> None:
    new = seed.latest
    assert "\n- Other Platform Users where necessary" in new.text
    assert "\n  - custom agents for customs clearances purposes;" in new.text
    assert "\n  - Your user name or nickname" in new.text


# --- the fixtures -----------------------------------------------------------------------------


def test_html_fixture() -> None:
    p = load_policy(DATA / "brightleaf.html")
    v = p.latest
    assert p.id == "brightleaf" and len(p.versions) == 1
    assert v.label == "2024-03-03" and v.title == "Brightleaf Privacy Policy"
    assert _headings(v) == [
        "1. Information we collect",
        "Location data",
        "2. How we use your information",
        "3. Sharing your information",
        "4. Cookies",
        "5. Data retention",
        "6. Your rights",
        "7. Children",
        "8. Contact us",
    ]
    assert [lvl for _s, _e, lvl in v.headings][:3] == [1, 2, 1]
    assert "\n- Health and fitness data you choose to record:\n  - workouts" in v.text
    assert "_ga\tGoogle Analytics: counts visits to measure how the website is used.\t2 years" in (
        v.text
    )
    assert "“Brightleaf”" in v.text  # entities decoded
    for debris in ("Home", "dataLayer", "Accept all", "Careers", "©", "Related", "pixel", "{"):
        assert debris not in v.text, debris


def test_markdown_fixture() -> None:
    p = load_policy(DATA / "quillnote.md")
    v = p.latest
    assert v.label == "2023-06-01" and v.title == "Quillnote Privacy Notice"
    assert _headings(v) == [
        "Who we are",
        "What we collect",
        "Data we do not collect",
        "How we use your data",
        "Sharing",
        "Your choices",
        "Contact",
    ]
    assert "\n  - the pages and screens you open;" in v.text
    assert "- Account data: your e-mail address" in v.text
    assert "Sending product news by e-mail\tConsent (Art. 6(1)(a) GDPR)\tE-mail address" in v.text
    assert "Write to privacy@quillnote.example or" in v.text
    for debris in ("**", "](", "Contents", "Pricing", "Imprint", "©", "---", "|", "#"):
        assert debris not in v.text, debris


def test_text_fixture() -> None:
    p = load_policy(DATA / "parcelpath.txt")
    v = p.latest
    assert v.label == "2022-11-15"
    assert dict((v.text[s:e], lvl) for s, e, lvl in v.headings) == {
        "1. INFORMATION WE COLLECT": 1,
        "1.1 Information you give us": 2,
        "1.2 Information we collect when we deliver": 2,
        "1.3 Information from our customers": 2,
        "2. HOW WE USE INFORMATION": 1,
        "3. SHARING OF INFORMATION": 1,
        "4. RETENTION PERIODS": 1,
        "5. YOUR CALIFORNIA PRIVACY RIGHTS": 1,
        "6. CONTACT": 1,
    }
    assert "questions from senders and recipients about a delivery" in v.text
    assert "\n  - by text message, if the shop gave us your mobile number." in v.text
    assert "Proof of delivery (signatures, photos)\t18 months" in v.text
    assert v.text.endswith("Long Beach, CA 90802, USA.")
    for debris in ("Page 1 of 2", "Page 2 of 2", "Track a Parcel", "Newsroom", "Copyright", "•"):
        assert debris not in v.text, debris


def test_clean_layout_has_no_markup_and_blank_line_blocks() -> None:
    for name in ("brightleaf.html", "quillnote.md", "parcelpath.txt"):
        text = load_policy(DATA / name).latest.text
        assert "\n\n\n" not in text and text == text.strip()
        assert not re.search(r"</?[a-z][^<>]*>|&[a-z]+;|\]\(|\*\*", text), name


# --- dates and versions -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Effective as of February 27,2020", date(2020, 2, 27)),
        ("Effective date: 1 June 2023", date(2023, 6, 1)),
        ("Last updated: 2021-05-04", date(2021, 5, 4)),
        ("Last modified on March 3rd, 2022", date(2022, 3, 3)),
        ("Last Updated: Aug 12, 2026", date(2026, 8, 12)),
        ("This policy was last revised 31/12/2020.", date(2020, 12, 31)),
    ],
)
def test_single_version_date_phrasings(line: str, expected: date) -> None:
    text = f"Privacy Policy\n\n{line}\n\nWe collect your e-mail address to send you receipts."
    v = parse_policy(text, fmt="txt", name="Acme").latest
    assert v.effective_date == expected
    assert v.label == expected.isoformat()


def test_front_matter_menus_go_but_summary_points_stay() -> None:
    text = (
        "Home\n\nAbout Us\n\nBlog\n\nPrivacy Policy\n\nIn short:\n\n"
        "- we collect your e-mail address\n- we never sell your data\n\n"
        "We are Acme Ltd and this policy explains what we do with your data."
    )
    v = parse_policy(text, fmt="txt", name="Acme").latest
    assert v.title == "Privacy Policy"
    assert v.text == (
        "In short:\n\n- we collect your e-mail address\n- we never sell your data\n\n"
        "We are Acme Ltd and this policy explains what we do with your data."
    )


def test_undated_document_is_v1() -> None:
    p = parse_policy("We collect your e-mail address to send you receipts.", fmt="txt", name="x")
    assert [(v.label, v.effective_date) for v in p.versions] == [("v1", None)]


def _two_versions(first: str, second: str) -> str:
    body = (
        "We collect your name and e-mail address when you sign up.\n\n"
        "We use it to run the service and to answer your questions.\n\n"
        "We never sell your personal information to anyone.\n\n"
    )
    return f"Privacy Policy\n\n{first}\n\n{body}Old text of {first}.\n\n{second}\n\n{body}"


def test_versions_split_and_sorted_newest_first() -> None:
    text = _two_versions(
        "Version 1 (effective 1 January 2023)", "Version 2 (effective 1 March 2024)"
    )
    p = parse_policy(text, fmt="txt", name="Acme")
    assert [v.label for v in p.versions] == ["2024-03-01", "2023-01-01"]
    assert "Old text of Version 1" in p.versions[1].text
    assert "Old text" not in p.versions[0].text


_SECTIONS = (
    "1. Introduction\n\nThis policy explains what Example Ltd does with your personal data.\n\n"
    "2. What we collect\n\nWe collect your name and e-mail address when you sign up.\n\n"
    "3. Sharing\n\nWe share data with our hosting provider and nobody else.\n\n"
    "4. Contact\n\nWrite to privacy@example.com with any question about this policy."
)


def test_contents_list_at_the_end_is_removed() -> None:
    toc = "\n\n".join(["1. Introduction", "2. What we collect", "3. Sharing", "4. Contact"])
    for text in (f"Contents\n\n{toc}\n\n{_SECTIONS}", f"{_SECTIONS}\n\n{toc}"):
        v = parse_policy(text, fmt="txt", name="x").latest
        assert [v.text[s:e] for s, e, _ in v.headings] == toc.split("\n\n")
        assert v.text.count("Sharing") == 1


def test_bullet_alone_on_its_line_opens_an_item() -> None:
    text = (
        "Depending on where you live, other disclosures apply:\n\n●\n\n"
        "If you are from Brazil, see section 9.\n\n●\n\nIf you are from Korea, see section 10."
    )
    v = parse_policy(text, fmt="md", name="x").latest
    assert v.headings == ()
    assert v.text.endswith(
        ":\n\n- If you are from Brazil, see section 9.\n- If you are from Korea, see section 10."
    )


def test_short_lists_repeated_in_two_sections_are_kept() -> None:
    items = "- Identifiers\n- Internet activity\n- Geolocation\n- Inferences"
    text = (
        f"Collection\n\nWe collected these categories in the last 12 months:\n\n{items}\n\n"
        f"Disclosure\n\nWe disclosed these categories for a business purpose:\n\n{items}"
    )
    v = parse_policy(text, fmt="txt", name="x").latest
    assert v.text.count("- Geolocation") == 2


def test_one_version_with_two_date_lines_is_not_split() -> None:
    text = (
        "Privacy Policy\n\nEffective date: 1 May 2021\n\nLast updated: 2 June 2022\n\n"
        "We collect your name and e-mail address when you sign up for an account.\n\n"
        "We use it to run the service and to answer your questions."
    )
    p = parse_policy(text, fmt="txt", name="Acme")
    assert len(p.versions) == 1
    assert p.latest.effective_date == date(2021, 5, 1)


# --- other scripts and languages ---------------------------------------------------------------

_ZH = """隐私政策

更新日期：2024年3月3日

一、我们收集的信息

我们在您注册时收集您的电子邮件地址和电话号码。我们使用这些信息来提供和改进服务。

二、信息共享

我们不会出售您的个人信息。我们仅与为我们提供服务的合作伙伴共享信息。

三、联系我们

如有任何问题，请通过应用内的反馈功能与我们联系。
"""


def test_chinese_policy_keeps_every_section_and_sentence() -> None:
    from nlp.segment import segment_policy

    policy = parse_policy(_ZH, fmt="txt", name="zh")
    assert policy.latest.title == "隐私政策" and policy.latest.label == "2024-03-03"
    clauses = segment_policy(policy)
    assert clauses[0].text == "更新日期：2024年3月3日"
    assert [c.section for c in clauses[1:]] == [
        ("一、我们收集的信息",), ("一、我们收集的信息",), ("二、信息共享",), ("二、信息共享",),
        ("三、联系我们",),
    ]  # fmt: skip
    assert [c.text for c in clauses if c.section == ("二、信息共享",)] == [
        "我们不会出售您的个人信息。", "我们仅与为我们提供服务的合作伙伴共享信息。",
    ]  # fmt: skip
    # Nothing dropped as debris; the one warning says the models were not trained on Chinese.
    assert policy.latest.language == "zh" and {c.language for c in clauses} == {"zh"}
    assert not policy.language_supported
    assert len(policy.warnings) == 1 and "Chinese (zh)" in policy.warnings[0]


def test_text_dropped_as_debris_beyond_a_share_is_reported() -> None:
    menu = "\n\n".join(["Home | Products | Careers | Press | Blog | Help"] * 40)
    page = f"{menu}\n\nWe collect your e-mail address when you sign up for the service."
    policy = parse_policy(page, fmt="txt", name="menu")
    assert policy.latest.text == "We collect your e-mail address when you sign up for the service."
    # (One sentence is also too little to read as a privacy policy: a second warning says so.)
    debris = [w for w in policy.warnings if "removed as page debris" in w]
    assert len(debris) == 1
    assert parse_policy(page, fmt="txt", name="m", settings=IngestSettings(warn_dropped_share=1.0,
                                                                         warn_policy_score=0.0)
                        ).warnings == ()  # fmt: skip
    from nlp.serialize import to_record

    assert to_record(policy)["warnings"] == list(policy.warnings)  # in the JSON too


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Stand: 3. März 2024", date(2024, 3, 3)),
        ("Zuletzt aktualisiert am 12.03.2024", date(2024, 3, 12)),
        ("Dernière mise à jour : 1er mars 2024", date(2024, 3, 1)),
        ("Última actualización: 3 de marzo de 2024", date(2024, 3, 3)),
        ("Ultimo aggiornamento: 15 luglio 2023", date(2023, 7, 15)),
        ("Laatst bijgewerkt: 3 maart 2024", date(2024, 3, 3)),
        ("Última atualização: 3 de março de 2024", date(2024, 3, 3)),
        ("更新日期：2024年3月3日", date(2024, 3, 3)),
    ],
)
def test_dates_in_the_languages_of_eu_policies(line: str, expected: date) -> None:
    from nlp.ingest.dates import effective_date_in

    assert effective_date_in(line) == expected


def test_german_policy_keeps_its_date_line_and_title() -> None:
    from nlp.segment import segment_policy

    text = (
        "Datenschutzerklärung\n\nStand: 3. März 2024\n\nWelche Daten wir erheben\n\nWir "
        "erheben Ihre E-Mail-Adresse, wenn Sie sich für den Dienst anmelden."
    )
    policy = parse_policy(text, fmt="txt", name="de")
    assert (policy.latest.label, policy.latest.title) == ("2024-03-03", "Datenschutzerklärung")
    assert [c.text for c in segment_policy(policy)][0] == "Stand: 3. März 2024"


# --- debris rules -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "1/23",
        "Page 3 of 10",
        "<https://web.archive.org/web/20200901155358/https://example.com/privacy>",
        "© 1999-2016 Example.com. All rights reserved.",
        "Copyright 2021 Example Ltd",
        "icburule011023068092",
        "EXHIBIT B-02",
        "Learn more",
        "Back to top",
        "Home | About | Careers | Contact",
        "Example Site: International - Español - Português - Deutsch - Français",
        "Product Listing Policy - Intellectual Property Policy and Infringement Claims - "
        "Privacy Policy - Terms of Use",
    ],
)
def test_debris_lines_are_recognised(line: str) -> None:
    assert _clean.debris_reason(line) is not None


@pytest.mark.parametrize(
    "line",
    [
        "We keep logs for 1/2 of the retention period stated above.",
        "Cookies we use",
        "We share data with partners - including processors - only under contract.",
        "Contact: privacy@example.com | +1 555 0100 | 1 Main St., Springfield.",
        "We may disclose (or provide access to) personal information to these recipients:",
    ],
)
def test_policy_lines_are_not_debris(line: str) -> None:
    assert _clean.debris_reason(line) is None


def test_inline_markup_is_stripped() -> None:
    raw = '[E "COOKIES"](#) see **here** <https://x.example/a> and <p>more</p> [link](http://a.b/c)'
    assert _clean.clean_inline(raw) == 'E "COOKIES" see here https://x.example/a and more link'


def test_markdown_escapes_nested_link_text_and_cell_markup() -> None:
    assert (
        _clean.clean_inline(r"cookies “\_\_adroll” and “\_ar\_v4”")
        == "cookies “__adroll” and “_ar_v4”"
    )
    assert _clean.clean_inline(
        "mail [[email protected]](/cdn-cgi/x) or [Products[41]](https://x)"
    ) == ("mail [email protected] or Products")
    cell = "##### Students<br><br>We check campus location.<br>*   offers<br>*   events"
    assert _clean.clean_cell(cell) == "Students We check campus location. offers events"


def test_markdown_indented_headings_and_links_around_paragraphs() -> None:
    md = (
        "# Privacy\n\nWe explain here how Example Ltd uses your personal data.\n\n"
        "1.  #### Guests:\n\n    ### 1.5 Your Device and Location\n\n"
        "We collect your device location when you allow it in the settings.\n\n"
        "[### Wallets\n\nA wallet holds your keys on your own device only.](https://x.example/w)\n"
    )
    v = parse_policy(md, fmt="md", name="x").latest
    assert [v.text[s:e] for s, e, _ in v.headings] == ["1.5 Your Device and Location", "Wallets"]
    assert "\n1. Guests:\n" in v.text  # the item keeps its number, loses the hashes
    assert "A wallet holds your keys on your own device only." in v.text
    assert "](" not in v.text and "#" not in v.text


# --- bad inputs -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "hint"),
    [
        ("empty.txt", "empty"),
        ("blank.txt", "empty"),
        ("binary.txt", "binary"),
        ("archive.md", "ZIP"),
        ("policy.docx", "unsupported file type '.docx'"),
        ("missing.txt", "no such file"),
    ],
)
def test_bad_inputs_raise_input_error(name: str, hint: str) -> None:
    with pytest.raises(InputError, match=re.escape(hint)):
        load_policy(DATA / name)


def test_unknown_extension_message_lists_supported_types() -> None:
    with pytest.raises(InputError) as err:
        load_policy(DATA / "policy.docx")
    assert ".txt" in str(err.value) and ".pdf" in str(err.value)


def test_too_large_input_is_refused() -> None:
    with pytest.raises(InputError, match="MAX_BYTES"):
        load_policy(DATA / "parcelpath.txt", IngestSettings(max_bytes=100))


def test_input_with_only_navigation_is_refused() -> None:
    with pytest.raises(InputError, match="no policy text"):
        parse_policy(
            "<nav><a href='/'>Home</a></nav><footer>© 2024 X</footer>", fmt="html", name="x"
        )


def test_windows_1252_text_is_decoded() -> None:
    v = load_policy(DATA / "cp1252.txt").latest
    assert "café loyalty number" in v.text
    assert "We don’t sell it – ever." in v.text


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_byte_order_mark_is_decoded(encoding: str) -> None:
    raw = "Privacy\n\nWe collect your café loyalty number – never more.".encode(encoding)
    assert not raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = parse_policy(raw, fmt="txt", name="u16").latest.text
    assert text == "We collect your café loyalty number – never more."


def test_bad_format_and_pdf_as_text_are_refused() -> None:
    with pytest.raises(InputError, match="unknown format"):
        parse_policy("text", fmt="docx", name="x")
    with pytest.raises(InputError, match="bytes"):
        parse_policy("%PDF-1.4", fmt="pdf", name="x")
    with pytest.raises(InputError, match="does not start like a PDF"):
        parse_policy(b"not a pdf at all", fmt="pdf", name="x")


def test_parse_policy_from_memory_matches_load_policy() -> None:
    raw = (DATA / "parcelpath.txt").read_bytes()
    from_disk = load_policy(DATA / "parcelpath.txt")
    uploaded = parse_policy(raw.decode(), fmt=".txt", name="parcelpath", policy_id="pp")
    assert uploaded.id == "pp"
    assert [v.text for v in uploaded.versions] == [v.text for v in from_disk.versions]


# --- formats and policy ids -------------------------------------------------------------------


def test_one_format_table_for_every_reader_of_files() -> None:
    from nlp.ingest import format_of

    assert format_of("a.XHTML") == "html"
    assert format_of(None, "text/x-markdown; charset=utf-8") == "md"
    assert format_of("policy.docx") is None


def _touch(root: Path, *names: str) -> list[Path]:
    out = []
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("We collect your e-mail address to run the service.")
        out.append(root / name)
    return out


def test_policy_ids_below_a_folder_name_files_after_their_folder(tmp_path: Path) -> None:
    from nlp.ingest import policy_ids, policy_names

    files = _touch(tmp_path, "acme.txt", "Kite/Privacy Policy.txt", "Lumen/Privacy Policy.md",
                   "Lumen/Trackers Policy.md", "X/a.md", "x/b.md")  # fmt: skip
    names = policy_names(files, root=tmp_path)
    assert [names[f] for f in files] == [
        "acme", "Kite", "Lumen/Privacy Policy", "Lumen/Trackers Policy", "X", "x",
    ]  # fmt: skip
    ids = policy_ids(files, root=tmp_path, taken={"acme"})
    assert [ids[f] for f in files] == [
        "acme-2", "kite", "lumen-privacy-policy", "lumen-trackers-policy", "x", "x-2",
    ]  # fmt: skip


def test_policy_ids_of_files_given_one_by_one(tmp_path: Path) -> None:
    from nlp.ingest import policy_ids

    a, b, c, d = _touch(tmp_path, "1_alpha/crawled.html", "2_beta/crawled.html",
                        "p/q/acme.txt", "r/q/acme.txt")  # fmt: skip
    ids = policy_ids([a, b, c, d, tmp_path / "1_alpha" / ".." / "1_alpha" / "crawled.html"])
    assert [ids[f] for f in (a, b)] == ["1-alpha-crawled", "2-beta-crawled"]
    assert [ids[f] for f in (c, d)] == ["p-q-acme", "r-q-acme"]  # lengthened until apart
    assert ids[tmp_path / "1_alpha" / ".." / "1_alpha" / "crawled.html"] == ids[a]  # one file
    assert policy_ids([SEED]) == {SEED: "000-ce4448d9c54926ad"}


# --- PDF --------------------------------------------------------------------------------------


def _pdf(pages: list[list[str]]) -> bytes:
    """A minimal PDF with one Helvetica text line per entry (built by hand, no dependency)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    kids = " ".join(f"{3 + 2 * k} 0 R" for k in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    font_id = 3 + 2 * n_pages
    for k, lines in enumerate(pages):
        ops = ["BT", "/F1 10 Tf", "12 TL", "50 780 Td"]
        for line in lines:
            esc = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            ops.append(f"({esc}) Tj T*")
        ops.append("ET")
        stream = zlib.compress("\n".join(ops).encode("latin-1"))
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * k} 0 R "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode()
        )
        objects.append(
            f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode()
            + stream
            + b"\nendstream"
        )
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + obj + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)


def test_pdf_without_blank_lines_is_reflowed() -> None:
    page = [
        "Privacy Policy", "Last updated: May 4, 2021", "1. DATA WE COLLECT",
        "We collect your name and your e-mail address when you create an account with",
        "us and when you contact our support team by e-mail, chat or telephone line.",
        "Cookies", "We use cookies to keep you signed in and to remember your choices and",
        "preferences. We also collect:", "- your device model;", "- your IP address.",
        "2. SHARING", "We share data with our hosting provider and nobody else unless the law",
        "requires it. We keep support requests for two years so that we can answer fol-",
        "low-up questions about the same problem.",
    ]  # fmt: skip
    v = parse_policy(_pdf([page]), fmt="pdf", name="acme").latest
    assert v.label == "2021-05-04" and v.title == "Privacy Policy"
    assert [(v.text[s:e], lvl) for s, e, lvl in v.headings] == [
        ("1. DATA WE COLLECT", 1),
        ("Cookies", 2),
        ("2. SHARING", 1),
    ]
    assert "create an account with us and when you contact" in v.text
    assert "so that we can answer follow-up questions" in v.text
    assert "\n- your device model;\n- your IP address." in v.text


def test_pdf_pages_are_rejoined_and_running_lines_dropped(tmp_path: Path) -> None:
    header = "Acme Corp - Privacy Policy"
    pages = [
        [header, "Privacy Policy", "", "Last updated: May 4, 2021", "",
         "1. DATA WE COLLECT", "",
         "We collect your name and your e-mail address when you create an account and",
         "when you contact our support team by e-mail or by phone.", "",
         "We keep support requests for two years so that we can answer follow-up", "1/3"],
        [header, "questions about the same problem.", "", "2. SHARING", "",
         "We share data with our hosting provider and with nobody else unless the law requires",
         "it.", "2/3"],
        [header, "3. CONTACT", "", "Write to privacy@acme.example with any question.", "3/3"],
    ]  # fmt: skip
    path = tmp_path / "acme.pdf"
    path.write_bytes(_pdf(pages))
    v = load_policy(path).latest
    assert v.label == "2021-05-04"
    assert "answer follow-up questions about the same problem." in v.text
    assert "We collect your name and your e-mail address when you create an account and when" in (
        v.text
    )
    assert [v.text[s:e] for s, e, _ in v.headings] == [
        "1. DATA WE COLLECT",
        "2. SHARING",
        "3. CONTACT",
    ]
    assert header not in v.text and "1/3" not in v.text


# --- hostile input ----------------------------------------------------------------------------


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[int, str]:
    """Run ``policylens ARGS`` in-process with its own cache; return (exit code, stderr)."""
    import contextlib
    import io

    from nlp.cli import main

    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path / "cli-cache"))
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(args)
        except SystemExit as exc:
            return (exc.code if isinstance(exc.code, int) else 1), err.getvalue()
    return 0, err.getvalue()


def _bomb_pdf(inflated_mb: int) -> bytes:
    """A one-page PDF (valid xref, honest /Length) whose content stream inflates to N MB."""
    z = zlib.compressobj(9)
    parts = [z.compress(b"BT /F1 10 Tf 50 780 Td (We collect your e-mail address.) Tj ET\n")]
    parts += [z.compress(b" " * (1 << 20)) for _ in range(inflated_mb)]
    stream = b"".join(parts) + z.flush()
    pdf = _pdf([["placeholder"]])
    head, rest = pdf.split(b"4 0 obj\n", 1)
    old_len = len(rest.split(b"\nendobj\n", 1)[0])
    obj = f"<< /Length {len(stream)} /Filter /FlateDecode >>\nstream\n".encode() + stream
    obj += b"\nendstream"
    body = head + b"4 0 obj\n" + obj + rest[old_len:]
    # Rewrite the xref: objects after the content stream moved.
    objs = body.split(b"xref\n", 1)[0]
    offsets = [m.start() for m in re.finditer(rb"(?m)^\d+ 0 obj\n", objs)]
    xref = f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode()
    xref += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    trailer = f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{len(objs)}\n"
    return objs + xref + trailer.encode() + b"%%EOF\n"


def test_pdf_decompression_bomb_is_refused_cleanly(tmp_path: Path, monkeypatch) -> None:
    bomb = _bomb_pdf(80)  # beyond pypdf's own 75 MB limit, whose error no handler knew
    assert len(bomb) < 200_000
    with pytest.raises(InputError, match="decompression bomb"):
        parse_policy(bomb, fmt="pdf", name="bomb")
    path = tmp_path / "x.pdf"
    path.write_bytes(bomb)
    code, err = _cli(["segment", str(path)], monkeypatch, tmp_path)
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "x.pdf" in err and "inflates to more than 25.0 MB" in err


def test_pdf_stream_budget_is_a_setting() -> None:
    small = IngestSettings(pdf_max_stream_bytes=1_000_000)
    with pytest.raises(InputError, match="1.0 MB"):
        parse_policy(_bomb_pdf(2), fmt="pdf", name="bomb", settings=small)
    text = parse_policy(_bomb_pdf(2), fmt="pdf", name="fine").latest.text
    assert text == "We collect your e-mail address."


def test_encrypted_pdf_is_called_encrypted() -> None:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(_pdf([["We collect your e-mail."]]))))
    writer.encrypt("secret", algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    with pytest.raises(InputError, match="encrypted and needs a password") as err:
        parse_policy(buf.getvalue(), fmt="pdf", name="locked")
    assert "broken" not in str(err.value)


def test_pypdf_warnings_are_not_printed(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    path = tmp_path / "cut.pdf"
    path.write_bytes(_pdf([["We collect your e-mail."]])[:-20])  # no %%EOF, torn xref
    # A process of its own: under pytest, logging is captured and pypdf's warnings never print.
    env = {**os.environ, "POLICYLENS_EMBED__CACHE_DIR": str(tmp_path / "cache")}
    proc = subprocess.run(
        [sys.executable, "-c", "import sys; from nlp.cli import main; main(sys.argv[1:])",
         "segment", str(path)],
        capture_output=True, text=True, env=env, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 1 and proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("policylens: error: cannot read 'cut.pdf': broken PDF")
    assert "EOF marker not found" in proc.stderr  # pypdf's note is kept, inside the one line


_SENTENCE = "We collect your e-mail address when you sign up for the service."


@pytest.mark.parametrize(
    ("opening", "closing"),
    [
        ("<div>", "</div>"),
        ('<div class="menu">', "</div>"),  # chrome class at every level: no quadratic text reads
        ("<table><tr><td>", "</td></tr></table>"),
        ("<ul><li>", "</li></ul>"),
        ("<b>", "</b>"),
    ],
)
def test_deeply_nested_html_is_read(opening: str, closing: str) -> None:
    n = 10_000  # Python's recursion limit is 1,000
    page = f"<html><body>{opening * n}<p>{_SENTENCE}</p>{closing * n}</body></html>"
    assert _SENTENCE in parse_policy(page, fmt="html", name="deep").latest.text


def test_html_nested_beyond_the_depth_limit_keeps_its_text_in_order() -> None:
    deep = "<div>" * 300 + "<p>We collect your e-mail address.</p><p>We keep it a year.</p>"
    page = f"<p>We sell nothing at all to anyone.</p>{deep}{'</div>' * 300}"
    text = parse_policy(page, fmt="html", name="deep").latest.text
    assert text.split("\n\n") == [
        "We sell nothing at all to anyone.", "We collect your e-mail address. We keep it a year.",
    ]  # fmt: skip


def _special_files(tmp_path: Path) -> dict[str, Path]:
    import os

    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    zero = tmp_path / "zero.txt"
    zero.symlink_to("/dev/zero")
    sparse = tmp_path / "sparse.txt"
    with sparse.open("wb") as f:
        f.truncate(1 << 30)  # 1 GB that takes no disk
    folder = tmp_path / "folder.txt"
    folder.mkdir()
    return {"named pipe": fifo, "character device": zero, "MB": sparse, "folder": folder}


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs POSIX files")
def test_only_regular_files_are_read_and_their_size_comes_first(tmp_path: Path) -> None:
    import resource

    from nlp.ingest import read_policy_file

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for hint, path in _special_files(tmp_path).items():
        with pytest.raises(InputError, match=hint):
            read_policy_file(path)
        with pytest.raises(InputError, match=hint):
            load_policy(path)
    # Nothing of the 1 GB file (nor of /dev/zero) was read: memory grew by less than 50 MB.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000
    assert read_policy_file(DATA / "parcelpath.txt") == (DATA / "parcelpath.txt").read_bytes()


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs POSIX files")
def test_a_named_pipe_does_not_hang_policylens_load(tmp_path: Path, monkeypatch) -> None:
    import os
    import threading

    from nlp.config import Settings
    from nlp.pipeline import PolicyLens

    monkeypatch.setenv("POLICYLENS_EMBED__CACHE_DIR", str(tmp_path / "cache"))
    fifo = tmp_path / "p.txt"
    os.mkfifo(fifo)
    errors: list[BaseException] = []

    def load() -> None:
        try:
            PolicyLens(Settings()).load(fifo)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(10)
    hung = worker.is_alive()
    if hung:  # release the reader blocked on the pipe, so that no thread is left behind
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
    assert not hung, "PolicyLens.load blocked on a named pipe"
    assert errors and isinstance(errors[0], InputError) and "named pipe" in str(errors[0])


# --- HTML as found in the wild ----------------------------------------------------------------

_BODY = (
    "<p>We collect your e-mail address when you create an account with us.</p>"
    "<p>We never sell your personal information to anyone.</p>"
)


def test_html_page_furniture_by_class_name_is_dropped() -> None:
    html = (
        '<div class="site-menu"><a>Home</a><a>Pricing</a></div>'
        '<div class="breadcrumbs">Home &gt; Legal</div>'
        f'<div class="content"><h1>Privacy Policy</h1>{_BODY}</div>'
        '<div class="social-share">Share on X</div>'
        '<div class="newsletter">Get our newsletter! Sign up now.</div>'
    )
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert text.startswith("We collect your e-mail address")
    assert text.endswith("to anyone.")
    for debris in ("Home", "Pricing", "Legal", "Share", "newsletter"):
        assert debris not in text


def test_html_article_header_keeps_title_and_date() -> None:
    html = (
        "<header><a href='/'>Home</a> <a href='/blog'>Blog</a></header>"
        "<article><header><h1>Privacy Notice</h1><p>Last updated: 2 May 2024</p></header>"
        f"{_BODY}</article><footer>Site footer</footer>"
    )
    v = parse_policy(html, fmt="html", name="x").latest
    assert (v.title, v.label) == ("Privacy Notice", "2024-05-02")
    assert "Home" not in v.text and "Site footer" not in v.text


def test_html_collapsed_accordion_panels_are_kept() -> None:
    html = (
        "<p>This notice explains how Example Ltd handles your personal information.</p>"
        '<div class="accordion"><div class="toggle-header"><strong>WHO WE ARE</strong></div>'
        '<div class="toggle-content" style="display: none;"><p>Example Ltd is the controller '
        "of your personal information and is based in Dublin.</p></div></div>"
    )
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert "Example Ltd is the controller of your personal information" in text


def test_html_hidden_tab_with_another_document_is_dropped() -> None:
    terms = "".join(
        f"<p>Term {i} governs your use of the game and its virtual items.</p>" for i in range(60)
    )
    policy = "".join(
        f"<p>We collect your device identifier for purpose {i}.</p>" for i in range(60)
    )
    html = (
        f'<div class="tab" style="display: none;"><h2>Terms of Service</h2>{terms}</div>'
        f'<div class="tab" style="display: block;"><h2>Privacy Policy</h2>{policy}</div>'
    )
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert "device identifier" in text and "virtual items" not in text


def test_fixture_html_text_is_all_kept() -> None:
    """Every paragraph, item and cell of the HTML fixture's article reaches the clean text."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup((DATA / "brightleaf.html").read_text(encoding="utf-8"), "lxml")
    text = " ".join(load_policy(DATA / "brightleaf.html").latest.text.split())
    for el in soup.article.find_all(["p", "li", "td", "h2", "h3"]):
        if el.find(["ul", "ol"]):
            continue
        piece = " ".join(el.get_text(" ").split())
        assert piece in text, piece


def test_html_line_breaks_and_pre_are_read_as_lines() -> None:
    html = (
        "<div><div class='title'>Privacy Policy</div>"
        "<br><br>Last Updated: April 27, 2022"
        "<br><br>1. WHAT WE COLLECT"
        "<br><br>We collect your name and e-mail address when you sign up."
        "<br><br>2. CONTACT<br>Write to privacy@example.com with any question.</div>"
        "<pre>3. CHANGES\n\nWe may change this policy and will post the new version here.</pre>"
    )
    v = parse_policy(html, fmt="html", name="x").latest
    assert v.label == "2022-04-27"
    assert [v.text[s:e] for s, e, _ in v.headings] == [
        "1. WHAT WE COLLECT",
        "2. CONTACT",
        "3. CHANGES",
    ]
    assert "We collect your name and e-mail address when you sign up." in v.text.split("\n")


def test_html_bold_run_in_title_becomes_a_heading() -> None:
    html = (
        "<p>This policy explains how Example Ltd handles your personal information.</p>"
        "<p><strong>Cookies</strong> We use cookies to keep you signed in to the website.</p>"
        "<p><strong>Note:</strong> We never sell your personal information to anyone.</p>"
    )
    v = parse_policy(html, fmt="html", name="x").latest
    assert [v.text[s:e] for s, e, _ in v.headings] == ["Cookies"]
    assert "Note: We never sell" in v.text  # a run-in label ending in ":" stays in its paragraph


def test_html_typed_bullets_and_source_line_breaks() -> None:
    html = (
        "<p>We collect the following information about\n      your use of the app:</p>"
        "<p>• App analytics and usage data;</p><p>• crash reports.</p>"
    )
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert text == (
        "We collect the following information about your use of the app:\n\n"
        "- App analytics and usage data;\n- crash reports."
    )


def test_html_widgets_repeated_on_the_page_are_dropped() -> None:
    widget = "<p>Download the App</p>"
    html = (
        widget + _BODY + widget + "<p>We keep logs for 30 days and then delete them.</p>" + widget
    )
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert "Download the App" not in text and "30 days" in text


def test_html_trailing_chrome_is_dropped_but_contact_lines_stay() -> None:
    html = _BODY + "<p>privacy@example.com</p><p>Report abuse</p><p>Terms|Privacy</p><p>Top</p>"
    text = parse_policy(html, fmt="html", name="x").latest.text
    assert text.endswith("privacy@example.com")


# --- real pages (only where the shared datasets are present) ----------------------------------

_DATASETS = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
_REAL = (
    sorted((_DATASETS / "policond_apps_2024q4" / "apps" / "htmls").glob("1*/crawled.html"))[:8]
    + sorted((_DATASETS / "opentermsarchive" / "contrib-versions").glob("A*/*.md"))[:8]
)


@pytest.mark.skipif(not _REAL, reason="shared datasets not present")
@pytest.mark.parametrize("path", _REAL, ids=lambda p: p.parent.name)
def test_real_pages_give_clean_text(path: Path) -> None:
    try:
        policy = load_policy(path)
    except InputError:
        pytest.skip("page holds no policy text")
    for v in policy.versions:
        assert not re.search(r"</?[a-zA-Z][^<>]*>|\]\(|\*\*|&[a-z]+;", v.text), path
        assert "\n\n\n" not in v.text
        assert all(0 <= s < e <= len(v.text) for s, e, _ in v.headings)
