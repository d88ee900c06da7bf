"""Bytes to text: size limits, encodings, and refusing binary data.

Encodings: UTF-8 (with or without BOM) and UTF-16 with a BOM are read as such, and so is UTF-16
without one when every other byte is NUL (text in a Latin script); other bytes are
read as Windows-1252 text (the common encoding of older Western pages and exports) unless they
look binary (NUL bytes or many control characters), which is refused with an ``InputError``.
"""

from __future__ import annotations

from nlp.config import IngestSettings
from nlp.errors import InputError

__all__ = ["check_size", "decode_text", "looks_like_html"]


def check_size(size: int, label: str, settings: IngestSettings) -> None:
    """Refuse an empty input or one over ``settings.max_bytes``, with the setting to raise."""
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
        encoding = _utf16_without_bom(data)
        if encoding is None:
            raise InputError(
                f"cannot read {label!r} as text: it holds binary data (NUL bytes); give a .txt, "
                ".md, .html or .pdf file (UTF-16 text needs a byte-order mark, or save it as UTF-8)"
            )
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as exc:
            raise InputError(
                f"cannot read {label!r}: it looks like UTF-16 text without a byte-order mark, but "
                "it does not decode as such; save it as UTF-8"
            ) from exc
        return _refuse_controls(text, label)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Not UTF-8: older Western exports are nearly always Windows-1252 (a superset of
        # Latin-1 for printable text); the 5 bytes cp1252 leaves undefined fall back to Latin-1.
        text = (
            data.decode("cp1252", errors="strict") if _cp1252_ok(data) else data.decode("latin-1")
        )
    return _refuse_controls(text, label)


def _utf16_without_bom(data: bytes) -> str | None:
    """``"utf-16-le"``/``"utf-16-be"`` when every other byte is NUL (Latin-script UTF-16)."""
    head = data[:8192]
    pairs = len(head) // 2
    if pairs < 4:
        return None
    even = head[0 : 2 * pairs : 2].count(0) / pairs
    odd = head[1 : 2 * pairs : 2].count(0) / pairs
    if odd >= 0.4 and even <= 0.02:
        return "utf-16-le"
    if even >= 0.4 and odd <= 0.02:
        return "utf-16-be"
    return None


def _refuse_controls(text: str, label: str) -> str:
    """``text``, unless it holds so many control characters that it must be binary."""
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


def looks_like_html(text: str) -> bool:
    """True when text said to be plain text is an HTML page."""
    head = text[:2000].lstrip().lower()
    return head.startswith(("<!doctype html", "<html")) or ("<body" in head and "</" in head)
