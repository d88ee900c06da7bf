"""PDF to text: the text layer of every page, running headers and footers dropped."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import logging
import re
from collections.abc import Iterator

from nlp.config import IngestSettings
from nlp.errors import InputError

__all__ = ["pdf_text"]


def pdf_text(data: bytes, label: str, settings: IngestSettings | None = None) -> str:
    """The text of a PDF, pages joined by a blank line; ``InputError`` when it has none.

    Every stream may inflate to ``settings.pdf_max_stream_bytes`` and the text of all pages to
    ``settings.max_bytes``; beyond that the file is refused, as is any file pypdf cannot read.
    """
    settings = settings or IngestSettings()
    try:
        from pypdf import PdfReader
        from pypdf.errors import (
            DependencyError,
            FileNotDecryptedError,
            LimitReachedError,
            PyPdfError,
        )
    except ImportError as exc:  # pragma: no cover - pypdf is a dependency
        raise InputError("reading PDF needs pypdf: pip install pypdf") from exc
    if not data.startswith(b"%PDF"):
        raise InputError(f"cannot read {label!r} as PDF: it does not start like a PDF file")
    limit = settings.pdf_max_stream_bytes
    pages: list[str] = []
    notes: list[str] = []  # what pypdf logged while reading: part of the message if it fails
    try:
        with _stream_limits(limit), _pypdf_log_into(notes):
            reader = PdfReader(io.BytesIO(data))
            chars = 0
            for page in reader.pages:
                pages.append(page.extract_text() or "")
                chars += len(pages[-1])
                if chars > settings.max_bytes:
                    raise InputError(
                        f"{label!r} holds more than {settings.max_bytes / 1e6:.1f} million "
                        "characters of text, more than the limit; split the file or raise "
                        "POLICYLENS_INGEST__MAX_BYTES"
                    )
    except LimitReachedError as exc:
        raise InputError(
            f"cannot read {label!r}: a stream of the PDF inflates to more than "
            f"{limit / 1e6:.1f} MB (a decompression bomb?); raise "
            "POLICYLENS_INGEST__PDF_MAX_STREAM_BYTES if the file is genuine"
        ) from exc
    except InputError:
        raise
    except (FileNotDecryptedError, DependencyError) as exc:
        # pypdf has tried the empty password already: it takes a real one (or AES support).
        how = "needs a password" if isinstance(exc, FileNotDecryptedError) else str(exc)
        raise InputError(
            f"cannot read {label!r}: the PDF is encrypted and {how}; save or print an "
            "unencrypted copy and read that"
        ) from exc
    except Exception as exc:  # pypdf raises many kinds (KeyError, RecursionError...) on bad input
        what = str(exc) if isinstance(exc, PyPdfError) else f"{type(exc).__name__}: {exc}"
        why = "; ".join(dict.fromkeys([what, *notes[:2]]))
        raise InputError(f"cannot read {label!r}: broken PDF ({why}); re-export it") from exc
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


# pypdf's limits on inflated stream sizes, all set to one budget (names as in pypdf >= 6).
_STREAM_LIMITS = (
    "zlib_maximum_output_length",
    "lzw_maximum_output_length",
    "run_length_maximum_output_length",
    "brotli_maximum_output_length",
    "jbig2_maximum_output_length",
    "array_based_stream_maximum_output_length",
    "image_maximum_buffer_size",
    "stream_decoding_work_maximum_length",
)


@contextlib.contextmanager
def _stream_limits(limit: int) -> Iterator[None]:
    """Run pypdf with every inflated-stream limit at ``limit`` bytes (pypdf's defaults: 75 MB)."""
    import pypdf

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # an older pypdf: its own fixed limits apply
        yield
        return
    known = {f.name for f in dataclasses.fields(pypdf.get_configuration())}
    with apply(**{name: limit for name in _STREAM_LIMITS if name in known}):
        yield


class _Collect(logging.Handler):
    def __init__(self, into: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.into = into

    def emit(self, record: logging.LogRecord) -> None:
        self.into.append(record.getMessage())


@contextlib.contextmanager
def _pypdf_log_into(notes: list[str]) -> Iterator[None]:
    """Collect pypdf's warnings ("EOF marker not found") instead of printing them to stderr."""
    log = logging.getLogger("pypdf")
    handler, propagate = _Collect(notes), log.propagate
    log.addHandler(handler)
    log.propagate = False
    try:
        yield
    finally:
        log.removeHandler(handler)
        log.propagate = propagate
