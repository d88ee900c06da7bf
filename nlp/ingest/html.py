"""HTML to blocks: page chrome dropped, headings, paragraphs, nested lists and table rows kept."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from nlp.ingest import clean as _clean
from nlp.ingest import dates, structure
from nlp.ingest.blocks import Block
from nlp.ingest.text import blocks_from_lines

__all__ = ["blocks_from_html", "read_html"]

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
_DROP_ROLES = {
    "navigation", "banner", "contentinfo", "search", "menu", "menubar", "dialog", "alertdialog",
}  # fmt: skip
# Real pages nest elements 30 deep at most; below this depth a page's text is kept as plain text,
# so that the passes that look at an element's whole text stay linear in the size of the page.
_MAX_DEPTH = 256


def blocks_from_html(text: str) -> list[Block]:
    """Parse HTML into blocks: headings, paragraphs, nested list items, table rows."""
    return read_html(text)[0]


def read_html(text: str) -> tuple[list[Block], tuple[date, str] | None]:
    """The blocks of an HTML page, and the date it carries outside its text (with its source).

    Headings come from the page's structure first: ``h1``-``h6``, ARIA headings, definition
    terms, summaries, accordion and tab labels (:func:`nlp.ingest.structure.mark_titles`);
    navigation, cookie banners, footers and addresses never become headings.
    """
    from bs4 import BeautifulSoup, Comment

    soup = BeautifulSoup(text, "lxml")
    _flatten_below(soup, _MAX_DEPTH)
    meta_date = structure.page_date(soup, soup.head) if soup.head else None
    for tag in soup.find_all(_DROP_TAGS):
        if tag.attrs is None:  # already removed with an ancestor
            continue
        toggle = tag.has_attr("aria-expanded") or tag.has_attr("aria-controls")
        if tag.name == "button" and toggle:
            continue  # an accordion toggle: its label titles the panel it opens
        # The <header>/<footer> of an article holds its title and "Last updated" line.
        if (
            tag.name in ("header", "footer")
            and tag.find_parent(["article", "main"])
            and len(tag.get_text(" ", strip=True)) < 300
            and (
                tag.find(["h1", "h2", "h3"])
                or dates.effective_date_in(tag.get_text(" ", strip=True))
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
    structure.mark_titles(root)
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
    blocks: list[Block] = []
    found = structure.page_date(soup, root) if meta_date is None else None
    when = (found if found and found[1] == "time" else None) or meta_date or found
    _run(_walk_html(root, _Walker(blocks, _Marks.of(root)), 0))
    return _drop_repeated_widgets(blocks), when


# A walker is a generator: it appends blocks and yields the walkers of the elements it descends
# into; ``_run`` runs those depth-first on a stack of its own, so that the depth of a page's
# nesting (10,000 <div>s) never becomes depth of Python recursion.
_Walk = Iterator[Any]


@dataclass(frozen=True, slots=True)
class _Marks:
    """Which elements contain a block, a list or table, a table (``tag.find`` in O(1))."""

    block: frozenset[int]
    list_or_table: frozenset[int]
    table: frozenset[int]

    @classmethod
    def of(cls, root: object) -> _Marks:
        from bs4 import Tag

        assert isinstance(root, Tag)

        def containers(names: Iterable[str]) -> frozenset[int]:
            marked: set[int] = set()
            for tag in root.find_all(list(names)):
                parent = tag.parent
                # Stop at a marked element: its ancestors are marked already.
                while parent is not None and id(parent) not in marked:
                    marked.add(id(parent))
                    parent = parent.parent
            return frozenset(marked)

        return cls(
            containers(_BLOCK_TAGS), containers(("ul", "ol", "table")), containers(["table"])
        )


@dataclass(frozen=True, slots=True)
class _Walker:
    """What every walker shares: the blocks it appends to, and the marks of the page."""

    blocks: list[Block]
    marks: _Marks

    def has_block(self, tag: object) -> bool:
        return id(tag) in self.marks.block


def _run(walk: _Walk) -> None:
    """Run a walker and every walker it yields, depth-first, without recursion."""
    stack = [walk]
    while stack:
        sub = next(stack[-1], None)
        if sub is None:
            stack.pop()
        else:
            stack.append(sub)


def _flatten_below(soup: object, max_depth: int) -> None:
    """Replace what an element ``max_depth`` deep holds by its text (10,000 nested <div>s)."""
    from bs4 import Tag

    assert isinstance(soup, Tag)
    stack: list[tuple[Tag, int]] = [(soup, 0)]
    while stack:
        tag, depth = stack.pop()
        kids = [c for c in tag.children if isinstance(c, Tag)]
        if depth < max_depth:
            stack.extend((c, depth + 1) for c in kids)
        elif kids:
            text = tag.get_text(" ")  # skips <script>/<style> content, as the readers do
            tag.clear()
            tag.append(text)
            if tag.name in ("table", "thead", "tbody", "tfoot", "tr"):
                tag.name = "div"  # text directly in table structure would be no cell's


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
_CHROME_CLASSES = structure.CHROME_CLASSES


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
        chrome = tokens & _CHROME_CLASSES and len(tag.get_text(" ", strip=True)) < 0.3 * total
        if chrome or structure.is_consent_container(tag, total):
            tag.decompose()


def _drop_repeated_widgets(blocks: list[Block]) -> list[Block]:
    """Drop short paragraphs repeated 3+ times on a page ("Download the App").

    List items are left alone: lists legitimately repeat short entries ("Purpose: advertising").
    """
    counts: dict[str, int] = {}
    for b in blocks:
        if b.kind == "para" and _clean.word_count(b.text) <= 12:
            counts[b.text] = counts.get(b.text, 0) + 1
    return [b for b in blocks if b.kind != "para" or counts.get(b.text, 0) < 3]


_GLYPH_BULLET = re.compile(r"^[•◦▪●○■·]\s*(?=\S)")
_SECTION_TITLES = ["h1", "h2", "h3", "h4", "h5", "h6", structure.TITLE_TAG]


def _para_or_item(text: str, emph: bool = False) -> Block:
    """A paragraph, or a list item when it starts with a typed bullet glyph ("• Contacts")."""
    m = _GLYPH_BULLET.match(text)
    if m:
        return Block("item", text[m.end() :], depth=1)
    return Block("para", text, emph=emph)


def _text_blocks(raw: str, *, pre: bool = False) -> list[Block]:
    """Blocks of loose HTML text: lines set apart by <br> (or in <pre>) are read as plain text."""
    if not pre:
        if _clean.LINE_BREAK not in raw:
            text = _clean.clean_inline(raw, markdown=False)
            return [_para_or_item(text)] if text else []
        raw = re.sub(r"\s+", " ", raw)
    raw = raw.replace(_clean.LINE_BREAK, "\n")
    return [b for b in blocks_from_lines(raw, markdown=False) if b.text or b.cells]


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
    if not lead or not rest or _clean.word_count(lead) > 10 or lead[-1] in ".:;,!?-–—)":
        return ""
    return lead if rest[0].isupper() and _clean.is_sentence(rest) else ""


def _walk_html(el: object, w: _Walker, depth: int) -> _Walk:
    from bs4 import NavigableString, Tag

    buffer: list[str] = []

    def flush() -> None:
        raw = "".join(buffer)
        buffer.clear()
        w.blocks.extend(_text_blocks(raw))

    assert isinstance(el, Tag)
    for child in el.children:
        if isinstance(child, NavigableString):
            buffer.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name
        if name not in _BLOCK_TAGS:
            if w.has_block(child):
                flush()
                yield _walk_html(child, w, depth)
            else:
                buffer.append(child.get_text(""))
            continue
        flush()
        if name in ("h1", "h2", "h3", "h4", "h5", "h6"):
            text = _GLYPH_BULLET.sub("", _clean.clean_inline(child.get_text(" "), markdown=False))
            if text and structure.looks_like_address(text):
                w.blocks.append(Block("para", text, address=True))
            elif text:
                w.blocks.append(Block("heading", text, level=int(name[1])))
        elif name == structure.TITLE_TAG and not w.has_block(child):
            text = _clean.clean_inline(child.get_text(" "), markdown=False)
            if text:
                address = structure.looks_like_address(text)
                w.blocks.append(Block("para", text, title=not address, address=address))
        elif name == "address":
            for b in _text_blocks(child.get_text("")):
                b.address = True
                w.blocks.append(b)
        elif name in ("ul", "ol"):
            yield _walk_list(child, w, depth + 1)
        elif name == "li":
            yield _walk_li(child, w, depth + 1)
        elif name == "table":
            yield _walk_table(child, w, depth)
        elif name == "hr":
            continue
        elif name == "pre" or (not w.has_block(child) and _clean.LINE_BREAK in child.get_text("")):
            w.blocks.extend(_text_blocks(child.get_text(""), pre=name == "pre"))
        elif not w.has_block(child):
            text = _clean.clean_inline(child.get_text(""), markdown=False)
            lead = _bold_lead(child, text)
            if lead:
                w.blocks.append(Block("para", lead, emph=True))
                text = text[len(lead) :].strip()
            if text:
                w.blocks.append(_para_or_item(text, _is_emph(child)))
        else:
            yield _walk_html(child, w, depth)
    flush()


def _walk_list(lst: object, w: _Walker, depth: int) -> _Walk:
    from bs4 import NavigableString, Tag

    assert isinstance(lst, Tag)
    for child in lst.children:
        if isinstance(child, Tag) and child.name == "li":
            yield _walk_li(child, w, depth)
        elif isinstance(child, Tag):
            yield _walk_html(child, w, depth)
        elif isinstance(child, NavigableString) and child.strip():
            text = _clean.clean_inline(str(child), markdown=False)
            if text:
                w.blocks.append(Block("item", text, depth=depth))


def _walk_li(li: object, w: _Walker, depth: int) -> _Walk:
    from bs4 import NavigableString, Tag

    assert isinstance(li, Tag)
    if li.find(_SECTION_TITLES, recursive=False) is not None:
        # A list of sections (<li><h3>Title</h3><p>...</p></li>): its items are content.
        yield _walk_html(li, w, depth)
        return
    buffer: list[str] = []

    def flush() -> None:
        text = _inline_text(buffer)
        buffer.clear()
        if text:
            w.blocks.append(Block("item", text, depth=depth))

    for child in li.children:
        if isinstance(child, NavigableString):
            buffer.append(str(child))
        elif isinstance(child, Tag) and child.name in ("ul", "ol"):
            flush()
            yield _walk_list(child, w, depth + 1)
        elif isinstance(child, Tag) and child.name == "table":
            flush()
            yield _walk_table(child, w, depth)
        elif isinstance(child, Tag) and id(child) in w.marks.list_or_table:
            flush()
            yield _walk_html(child, w, depth)
        elif isinstance(child, Tag):
            buffer.append(" " + child.get_text("") + " ")
    flush()


def _walk_table(table: object, w: _Walker, depth: int) -> _Walk:
    from bs4 import Tag

    assert isinstance(table, Tag)
    rows = [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]
    cell_rows = [[c for c in tr.find_all(["td", "th"]) if c.find_parent("tr") is tr] for tr in rows]
    if not rows:  # no rows at all (text directly in <table>): read it as any content
        yield _walk_html(table, w, depth)
        return
    multi = [r for r in cell_rows if len(r) >= 2]
    # A "table" of one column, or one holding tables, is page layout: read its cells as content.
    if not multi or len(multi) < len(cell_rows) / 2 or id(table) in w.marks.table:
        for cells in cell_rows:
            for cell in cells:
                yield _walk_html(cell, w, depth)
        return
    for tr, cells in zip(rows, cell_rows, strict=True):
        texts = [_clean.clean_cell(c.get_text(" "), markdown=False) for c in cells]
        if not any(texts):
            continue
        if sum(1 for t in texts if t) == 1:  # a spanning caption or footer cell
            w.blocks.append(Block("para", next(t for t in texts if t)))
            continue
        header = all(c.name == "th" for c in cells) or tr.find_parent("thead") is not None
        w.blocks.append(Block("row", cells=texts, header=header, explicit=True))
