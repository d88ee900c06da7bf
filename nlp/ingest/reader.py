"""Read a privacy policy (.txt, .md, .html, .pdf) into clean text, split into dated versions.

Policies as people find them carry debris: site menus, language pickers, page counters,
web-archive URLs, footer link lists, copyright lines, tables of contents, Markdown and HTML markup,
paragraphs broken across pages. ``load_policy`` and ``parse_policy`` remove all of it by rules on
the *shape* of lines (see :mod:`nlp.ingest.clean`), split a document that holds several versions
("New Version (Effective as of ...)" / "Old version (...)") into one ``PolicyVersion`` each, newest
first, and date every version. The clean text follows the layout of :mod:`nlp.ingest.layout`.

The steps, one module each: :mod:`~nlp.ingest.decode` (bytes to text), :mod:`~nlp.ingest.pdf`,
:mod:`~nlp.ingest.text` and :mod:`~nlp.ingest.html` (to blocks), :mod:`~nlp.ingest.repair`
(debris, joins), :mod:`~nlp.ingest.versions` (versions, front matter, headings, dates) and
:mod:`~nlp.ingest.layout` (clean text).

Example
-------
>>> policy = parse_policy("Privacy Policy\\n\\nLast updated: March 3, 2024\\n\\nWe collect your "
...                       "e-mail address when you sign up.", fmt="txt", name="Acme")
>>> policy.latest.label, policy.latest.effective_date.isoformat()
('2024-03-03', '2024-03-03')
"""

from __future__ import annotations

from pathlib import Path

from nlp.config import IngestSettings
from nlp.errors import InputError
from nlp.ingest.decode import check_size, decode_text, looks_like_html
from nlp.ingest.files import read_policy_file
from nlp.ingest.formats import SUPPORTED_FORMATS, normalise_format, policy_name, slugify
from nlp.ingest.html import read_html
from nlp.ingest.pdf import pdf_text
from nlp.ingest.profile import profile_policy
from nlp.ingest.text import blocks_from_lines
from nlp.ingest.versions import build_versions
from nlp.types import Policy

__all__ = ["load_policy", "parse_policy"]


def load_policy(
    path: str | Path, settings: IngestSettings | None = None, *, policy_id: str | None = None
) -> Policy:
    """Read a policy file and return it cleaned, split into versions (newest first) and dated.

    The format is taken from the extension: ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``
    or ``.pdf``. The policy is named by :func:`~nlp.ingest.formats.policy_name` (the file's stem,
    or its folder's name for a generic one such as ``Privacy Policy.md``); its id is the slug of
    that name unless ``policy_id`` is given.

    Raises ``InputError`` for a missing, empty, binary, undecodable, too large or unsupported file.

    Example:
        >>> policy = load_policy("corpora/000_ce4448d9c54926ad.txt")
        >>> [v.label for v in policy.versions]
        ['2020-02-27', '2019-01-17']
    """
    settings = settings or IngestSettings()
    p = Path(path)
    fmt = SUPPORTED_FORMATS.get(p.suffix.lower())
    if fmt is None:
        known = ", ".join(sorted(SUPPORTED_FORMATS))
        raise InputError(
            f"cannot read {p.name!r}: unsupported file type {p.suffix or '(none)'!r}; "
            f"save the policy as one of {known}"
        )
    data = read_policy_file(p, settings)
    return _parse(data, fmt, policy_name(p), str(p), settings, policy_id, label=p.name)


def parse_policy(
    data: str | bytes,
    *,
    fmt: str,
    name: str,
    source: str = "",
    settings: IngestSettings | None = None,
    policy_id: str | None = None,
) -> Policy:
    """Clean a policy held in memory (an upload) and split it into dated versions, newest first.

    ``fmt`` is ``"txt"``, ``"md"``, ``"html"`` or ``"pdf"`` (or a file extension such as
    ``".htm"``). ``name`` names the policy; the id is a slug of it unless ``policy_id`` is given.

    Example:
        >>> p = parse_policy("<h1>Privacy</h1><p>We never sell your data.</p>", fmt="html",
        ...                  name="Tiny Co")
        >>> p.id, p.latest.text
        ('tiny-co', 'We never sell your data.')
    """
    settings = settings or IngestSettings()
    return _parse(data, fmt, name, source, settings, policy_id, label=name or source or "input")


def _parse(
    data: str | bytes,
    fmt: str,
    name: str,
    source: str,
    settings: IngestSettings,
    policy_id: str | None,
    *,
    label: str,
) -> Policy:
    """Parse bytes or text; messages name the input ``label`` (the file name for a file)."""
    fmt = normalise_format(fmt)
    raw_size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    check_size(raw_size, label, settings)
    if fmt == "pdf":
        if isinstance(data, str):
            raise InputError(f"cannot read {label!r} as PDF: PDF content must be given as bytes")
        text = pdf_text(data, label, settings)
        blocks = blocks_from_lines(text, markdown=False)
    page_date = None
    if fmt != "pdf":
        text = decode_text(data, label) if isinstance(data, bytes) else data
        if not text.strip():
            raise InputError(f"cannot read {label!r}: it is empty; give a file with policy text")
        if fmt == "html" or (fmt == "txt" and looks_like_html(text)):
            blocks, page_date = read_html(text)
        else:
            blocks = blocks_from_lines(text, markdown=fmt == "md")
    versions, dropped = build_versions(blocks, page_date)
    if not versions:
        raise InputError(
            f"no policy text found in {label!r}: after removing menus, links and markup nothing "
            "was left; check that the file holds the policy itself and not a page around it"
        )
    warnings: tuple[str, ...] = ()
    if dropped > settings.warn_dropped_share:
        warnings = (
            f"{dropped:.0%} of the text of {label!r} was removed as page debris (menus, link "
            "lists, tables of contents); if some of it was policy text, the rules misread this "
            "file: please report it",
        )
    pid = policy_id or slugify(name or Path(source).stem or "policy")
    policy = Policy(
        id=pid, name=name or pid, source=source, versions=tuple(versions), warnings=warnings
    )
    return profile_policy(policy, settings, label=label)
