"""Service: the stored policies behind the HTTP API (``api/``): uploads, listing, asking, storage.
"""

from nlp.service.service import PolicyService, UploadResult, format_for
from nlp.service.store import Page, PolicyRecord, PolicyStore, SQLiteStore

__all__ = [
    "Page",
    "PolicyRecord",
    "PolicyService",
    "PolicyStore",
    "SQLiteStore",
    "UploadResult",
    "format_for",
]
