"""Split the clean text of a policy version into clauses: the smallest citable units.

Reads the layout that ``nlp.ingest`` writes (see :mod:`nlp.ingest.layout`) and turns

* each sentence of a paragraph into a ``"sentence"`` clause,
* each list item (at any nesting depth) into a ``"bullet"`` clause — a very long item is split
  into its sentences, each still a ``"bullet"`` — whose ``context`` is the list's lead-in sentence
  ("... to the following categories of recipients:"), and for a nested item also its parent item,
* each table row into a ``"table_row"`` clause whose ``context`` is the table's header row.

Headings are not clauses: they make up ``Clause.section``, the path of headings above the clause
(``("I. VISITORS FROM THE EUROPEAN UNION", "International transfers of personal information")``).
Offsets always map back: ``version.text[c.start:c.end] == c.text``. Ids are content hashes
(``{policy_id}:{version}:{sha1(section|text|occurrence)[:12]}``), so the same input gives the same
ids run after run.

Sentences come from the rules of :mod:`nlp.segment.sentences` (or, with
``SegmentSettings.sentencizer = "spacy"``, spaCy's rule-based sentencizer), with repairs so that
"e.g.", "i.e.", "Inc.", "No.", "Reg.", URLs and e-mail addresses do not end a sentence.

Example
-------
>>> from nlp.ingest import parse_policy
>>> policy = parse_policy("Sharing\\n\\nWe share data with:\\n\\n- our processors;\\n- the police.",
...                       fmt="txt", name="Acme")
>>> [(c.kind, c.section, c.text) for c in segment_policy(policy)]  # doctest: +NORMALIZE_WHITESPACE
[('sentence', ('Sharing',), 'We share data with:'), ('bullet', ('Sharing',), 'our processors;'),
 ('bullet', ('Sharing',), 'the police.')]
"""

from __future__ import annotations

import functools
import hashlib
import re
import sys
from collections import Counter
from typing import TYPE_CHECKING

from nlp.config import SegmentSettings, Sentencizer
from nlp.detect import detect_language
from nlp.errors import InputError
from nlp.extras import require
from nlp.ingest import clean as _clean
from nlp.ingest.dates import starts_with_month
from nlp.ingest.layout import read_layout
from nlp.segment.sentences import is_lead_in, raw_sentence_spans, trimmed
from nlp.types import Clause, ClauseKind, Policy, PolicyVersion

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = ["segment_policy", "segment_version", "split_sentences"]

_CONTEXT_CHARS = 300

# Abbreviations after which a period never ends a sentence.
_HARD_ABBREV = re.compile(
    r"(?:\b(?:e\.g|i\.e|cf|vs|v|viz|approx|incl|esp|No|Nos|no|Reg|Art|Arts|Sec|Sect|para|Para|Fig|"
    r"Mr|Mrs|Ms|Dr|Prof|St|Ave|Blvd|Rd|Ste|Dept|Tel|tel|Ph|ext|Ext|Jan|Feb|Mar|Apr|Jun|Jul|Aug|"
    r"Sep|Sept|Oct|Nov|Dec|p|pp|op|cit|ibid|al|Cal|Civ|Stat|Ann|Gen|Bus|Prof|Regs?)\.)$"
)
# Abbreviations that may end a sentence: joined only when the next part does not start anew.
_SOFT_ABBREV = re.compile(
    r"\b(?:Inc|Ltd|Co|Corp|LLC|L\.L\.C|S\.A|B\.V|GmbH|etc|U\.S|U\.K|E\.U|Pte|P\.O|a\.m|p\.m)\.$"
)


