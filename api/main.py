"""The FastAPI application: ``create_app`` wires settings, store, models and routers.

Models are loaded once, in the lifespan, before the first request is served: the store is migrated,
stored policies are put back into the search index from their stored vectors, the bundled seed
policy is stored (once) and the query encoder is warmed up.

Example
-------
>>> from api.main import create_app
>>> app = create_app()  # models load when it starts serving, not here
>>> # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.errors import error_body, install_error_handlers
from api.routers import ask, classify, health, policies
from api.security import (
    AuthFailures,
    QuerylessAccessLog,
    SecurityHeadersMiddleware,
    TrustedHostMiddleware,
)
from nlp.config import Settings
from nlp.embed import BatchingEncoder, Encoder
from nlp.pipeline import PolicyLens
from nlp.service import PolicyService
from nlp.service.store import PolicyStore, SQLiteStore

__all__ = ["create_app", "uvicorn_options"]

log = logging.getLogger("api")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# JSON escaping and multipart framing make a body larger than the text it carries.
_BODY_OVERHEAD = 64 * 1024
_SMALL_BODY = 256 * 1024


class BodyLimitMiddleware:
    """Refuse request bodies over a size limit with a JSON 413, without reading them whole.

    Checks ``Content-Length`` first and counts streamed bytes too (chunked uploads have no
    length), so an oversized upload never sits in memory.
    """

    def __init__(self, app: ASGIApp, *, upload_limit: int, small_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.small_limit = small_limit

    def _limit(self, path: str) -> int:
        if path.startswith(("/v1/policies", "/v1/classify")):
            return self.upload_limit
        return self.small_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope.get("path", ""))
        for key, value in scope.get("headers", ()):
            if key == b"content-length" and value.isdigit() and int(value) > limit:
                await self._reject(send, limit)
                return
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    # Stop feeding the app: it sees the end of the body and fails to parse it.
                    return {"type": "http.request", "body": b"", "more_body": False}
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
            await self._reject(send, limit)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        import json

        body = json.dumps(
            error_body(
                "payload_too_large",
                f"the request body is over {limit:,} bytes; send a smaller policy or raise "
                "POLICYLENS_API__MAX_UPLOAD_BYTES",
            )
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that come from ``settings.api`` (``policylens serve`` passes them)."""
    api = settings.api
    return {
        "timeout_keep_alive": api.timeout_keep_alive,
        "limit_concurrency": api.limit_concurrency,
        "h11_max_incomplete_event_size": api.max_header_bytes,
        "server_header": False,
    }


def create_app(
    settings: Settings | None = None,
    *,
    lens: PolicyLens | None = None,
    store: PolicyStore | None = None,
    classifier: Any | None = None,
    seed: Any = True,
) -> FastAPI:
    """Build the API. Nothing heavy happens here; models load in the lifespan.

    Parameters
    ----------
    settings
        Default: ``lens.settings`` when a lens is given, else ``Settings()`` (environment
        variables ``POLICYLENS_*``, e.g. ``POLICYLENS_API_KEY``, ``POLICYLENS_DB``).
    lens
        A ready ``PolicyLens`` (tests pass one with a fake encoder); default a new one.
    store
        A ``PolicyStore``; default ``SQLiteStore(settings.api.db)``.
    classifier
        A clause classifier for uploads; default: the lens's own (``PolicyLens`` loads the
        shipped model named by ``settings.classify``, as the CLI does).
    seed
        The default policy file (``True``: ``settings.corpus``; ``None``: no default policy).
    """
    resolved = settings or (lens.settings if lens is not None else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if lens is None and resolved.api.torch_threads:
            import torch

            torch.set_num_threads(resolved.api.torch_threads)
        service = PolicyService(
            lens or PolicyLens(resolved, encoder=BatchingEncoder(Encoder(resolved.embed))),
            store or SQLiteStore(resolved.api.db),
            resolved,
            classifier=classifier,
            seed=seed,
        )
        await run_in_threadpool(service.start)
        app.state.service = service
        log.info("policylens API ready: %d policies", len(service.lens.policies))
        try:
            yield
        finally:
            app.state.service = None
            service.close()

    app = FastAPI(
        title="policylens",
        version="0.1.0",
        summary="Ask privacy policies questions and get answers with cited clauses.",
        description=(
            "Upload privacy policies (text, Markdown, HTML or PDF), then ask questions about them. "
            "Answers carry a verdict (yes / no / not_stated / info), one extractive sentence and "
            "the clauses they rest on, with character offsets. Writes need the `X-API-Key` header."
        ),
        lifespan=lifespan,
    )
    app.state.settings = resolved
    app.state.auth_failures = AuthFailures(
        resolved.api.auth_failures, resolved.api.auth_window_seconds
    )
    app.state.service = None
    install_error_handlers(app)
    app.add_middleware(
        BodyLimitMiddleware,  # type: ignore[arg-type]
        upload_limit=resolved.api.max_upload_bytes * 2 + _BODY_OVERHEAD,
        small_limit=max(_SMALL_BODY, resolved.api.max_question_chars * 8),
    )
    app.add_middleware(SecurityHeadersMiddleware)  # type: ignore[arg-type]
    if resolved.api.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=resolved.api.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type"],
        )
    app.add_middleware(
        TrustedHostMiddleware,  # type: ignore[arg-type]
        allowed=resolved.api.allowed_hosts,
    )
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuerylessAccessLog) for f in access.filters):
        access.addFilter(QuerylessAccessLog())
    for module in (health, ask, policies, classify):
        app.include_router(module.router)
    return app
