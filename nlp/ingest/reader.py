"""Read a privacy policy (.txt, .md, .html, .pdf) into clean text, split into dated versions.

Policies as people find them carry debris: site menus, language pickers, page counters,
web-archive URLs, footer link lists, copyright lines, tables of contents, Markdown and HTML markup,
paragraphs broken across pages. ``load_policy`` and ``parse_policy`` remove all of it by rules on
the *shape* of lines (see ``nlp._clean``), split a document that holds several versions
("New Version (Effective as of ...)" / "Old version (...)") into one ``PolicyVersion`` each, newest
first, and date every version.

Clean text layout
-----------------
Every ``PolicyVersion.text`` follows one plain-text layout, so later stages (and people) can read
structure without re-guessing it:

* blocks are separated by one blank line; a block never contains a newline, except that the items
  of one list and the rows of one table are consecutive lines;
* a heading is a line of its own; its span and level are recorded in ``PolicyVersion.headings``
  as ``(start, end, level)``, level 1 the outermost. The document title is not in the text but in
  ``PolicyVersion.title``;
* a paragraph is one line (hard wraps and page breaks are re-joined);
* a list item is one line: two spaces of indentation per nesting level beyond the first, then its
  marker, a space and the text. Bullets of any glyph become ``-``; ordered markers are kept as
  written (``1.``, ``(a)``, ``b)``);
* a table row is one line whose cells are separated by a tab (tabs appear nowhere else);
* no markup: no Markdown, no HTML, no entities; whitespace collapsed to single spaces.

Encodings: UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such; other bytes are
read as Windows-1252 text (the common encoding of older Western pages and exports) unless they
look binary (NUL bytes or many control characters), which is refused with an ``InputError``.

Example
-------
>>> policy = parse_policy("Privacy Policy\\n\\nLast updated: March 3, 2024\\n\\nWe collect your "
...                       "e-mail address when you sign up.", fmt="txt", name="Acme")
>>> policy.latest.label, policy.latest.effective_date.isoformat()
('2024-03-03', '2024-03-03')
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from nlp.config import IngestSettings
from nlp.errors import InputError
from nlp.ingest import clean as _clean
from nlp.ingest import dates as _versions
from nlp.types import Policy, PolicyVersion

__all__ = ["SUPPORTED_FORMATS", "load_policy", "parse_policy", "slugify"]

SUPPORTED_FORMATS: dict[str, str] = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
}
_FORMATS = frozenset(SUPPORTED_FORMATS.values())
_TITLE_WORDS = re.compile(
    r"\b(privacy|policy|notice|statement|cookies?|terms|data protection)\b", re.I
)


# --- public API -------------------------------------------------------------------------------


def load_policy(
    path: str | Path, settings: IngestSettings | None = None, *, policy_id: str | None = None
) -> Policy:
    """Read a policy file and return it cleaned, split into versions (newest first) and dated.

    The format is taken from the extension: ``.txt``, ``.md``/``.markdown``, ``.html``/``.htm``
    or ``.pdf``. The policy id is a slug of the file name unless ``policy_id`` is given.

    Raises ``InputError`` for a missing, empty, binary, undecodable, too large or unsupported file.

    Example:
        >>> policy = load_policy("corpora/000_ce4448d9c54926ad.txt")  # doctest: +SKIP
        >>> [v.label for v in policy.versions]  # doctest: +SKIP
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
    if not p.exists():
        raise InputError(f"cannot read {str(p)!r}: no such file; check the path")
    if not p.is_file():
        raise InputError(
            f"cannot read {str(p)!r}: it is not a file; give the path of a policy file"
        )
    size = p.stat().st_size
    _check_size(size, p.name, settings)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {str(p)!r}: {exc.strerror}; check its permissions") from exc
    return parse_policy(
        data, fmt=fmt, name=_policy_name(p), source=str(p), settings=settings, policy_id=policy_id
    )


# File names that say what a file is, not whose policy it is ("TikTok/Privacy Policy.md",
# "apps/12_Foo/crawled.html"): the folder names the policy then.
_GENERIC_STEMS = re.compile(
    r"(?i)^(?:privacy[ _-]?(?:policy|notice|statement)?|policy|index|crawled|cleaned|page|"
    r"terms|trackers? policy|cookies?(?:[ _-]policy)?|data[ _-]policy)$"
)


def _policy_name(path: Path) -> str:
    """The name of the policy a file holds: its stem, or its folder's name for a generic stem."""
    parent = path.resolve().parent.name
    if _GENERIC_STEMS.match(path.stem) and parent:
        return f"{parent} {path.stem}"
    return path.stem


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
    fmt = _normalise_format(fmt)
    label = name or source or "input"
    raw_size = len(data) if isinstance(data, bytes) else len(data.encode("utf-8", "replace"))
    _check_size(raw_size, label, settings)
    if fmt == "pdf":
        if isinstance(data, str):
            raise InputError(f"cannot read {label!r} as PDF: PDF content must be given as bytes")
        text = _pdf_text(data, label)
        blocks = _blocks_from_lines(text, markdown=False)
    else:
        text = decode_text(data, label) if isinstance(data, bytes) else data
        if not text.strip():
            raise InputError(f"cannot read {label!r}: it is empty; give a file with policy text")
        if fmt == "html" or (fmt == "txt" and _looks_like_html(text)):
            blocks = _blocks_from_html(text)
        else:
            blocks = _blocks_from_lines(text, markdown=fmt == "md")
    versions = _build_versions(blocks)
    if not versions:
        raise InputError(
            f"no policy text found in {label!r}: after removing menus, links and markup nothing "
            "was left; check that the file holds the policy itself and not a page around it"
        )
    pid = policy_id or slugify(name or Path(source).stem or "policy")
    return Policy(id=pid, name=name or pid, source=source, versions=tuple(versions))


def slugify(text: str) -> str:
    """A lower-case id of letters, digits and dashes ("Acme Privacy_v2" -> "acme-privacy-v2")."""
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug or "policy"


# --- reading bytes ----------------------------------------------------------------------------


def _normalise_format(fmt: str) -> str:
    f = fmt.lower().strip()
    f = SUPPORTED_FORMATS.get(f if f.startswith(".") else "." + f, f)
    if f not in _FORMATS:
        raise InputError(f"unknown format {fmt!r}; use one of txt, md, html, pdf")
    return f