@functools.lru_cache(maxsize=1)
def _spacy_sentencizer() -> Language:
    """A blank English spaCy pipeline with its rule-based sentencizer, built once."""
    # spaCy's thinc imports torch when it is installed (seconds), though a rule-based
    # sentencizer never uses it: hide it while spaCy loads, unless something loaded it already.
    hide_torch = "torch" not in sys.modules
    if hide_torch:
        sys.modules["torch"] = None  # type: ignore[assignment]
    try:
        import spacy
    finally:
        if hide_torch:
            del sys.modules["torch"]

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def split_sentences(text: str, sentencizer: Sentencizer = "rules") -> list[tuple[int, int]]:
    """Character spans of the sentences of ``text`` (whitespace trimmed).

    ``sentencizer``: ``rules`` (:mod:`nlp.segment.sentences`, the default) or ``spacy`` (spaCy's
    rule-based sentencizer, which needs spaCy installed); the same repairs follow either.

    Example:
        >>> t = "We use data (e.g. your country). It is Google, Inc. (\\"Google\\"). Fine."
        >>> [t[a:b] for a, b in split_sentences(t)]
        ['We use data (e.g. your country).', 'It is Google, Inc. ("Google").', 'Fine.']
    """
    return _split_docs([text], sentencizer)[0]


def _raw_spans(pieces: list[str], sentencizer: Sentencizer) -> list[list[tuple[int, int]]]:
    """Unrepaired sentence spans of every piece, by the chosen sentencizer."""
    if sentencizer == "rules":
        return [raw_sentence_spans(piece) for piece in pieces]
    if sentencizer != "spacy":
        raise InputError(f"unknown sentencizer {sentencizer!r}: use 'rules' or 'spacy'")
    require("spacy", "spacy", purpose="the spaCy sentencizer")
    docs = _spacy_sentencizer().pipe(pieces, batch_size=256)
    return [[(s.start_char, s.end_char) for s in doc.sents] for doc in docs]


def _split_docs(
    texts: list[str], sentencizer: Sentencizer = "rules"
) -> list[list[tuple[int, int]]]:
    pieces = [_pieces(text) for text in texts]
    raw = iter(_raw_spans([piece for ps in pieces for _, piece in ps], sentencizer))
    out = []
    for ps in pieces:
        spans: list[tuple[int, int]] = []
        for offset, piece in ps:
            found = _repair(piece, next(raw))
            if _CJK_STOP.search(piece):
                found = _split_unspaced(piece, found)
            spans.extend((offset + a, offset + b) for a, b in found)
        out.append(spans)
    return out


# A full stop of Chinese or Japanese text, with closing quotes, followed by more text: neither
# sentencizer splits where no whitespace follows (spaCy's English tokenizer keeps such a run as one
# token).
_CJK_STOP = re.compile(r"[。！？｡]+[」』”’）)]*(?=\S)")


