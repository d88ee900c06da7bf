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
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

from fastapi import FastAPI
from starlette.concurrency import run_in_threadpool

from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware, body_limits
from api.observability import (
    Metrics,
    MetricsMiddleware,
    RequestIdFilter,
    RequestIdMiddleware,
    Timed,
)
from api.openapi import document_settings
from api.routers import ask, classify, health, jobs, policies, search, tools
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
    metrics: Metrics | None = None,
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
    metrics
        Where ``/metrics`` counts (default a new registry). The store and, when the app builds
        the lens, the encoder are timed into it; a caller passing its own lens can time its
        encoder with ``Timed(encoder, metrics.model)``.
    """
    app_metrics = metrics or Metrics()
    resolved = settings or (lens.settings if lens is not None else Settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        embed = resolved.embed
        threads = resolved.api.torch_threads
        if lens is None and threads:
            if embed.backend == "torch":
                import torch

                torch.set_num_threads(threads)
            elif not embed.threads:
                embed = embed.model_copy(update={"threads": threads})
        if lens is None:
            encoder = Timed(BatchingEncoder(Encoder(embed)), app_metrics.model)
        timed_store = Timed(store or SQLiteStore(resolved.api.db), app_metrics.store)
        service = PolicyService(
            lens or PolicyLens(resolved, encoder=encoder),
            cast(PolicyStore, timed_store),
            resolved,
            classifier=classifier,
            seed=seed,
        )
        started = time.perf_counter()
        await run_in_threadpool(service.start)
        app_metrics.start.set(time.perf_counter() - started)
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
        limits=body_limits(resolved),
    )
    app.add_middleware(SecurityHeadersMiddleware)  # type: ignore[arg-type]
    if resolved.api.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=resolved.api.cors_origins,
            allow_methods=["GET", "POST", "PUT", "DELETE"],
            allow_headers=["X-API-Key", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
        )
    app.add_middleware(
        TrustedHostMiddleware,  # type: ignore[arg-type]
        allowed=resolved.api.allowed_hosts,
    )
    app.state.metrics = app_metrics
    app.add_middleware(
        MetricsMiddleware,  # type: ignore[arg-type]
        metrics=app.state.metrics,
    )
    # Outermost, so that even a refused Host or a 500 answers with its request id.
    app.add_middleware(RequestIdMiddleware)  # type: ignore[arg-type]
    for name in ("api", "api.requests"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, RequestIdFilter) for f in logger.filters):
            logger.addFilter(RequestIdFilter())
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, QuerylessAccessLog) for f in access.filters):
        access.addFilter(QuerylessAccessLog())
    for module in (health, ask, search, policies, jobs, classify, tools):
        app.include_router(module.router)
    document_settings(app, resolved)
    return app
