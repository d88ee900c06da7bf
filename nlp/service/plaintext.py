"""The one rule for what the service stores and returns: clause text is plain text.

Everything uploaded (``POST /v1/policies``) or classified (``POST /v1/classify``) passes here:

1. before parsing, ``<script>``, ``<style>``, ``<iframe>``, ``<object>``, ``<embed>``,
   ``<noscript>`` and ``<template>`` elements are removed with their content
   (:func:`strip_active_content`), whatever the format claims to be;
2. after parsing, each version's text (and title, and the policy's name) has its HTML entities
   decoded and every tag or comment that decoding reveals removed, again until nothing changes,
   so ``&lt;iframe&gt;`` and a double-encoded ``&amp;#106;avascript:`` end as plain words
   (:func:`plain_policy`; heading offsets move with the text, so clauses still point at it);
3. what still holds a ``javascript:``/``vbscript:``/``data:`` URL or script markup is refused;
4. a policy's ``source_url`` must be an ``http`` or ``https`` URL (:func:`check_source_url`).

Example
-------
>>> plain_text("We use &lt;b&gt;cookies&lt;/b&gt; &amp;amp; pixels.")[0]
'We use cookies & pixels.'
"""

from __future__ import annotations

import html
import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit

from nlp.errors import InputError
from nlp.types import Policy

__all__ = ["check_source_url", "plain_policy", "plain_text", "strip_active_content"]

# Elements whose content is code or embedded objects, never policy text.
_ACTIVE = r"<(script|style|iframe|object|embed|noscript|template)\b[^>]*>.*?</\1\s*>"
_ACTIVE_OPEN = r"<(?:script|iframe|object|embed)\b[^>]*>"
_ACTIVE_RE = re.compile(f"{_ACTIVE}|{_ACTIVE_OPEN}", re.I | re.S)
_ACTIVE_RE_B = re.compile(f"{_ACTIVE}|{_ACTIVE_OPEN}".encode(), re.I | re.S)
# A tag is "<" and a tag name then a space, "/" or ">": "<3", "a < b" and "<me@x.org>" are text.
_MARKUP_RE = re.compile(
    rf"{_ACTIVE}|<!--.*?(?:-->|$)|<!\w[^<>]*>|<\?[^<>]*>|</?[a-z][a-z0-9-]*(?:[\s/][^<>]*)?>",
    re.I | re.S,
)
_ENTITY_RE = re.compile(r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z][A-Za-z0-9]{1,31};)")
# What must never be stored, whatever the input format claimed to be.
_LEFTOVER_RE = re.compile(
    r"<\s*/?\s*script\b|(?:java|vb)script\s*:|\bdata\s*:\s*text/html|<[^>]*\bon[a-z]+\s*=",
    re.I,
)
_ROUNDS = 5  # entity layers decoded at most; real policies have one at most


def strip_active_content(data: str | bytes) -> str | bytes:
    """Remove ``<script>``, ``<style>``, ``<iframe>``... elements (tags and content) from markup.

    >>> strip_active_content("<p>Hi</p><script>alert(1)</script>")
    '<p>Hi</p>'
    """
    if isinstance(data, bytes):
        return _ACTIVE_RE_B.sub(b"", data)
    return _ACTIVE_RE.sub("", data)


def _one_round(text: str) -> tuple[str, list[tuple[int, int, int]]]:
    """Decode entities and drop markup once; the edits as (start, end, new length)."""
    out: list[str] = []
    edits: list[tuple[int, int, int]] = []
    pos = 0
    for m in _ENTITY_RE.finditer(text):
        new = html.unescape(m.group(0))
        if new != m.group(0):
            out.append(text[pos : m.start()])
            out.append(new)
            edits.append((m.start(), m.end(), len(new)))
            pos = m.end()
    out.append(text[pos:])
    decoded = "".join(out)
    if edits:
        return decoded, edits
    out, pos = [], 0
    for m in _MARKUP_RE.finditer(text):
        before = text[m.start() - 1 : m.start()]
        after = text[m.end() : m.end() + 1]
        # A tag between two words stood for a break: keep them two words.
        new = " " if before.isalnum() and after.isalnum() else ""
        out.append(text[pos : m.start()])
        out.append(new)
        edits.append((m.start(), m.end(), len(new)))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), edits


def _mapper(edits: list[tuple[int, int, int]]) -> Callable[[int], int]:
    """Map an offset of the text before ``edits`` to the text after them."""
    starts = [a for a, _, _ in edits]
    shift = []
    total = 0
    for a, b, n in edits:
        total += n - (b - a)
        shift.append(total)

    def move(offset: int) -> int:
        i = bisect_right(starts, offset) - 1
        if i < 0:
            return offset
        a, b, n = edits[i]
        if offset < b:  # inside an edited span: its start (plus what it became, at its end)
            return a + (shift[i - 1] if i else 0) + (n if offset > a else 0)
        return offset + shift[i]

    return move


def plain_text(text: str) -> tuple[str, Callable[[int], int]]:
    """``text`` with entities decoded and markup removed, and the map of old to new offsets.

    >>> plain_text("Hi <b onclick=x()>there</b>!")[0]
    'Hi there!'
    """
    moves: list[Callable[[int], int]] = []
    for _ in range(_ROUNDS * 2):
        text, edits = _one_round(text)
        if not edits:
            break
        moves.append(_mapper(edits))

    def move(offset: int) -> int:
        for m in moves:
            offset = m(offset)
        return offset

    return text, move


def plain_policy(policy: Policy) -> Policy:
    """``policy`` with every version's text and title, and its name, as plain text.

    Raises ``InputError`` when script markup or a script URL is left (:data:`_LEFTOVER_RE`).
    """
    versions = []
    for v in policy.versions:
        text, move = plain_text(v.text)
        title = plain_text(v.title)[0]
        headings = tuple(
            (move(a), move(b), level) for a, b, level in v.headings if move(b) > move(a)
        )
        if _LEFTOVER_RE.search(text) or _LEFTOVER_RE.search(title):
            raise InputError(
                "the policy still holds script or event-handler markup after cleaning; "
                "upload it as .html (scripts are removed) or remove the markup"
            )
        versions.append(replace(v, text=text, title=title, headings=headings))
    name = plain_text(policy.name)[0].strip() or policy.id
    return replace(policy, name=name, versions=tuple(versions))


def check_source_url(url: str | None) -> str | None:
    """``url`` when it is an ``http(s)`` URL (or empty: ``None``); else ``InputError``.

    >>> check_source_url("https://acme.example/privacy")
    'https://acme.example/privacy'
    """
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        raise InputError(
            f"source_url must be an http or https URL, got {url[:80]!r}; leave it out if the "
            "policy has no web address"
        )
    return url
