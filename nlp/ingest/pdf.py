"""PDF to text: the text layer of every page, running headers and footers dropped."""

from __future__ import annotations

import io
import re

from nlp.errors import InputError

__all__ = ["pdf_text"]


def pdf_text(data: bytes, label: str) -> str:
    """The text of a PDF, pages joined by a blank line; ``InputError`` when it has none."""
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
