"""Inline clean-up, sentence shape and debris rules shared by the readers of ``nlp.ingest``.

Two kinds of rules live here:

* *inline* clean-up of one line of text: Markdown links/emphasis, stray HTML tags and entities,
  angle-bracket autolinks, URLs glued together, odd whitespace;
* *debris* predicates on one block of text: page counters, web-archive URLs, copyright lines,
  machine ids, footer link lists, breadcrumbs. They look at the shape of a line (length, separators,
  punctuation), not at the words of one particular site, so they carry over to other policies.
"""

from __future__ import annotations

import html
import re
import unicodedata

# --- inline -----------------------------------------------------------------------------------

# The Markdown link patterns of the project (compare strips the same ones from clause text).
MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
"""A Markdown image, ``![alt](src)``."""
# Link text may hold one level of brackets ("[[email protected]](...)", "[Products[41]](...)").
MD_LINK = re.compile(
    r"\[((?:[^\[\]\n]|\[[^\[\]\n]*\])*)\]\((?:[^()\s]|\([^()\s]*\))*(?:\s+\"[^\"]*\")?\)"
)
"""A Markdown link ``[text](url "title")``; group 1 is the text."""
MD_MULTILINE_LINK = re.compile(
    r"\[([^\[\]]{1,3000}?\n[^\[\]]{0,3000}?)\]\((?:[^()\s]|\([^()\s]*\))*\)"
)
"""A Markdown link whose text runs over several lines (wrapped around whole paragraphs)."""
MD_LINK_TAIL = re.compile(r"\]\(\s*[^)\s]*\s*\)")
"""The ``](url)`` left of a link whose ``[`` was lost to a line or page break."""
_LINK_FOOTNOTE = re.compile(r"(?<=\S)\[\d{1,3}\]$")
_MD_REF_LINK = re.compile(r"\[([^\]\n]+)\]\[[^\]\n]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^<>\s]+|mailto:[^<>\s]+|[\w.+-]+@[\w-]+\.[\w.-]+)>")
_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>|<!--.*?-->", re.S)
_BOLD = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_ITALIC_STAR = re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![\w*])")
_ITALIC_UNDER = re.compile(r"(?<![\w_])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![\w_])")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
_CODE = re.compile(r"`([^`\n]+)`")
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~<"
_ESCAPED = {ch: chr(0xE100 + i) for i, ch in enumerate(_ESCAPABLE)}
_UNESCAPE = {0xE100 + i: ch for i, ch in enumerate(_ESCAPABLE)}
_GLUED_URL = re.compile(r"(?<=[^\s(<\"'/=])(?=https?://)")
_SPACES = re.compile(r"\s+")  # every Unicode space, line break and tab (cells are split first)
_ZERO_WIDTH = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad]")
# Stands for an HTML <br> until the reader decides whether it splits lines or is a space.
LINE_BREAK = "\ue000"
_CELL_BULLET = re.compile(r"(?:^|\s)[•◦▪·●○■]\s+")


