"""Service: the stored policies behind the HTTP API (``api/``): uploads, listing, asking, storage.
"""

from nlp.service.service import (
    BatchingEncoder,
    ConflictError,
    PayloadTooLargeError,
    PolicyService,
    UnsupportedFormatError,
    UploadResult,
    format_for,
)
from nlp.service.store import Page, PolicyRecord, PolicyStore, SQLiteStore

__all__ = [
    "BatchingEncoder",
    "ConflictError",
    "Page",
    "PayloadTooLargeError",
    "PolicyRecord",
    "PolicyService",
    "PolicyStore",
    "SQLiteStore",
    "UnsupportedFormatError",
    "UploadResult",
    "format_for",
]
