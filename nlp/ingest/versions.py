"""Blocks to dated versions: split at version headers, front matter and tables of contents
dropped, headings marked, each version dated and rendered as clean text, newest first."""

from __future__ import annotations

import re
from datetime import date

from nlp.ingest import clean as _clean
from nlp.ingest import dates
from nlp.ingest.blocks import Block
from nlp.ingest.headings import detect_headings, heading_shape
from nlp.ingest.layout import render
from nlp.ingest.repair import assign_depths, join_broken, remove_debris
from nlp.types import PolicyVersion

__all__ = ["build_versions"]


def build_versions(
    blocks: list[Block], page_date: tuple[date, str] | None = None
) -> tuple[list[PolicyVersion], float]:
    """The dated versions of a document, newest first, and the share of its text dropped.

    ``page_date`` is a date the page carries outside its text (an HTML ``<time datetime>`` or
    ``<meta>`` tag) with its source; it dates a single version whose text states none.
    """
    total = _chars(blocks)
    blocks = remove_debris(blocks)
    blocks = join_broken(blocks)
    assign_depths(blocks)
    if not blocks:
        return [], 1.0
    chunks = _split_versions(blocks)
    versions: list[tuple[date | None, str, list[Block]]] = []
    sources: dict[int, str] = {}
    doc_title = ""
    for header_date, chunk in chunks:
        title, body = _strip_front_matter(_remove_toc(chunk))
        doc_title = doc_title or title
        body = detect_headings(body)
        if not any(b.kind != "heading" for b in body):
            continue
        when = header_date or _stated_date(body)
        sources[id(body)] = "header" if header_date else "text" if when else ""
        versions.append((when, title, body))
    if len(versions) == 1 and versions[0][0] is None and page_date is not None:
        title, body = versions[0][1], versions[0][2]
        versions[0] = (page_date[0], title, body)
        sources[id(body)] = page_date[1]
    if not versions:
        return [], 1.0
    kept = sum(_chars(body) + len(title) for _, title, body in versions)
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
        text, headings = render(body)
        out.append(
            PolicyVersion(
                label=label,
                text=text,
                effective_date=when,
                title=title or doc_title,
                headings=headings,
                date_source=sources.get(id(body), ""),
            )
        )
    return out, max(0.0, 1 - kept / total) if total else 0.0


def _chars(blocks: list[Block]) -> int:
    return sum(len(b.text) + sum(len(c) for c in b.cells) for b in blocks)


def _split_versions(blocks: list[Block]) -> list[tuple[date | None, list[Block]]]:
    """Split at version headers when at least two of them head substantial text."""
    marks = [
        k
        for k, b in enumerate(blocks)
        if b.kind in ("para", "heading") and dates.is_split_header(b.text)
    ]
    if len(marks) >= 2:
        bounds = marks + [len(blocks)]
        chunks = [
            (dates.version_header_date(blocks[a].text), blocks[a + 1 : b])
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


def _substance(blocks: list[Block]) -> int:
    return sum(1 for b in blocks if b.kind in ("para", "item") and _clean.is_sentence(b.text))


def _is_title(b: Block) -> bool:
    return (
        b.kind in ("para", "heading")
        and _clean.word_count(b.text) <= 8
        and bool(dates.TITLE_WORDS.search(b.text))
        and not _clean.ends_sentence(b.text)
        and not _clean.is_breadcrumb(b.text)
    )


def _strip_front_matter(chunk: list[Block]) -> tuple[str, list[Block]]:
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
    kept: list[Block] = []
    for k, b in enumerate(chunk[:first]):
        key = _clean.norm_key(b.text)
        if b.kind != "row" and key in later_keys and _clean.word_count(b.text) <= 15:
            continue  # a table-of-contents entry; the heading itself comes later
        if b.kind in ("para", "heading") and dates.effective_date_in(b.text):
            b.date_line = dates.effective_date_in(b.text)
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
        if k == first - 1 and b.kind == "para" and heading_shape(b.text):
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
    if not any(w[0].lower() != w[0].upper() for w in ws) and _clean.word_count(text) < 4:
        return False  # no case to read in this script: a name in a language menu, say
    return _clean.lower_share(ws[1:]) >= 0.6


def _remove_toc(blocks: list[Block]) -> list[Block]:
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
            and heading_shape(b.text)
            and nxt is not None
            and not (nxt.kind != "row" and _short_line(nxt.text))
        )
        if headed and keys[k]:
            heading_at.setdefault(keys[k], []).append(k)
    out: list[Block] = []
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
    return 0 < _clean.word_count(text) <= 12 and not _clean.is_sentence(text)


def _stated_date(blocks: list[Block]) -> date | None:
    """The effective/updated date stated near the top (or, failing that, at the very end)."""
    for b in blocks[:15]:
        if b.date_line:
            return b.date_line
    for b in blocks[:15] + blocks[-5:]:
        if b.kind in ("para", "heading"):
            d = dates.effective_date_in(b.text)
            if d:
                return d
    # Else a sentence anywhere that dates the policy itself ("This policy is effective as of").
    for b in blocks:
        if b.kind in ("para", "item"):
            d = dates.self_dated_in(b.text)
            if d:
                return d
    return None