def clean_inline(text: str, *, markdown: bool = True) -> str:
    """Strip markup from one line: Markdown links and emphasis, HTML tags/entities, autolinks.

    ``[text](url)`` keeps ``text``; ``<https://x>`` keeps the URL; ``**bold**`` keeps ``bold``.
    Whitespace is collapsed to single spaces (tabs included: callers split table cells first).
    """
    text = _ZERO_WIDTH.sub("", text).replace(LINE_BREAK, " ")
    if markdown and "\\" in text:
        # Escaped characters are literal: hide them from the emphasis and link rules.
        text = _MD_ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], text)
    text = _TAG.sub(" ", text) if "<" in text else text
    text = _AUTOLINK.sub(r"\1", text)
    if markdown:
        text = MD_IMAGE.sub("", text)
        text = MD_LINK.sub(lambda m: _LINK_FOOTNOTE.sub("", m.group(1)), text)
        text = _MD_REF_LINK.sub(r"\1", text)
        text = _CODE.sub(r"\1", text)
        text = _BOLD.sub(r"\2", text)
        text = _BOLD.sub(r"\2", text)  # nested/adjacent emphasis
        text = _ITALIC_STAR.sub(r"\1", text)
        text = _ITALIC_UNDER.sub(r"\1", text)
        text = re.sub(r"(?<=\w)([_*])([.,;:!?])\1", r"\2", text)  # "2025_._" -> "2025."
        text = text.translate(_UNESCAPE)
        text = text.replace("**", "")
    if "&" in text:
        text = html.unescape(text)
    text = _GLUED_URL.sub(" ", text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def clean_cell(text: str, *, markdown: bool = True) -> str:
    """Like :func:`clean_inline`, and drop bullet glyphs left inside a table cell."""
    parts = re.split(r"<br\s*/?>|</?li[^>]*>|</p>\s*<p[^>]*>", text, flags=re.I)
    # Markdown cells pack block markup between <br>s: "##### Title<br>*   item<br>*   item".
    parts = [re.sub(r"^\s*(?:#{1,6}\s+|[*+-]\s+(?=\S))", "", p) for p in parts]
    text = clean_inline(" ".join(parts), markdown=markdown)
    return _SPACES.sub(" ", _CELL_BULLET.sub(" ", text)).strip()


# --- sentence shape ---------------------------------------------------------------------------

# Sentence and clause ends of the scripts policies come in (Latin, CJK, Arabic, Devanagari...).
_STOPS = "。！？｡．؟۔।॥։።፧။"
_TERMINAL = re.compile(rf"[.!?;:…；：؛{_STOPS}]['\"”’)\]」』）】》〉]*$")
_SENTENCE_END = re.compile(rf"[.!?…{_STOPS}]['\"”’)\]」』）】》〉]*$")
FULL_STOPS = (".", *_STOPS)
"""A full stop in any script ("." "。" "।"...), for rules that ask whether a line ends with one."""
# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer, Japanese kana, Han):
# there two characters count as one word.
_UNSPACED = (
    "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
)
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
_WORD = re.compile(rf"[{_UNSPACED}]{{1,2}}|[^\W\d_](?:(?![{_UNSPACED}])[\w'’-])*")


def words(text: str) -> list[str]:
    """Alphabetic words of ``text`` (in Chinese, Japanese or Thai: pairs of characters)."""
    return _WORD.findall(text)


def word_count(text: str) -> int:
    """Space-separated words of ``text``; in scripts without spaces two characters are a word."""
    if not _UNSPACED_CHAR.search(text):
        return len(text.split())
    spaced = sum(1 for token in text.split() if not _UNSPACED_CHAR.search(token))
    letters = sum(1 for ch in _UNSPACED_CHAR.findall(text) if ch.isalpha())  # no vowel signs
    return spaced + (letters + 1) // 2


def lower_share(ws: list[str]) -> float:
    """Share of the cased words that start in lower case; 1.0 when few words have case at all.

    Case tells prose from titles and menus only in cased scripts: Chinese, Arabic or Hindi text
    has no capitals, and so no title case to tell apart.
    """
    cased = [w for w in ws if w[0].lower() != w[0].upper()]
    if len(cased) < 0.5 * len(ws) or not cased:
        return 1.0
    return sum(w[0].islower() for w in cased) / len(cased)


def ends_terminal(text: str) -> bool:
    """True when ``text`` ends like a finished sentence or clause (. ! ? ; : …, in any script)."""
    return bool(_TERMINAL.search(text.rstrip()))


def ends_sentence(text: str) -> bool:
    """True when ``text`` ends with . ! ? … (or 。 ।... in other scripts), quotes allowed after."""
    return bool(_SENTENCE_END.search(text.rstrip()))


def is_sentence(text: str) -> bool:
    """True for running prose: a sentence of 6+ words, or 15+ words whatever the ending."""
    ws = words(text)
    share = lower_share(ws)
    if not ws or share == 0:
        return False  # ALL-CAPS or Title Case lines are headings and menus, not prose
    n = len(ws)
    if text.rstrip().endswith(("...", "…")):
        return n >= 15  # "What are you looking for..." is a search box, not a sentence
    if ends_sentence(text):
        return n >= 6
    # Without a full stop only long running prose counts, not a list of names or countries.
    return n >= 15 and share >= 0.3


def starts_lower(text: str) -> bool:
    """True when the first letter of ``text`` is lower case (a continued sentence)."""
    for ch in text:
        if ch.isalpha():
            return ch.islower()
        if ch.isdigit():
            return False
    return False


def norm_key(text: str) -> str:
    """Case- and punctuation-free key, used to match a table-of-contents entry to its heading."""
    text = re.sub(r"^(?:[-•◦▪·*o]\s+)+", "", text.strip())
    # "I . Scope and Purpose" in the body matches "Scope and Purpose" in the contents list.
    text = re.sub(
        r"^(?:\d{1,2}(?:\.\d{1,2})*|[ivxlc]{1,6}|[a-z])\s*[.)]\s*(?=\w)", "", text, flags=re.I
    )
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


# --- debris -----------------------------------------------------------------------------------

_PAGE_COUNTER = re.compile(
    r"^(?:page\s*)?\d{1,4}\s*(?:/|of)\s*\d{1,4}$|^page\s+\d{1,4}$|^[-–—]\s*\d{1,4}\s*[-–—]$", re.I
)
_ARCHIVE_HOSTS = (
    r"web\.archive\.org|wayback\.archive\.org|archive\.(?:ph|today|is|li|vn|md)"
    r"|webcache\.googleusercontent\.com|webcitation\.org"
)
_ARCHIVE_URL_LINE = re.compile(rf"^<?\s*https?://(?:{_ARCHIVE_HOSTS})\S*\s*>?$", re.I)
_ARCHIVE_URL = re.compile(rf"<?https?://(?:{_ARCHIVE_HOSTS})[^\s<>]*>?", re.I)
_COPYRIGHT = re.compile(r"^(?:©|\(c\)|copyright\b)|\ball rights reserved\b", re.I)
_MACHINE_ID = re.compile(r"^(?=[\w-]*\d{5})(?=[\w-]*[A-Za-z])[A-Za-z0-9_-]{10,}$")
_FILING_STAMP = re.compile(
    r"^exhibit\s+[\w.-]{1,8}$|^case\s+\S+\s+document\s+\S+.*\bpage\s+\d+\s+of\s+\d+", re.I
)
_BACK_TO_TOP = re.compile(r"^(?:(?:back|return|go|scroll)\s+(?:to\s+)?)?(?:the\s+)?top\W*$", re.I)
_UI_LINK = re.compile(
    r"^(?:(?:learn|read|see|show|find out|view)\s+more|click here|more info(?:rmation)?|"
    r"expand all|collapse all|print(?: this page)?)\W*$",
    re.I,
)
_BREADCRUMB = re.compile(r"^<\s|\s>$|\s[>»›]\s")
_LINK_SEPS = re.compile(r"\s+[|·•]\s+|\s*\|\s*")
_DASH_SEPS = re.compile(r"\s+[-–—/]\s+")


def strip_archive_urls(text: str) -> str:
    """Remove web-archive capture URLs from inside a line."""
    return _SPACES.sub(" ", _ARCHIVE_URL.sub("", text)).strip() if "archive" in text else text


def debris_reason(text: str) -> str | None:
    """Why a whole block is page or site debris, or ``None`` when it may be policy text."""
    t = text.strip()
    if not t:
        return "empty"
    if _PAGE_COUNTER.match(t):
        return "page counter"
    if _ARCHIVE_URL_LINE.match(t):
        return "web-archive URL"
    n_words = len(words(t))
    if _COPYRIGHT.search(t) and n_words <= 20:
        return "copyright line"
    if _MACHINE_ID.match(t):
        return "machine id"
    if _FILING_STAMP.match(t):
        return "filing stamp"
    if _BACK_TO_TOP.match(t):
        return "back-to-top link"
    if _UI_LINK.match(t):
        return "link label"
    if is_link_list(t):
        return "link list"
    return None


def is_link_list(text: str) -> bool:
    """True for a footer/menu line of short items separated by | · • or spaced dashes."""
    if ends_sentence(text) and not text.rstrip().endswith(".com"):
        return False
    for seps, min_items, max_words in ((_LINK_SEPS, 3, 5), (_DASH_SEPS, 4, 6)):
        parts = [p.strip() for p in seps.split(text) if p.strip()]
        if len(parts) < min_items:
            continue
        # The first item may carry a label ("Browse Alphabetically: Global Expo").
        body = [parts[0].split(":")[-1]] + parts[1:]
        if all(len(p.split()) <= max_words and not ends_terminal(p) for p in body):
            return True
    return False


def is_breadcrumb(text: str) -> bool:
    """True for short navigation crumbs ("Penalty Record >", "< Back to list", "A > B")."""
    return len(text.split()) <= 10 and bool(_BREADCRUMB.search(text.strip()))


def is_trailing_chrome(text: str) -> bool:
    """Short site chrome that may close a page ("Feedback", "Report abuse", "Terms|Privacy").

    Only applied to the run of lines after the last policy text: there a 1-4 word line without
    digits, e-mail or final period is a link or widget label, not a clause.
    """
    t = text.strip()
    if debris_reason(t) or is_dangling_label(t) or is_breadcrumb(t):
        return True
    if "|" in t and not ends_sentence(t) and word_count(t) <= 12:
        return True
    return (
        word_count(t) <= 4
        and not re.search(r"\d|@", t)
        and not t.endswith(FULL_STOPS)
        and not is_sentence(t)
    )


def is_dangling_label(text: str) -> bool:
    """A short label that ends with a colon and introduces nothing ("Follow Us:", "Free APP:")."""
    t = text.strip()
    return t.endswith(":") and len(t.split()) <= 4 and "@" not in t
