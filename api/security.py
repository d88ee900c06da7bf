"""What the server adds around every route: host checks, response headers, failed-key back-off.

* :class:`TrustedHostMiddleware` answers a JSON 400 to a ``Host`` header not in
  ``Settings.api.allowed_hosts`` (with reads open by default, this is what stops a DNS-rebinding
  page from reading the API through a victim's browser);
* :class:`SecurityHeadersMiddleware` sends ``X-Content-Type-Options: nosniff`` and
  ``Cache-Control: no-store`` with every response;
* :class:`AuthFailures` counts wrong or missing API keys per client and answers 429 with
  ``Retry-After`` once ``Settings.api.auth_failures`` were made within ``auth_window_seconds``;
* :class:`QuerylessAccessLog` keeps query strings (where a key may have been sent) out of
  uvicorn's access log.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "AuthFailures",
    "QuerylessAccessLog",
    "SecurityHeadersMiddleware",
    "TrustedHostMiddleware",
]


_SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
)


async def send_json(send: Send, status: int, body: dict[str, Any], headers: Sequence = ()) -> None:
    """Send a whole JSON response through a raw ASGI ``send``."""
    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                *_SECURITY_HEADERS,
                *headers,
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def _host_of(value: str) -> str:
    """The host name of a ``Host`` header, without its port (``[::1]:8000`` -> ``::1``)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


class TrustedHostMiddleware:
    """Refuse requests whose ``Host`` is not one of ``allowed`` (``"*"`` allows any,
    ``"*.example.org"`` any sub-domain), with the API's JSON error body."""

    def __init__(self, app: ASGIApp, *, allowed: Sequence[str]) -> None:
        self.app = app
        self.any = "*" in allowed
        self.exact = {h.lower() for h in allowed if not h.startswith("*.")}
        self.suffixes = tuple(h[1:].lower() for h in allowed if h.startswith("*."))

    def allows(self, host: str) -> bool:
        return self.any or host in self.exact or (bool(host) and host.endswith(self.suffixes))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket") or self.any:
            await self.app(scope, receive, send)
            return
        host = ""
        for key, value in scope.get("headers", ()):
            if key == b"host":
                host = _host_of(value.decode("latin-1"))
                break
        if self.allows(host):
            await self.app(scope, receive, send)
            return
        from api.errors import error_body

        await send_json(
            send,
            400,
            error_body(
                "invalid_host",
                f"this server does not answer for host {host or '(none)'!r}; add it to "
                "POLICYLENS_API__ALLOWED_HOSTS",
            ),
        )


class SecurityHeadersMiddleware:
    """Add ``nosniff`` and ``no-store`` to every HTTP response (unless a route set its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {k.lower() for k, _ in headers}
                headers.extend(h for h in _SECURITY_HEADERS if h[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


class AuthFailures:
    """Failed API-key checks per client within a sliding window.

    ``limit`` failures within ``window`` seconds block that client's key checks until the oldest
    failure leaves the window; ``retry_after`` says how long that is (0: not blocked).
    """

    def __init__(self, limit: int, window: float, *, clock: Callable[[], float] = time.monotonic):
        self.limit = limit
        self.window = window
        self.clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, client: str, now: float) -> deque[float]:
        q = self._failures.get(client)
        if q is None:
            q = self._failures[client] = deque()
        while q and q[0] <= now - self.window:
            q.popleft()
        return q

    def retry_after(self, client: str) -> int:
        """Seconds until ``client`` may try a key again (0 when it may now)."""
        if self.limit <= 0:
            return 0
        with self._lock:
            now = self.clock()
            q = self._recent(client, now)
            if len(q) < self.limit:
                if not q:
                    self._failures.pop(client, None)
                return 0
            return max(1, math.ceil(q[0] + self.window - now))

    def fail(self, client: str) -> None:
        """Record one failed check by ``client``."""
        with self._lock:
            now = self.clock()
            q = self._recent(client, now)
            q.append(now)
            while len(q) > self.limit:
                q.popleft()
            if len(self._failures) > 10_000:
                # Very many clients at once: memory stays bounded, the oldest entries go first.
                for key in list(self._failures)[:5_000]:
                    if key != client:
                        del self._failures[key]


class QuerylessAccessLog(logging.Filter):
    """Drop the query string from uvicorn's access-log lines (it may carry a key or text)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            path = args[2].split("?", 1)[0]
            record.args = (*args[:2], path, *args[3:])
        return True
