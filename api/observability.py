"""Request ids: every response carries ``X-Request-ID`` and every log line of a request names it.

:class:`RequestIdMiddleware` takes the client's ``X-Request-ID`` when it is a short token
(letters, digits, ``.``, ``_``, ``-``, ``:``; at most 128), else makes one (32 hex digits). It keeps
it in a context variable for the duration of the request, where :class:`RequestIdFilter` puts it
on log records (``record.request_id``), and logs one line per request on ``api.requests``.
"""

from __future__ import annotations

import contextvars
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

__all__ = ["REQUEST_ID_HEADER", "RequestIdFilter", "RequestIdMiddleware", "current_request_id"]

REQUEST_ID_HEADER = "X-Request-ID"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# A client's id is echoed into headers and logs: only a short, plain token is taken as it is.
_VALID_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
requests_log = logging.getLogger("api.requests")


def current_request_id() -> str:
    """The id of the request being served (``"-"`` outside one)."""
    return _request_id.get()


class RequestIdFilter(logging.Filter):
    """Set ``record.request_id`` on every record (``"-"`` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = _request_id.get()
        return True


class RequestIdMiddleware:
    """Give every HTTP request an id, answer it in ``X-Request-ID`` and log the request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = ""
        for name, value in scope.get("headers", ()):
            if name == b"x-request-id":
                given = value.decode("latin-1")
                break
        rid = given if _VALID_ID.fullmatch(given) else uuid.uuid4().hex
        token = _request_id.set(rid)
        status = 500
        started = time.perf_counter()

        async def with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [
                    (k, v) for k, v in message.get("headers", ()) if k.lower() != b"x-request-id"
                ]
                headers.append((b"x-request-id", rid.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, with_id)
        finally:
            requests_log.info(
                "request_id=%s %s %s %d %.1f ms",
                rid,
                scope.get("method"),
                scope.get("path"),
                status,
                (time.perf_counter() - started) * 1000,
                extra={"request_id": rid},
            )
            _request_id.reset(token)
