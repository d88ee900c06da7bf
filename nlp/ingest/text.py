"""Plain text and Markdown to blocks: the line grammar of exports, wrapped lines and lists."""

from __future__ import annotations

import re

from nlp.ingest import clean as _clean
from nlp.ingest.blocks import Block
from nlp.ingest.headings import heading_shape, is_numbered_title

__all__ = ["URL_START", "blocks_from_lines"]

_HR = re.compile(r"^\s*(?:(?:\*\s*){3,}|(?:-\s*){3,}|(?:_\s*){3,}|(?:=\s*){3,})$")
# Indented too: converted pages nest headings inside list items ("    ### 1.5 Your Device").
_ATX = re.compile(r"^\s{0,12}(#{1,6})\s+(.*?)\s*#*\s*$")
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
URL_START = re.compile(r"^(?:https?://|www\.)", re.I)


def blocks_from_lines(text: str, *, markdown: bool) -> list[Block]:
    """Parse plain text or Markdown line by line into blocks (inline markup stripped).

    Inline Markdown is stripped in both modes (plain-text exports often carry it); ``markdown``
    switches on Markdown block rules: setext headings and soft-wrapped paragraphs.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    if markdown and "](" in text:
        text = _clean.MD_MULTILINE_LINK.sub(r"\1", text)  # a link wrapped around whole paragraphs
    lines = text.split("\n")
    blocks: list[Block] = []
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
            blocks.append(Block("item", joined, style=pending_bullet))
            pending_bullet = ""
        elif joined:
            blocks.append(Block("para", joined, emph=emph))

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
                or (URL_START.match(line.strip()) and not _clean.ends_terminal(prev))
            )
            # A short title-like line after a finished sentence starts a new block ("Sharing").
            title_after_sentence = (
                not markdown and _clean.ends_sentence(prev) and heading_shape(line)
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
                blocks.append(Block("heading", heading, level=len(m.group(1))))
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
                blocks.append(Block("heading", heading, level=1 if "=" in nxt else 2))
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
                blocks.append(Block("row", cells=cells, explicit=True))
            continue
        if "\t" in stripped:
            flush()
            cells = [_clean.clean_cell(c, markdown=True) for c in stripped.split("\t")]
            while cells and not cells[-1]:
                cells.pop()
            if len(cells) >= 2 or (len(cells) == 1 and raw_line.rstrip(" ").endswith("\t")):
                blocks.append(Block("row", cells=cells or [""]))
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
            numbered_title = marker[0].isdigit() and is_numbered_title(cleaned)
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
                    Block(
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


def _prev_is_ordered_item(blocks: list[Block], para: list[str]) -> bool:
    return not para and bool(blocks) and blocks[-1].kind == "item" and bool(blocks[-1].marker)
