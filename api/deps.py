"""Dependencies of the routes, as ``Annotated`` aliases: the service, API keys, upload bodies."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.security import APIKeyHeader
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from api.schemas import PolicyCreate
from api.security import AuthFailures
from nlp.config import Settings
from nlp.service import PolicyService, format_for

_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    description="The server's POLICYLENS_API_KEY; needed for uploads and deletes (and for reads "
    "when POLICYLENS_API__KEYED_READS=true).",
)


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def get_service(request: Request) -> PolicyService:
    service: PolicyService | None = getattr(request.app.state, "service", None)
    if service is None:
        raise HTTPException(503, "the service is still starting; retry in a few seconds")
    return service


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[PolicyService, Depends(get_service)]


def _check_key(request: Request, settings: Settings, given: str | None) -> None:
    expected = settings.api.api_key
    if not expected:
        raise HTTPException(
            403, "writes are disabled on this server: start it with POLICYLENS_API_KEY set"
        )
    failures: AuthFailures = request.app.state.auth_failures
    client = request.client.host if request.client else "unknown"
    wait = failures.retry_after(client)
    if wait:
        raise HTTPException(
            429,
            f"too many wrong or missing API keys from this address; retry in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    # Constant-time comparison, so response timing tells nothing about the key's prefix.
    if given is None or not hmac.compare_digest(
        given.encode("utf-8", "surrogateescape"), expected.encode("utf-8")
    ):
        failures.fail(client)
        raise HTTPException(
            401, "missing or wrong X-API-Key header", headers={"WWW-Authenticate": "ApiKey"}
        )


def require_write_key(
    request: Request,
    settings: SettingsDep,
    key: Annotated[str | None, Security(_api_key_header)],
) -> None:
    """Uploads and deletes need the server's API key."""
    _check_key(request, settings, key)


def require_read_key(
    request: Request,
    settings: SettingsDep,
    key: Annotated[str | None, Security(_api_key_header)],
) -> None:
    """Reads need the key only when ``settings.api.keyed_reads`` is set."""
    if settings.api.keyed_reads:
        _check_key(request, settings, key)


WriteKey = Depends(require_write_key)
ReadKey = Depends(require_read_key)


@dataclass(frozen=True)
class UploadInput:
    """An upload as the service takes it, whichever way it was sent."""

    data: str | bytes
    fmt: str
    name: str
    source_url: str | None


def _invalid(loc: str, msg: str, type_: str = "value_error") -> RequestValidationError:
    return RequestValidationError([{"loc": ("body", loc), "msg": msg, "type": type_}])


async def upload_input(request: Request, settings: SettingsDep) -> UploadInput:
    """Read ``POST /v1/policies``: a JSON ``PolicyCreate`` or a multipart form with ``file``."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        body = await request.body()
        try:
            model = PolicyCreate.model_validate_json(body)
        except ValidationError as exc:
            errors = [
                {**err, "loc": ("body", *err.get("loc", ()))}
                for err in exc.errors(include_input=False, include_url=False)
            ]
            raise RequestValidationError(errors) from None
        return UploadInput(model.text, model.format, model.name, model.source_url)
    if media == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=10)
        except HTTPException:
            raise
        except Exception as exc:  # noqa: BLE001 - any parser failure is a malformed upload
            raise HTTPException(400, f"cannot read the multipart form: {exc}") from None
        file = form.get("file")
        if not isinstance(file, UploadFile):
            raise _invalid("file", "a multipart upload needs the policy in a `file` field",
                           "missing")
        fields: dict[str, str] = {}
        for key in ("name", "source_url", "format"):
            value = form.get(key)
            if value is not None and not isinstance(value, str):
                raise _invalid(key, f"`{key}` must be a text field")
            if value:
                fields[key] = value.strip()
        fmt = fields.get("format") or format_for(file.filename, file.content_type)
        name = fields.get("name") or Path(file.filename or "").stem or "policy"
        # One byte over the limit is enough for the service to refuse it with a 413.
        data = await file.read(settings.api.max_upload_bytes + 1)
        await file.close()
        return UploadInput(data, fmt, name[:200], fields.get("source_url"))
    raise HTTPException(
        415, "send the policy as application/json or as multipart/form-data with a `file` field"
    )


UploadDep = Annotated[UploadInput, Depends(upload_input)]
