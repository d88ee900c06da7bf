"""Request-body limits: a body over its route's limit gets a JSON 413 naming the limit that applied.

The body is never held whole: ``Content-Length`` is checked first and streamed bytes are counted
(chunked uploads have no length). The rest of a refused body is read and thrown away, up to a
bound, before the 413 is sent: clients that send their whole body before reading the answer
(Python's ``urllib``) would otherwise see the connection reset instead of the 413.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from nlp.config import Settings

__all__ = ["BodyLimit", "BodyLimitMiddleware", "body_limits"]


# JSON escaping and multipart framing make a body larger than the text it carries.
_BODY_OVERHEAD = 64 * 1024
_SMALL_BODY = 256 * 1024
# A refused body is read and thrown away up to twice its limit and this: past that the
# connection is closed.
_DRAIN_EXTRA = 8 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class BodyLimit:
    """The largest body a route takes (``transport``) and the limit users know it by."""

    transport: int
    documented: int
    what: str
    setting: str | None = None

    def message(self) -> str:
        hint = f"; send less or raise {self.setting}" if self.setting else "; send less"
        return (
            f"the request body is too large: {self.what} takes at most {self.documented:,} "
            f"bytes{hint}"
        )


def body_limits(settings: Settings) -> dict[str, BodyLimit]:
    """The body limit of each path prefix ("" for every other route), from ``settings.api``."""
    api = settings.api
    small = max(_SMALL_BODY, api.max_question_chars * 8)
    return {
        "/v1/policies": BodyLimit(
            api.max_upload_bytes * 2 + _BODY_OVERHEAD,
            api.max_upload_bytes,
            "a policy upload",
            "POLICYLENS_API__MAX_UPLOAD_BYTES",
        ),
        "/v1/classify": BodyLimit(
            api.max_classify_bytes * 2 + _BODY_OVERHEAD,
            api.max_classify_bytes,
            "a text to classify",
            "POLICYLENS_API__MAX_CLASSIFY_BYTES",
        ),
        "": BodyLimit(small, small, "this route"),
    }


class BodyLimitMiddleware:
    """Refuse request bodies over their route's :class:`BodyLimit` with a JSON 413."""

    def __init__(self, app: ASGIApp, *, limits: dict[str, BodyLimit]) -> None:
        self.app = app
        self.limits = limits

    def _limit(self, path: str) -> BodyLimit:
        for prefix, limit in self.limits.items():
            if prefix and path.startswith(prefix):
                return limit
        return self.limits[""]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        cap = limit.transport
        declared = None
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit():
                declared = int(value)
        received = 0
        ended = False
        if declared is not None and declared > cap:
            if declared <= 2 * cap + _DRAIN_EXTRA:
                await self._drain(receive, 0, 2 * cap + _DRAIN_EXTRA)
            await self._reject(send, limit)
            return
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded, ended
            if exceeded:
                return {"type": "http.request", "body": b"", "more_body": False}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                ended = not message.get("more_body", False)
                if received > cap:
                    exceeded = True
                    # Stop feeding the app: it sees the end of the body and fails to parse it.
                    return {"type": "http.request", "body": b"", "more_body": False}
            elif message["type"] == "http.disconnect":
                ended = True
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the 413 below replaces whatever the app answered to the cut body
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            if not ended:
                await self._drain(receive, received, 2 * cap + _DRAIN_EXTRA)
            await self._reject(send, limit)

    @staticmethod
    async def _drain(receive: Receive, received: int, bound: int) -> None:
        """Read and drop the rest of the body, until its end or ``bound`` bytes in all."""
        while received <= bound:
            message = await receive()
            if message["type"] != "http.request":
                return
            received += len(message.get("body", b""))
            if not message.get("more_body", False):
                return

    @staticmethod
    async def _reject(send: Send, limit: BodyLimit) -> None:
        from api.errors import error_body
        from api.security import send_json

        await send_json(
            send,
            413,
            error_body("payload_too_large", limit.message()),
            headers=[(b"connection", b"close")],
        )