def _split_unspaced(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Split sentence spans at the full stops of scripts written without spaces."""
    out = []
    for a, b in spans:
        for m in _CJK_STOP.finditer(text, a, b):
            if m.end() < b:
                out.append((a, m.end()))
                a = m.end()
        out.append((a, b))
    return out


# A text longer than this (a policy on one line) is split in pieces of at most this many
# characters, at a sentence end where there is one in the second half of the piece, else at a
# space: spaCy refuses a text over ``max_length`` and needs memory in proportion, and the repair
# step works a piece at a time.
_PIECE_CHARS = 20_000
_SENTENCE_END = re.compile(r"[.!?。！？](?=\s)")


def _pieces(text: str) -> list[tuple[int, str]]:
    """``text`` as ``(offset, piece)`` pairs, each piece at most ``_PIECE_CHARS`` long."""
    out: list[tuple[int, str]] = []
    pos = 0
    while len(text) - pos > _PIECE_CHARS:
        lo, hi = pos + _PIECE_CHARS // 2, pos + _PIECE_CHARS
        cut = 0
        ends = [m.end() for m in _SENTENCE_END.finditer(text, lo, hi)]
        for end in reversed(ends[-20:]):
            if not _should_join(text[pos:end].rstrip(), text[end : end + 80].lstrip() or " ", " "):
                cut = end
                break
        if not cut:
            space = text.rfind(" ", lo, hi)
            cut = space + 1 if space > 0 else hi
        out.append((pos, text[pos:cut]))
        pos = cut
    out.append((pos, text[pos:]))
    return out


def _repair(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join spans wrongly cut after abbreviations, inside URLs/e-mails, or before lower case."""
    merged: list[list[int]] = []
    for a, b in spans:
        piece = text[a:b].strip()
        if not piece:
            continue
        if merged:
            prev = text[merged[-1][0] : merged[-1][1]].rstrip()
            gap = text[merged[-1][1] : a] + text[a:b][: len(text[a:b]) - len(text[a:b].lstrip())]
            if _should_join(prev, piece, gap):
                merged[-1][1] = b
                continue
        merged.append([a, b])
    return trimmed(text, merged)


def _should_join(prev: str, nxt: str, gap: str) -> bool:
    if _HARD_ABBREV.search(prev) or prev.endswith((",", "(", "/", "-")):
        return True
    first = nxt[0]
    if first.islower() or first.isdigit() or first in ",;:)]}%":
        return True
    if _SOFT_ABBREV.search(prev) and first in "(\"'“‘":
        return True
    # A split inside a URL or an e-mail address ("example." + "com/page").
    tail = prev.split()[-1] if prev.split() else ""
    if re.search(r"(?:https?://|www\.|@)\S*\.$", tail) and not gap:
        return True
    if re.fullmatch(r"\(?(?:[ivxlc]{1,5}|[a-z]|\d{1,3})[.)]", prev):
        return True  # an enumerator ("ii.", "b)") opens the next sentence, it is not one
    if re.search(r"(?<![\d.])[0-3]?\d\.$", prev) and starts_with_month(nxt):
        return True  # a German or Dutch day ("Stand: 3." + "März 2024")
    return len(_clean.words(prev)) == 0  # a bare number or symbol is not a sentence


def _shorten(text: str, limit: int = _CONTEXT_CHARS) -> str:
    """Shorten a parent item for use as context: its start and its last sentence."""
    text = text.strip()
    if len(text) <= limit:
        return text
    spans = split_sentences(text)
    last = text[spans[-1][0] : spans[-1][1]] if spans else ""
    head = text[: limit // 2].rsplit(" ", 1)[0]
    if last and len(last) < limit // 2 and not text.startswith(last):
        return f"{head} … {last}"
    return f"{text[:limit].rsplit(' ', 1)[0]} …"


def _is_header_row(cells: list[str]) -> bool:
    return all(len(c.split()) <= 8 and not _clean.ends_sentence(c) for c in cells if c) and any(
        cells
    )


def segment_version(
    policy_id: str, version: PolicyVersion, settings: SegmentSettings | None = None
) -> list[Clause]:
    """Split one version's clean text into clauses, in text order.

    Example:
        >>> from nlp.types import PolicyVersion
        >>> v = PolicyVersion(label="v1", text="Cookies\\n\\nWe use cookies. You may refuse them.")
        >>> [(c.section, c.text) for c in segment_version("acme", v)]
        [(('Cookies',), 'We use cookies.'), (('Cookies',), 'You may refuse them.')]
    """
    settings = settings or SegmentSettings()
    text = version.text
    lines = read_layout(text, version.headings)
    max_bullet = settings.max_bullet_chars

    # Sentence-split every paragraph and every long bullet in one pass.
    to_split: list[tuple[int, int]] = []
    for ln in lines:
        if ln.kind == "para":
            to_split.append((ln.start, ln.end))
        elif ln.kind == "item" and ln.end - ln.body_start > max_bullet:
            to_split.append((ln.body_start, ln.end))
    split = dict(
        zip(
            to_split,
            _split_docs([text[a:b] for a, b in to_split], settings.sentencizer),
            strict=True,
        )
    )

    drafts: list[tuple[tuple[str, ...], int, int, ClauseKind, str]] = []
    section: list[tuple[int, str]] = []
    lead_in = ""  # last sentence of the paragraph right above a list, when it leads into it
    last_para_sentence = ""
    parents: dict[int, tuple[str, str]] = {}  # depth -> (context, text) of the last item there
    table_header = ""
    prev_kind = "blank"

    def add(a: int, b: int, kind: ClauseKind, context: str = "") -> None:
        seg = text[a:b]
        a += len(seg) - len(seg.lstrip())
        b -= len(seg) - len(seg.rstrip())
        if b - a >= settings.min_clause_chars:
            drafts.append((tuple(t for _, t in section), a, b, kind, context))

    for ln in lines:
        if ln.kind == "blank":
            continue
        if ln.kind == "heading":
            while section and section[-1][0] >= ln.level:
                section.pop()
            section.append((ln.level, text[ln.start : ln.end].strip()))
            lead_in, last_para_sentence, parents, table_header = "", "", {}, ""
        elif ln.kind == "para":
            spans = split[(ln.start, ln.end)]
            for a, b in spans:
                add(ln.start + a, ln.start + b, "sentence")
            if spans:
                a, b = spans[-1]
                last_para_sentence = text[ln.start + a : ln.start + b]
            lead_in = last_para_sentence if is_lead_in(last_para_sentence) else ""
            parents, table_header = {}, ""
        elif ln.kind == "item":
            body = text[ln.body_start : ln.end].strip()
            if ln.depth <= 1 or not any(d < ln.depth for d in parents):
                context = lead_in
            else:
                pdepth = max(d for d in parents if d < ln.depth)
                pctx, ptext = parents[pdepth]
                context = " ".join(x for x in (_shorten(pctx, 200), _shorten(ptext)) if x)
            parents = {d: v for d, v in parents.items() if d < ln.depth}
            parents[ln.depth] = (context, body)
            if (ln.body_start, ln.end) in split:
                for a, b in split[(ln.body_start, ln.end)]:
                    add(ln.body_start + a, ln.body_start + b, "bullet", context)
            else:
                add(ln.body_start, ln.end, "bullet", context)
        elif ln.kind == "row":
            cells = text[ln.start : ln.end].split("\t")
            if prev_kind != "row" and _is_header_row(cells):
                table_header = " | ".join(c.strip() for c in cells)
            else:
                add(ln.start, ln.end, "table_row", table_header)
        prev_kind = ln.kind

    clauses: list[Clause] = []
    seen: Counter[tuple[tuple[str, ...], str]] = Counter()
    mixed = len(version.languages) > 1
    for sec, a, b, kind, context in drafts:
        body = text[a:b]
        occurrence = seen[(sec, body)]
        seen[(sec, body)] += 1
        digest = hashlib.sha1(
            f"{' > '.join(sec)}|{body}|{occurrence}".encode(), usedforsecurity=False
        ).hexdigest()[:12]
        clauses.append(
            Clause(
                id=f"{policy_id}:{version.label}:{digest}",
                policy_id=policy_id,
                version=version.label,
                section=sec,
                start=a,
                end=b,
                text=body,
                kind=kind,
                context=context,
                language=_clause_language(body, version.language) if mixed else version.language,
            )
        )
    return clauses


# Below this, a language guess on one clause is noise ("Cookies.", "Android"): it keeps its
# version's language.
_MIN_LANGUAGE_CHARS = 40


def _clause_language(text: str, default: str) -> str:
    """A clause's own language in a mixed-language version, when it can be told."""
    if len(text) < _MIN_LANGUAGE_CHARS:
        return default
    guess = detect_language(text)
    return guess.code if guess.reliable and guess.code else default


def segment_policy(policy: Policy, settings: SegmentSettings | None = None) -> list[Clause]:
    """Clauses of every version of ``policy``, newest version first, each in text order.

    Example:
        >>> from nlp.ingest import load_policy
        >>> policy = load_policy("corpora/000_ce4448d9c54926ad.txt")
        >>> clauses = segment_policy(policy)
        >>> clauses[0].version
        '2020-02-27'
    """
    out: list[Clause] = []
    for version in policy.versions:
        out.extend(segment_version(policy.id, version, settings))
    return out