def _check_size(size: int, label: str, settings: IngestSettings) -> None:
    if size == 0:
        raise InputError(f"cannot read {label!r}: it is empty; give a file with policy text")
    if size > settings.max_bytes:
        raise InputError(
            f"{label!r} is {size / 1e6:.1f} MB, more than the limit of "
            f"{settings.max_bytes / 1e6:.1f} MB; split the file or raise "
            "POLICYLENS_INGEST__MAX_BYTES"
        )


_BINARY_MAGIC = {
    b"%PDF-": "a PDF (name it .pdf)",
    b"PK\x03\x04": "a ZIP/Office archive (export it as .txt, .html or .pdf)",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Office document (export it as .txt, .html or .pdf)",
    b"\x7fELF": "a program",
}


def decode_text(data: bytes, label: str = "input") -> str:
    """Decode text bytes: UTF-8/UTF-16 when marked or valid, else Windows-1252; refuse binary."""
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            raise InputError(f"cannot read {label!r} as text: it is {what}")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise InputError(
                f"cannot read {label!r}: broken UTF-16 text; save it as UTF-8"
            ) from exc
    if b"\x00" in data[:8192]:
        raise InputError(
            f"cannot read {label!r} as text: it holds binary data (NUL bytes); "
            "give a .txt, .md, .html or .pdf file"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: older Western exports are nearly always Windows-1252 (a superset of
        # Latin-1 for printable text); the 5 bytes cp1252 leaves undefined fall back to Latin-1.
        text = (
            data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")
        )
    controls = sum(1 for ch in text[:20000] if ord(ch) < 32 and ch not in "\t\n\r\f\v")
    if controls > max(3, len(text[:20000]) // 100):
        raise InputError(
            f"cannot read {label!r} as text: it looks binary ({controls} control characters); "
            "give a .txt, .md, .html or .pdf file"
        )
    return text


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)


def _pdf_text(data: bytes, label: str) -> str:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise InputError("reading PDF needs pypdf: pip install pypdf") from exc
    if not data.startswith(b"%PDF"):
        raise InputError(f"cannot read {label!r} as PDF: it does not start like a PDF file")
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise InputError(f"cannot read {label!r}: broken PDF ({exc}); re-export it") from exc
    if not any(p.strip() for p in pages):
        raise InputError(
            f"no text in {label!r}: the PDF has no text layer (a scan?); run OCR on it first"
        )
    text = "\n\n".join(_drop_running_lines(pages))
    # Words hyphenated at a line end ("provi-\nding") are rejoined.
    return re.sub(r"(?<=[a-z])-\n(?=[a-z])", "", text)


def _drop_running_lines(pages: list[str]) -> list[str]:
    """Drop page headers/footers: lines repeated at the top or bottom of most pages."""
    if len(pages) < 3:
        return pages

    def key(line: str) -> str:
        return re.sub(r"\d+", "#", line.strip().lower())

    counts: dict[str, int] = {}
    for page in pages:
        lines = [ln for ln in page.splitlines() if ln.strip()]
        for k in {key(ln) for ln in lines[:2] + lines[-2:]}:
            counts[k] = counts.get(k, 0) + 1
    running = {k for k, n in counts.items() if n >= max(3, len(pages) // 2)}
    out = []
    for page in pages:
        lines = page.splitlines()
        out.append("\n".join(ln for ln in lines if key(ln) not in running or not ln.strip()))
    return out


# --- blocks -----------------------------------------------------------------------------------


@dataclass
class _Block:
    """One structural unit before rendering: a heading, paragraph, list item or table row."""

    kind: str  # "heading" | "para" | "item" | "row"
    text: str = ""
    level: int = 0  # heading level (1 = outermost)
    indent: int = 0  # columns of indentation of a list item in the source
    style: str = ""  # marker style of a list item ("-", "o", "1.", "(a)"); "" = depth preset
    marker: str = ""  # ordered marker kept in the text ("1.", "(a)"); "" for bullets
    depth: int = 1  # list nesting depth, 1 = top level
    cells: list[str] = field(default_factory=list)
    header: bool = False  # table header row
    emph: bool = False  # the whole block was bold: a heading candidate
    explicit: bool = False  # a row from real table markup (never a page-break continuation)
    date_line: date | None = None


_HR = re.compile(r"^\s*(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})$")
# Indented too: converted pages nest headings inside list items ("    ### 1.5 Your Device").
_ATX = re.compile(r"^\s{0,12}(#{1,6})\s+(.*?)\s*#*\s*$")
_MULTILINE_LINK = re.compile(
    r"\[([^\[\]]{1,3000}?\n[^\[\]]{0,3000}?)\]\((?:[^()\s]|\([^()\s]*\))*\)"
)
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_MD_TABLE_SEP = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")
_ITEM = re.compile(
    r"^(?P<indent>[ ]*)(?P<marker>"
    r"(?:[-*+•◦▪●○■·–]\s+)+(?:o\s+(?=\S))?"  # "- ", "• ", "- o " (PDF sub-bullet)
    r"|o\s+(?=[a-z(])"  # "o item" (sub-bullet whose dash was lost at a page break)
    r"|\d{1,3}[.)]\s+(?=\S)"  # "1. ", "2) "
    r"|\((?:[a-z]|[ivx]{1,4}|\d{1,3})\)\s+(?=\S)"  # "(a) ", "(iv) ", "(3) "
    r"|[a-z][.)]\s+(?=\S)"  # "a. ", "b) "
    r")(?P<text>.*)$"
)
_ENUM_ONLY = re.compile(
    r"^\s*(?:\d{1,3}(?:\.\d{1,3})*\.?|[A-Z]\.|[IVX]{1,5}\.|\([a-z0-9]{1,4}\))\s*$"
)
_URL_START = re.compile(r"^(?:https?://|www\.)", re.I)


def _blocks_from_lines(text: str, *, markdown: bool) -> list[_Block]:
    """Parse plain text or Markdown line by line into blocks (inline markup stripped).

    Inline Markdown is stripped in both modes (plain-text exports often carry it); ``markdown``
    switches on Markdown block rules: setext headings and soft-wrapped paragraphs.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    if markdown and "](" in text:
        text = _MULTILINE_LINK.sub(r"\1", text)  # a link wrapped around whole paragraphs
    lines = text.split("\n")
    blocks: list[_Block] = []
    para: list[str] = []
    para_raw: list[str] = []
    pending_enum = ""
    pending_bullet = ""

    def flush() -> None:
        nonlocal pending_enum, pending_bullet
        if not para:
            return
        raw = " ".join(para_raw).strip()
        emph = bool(re.fullmatch(r"(\*\*|__)[^*_].*?\1:?", raw))
        joined = _clean.clean_inline(" ".join(para))
        para.clear()
        para_raw.clear()
        if pending_enum:
            joined, pending_enum = f"{pending_enum} {joined}", ""
        if pending_bullet and joined:
            blocks.append(_Block("item", joined, style=pending_bullet))
            pending_bullet = ""
        elif joined:
            blocks.append(_Block("para", joined, emph=emph))

    def add_para_line(line: str) -> None:
        nonlocal pending_enum
        if para:
            prev = para[-1].strip()
            # Plain text: consecutive lines are one wrapped paragraph only when they look wrapped
            # (a long previous line, or a continuation in lower case / a URL); else new block.
            wrapped = (
                markdown
                or len(prev) >= 60
                or _clean.starts_lower(line)
                or (_URL_START.match(line.strip()) and not _clean.ends_terminal(prev))
            )
            # A short title-like line after a finished sentence starts a new block ("Sharing").
            title_after_sentence = (
                not markdown and _clean.ends_sentence(prev) and _heading_shape(line)
                and len(line) < 60 and not _clean.starts_lower(line)
            )  # fmt: skip
            if (
                not wrapped
                or title_after_sentence
                or _clean.debris_reason(prev)
                or _clean.debris_reason(line)
            ):
                flush()
        para.append(line.strip())
        para_raw.append(line.strip())

    i = 0
    while i < len(lines):
        raw_line = lines[i].rstrip("\n")
        line = raw_line.expandtabs(4) if raw_line.startswith("\t") else raw_line
        stripped = line.strip()
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        i += 1
        if not stripped:
            flush()
            continue
        # ATX headings, rules, quotes and pipe tables occur in .txt exports as well as in .md.
        m = _ATX.match(line)
        if m:
            flush()
            heading = _clean.clean_inline(m.group(2))
            if heading:
                blocks.append(_Block("heading", heading, level=len(m.group(1))))
            continue
        if (
            markdown
            and _SETEXT.match(nxt)
            and not para
            and not _ITEM.match(line)
            and "|" not in line
        ) and (nxt.strip().startswith("=") or len(nxt.strip()) >= 3):
            heading = _clean.clean_inline(stripped)
            if heading:
                blocks.append(_Block("heading", heading, level=1 if "=" in nxt else 2))
            i += 1
            continue
        if _HR.match(line):
            flush()
            continue
        if stripped.startswith(">"):
            line = stripped.lstrip("> ")
            stripped = line.strip()
            if not stripped:
                flush()
                continue
        if stripped.startswith("|") and stripped.count("|") >= 2:
            flush()
            if _MD_TABLE_SEP.match(stripped):
                if blocks and blocks[-1].kind == "row":
                    blocks[-1].header = True
                continue
            cells = [_clean.clean_cell(c) for c in _split_md_row(stripped)]
            if any(cells):
                blocks.append(_Block("row", cells=cells, explicit=True))
            continue
        if "\t" in stripped:
            flush()
            cells = [_clean.clean_cell(c, markdown=True) for c in stripped.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) >= 2 or (len(cells) == 1 and raw_line.rstrip(" ").endswith("\t")):
                blocks.append(_Block("row", cells=cells or [""]))
            elif cells:
                add_para_line(cells[0])
            continue
        if stripped in "•●◦▪○■·":
            # A bullet alone on its line, its text on the next one (flattened HTML lists).
            flush()
            pending_bullet = stripped
            continue
        if _ENUM_ONLY.match(stripped):
            # "1." alone on a line, its title on the next non-blank line (flattened PDF/HTML).
            flush()
            pending_enum = stripped
            continue
        m = _ITEM.match(line)
        if m:
            marker = m.group("marker").strip()
            body = re.sub(r"^#{1,6}\s+", "", m.group("text"))  # "1.  #### Guests:" -> "Guests:"
            ordered = bool(re.match(r"^(?:\d|\(|[a-z][.)])", marker))
            cleaned = _clean.clean_inline(body)
            numbered_title = marker[0].isdigit() and _is_numbered_title(cleaned)
            if numbered_title and not _prev_is_ordered_item(blocks, para):
                # "1. Introduction" heads a section; "1. We collect ..." is a list item.
                flush()
                para.append(f"{marker} {body}")
                para_raw.append(f"{marker} {body}")
                flush()
                continue
            flush()
            style = marker.split()[-1] if not ordered else _ordered_style(marker)
            indent = len(m.group("indent")) + (2 if len(marker.split()) > 1 else 0)
            if cleaned:
                blocks.append(
                    _Block(
                        "item",
                        cleaned,
                        indent=indent,
                        style=style,
                        marker=marker if ordered else "",
                    )
                )
            continue
        if blocks and blocks[-1].kind == "item" and not para and line.startswith((" ", "\t")):
            # An indented line under a list item continues that item (wrapped text).
            blocks[-1].text = f"{blocks[-1].text} {_clean.clean_inline(stripped)}".strip()
            continue
        if blocks and blocks[-1].kind == "item" and not para and lines[i - 2].strip():
            cont = _clean.clean_inline(stripped)
            if markdown or _clean.starts_lower(cont) or not _clean.ends_terminal(blocks[-1].text):
                blocks[-1].text = f"{blocks[-1].text} {cont}".strip()
                continue
        add_para_line(stripped)
    flush()
    return blocks


def _split_md_row(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [c.replace("\\|", "|") for c in re.split(r"(?<!\\)\|", inner)]


def _ordered_style(marker: str) -> str:
    if marker[0].isdigit():
        return "1" + marker[-1]
    if marker.startswith("("):
        return "(i)" if re.fullmatch(r"\([ivx]+\)", marker) and marker not in ("(i)",) else "(a)"
    return "a" + marker[-1]


def _is_numbered_title(text: str) -> bool:
    return (
        0 < len(text.split()) <= 10
        and not _clean.ends_terminal(text)
        and not _clean.starts_lower(text)
    )


def _prev_is_ordered_item(blocks: list[_Block], para: list[str]) -> bool:
    return not para and bool(blocks) and blocks[-1].kind == "item" and bool(blocks[-1].marker)


# --- HTML -------------------------------------------------------------------------------------

_DROP_TAGS = (
    "script", "style", "nav", "header", "footer", "form", "noscript", "svg", "iframe", "button",
    "select", "option", "template", "canvas", "video", "audio", "object", "embed", "menu",
    "input", "textarea", "label", "head", "meta", "link",
)  # fmt: skip
_BLOCK_TAGS = frozenset(
    "address article aside blockquote body center dd details dialog div dl dt fieldset "
    "figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead "
    "tfoot tr td th ul html caption".split()
)
_DROP_ROLES = {"navigation", "banner", "contentinfo", "search", "menu", "menubar", "dialog"}


def _blocks_from_html(text: str) -> list[_Block]:
    """Parse HTML into blocks: headings, paragraphs, nested list items, table rows."""
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(text, "lxml")
    for tag in soup.find_all(_DROP_TAGS):
        if tag.attrs is None:  # already removed with an ancestor
            continue
        # The <header>/<footer> of an article holds its title and "Last updated" line.
        if (
            tag.name in ("header", "footer")
            and tag.find_parent(["article", "main"])
            and len(tag.get_text(" ", strip=True)) < 300
            and (
                tag.find(["h1", "h2", "h3"])
                or _versions.effective_date_in(tag.get_text(" ", strip=True))
            )
        ):
            continue
        tag.decompose()
    for c in soup.find_all(string=lambda s: isinstance(s, Comment)):
        c.extract()
    for tag in soup.find_all(True):
        if tag.attrs is None:  # already removed with an ancestor
            continue
        # Hidden elements are kept: collapsed accordion panels hold policy text. Only decorative
        # hidden bits (icons, screen-reader duplicates) and navigation roles go.
        hidden = str(tag.get("aria-hidden", "")).lower() == "true" or tag.has_attr("hidden")
        if (
            str(tag.get("role", "")).lower() in _DROP_ROLES
            or (hidden and len(tag.get_text(" ", strip=True)) < 40)
            or _is_hidden_tab(tag)
        ):
            tag.decompose()
    for br in soup.find_all("br"):
        br.replace_with(_clean.LINE_BREAK)
    root = soup.body or soup
    _drop_chrome_containers(root)
    # Prefer the main content when the page marks it and it holds most of the policy text. A page
    # with several documents (policy and terms in tabs) gets the one that talks most of privacy.
    total = _privacy_weight(root)
    for name in ("main", "article"):
        cands = [t for t in root.find_all(name) if t.attrs is not None]
        if cands:
            best = max(cands, key=_privacy_weight)
            if _privacy_weight(best) >= 0.4 * total:
                root = best
                break
    blocks: list[_Block] = []
    _walk_html(root, blocks, 0)
    return _drop_repeated_widgets(blocks)


_PRIVACY_TERMS = re.compile(
    r"\b(?:personal (?:data|information)|privacy|cookies?|data protection"
    r"|your (?:data|information))\b",
    re.I,
)


def _is_display_none(tag: object) -> bool:
    style = str(getattr(tag, "get", lambda *_: "")("style", "") or "").replace(" ", "").lower()
    return "display:none" in style


def _is_hidden_tab(tag: object) -> bool:
    """A hidden whole document beside a visible one of the same kind (tabs: "Terms", "Privacy").

    Collapsed accordion panels are kept; but when a same-class sibling is shown and both hold a
    document's worth of text, the hidden one is another tab, not part of this policy.
    """
    from bs4 import Tag

    if not isinstance(tag, Tag) or not _is_display_none(tag):
        return False
    if len(tag.get_text(" ", strip=True)) < 3000:
        return False
    kind = (tag.name, tuple(tag.get("class") or ()))
    for sib in tag.find_next_siblings(tag.name) + tag.find_previous_siblings(tag.name):
        if (sib.name, tuple(sib.get("class") or ())) != kind or _is_display_none(sib):
            continue
        if len(sib.get_text(" ", strip=True)) >= 3000:
            return True
    return False


def _privacy_weight(tag: object) -> float:
    """Length of the text, weighted up by how much of it is about privacy."""
    from bs4 import Tag

    assert isinstance(tag, Tag)
    text = tag.get_text(" ", strip=True)
    return len(text) * (1 + 50 * len(_PRIVACY_TERMS.findall(text)) / max(1, len(text.split())))


# Class-name tokens of page furniture (menus, sidebars, footers, pop-ups, share bars).
_CHROME_CLASSES = frozenset(
    "nav navbar navigation menu menubar submenu breadcrumb breadcrumbs sidebar footer topbar "
    "toolbar newsletter subscribe modal popup banner cookiebanner consent skip skiplink "
    "sharebar social-share".split()
)


def _drop_chrome_containers(root: object) -> None:
    """Remove elements whose class names or id mark page furniture, unless they hold much text."""
    from bs4 import Tag

    assert isinstance(root, Tag)
    total = max(1, len(root.get_text(" ", strip=True)))
    for tag in root.find_all(True):
        if tag.attrs is None or tag.name in ("main", "article", "body", "html"):
            continue
        raw = tag.get("class")
        classes: list[str] = raw.split() if isinstance(raw, str) else list(raw or [])
        if tag.get("id"):
            classes.append(str(tag.get("id")))
        tokens = {t for c in classes for t in re.split(r"[-_\s]+", str(c).lower()) if t}
        tokens |= {str(c).lower() for c in classes}
        if tokens & _CHROME_CLASSES and len(tag.get_text(" ", strip=True)) < 0.3 * total:
            tag.decompose()


def _drop_repeated_widgets(blocks: list[_Block]) -> list[_Block]:
    """Drop short paragraphs repeated 3+ times on a page ("Download the App").

    List items are left alone: lists legitimately repeat short entries ("Purpose: advertising").
    """
    counts: dict[str, int] = {}
    for b in blocks:
        if b.kind == "para" and len(b.text.split()) <= 12:
            counts[b.text] = counts.get(b.text, 0) + 1
    return [b for b in blocks if b.kind != "para" or counts.get(b.text, 0) < 3]


_GLYPH_BULLET = re.compile(r"^[•◦▪●○■·]\s*(?=\S)")


def _para_or_item(text: str, emph: bool = False) -> _Block:
    """A paragraph, or a list item when it starts with a typed bullet glyph ("• Contacts")."""
    m = _GLYPH_BULLET.match(text)
    if m:
        return _Block("item", text[m.end() :], depth=1)
    return _Block("para", text, emph=emph)


def _text_blocks(raw: str, *, pre: bool = False) -> list[_Block]:
    """Blocks of loose HTML text: lines set apart by <br> (or in <pre>) are read as plain text."""
    if not pre:
        if _clean.LINE_BREAK not in raw:
            text = _clean.clean_inline(raw, markdown=False)
            return [_para_or_item(text)] if text else []
        raw = re.sub(r"\s+", " ", raw)
    raw = raw.replace(_clean.LINE_BREAK, "\n")
    return [b for b in _blocks_from_lines(raw, markdown=False) if b.text or b.cells]


def _inline_text(parts: list[str]) -> str:
    return _clean.clean_inline("".join(parts), markdown=False)


def _is_emph(tag: object) -> bool:
    """True when all the text of ``tag`` sits inside <b>/<strong>."""
    from bs4 import Tag

    if not isinstance(tag, Tag):
        return False
    text = tag.get_text("", strip=True)
    if not text:
        return False
    bold = "".join(b.get_text("", strip=True) for b in tag.find_all(["b", "strong"]))
    return len(bold) >= len(text) * 0.95


def _bold_lead(tag: object, text: str) -> str:
    """The bold run-in title opening a paragraph ("<b>Cookies</b> We use ..."), if any."""
    from bs4 import NavigableString, Tag

    assert isinstance(tag, Tag)
    kids = [c for c in tag.children if not (isinstance(c, NavigableString) and not c.strip())]
    first = kids[0] if kids else None
    if not isinstance(first, Tag) or first.name not in ("b", "strong"):
        return ""
    lead = _clean.clean_inline(first.get_text(""), markdown=False)
    rest = text[len(lead) :].strip() if text.startswith(lead) else ""
    # Only a title: short, no closing punctuation, followed by a new capitalised sentence.
    if not lead or not rest or len(lead.split()) > 10 or lead[-1] in ".:;,!?-–—)":
        return ""
    return lead if rest[0].isupper() and _clean.is_sentence(rest) else ""


def _walk_html(el: object, blocks: list[_Block], depth: int) -> None:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush() -> None:
        raw = "".join(buffer)
        buffer.clear()
        blocks.extend(_text_blocks(raw))

    assert isinstance(el, Tag)
    for child in el.children:
        if isinstance(child, NavigableString):
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name not in _BLOCK_TAGS:
            if child.find(_BLOCK_TAGS):
                flush()
                _walk_html(child, blocks, depth)
            else:
                buffer.append(child.get_text(""))
            continue
        flush()
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = _clean.clean_inline(child.get_text(" "), markdown=False)
            if text:
                blocks.append(_Block("heading", text, level=int(name[1])))
        elif name in ("ul", "ol"):
            _walk_list(child, blocks, depth + 1)
        elif name == "li":
            _walk_li(child, blocks, depth + 1)
        elif name == "table":
            _walk_table(child, blocks, depth)
        elif name == "hr":
            continue
        elif name == "pre" or (
            not child.find(_BLOCK_TAGS) and _clean.LINE_BREAK in child.get_text("")
        ):
            blocks.extend(_text_blocks(child.get_text(""), pre=name == "pre"))
        elif not child.find(_BLOCK_TAGS):
            text = _clean.clean_inline(child.get_text(""), markdown=False)
            lead = _bold_lead(child, text)
            if lead:
                blocks.append(_Block("para", lead, emph=True))
                text = text[len(lead) :].strip()
            if text:
                blocks.append(_para_or_item(text, _is_emph(child)))
        else:
            _walk_html(child, blocks, depth)
    flush()


def _walk_list(lst: object, blocks: list[_Block], depth: int) -> None:
    from bs4 import NavigableString, Tag

    assert isinstance(lst, Tag)
    for child in lst.children:
        if isinstance(child, Tag) and child.name == "li":
            _walk_li(child, blocks, depth)
        elif isinstance(child, Tag):
            _walk_html(child, blocks, depth)
        elif isinstance(child, NavigableString) and child.strip():
            text = _clean.clean_inline(str(child), markdown=False)
            if text:
                blocks.append(_Block("item", text, depth=depth))


def _walk_li(li: object, blocks: list[_Block], depth: int) -> None:
    from bs4 import NavigableString, Tag

    assert isinstance(li, Tag)
    buffer: list[str] = []

    def flush() -> None:
        text = _inline_text(buffer)
        buffer.clear()
        if text:
            blocks.append(_Block("item", text, depth=depth))

    for child in li.children:
        if isinstance(child, NavigableString):
            buffer.append(str(child))
        elif isinstance(child, Tag) and child.name in ("ul", "ol"):
            flush()
            _walk_list(child, blocks, depth + 1)
        elif isinstance(child, Tag) and child.name == "table":
            flush()
            _walk_table(child, blocks, depth)
        elif isinstance(child, Tag) and child.find(["ul", "ol", "table"]):
            flush()
            _walk_html(child, blocks, depth)
        elif isinstance(child, Tag):
            buffer.append(" " + child.get_text("") + " ")
    flush()


def _walk_table(table: object, blocks: list[_Block], depth: int) -> None:
    from bs4 import Tag

    assert isinstance(table, Tag)
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    cell_rows = [[c for c in tr.find_all(["td", "th"]) if c.find_parent("tr") is tr] for tr in rows]
    multi = [r for r in cell_rows if len(r) >= 2]
    # A "table" of one column, or one holding tables, is page layout: read its cells as content.
    if not multi or len(multi) < len(cell_rows) / 2 or table.find("table"):
        for cells in cell_rows:
            for cell in cells:
                _walk_html(cell, blocks, depth)
        return
    for tr, cells in zip(rows, cell_rows, strict=True):
        texts = [_clean.clean_cell(c.get_text(" "), markdown=False) for c in cells]
        if not any(texts):
            continue
        if sum(1 for t in texts if t) == 1:  # a spanning caption or footer cell
            blocks.append(_Block("para", next(t for t in texts if t)))
            continue
        header = all(c.name == "th" for c in cells) or tr.find_parent("thead") is not None
        blocks.append(_Block("row", cells=texts, header=header, explicit=True))


# --- debris, joins, lists ---------------------------------------------------------------------


def _remove_debris(blocks: list[_Block]) -> list[_Block]:
    """Drop debris blocks anywhere, and the run of site chrome after the last policy text."""
    out: list[_Block] = []
    for b in blocks:
        if b.kind == "row":
            b.cells = [_clean.strip_archive_urls(c) for c in b.cells]
            if any(c and _clean.debris_reason(c) is None for c in b.cells):
                out.append(b)
            continue
        b.text = _clean.strip_archive_urls(b.text)
        if _clean.debris_reason(b.text) is None:
            out.append(b)
    # Trailing chrome: labels that introduce nothing ("Follow Us:"), "Report abuse", "Top"...
    while out and out[-1].kind != "row" and _clean.is_trailing_chrome(out[-1].text):
        if out[-1].kind == "item" and _list_has_lead_in(out):
            break  # a list announced by "...:" is content, however short its items
        out.pop()
    return out


def _list_has_lead_in(blocks: list[_Block]) -> bool:
    """True when the list ending ``blocks`` follows a paragraph ending with a colon."""
    k = len(blocks) - 1
    while k >= 0 and blocks[k].kind == "item":
        k -= 1
    return k >= 0 and blocks[k].kind == "para" and blocks[k].text.rstrip().endswith(":")


def _join_broken(blocks: list[_Block]) -> list[_Block]:
    """Re-join paragraphs, list items and table rows broken across a page boundary."""
    out: list[_Block] = []
    for b in blocks:
        prev = out[-1] if out else None
        if prev is not None and _continues(prev, b):
            if prev.kind == "row":
                _merge_row(prev, b)
            else:
                prev.text = f"{prev.text} {b.text}"
            continue
        out.append(b)
    return out


def _continues(prev: _Block, cur: _Block) -> bool:
    if cur.kind == "heading" or cur.emph or prev.kind == "heading":
        return False
    if prev.kind == "row":
        first = prev.cells[0] if prev.cells else ""
        if prev.explicit or prev.header or len(_clean.words(first)) < 6:
            return False  # only a sentence cut mid-way continues on the next row
        if cur.kind == "row":
            return (
                not cur.explicit
                and bool(cur.cells)
                and _clean.starts_lower(cur.cells[0])
                and not _clean.ends_terminal(first)
            )
        return (
            cur.kind == "para"
            and _clean.starts_lower(cur.text)
            and not all(_clean.ends_terminal(c) for c in prev.cells if c)
        )
    if cur.kind != "para" or prev.kind not in ("para", "item"):
        return False
    if _URL_START.match(cur.text) and not _clean.ends_sentence(prev.text):
        return True  # a bare URL under "please visit:" or a list item belongs to it
    if _clean.ends_terminal(prev.text):
        return False
    if _clean.starts_lower(cur.text):
        return True
    if _NUMBERED_HEADING.match(cur.text) and _heading_shape(cur.text):
        return False
    # A long line stopping on a lower-case word ("For more information about") runs on.
    last = prev.text.split()[-1] if prev.text.split() else ""
    return (
        len(prev.text) >= 60
        and re.fullmatch(r"[a-z][a-z'’-]*", last) is not None
        and len(_clean.words(prev.text)) >= 8
    )


def _merge_row(prev: _Block, cur: _Block) -> None:
    if cur.kind == "row":
        for k, cell in enumerate(cur.cells):
            if k < len(prev.cells):
                prev.cells[k] = f"{prev.cells[k]} {cell}".strip()
            else:
                prev.cells.append(cell)
        return
    # A loose continuation line: it belongs to the first cell left unfinished.
    for k, cell in enumerate(prev.cells):
        if cell and not _clean.ends_terminal(cell):
            prev.cells[k] = f"{cell} {cur.text}"
            return
    prev.cells[-1] = f"{prev.cells[-1]} {cur.text}".strip()


def _assign_depths(blocks: list[_Block]) -> None:
    """Nesting depth of list items from their marker style and indentation."""
    stack: list[tuple[int, str]] = []
    for b in blocks:
        if b.kind != "item":
            if b.kind in ("para", "heading", "row"):
                stack.clear()
            continue
        if not b.style:  # depth set by the reader (HTML)
            continue
        while stack and stack[-1][0] > b.indent:
            stack.pop()
        if not stack or stack[-1][0] < b.indent:
            stack.append((b.indent, b.style))  # deeper indentation: a nested list
        elif stack[-1][1] != b.style:
            # Same indentation, another marker: back to a level that used it, else nested.
            styles = [st for _, st in stack]
            if b.style in styles:
                del stack[styles.index(b.style) + 1 :]
            else:
                stack.append((b.indent, b.style))
        b.depth = max(1, len(stack))


# --- versions ---------------------------------------------------------------------------------


def _build_versions(blocks: list[_Block]) -> list[PolicyVersion]:
    blocks = _remove_debris(blocks)
    blocks = _join_broken(blocks)
    _assign_depths(blocks)
    if not blocks:
        return []
    chunks = _split_versions(blocks)
    versions: list[tuple[date | None, str, list[_Block]]] = []
    doc_title = ""
    for header_date, chunk in chunks:
        title, body = _strip_front_matter(_remove_toc(chunk))
        doc_title = doc_title or title
        body = _detect_headings(body)
        if not any(b.kind != "heading" for b in body):
            continue
        when = header_date or _stated_date(body)
        versions.append((when, title, body))
    if not versions:
        return []
    if len(versions) > 1:
        # Newest first; undated versions keep document order after the dated ones.
        order = sorted(
            range(len(versions)),
            key=lambda k: (versions[k][0] is None, -(versions[k][0] or date.min).toordinal(), k),
        )
        versions = [versions[k] for k in order]
    out: list[PolicyVersion] = []
    used: set[str] = set()
    for n, (when, title, body) in enumerate(versions, start=1):
        label = when.isoformat() if when else f"v{n}"
        while label in used:
            label = f"{label}-{n}"
        used.add(label)
        text, headings = _render(body)
        out.append(
            PolicyVersion(
                label=label,
                text=text,
                effective_date=when,
                title=title or doc_title,
                headings=headings,
            )
        )
    return out


def _split_versions(blocks: list[_Block]) -> list[tuple[date | None, list[_Block]]]:
    """Split at version headers when at least two of them head substantial text."""
    marks = [
        k
        for k, b in enumerate(blocks)
        if b.kind in ("para", "heading") and _versions.is_split_header(b.text)
    ]
    if len(marks) >= 2:
        bounds = marks + [len(blocks)]
        chunks = [
            (_versions.version_header_date(blocks[a].text), blocks[a + 1 : b])
            for a, b in zip(bounds, bounds[1:], strict=False)
        ]
        substantial = [c for c in chunks if _substance(c[1]) >= 3]
        if len(substantial) >= 2:
            preamble = blocks[: marks[0]]
            if _substance(preamble) >= 3:  # a shared introduction: keep it with the first version
                chunks[0] = (chunks[0][0], preamble + chunks[0][1])
            elif chunks:
                # Keep the preamble's title candidate (nav is dropped with the front matter).
                chunks[0] = (
                    chunks[0][0],
                    [b for b in preamble if _is_title(b)][-1:] + chunks[0][1],
                )
            return [c for c in chunks if _substance(c[1]) >= 1]
    return [(None, blocks)]


def _substance(blocks: list[_Block]) -> int:
    return sum(1 for b in blocks if b.kind in ("para", "item") and _clean.is_sentence(b.text))


def _is_title(b: _Block) -> bool:
    return (
        b.kind in ("para", "heading")
        and len(b.text.split()) <= 8
        and bool(_TITLE_WORDS.search(b.text))
        and not _clean.ends_sentence(b.text)
        and not _clean.is_breadcrumb(b.text)
    )


def _strip_front_matter(chunk: list[_Block]) -> tuple[str, list[_Block]]:
    """Drop the menus before the first policy text; keep date lines, headings, and the title."""
    last_seen = {_clean.norm_key(b.text): k for k, b in enumerate(chunk) if b.kind != "row"}
    first = next(
        (
            k
            for k, b in enumerate(chunk)
            if b.kind in ("para", "item", "row")
            and _clean.is_sentence(b.text if b.kind != "row" else " ".join(b.cells))
            # A line repeated further down is a table-of-contents entry, not the first text.
            and (b.kind == "row" or last_seen.get(_clean.norm_key(b.text), k) == k)
        ),
        None,
    )
    if first is None:  # no prose at all (a short list, a stub): nothing to tell nav apart from
        title = chunk[0].text if chunk and _is_title(chunk[0]) and len(chunk) > 1 else ""
        return title, chunk[1:] if title else chunk
    later_keys = {_clean.norm_key(b.text) for b in chunk[first:] if b.kind != "row"}
    title = ""
    kept: list[_Block] = []
    for k, b in enumerate(chunk[:first]):
        key = _clean.norm_key(b.text)
        if b.kind != "row" and key in later_keys and len(b.text.split()) <= 15:
            continue  # a table-of-contents entry; the heading itself comes later
        if b.kind in ("para", "heading") and _versions.effective_date_in(b.text):
            b.date_line = _versions.effective_date_in(b.text)
            kept.append(b)
            continue
        if not title and _is_title(b) and (b.kind == "heading" or not kept):
            title = b.text
            continue
        if _clean.is_breadcrumb(b.text) or re.fullmatch(r"(?i)(table of )?contents|index", b.text):
            continue
        if b.kind == "heading" and b.level > 1 or (b.kind == "heading" and title):
            kept.append(b)
            continue
        if k == first - 1 and b.kind == "para" and _heading_shape(b.text):
            kept.append(b)  # the heading right above the first paragraph
            continue
        if b.kind in ("item", "row") and k >= first - 3 and kept:
            kept.append(b)
            continue
        if b.kind == "para" and re.search(r"[\w.+-]+@[\w-]+\.\w", b.text):
            kept.append(b)  # contact details are policy text, never a menu
            continue
        if _prose_like(b.text) and (b.kind == "item" or _clean.ends_terminal(b.text)):
            kept.append(b)  # a short summary point or lead-in, not a menu entry or UI label
            continue
        nxt = chunk[k + 1]
        if b.text.endswith(":") and nxt.kind == "item" and _prose_like(nxt.text):
            kept.append(b)  # the lead-in of such points ("In short:")
            continue
        # Anything else before the policy text is site navigation.
    return title, kept + chunk[first:]


def _prose_like(text: str) -> bool:
    """Running words rather than a menu label: 4+ words, mostly lower case after the first."""
    ws = _clean.words(text)
    if len(ws) < 4 or text.rstrip().endswith(("...", "…")) or _clean.is_breadcrumb(text):
        return False
    return sum(w[0].islower() for w in ws[1:]) >= 0.6 * (len(ws) - 1)


def _remove_toc(blocks: list[_Block]) -> list[_Block]:
    """Drop tables of contents: runs of short lines that name headings found elsewhere.

    A run of 3+ short lines is a table of contents when most of its entries match a heading
    outside the run (before it, for a contents list repeated at the end of a page). Only headings
    count as a match, so a list of short items repeated in two sections is never taken for one.
    Lines before its first entry (a title), explicit headings among the entries and the lines
    after its last entry (the first real heading) stay.
    """
    n = len(blocks)
    keys = [_clean.norm_key(b.text) if b.kind != "row" else "" for b in blocks]
    heading_at: dict[str, list[int]] = {}
    for k, b in enumerate(blocks):
        nxt = blocks[k + 1] if k + 1 < n else None
        headed = b.kind == "heading" or (
            b.kind == "para"
            and _heading_shape(b.text)
            and nxt is not None
            and not (nxt.kind != "row" and _short_line(nxt.text))
        )
        if headed and keys[k]:
            heading_at.setdefault(keys[k], []).append(k)
    out: list[_Block] = []
    k = 0
    while k < n:
        b = blocks[k]
        if re.fullmatch(r"(?i)(table of )?contents:?", b.text.strip()):
            k += 1
            continue
        j = k
        while j < n and blocks[j].kind != "row" and _short_line(blocks[j].text):
            j += 1
        if j - k < 3:
            out.append(b)
            k += 1
            continue
        repeated = [any(i < k or i >= j for i in heading_at.get(keys[x], ())) for x in range(k, j)]
        if sum(repeated) >= max(3, int(0.6 * (j - k))):
            first = min(x for x in range(k, j) if repeated[x - k])
            last = max(x for x in range(k, j) if repeated[x - k])
            out.extend(blocks[k:first])  # a title or "Contents" line above the entries
            out.extend(
                blocks[x]
                for x in range(first, last)
                if blocks[x].kind == "heading" and not repeated[x - k]
            )
            out.extend(blocks[last + 1 : j])
        else:
            out.extend(blocks[k:j])
        k = j
    return out


def _short_line(text: str) -> bool:
    return 0 < len(text.split()) <= 12 and not _clean.is_sentence(text)


def _stated_date(blocks: list[_Block]) -> date | None:
    """The effective/updated date stated near the top (or, failing that, at the very end)."""
    for b in blocks[:15]:
        if b.date_line:
            return b.date_line
    for b in blocks[:15] + blocks[-5:]:
        if b.kind in ("para", "heading"):
            d = _versions.effective_date_in(b.text)
            if d:
                return d
    return None


# --- headings ---------------------------------------------------------------------------------

_NUMBERED_HEADING = re.compile(
    r"^(?:(?P<num>\d{1,2}(?:\.\d{1,2})*)\.?|(?P<let>[A-Z])\.|(?P<rom>[IVXLC]{1,6})\.|"
    r"(?:section|article|part|chapter)\s+[\dIVX]+[.:]?)\s*(?=\S)",
    re.I,
)


def _heading_shape(text: str) -> bool:
    t = text.strip()
    n = len(t.split())
    if not (1 <= n <= 14) or len(t) > 100:
        return False
    if t[-1] in ".,;:" and not (t.endswith(".") and _is_caps(t)):
        return False
    if re.search(r"https?://|www\.|@", t) or _clean.starts_lower(t):
        return False
    return not _versions.effective_date_in(t)


def _is_caps(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return len(letters) >= 3 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _detect_headings(blocks: list[_Block]) -> list[_Block]:
    """Mark heading paragraphs: numbered/lettered, ALL-CAPS, bold, and short title-like lines."""
    explicit = [b.level for b in blocks if b.kind == "heading"]
    base = min(explicit) if explicit else 1
    current = 0  # level of the last structural heading
    for k, b in enumerate(blocks):
        if b.kind == "heading" and _versions.effective_date_in(b.text) and len(b.text) < 80:
            b.kind = "para"  # "Effective: December 29, 2022" set as a heading is a date line
            continue
        if b.kind == "heading":
            b.level = b.level - base + 1
            current = b.level
            continue
        if b.kind != "para" or not _heading_shape(b.text):
            continue
        nxt = blocks[k + 1] if k + 1 < len(blocks) else None
        if nxt is None:
            continue
        m = _NUMBERED_HEADING.match(b.text)
        if m and (m.group("num") or m.group("let") or m.group("rom") or m.group(0)):
            num = m.group("num")
            level = num.count(".") + 1 if num else 1
            if m.group("let") and not _is_caps(b.text[m.end() :]) and len(b.text.split()) > 8:
                continue
            b.kind, b.level = "heading", level
            current = level
        elif _is_caps(b.text):
            b.kind, b.level = "heading", 1
            current = 1
        elif b.emph or (
            nxt.kind in ("para", "item", "row")
            and (
                nxt.kind != "para"
                or _clean.is_sentence(nxt.text)
                or len(nxt.text) > 80
                or (nxt.text.endswith(":") and len(nxt.text.split()) >= 3)
                or (_clean.ends_sentence(nxt.text) and len(nxt.text) > 2 * len(b.text))
            )
            and len(b.text) <= 80
        ):
            b.kind, b.level = "heading", current + 1 if current else 1
        if b.kind == "heading" and b.text.endswith(".") and _is_caps(b.text):
            b.text = b.text.rstrip(".")
    return blocks


# --- rendering --------------------------------------------------------------------------------


def _render(blocks: list[_Block]) -> tuple[str, tuple[tuple[int, int, int], ...]]:
    """Lay blocks out as clean text (see the module docstring) and record heading spans."""
    parts: list[str] = []
    headings: list[tuple[int, int, int]] = []
    pos = 0
    prev_kind = ""
    for b in blocks:
        if b.kind == "item":
            marker = b.marker or "-"
            line = "  " * (b.depth - 1) + f"{marker} {b.text}"
        elif b.kind == "row":
            cells = list(b.cells)
            while cells and not cells[-1]:
                cells.pop()
            line = "\t".join(cells)
        else:
            line = b.text
        line = line.replace("\n", " ").rstrip()
        if not line.strip():
            continue
        if parts:
            sep = "\n" if b.kind == prev_kind and b.kind in ("item", "row") else "\n\n"
            parts.append(sep)
            pos += len(sep)
        if b.kind == "heading":
            headings.append((pos, pos + len(line), max(1, b.level)))
        parts.append(line)
        pos += len(line)
        prev_kind = b.kind
    return "".join(parts), tuple(headings)


def heading_spans(text: str) -> tuple[tuple[int, int, int], ...]:
    """Detect the headings of a clean text laid out as in the module docstring.

    Used when a ``PolicyVersion`` was built without recorded ``headings`` (by hand, or by an older
    release). Returns ``(start, end, level)`` spans, like ``PolicyVersion.headings``.
    """
    lines: list[tuple[int, str]] = []
    pos = 0
    for line in text.split("\n"):
        lines.append((pos, line))
        pos += len(line) + 1
    blocks: list[_Block] = []
    starts: list[int] = []
    for k, (start, line) in enumerate(lines):
        if not line.strip():
            continue
        alone = (k == 0 or not lines[k - 1][1].strip()) and (
            k + 1 == len(lines) or not lines[k + 1][1].strip()
        )
        m = _SEG_ITEM.match(line)
        if "\t" in line:
            kind = "row"
        elif m and not (
            alone and m.group("marker")[0].isdigit() and _is_numbered_title(line[m.end() :])
        ):
            kind = "item"
        else:
            kind = "para" if alone else "item"
        blocks.append(_Block(kind, line.strip()))
        starts.append(start)
    _detect_headings(blocks)
    return tuple(
        (s, s + len(text[s:].split("\n", 1)[0].rstrip()), b.level)
        for s, b in zip(starts, blocks, strict=True)
        if b.kind == "heading"
    )


# The list-item line of the clean layout: indentation, marker, one space.
_SEG_ITEM = re.compile(
    r"^(?P<indent> *)(?P<marker>-|\d{1,3}[.)]|\((?:[a-z]|[ivx]{1,4}|\d{1,3})\)|[a-z][.)]) (?=\S)"
)
