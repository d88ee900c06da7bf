"""Request ids and metrics: every response carries ``X-Request-ID``, every request is counted.

:class:`RequestIdMiddleware` takes the client's ``X-Request-ID`` when it is a short token
(letters, digits, ``.``, ``_``, ``-``, ``:``; at most 128), else makes one (32 hex digits). It keeps
it in a context variable for the duration of the request, where :class:`RequestIdFilter` puts it
on log records (``record.request_id``), and logs one line per request on ``api.requests``.

:class:`Metrics` holds the Prometheus counters and histograms of one app (its own registry, so
several apps in one process never clash); :class:`MetricsMiddleware` counts every request by
method, route template (never the raw path: ids would make the label set unbounded) and status,
and times it. :class:`Timed` times every method call of an object it wraps: the app wraps its
encoder (``policylens_model_seconds``, by operation: ``encode`` for clauses, ``encode_query`` for
questions) and its store (``policylens_store_seconds``, by method). ``policylens_start_seconds`` is
how long the service took to start (migrate and restore the store, store the seed, load and warm
up the models). ``GET /metrics`` serves them in the Prometheus text format.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
import time
import uuid
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = [
    "REQUEST_ID_HEADER",
    "Metrics",
    "MetricsMiddleware",
    "RequestIdFilter",
    "RequestIdMiddleware",
    "Timed",
    "current_request_id",
]

REQUEST_ID_HEADER = "X-Request-ID"


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


class Metrics:
    """The Prometheus metrics of one app, in their own registry."""

    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "policylens_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "policylens_http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ("method", "route"),
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.model = Histogram(
            "policylens_model_seconds",
            "Time of a call to the sentence encoder, by operation (encode: clauses, "
            "encode_query: a question).",
            ("operation",),
            registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.store = Histogram(
            "policylens_store_seconds",
            "Time of a call to the policy store, by method.",
            ("operation",),
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10),
        )
        self.start = Gauge(
            "policylens_start_seconds",
            "Time the service took to start: store migrated and restored, seed stored, models "
            "loaded and warmed up.",
            registry=self.registry,
        )

    def render(self) -> bytes:
        """The metrics in the Prometheus text exposition format."""
        return generate_latest(self.registry)


def _route_of(scope: Scope) -> str:
    """The template of the route that answered (routing leaves it in the scope), or
    ``"unmatched"`` (an unknown path, or refused before routing)."""
    route = scope.get("route")
    return str(getattr(route, "path", None) or "unmatched")


class MetricsMiddleware:
    """Count and time every HTTP request in ``metrics``."""

    def __init__(self, app: ASGIApp, *, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        status = 500
        started = time.perf_counter()

        async def counting(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, counting)
        finally:
            route = _route_of(scope)
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(time.perf_counter() - started)


class Timed:
    """``target`` with every public method call timed in ``histogram`` (label: the method name).

    Attributes that are not methods (``model_id``, ``dim``, ``path``) pass through untouched, and
    a method the target lacks is lacking here too, so ``getattr(x, "encode_query", None)`` tells
    the same as on the target.
    """

    def __init__(self, target: Any, histogram: Histogram) -> None:
        self._target = target
        self._histogram = histogram

    def __getattr__(self, name: str) -> Any:
        value = getattr(self._target, name)
        if name.startswith("_") or not callable(value):
            return value
        observe = self._histogram.labels(name).observe

        @functools.wraps(value)
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return value(*args, **kwargs)
            finally:
                observe(time.perf_counter() - started)

        return timed
