"""Every error the API returns is JSON: ``{"error": {"code", "message", "fields"}}``.

``nlp`` errors map to 4xx codes by type; validation errors to 422 (400 for malformed JSON);
anything unexpected to a 500 whose body names no internals (the traceback goes to the log only).
The 500 comes from :class:`UnexpectedErrorMiddleware`, which ends the exception there: Starlette's
own handler for ``Exception`` re-raises after answering, and uvicorn then drops the keep-alive
connection, failing the client's next, unrelated request.
"""

from __future__ import annotations

import logging
import re
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.observability import current_request_id
from nlp.errors import (
    ConflictError,
    InputError,
    ModelError,
    NotFoundError,
    PayloadTooLargeError,
    PolicylensError,
    StoreError,
    UnsupportedFormatError,
)

log = logging.getLogger("api")

# Most specific first: PayloadTooLargeError is also an InputError.
_NLP_ERRORS: tuple[tuple[type[Exception], int, str], ...] = (
    (PayloadTooLargeError, 413, "payload_too_large"),
    (UnsupportedFormatError, 415, "unsupported_media_type"),
    (NotFoundError, 404, "not_found"),
    (ConflictError, 409, "conflict"),
    (InputError, 422, "invalid_input"),
    (ModelError, 503, "model_unavailable"),
    (StoreError, 503, "store_unavailable"),
)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "too_many_requests",
}


def error_code(type_name: str) -> str:
    """The code of an ``nlp`` error by its class name (how a failed job keeps its error)."""
    for cls, _, code in _NLP_ERRORS:
        if cls.__name__ == type_name:
            return code
    return {"Interrupted": "job_interrupted"}.get(type_name, "internal_error")


def error_body(code: str, message: str, fields: list[dict[str, Any]] | None = None) -> dict:
    """The JSON body of every error response."""
    return {"error": {"code": code, "message": message, "fields": fields}}


def error_response(
    status: int,
    code: str,
    message: str,
    fields: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(code, message, fields), status_code=status, headers=headers)


async def _nlp_error(request: Request, exc: Exception) -> JSONResponse:
    for cls, status, code in _NLP_ERRORS:
        if isinstance(exc, cls):
            return error_response(status, code, str(exc) or code.replace("_", " "))
    return error_response(422, "invalid_input", str(exc))


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    fields = [
        # The offending input is not echoed back: it may be large or hold what was just refused.
        {"loc": [str(p) for p in err.get("loc", ())], "msg": err.get("msg", ""),
         "type": err.get("type", "")}
        for err in exc.errors()
    ]
    if any(f["type"] == "json_invalid" for f in fields):
        return error_response(
            400, "malformed_json", "the request body is not valid JSON; check quotes and commas",
            fields,
        )
    where = "; ".join(f"{'.'.join(f['loc'])}: {f['msg']}" for f in fields[:5])
    return error_response(422, "validation_error", f"invalid request: {where}", fields)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    try:
        default = HTTPStatus(exc.status_code).phrase.lower()
    except ValueError:
        default = "error"
    message = exc.detail if isinstance(exc.detail, str) else default
    headers = getattr(exc, "headers", None)
    if exc.status_code == 405:
        # Starlette names the methods of the first route of the path only; list them all.
        headers = {**(headers or {}), "Allow": ", ".join(_methods_of(request))}
    return error_response(exc.status_code, code, message, headers=headers)


def _methods_of(request: Request) -> list[str]:
    """Every method the API documents at the request's path (its OpenAPI path templates)."""
    methods: set[str] = set()
    path = request.url.path
    for template, ops in request.app.openapi().get("paths", {}).items():
        if re.fullmatch(re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)), path):
            methods.update(m.upper() for m in ops)
    return sorted(methods)




class UnexpectedErrorMiddleware:
    """Answer an exception no handler took with the JSON 500, and let it go no further."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception(
                "internal error on %s %s (request_id=%s)",
                scope.get("method"),
                scope.get("path"),
                current_request_id(),
            )
            if started:
                raise  # half a response is out: only closing the connection ends it cleanly
            response = error_response(
                500, "internal_error", "internal error; it was logged on the server, please "
                "report it"
            )
            await response(scope, receive, send)


def install_error_handlers(app: FastAPI) -> None:
    """Register the JSON error handlers on ``app`` (and the catch-all 500 middleware)."""
    app.add_exception_handler(PolicylensError, _nlp_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_middleware(UnexpectedErrorMiddleware)  # type: ignore[arg-type]
