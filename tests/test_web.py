"""Raw web pages: headings from the page's structure, dates, languages, the policy score."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from nlp.config import CORPORA_DIR, IngestSettings
from nlp.detect import detect_language, document_features, load_policy_detector
from nlp.errors import InputError
from nlp.ingest import load_policy, parse_policy
from nlp.segment import segment_policy

NEGATIVES = CORPORA_DIR / "policy_detection" / "negatives"
BODY = (
    "We collect the e-mail address you give us when you sign up. We use it to send you "
    "receipts and service messages."
)


def _b(n: int) -> str:
    """A distinct paragraph (a paragraph repeated down the page reads as a contents entry)."""
    return f"We collect the e-mail address you give us for purpose {n}. We keep it {n} months."


def _clauses(html: str) -> list:
    return segment_policy(parse_policy(html, fmt="html", name="acme"))


def test_aria_headings_take_their_level_and_are_never_sentences() -> None:
    html = f"""<html><body><main>
    <div role="heading" aria-level="2">What information do we collect?</div><p>{_b(1)}</p>
    <div role="heading" aria-level="3">Information from partners</div><p>{_b(2)}</p>
    <div role="heading" aria-level="2">How long do we keep your information?</div><p>{_b(3)}</p>
    </main></body></html>"""
    clauses = _clauses(html)
    assert {c.section for c in clauses} == {
        ("What information do we collect?",),
        ("What information do we collect?", "Information from partners"),
        ("How long do we keep your information?",),
    }
    # A question-shaped heading is a section, never a clause (and never gets a full stop).
    assert not [c for c in clauses if "?" in c.text]


def test_definition_terms_summaries_and_accordions_title_their_content() -> None:
    html = f"""<html><body><h1>Privacy Policy</h1>
    <h2>Definitions</h2><dl><dt>Personal data</dt><dd>{_b(4)}</dd></dl>
    <details><summary>Cookies we use</summary><p>{_b(5)}</p></details>
    <h3><div role="button" aria-expanded="false">Highlights</div></h3><p>{_b(6)}</p>
    <button aria-expanded="false" aria-controls="p1">Your choices</button>
    <div id="p1"><p>{_b(7)}</p></div></body></html>"""
    sections = [c.section for c in _clauses(html)]
    assert ("Definitions", "Personal data") in sections
    assert any(s[-1] == "Cookies we use" for s in sections)
    assert any(s[-1] == "Highlights" for s in sections)
    assert any(s[-1] == "Your choices" for s in sections)


def test_tab_labels_move_to_the_panel_they_control() -> None:
    html = f"""<html><body><h1>Privacy</h1><div role="tablist">
    <span role="tab" aria-controls="t1">For users</span>
    <span role="tab" aria-controls="t2">For business customers</span></div>
    <div id="t1"><p>{BODY}</p></div><div id="t2"><p>We process contact data of business
    customers to send invoices. We keep invoices for ten years.</p></div></body></html>"""
    by_text = {c.text: c.section for c in _clauses(html)}
    assert by_text["We keep invoices for ten years."][-1] == "For business customers"
    assert by_text[BODY.split(". ")[0] + "."][-1] == "For users"


def test_addresses_are_never_headings() -> None:
    html = f"""<html><body><h2>Contact us</h2><p>{_b(1)}</p><p><b>Meta Platforms, Inc.</b></p>
    <h3>1601 Willow Road</h3><p>Menlo Park, CA 94025</p><address>Acme GmbH<br>Hauptstraße 5<br>
    10115 Berlin</address><p>You can also write to our data protection officer at any time.</p>
    </body></html>"""
    clauses = _clauses(html)
    assert {c.section for c in clauses} <= {("Contact us",), ("Contact us", "Meta Platforms, Inc.")}
    assert any(c.text == "1601 Willow Road" for c in clauses)


def test_cookie_banners_are_dropped() -> None:
    html = f"""<html><body><div id="onetrust-banner-sdk"><p>We use cookies to improve your
    experience on our site and to show you personalised advertising.</p><button>Accept all
    </button></div><main><h1>Privacy Policy</h1><h2>Collection</h2><p>{_b(2)}</p><p>{_b(3)}</p>
    </main></body></html>"""
    text = parse_policy(html, fmt="html", name="acme").latest.text
    assert "Accept all" not in text and "personalised advertising" not in text


@pytest.mark.parametrize(
    ("line", "iso"),
    [
        ("We updated our Privacy Policy on November 14, 2024.", "2024-11-14"),
        ("Stand: 3. März 2024", "2024-03-03"),
        ("Dernière mise à jour : 1er mars 2024", "2024-03-01"),
        ("Última actualización: 5 de mayo de 2023", "2023-05-05"),
        ("This policy is effective as of January 1, 2020.", "2020-01-01"),
    ],
)
def test_effective_dates_from_running_text(line: str, iso: str) -> None:
    v = parse_policy(f"{line}\n\n{BODY}", fmt="txt", name="acme").latest
    assert v.effective_date is not None and v.effective_date.isoformat() == iso
    assert v.date_source == "text"


def test_dates_from_time_and_meta_tags_say_where_they_came_from() -> None:
    timed = f'<html><body><p>Updated <time datetime="2024-05-02">2 May</time></p><p>{BODY}</p>'
    v = parse_policy(timed, fmt="html", name="acme").latest
    assert (v.effective_date.isoformat(), v.date_source) == ("2024-05-02", "time")  # type: ignore[union-attr]
    meta = (
        '<html><head><meta property="article:modified_time" content="2023-09-30T10:00:00Z">'
        f"</head><body><p>{BODY}</p></body></html>"
    )
    v = parse_policy(meta, fmt="html", name="acme").latest
    assert (v.effective_date.isoformat(), v.date_source) == ("2023-09-30", "meta")  # type: ignore[union-attr]
    assert parse_policy(BODY, fmt="txt", name="acme").latest.date_source == ""


_DE = (
    "Datenschutzerklärung\n\nWir erheben Ihre E-Mail-Adresse, wenn Sie sich registrieren. Wir "
    "verwenden sie, um Ihnen Rechnungen zu senden. Ihre Daten werden nicht an Dritte verkauft. "
    "Sie können der Verarbeitung jederzeit widersprechen."
)


def test_a_german_policy_is_flagged_not_read_as_english() -> None:
    policy = parse_policy(_DE, fmt="txt", name="de")
    assert policy.language == "de" and not policy.language_supported
    assert any("German (de)" in w and "English" in w for w in policy.warnings)
    assert {c.language for c in segment_policy(policy)} == {"de"}
    assert parse_policy(BODY * 3, fmt="txt", name="en").language_supported


def test_a_mixed_policy_gives_each_clause_its_language() -> None:
    text = BODY + " " + BODY.replace("sign up", "register") + "\n\n" + _DE.split("\n\n")[1]
    policy = parse_policy(text, fmt="txt", name="mixed")
    assert [c for c, _ in policy.latest.languages] == ["en", "de"] or [
        c for c, _ in policy.latest.languages
    ] == ["de", "en"]
    langs = {c.text[:10]: c.language for c in segment_policy(policy) if len(c.text) >= 40}
    assert set(langs.values()) == {"en", "de"}


def test_language_detection_reads_any_script() -> None:
    assert detect_language("我们收集您的个人信息，用于向您提供服务。我们不会出售您的个人信息。").code == "zh"
    assert detect_language("Мы собираем ваш адрес электронной почты при регистрации.").code == "ru"
    assert detect_language("").code == ""
    assert detect_language("\x9d\x00 broken bytes").code in ("", "en")  # never raises


def test_german_sentences_split_at_their_full_stops() -> None:
    clauses = segment_policy(parse_policy(_DE, fmt="txt", name="de"))
    assert [c.text[:16] for c in clauses] == [
        "Wir erheben Ihre", "Wir verwenden si", "Ihre Daten werde", "Sie können der V",
    ]  # fmt: skip


def test_the_shipped_detector_tells_policies_from_other_pages() -> None:
    detector = load_policy_detector()
    assert detector is not None and "en" in detector.languages
    seed = load_policy(CORPORA_DIR / "000_ce4448d9c54926ad.txt")
    assert seed.policy_score is not None and seed.policy_score > 0.9
    home = load_policy(NEGATIVES / "home_northwind_outfitters.html")
    assert home.policy_score is not None and home.policy_score < 0.5
    assert any("does not read like a privacy policy" in w for w in home.warnings)
    assert not any("privacy policy" in w for w in seed.warnings)
    # A language the detector was not trained on is not scored, rather than scored low.
    assert parse_policy(_DE, fmt="txt", name="de").policy_score is None


def test_features_are_stable_and_the_model_has_no_pickle() -> None:
    a, b = document_features("We share data with partners."), document_features(
        "We share data with partners."
    )
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    folder = Path(__file__).resolve().parents[1] / "models" / "policy_detector"
    with np.load(folder / "weights.npz", allow_pickle=False) as data:
        assert data["index"].dtype == np.int32 and data["weight"].dtype == np.float32
    meta = json.loads((folder / "model.json").read_text())
    assert meta["metrics"]["validation"]["documents"] > 0


def test_batch_skips_files_below_the_minimum_policy_score(tmp_path: Path) -> None:
    from nlp.research.batch import BatchClassifier

    batch = BatchClassifier(None, None, ingest=IngestSettings(), min_policy_score=0.5)  # type: ignore[arg-type]
    with pytest.raises(InputError, match="not a privacy policy"):
        batch.segment_file(NEGATIVES / "error_404_shop.html", "err")
    clauses, _ = batch.segment_file(CORPORA_DIR / "000_ce4448d9c54926ad.txt", "seed")
    assert clauses and batch.policy_scores["seed"] is not None


def test_segment_json_carries_language_and_policy_score() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "nlp.cli", "segment", str(NEGATIVES / "help_bank_app_faq.md"),
         "--json"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = [json.loads(line) for line in out.stdout.splitlines()]
    assert rows and {r["language"] for r in rows} == {"en"}
    assert all(r["policy_score"] < 0.5 and r["language_supported"] for r in rows)
    assert "does not read like a privacy policy" in out.stderr


@pytest.mark.parametrize("floor", [0.0, 0.5])
def test_an_upload_of_a_non_policy_is_refused_by_setting(tmp_path: Path, floor: float) -> None:
    from fastapi.testclient import TestClient

    from api.main import create_app
    from conftest import FakeEncoder
    from nlp.config import ApiSettings, EmbedSettings, Settings
    from nlp.pipeline import PolicyLens

    settings = Settings(
        embed=EmbedSettings(use_cache=False),
        api=ApiSettings(api_key="k", db=tmp_path / "db.sqlite3", min_policy_score=floor,
                        allowed_hosts=["testserver"]),
    )  # fmt: skip
    lens = PolicyLens(settings, encoder=FakeEncoder(), classifier=None)
    page = (NEGATIVES / "help_bank_app_faq.md").read_text(encoding="utf-8")
    with TestClient(create_app(settings, lens=lens, seed=None)) as client:
        r = client.post("/v1/policies", json={"name": "Bank FAQ", "text": page},
                        headers={"X-API-Key": "k"})  # fmt: skip
    if floor:
        assert r.status_code == 422 and "does not read like a privacy policy" in r.text
    else:
        assert r.status_code in (200, 201), r.text
