"""The OpenAPI document, made to say what this server enforces.

FastAPI derives the document from the routes; what comes from ``Settings.api`` (page size,
``top_k``, question and body limits, whether reads need the key) and what the middlewares answer
(malformed JSON 400, 413, 429, 503 while starting, every error in the JSON error shape) is added
here, once per app, so the schema and the behaviour cannot disagree.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from nlp.config import Settings

__all__ = ["document_settings"]

_ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
_WHY = {
    "400": "Malformed JSON, or a Host header this server does not answer for.",
    "401": "Missing or wrong X-API-Key.",
    "403": "The server has no API key: no writes.",
    "413": "Request body over the limit of this route.",
    "422": "Invalid parameters or body, or unreadable content.",
    "429": "Too many wrong or missing API keys from this address; see Retry-After.",
    "503": "The service is still starting, or a model or the store is unavailable.",
}
_READS = {("get", "/v1/policies"), ("get", "/v1/policies/{policy_id}"),
          ("get", "/v1/policies/{policy_id}/clauses"), ("post", "/v1/ask"),
          ("post", "/v1/classify"), ("post", "/v1/search"), ("post", "/v1/ask/batch"),
          ("get", "/v1/policies/{policy_id}/text"), ("get", "/v1/policies/{policy_id}/versions"),
          ("get", "/v1/policies/{policy_id}/compare"), ("get", "/v1/tools"),
          ("get", "/v1/policies/{policy_id}/practices"), ("get", "/v1/jobs/{job_id}")}  # fmt: skip


def _error(code: str, description: str | None = None) -> dict[str, Any]:
    return {
        "description": description or _WHY[code],
        "content": {"application/json": {"schema": _ERROR}},
    }


def _integer_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The integer part of ``int | None`` (``anyOf``), or the schema itself."""
    for branch in schema.get("anyOf", ()):
        if branch.get("type") == "integer":
            return branch  # type: ignore[no-any-return]
    return schema


def _string_branch(schema: dict[str, Any]) -> dict[str, Any]:
    """The string part of ``str | None`` (``anyOf``), or the schema itself."""
    for branch in schema.get("anyOf", ()):
        if branch.get("type") == "string":
            return branch  # type: ignore[no-any-return]
    return schema


def _enumerate_categories(doc: dict[str, Any], categories: list[str]) -> None:
    """Every ``category`` field and parameter, and every ``labels`` item, is one of the labels."""
    for model in doc.get("components", {}).get("schemas", {}).values():
        props = model.get("properties", {})
        if "category" in props and model.get("title", "").endswith("Request"):
            _string_branch(props["category"])["enum"] = categories
        labels = props.get("labels")
        if labels is not None and labels.get("type") == "array":
            labels["items"]["enum"] = categories
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            for param in op.get("parameters", ()):
                if param.get("name") == "category":
                    _string_branch(param["schema"])["enum"] = categories


def _enumerate_practices(doc: dict[str, Any]) -> None:
    """The practices filters and the statement's ``practice`` are enums of what exists: the cue
    table's practices and the ontology's data types and recipients."""
    from nlp.practices import load_ontology
    from nlp.service.practices import practice_ids

    onto = load_ontology()
    values = {
        "practice": list(practice_ids()),
        "data_type": sorted(onto.nodes["data_types"]),
        "recipient": sorted(onto.nodes["recipients"]),
    }
    for ops in doc.get("paths", {}).values():
        for op in ops.values():
            if op.get("operationId") != "listPractices":
                continue
            for param in op.get("parameters", ()):
                if param.get("name") in values:
                    _string_branch(param["schema"])["enum"] = values[param["name"]]
    statement = doc.get("components", {}).get("schemas", {}).get("StatementOut", {})
    if "practice" in statement.get("properties", {}):
        statement["properties"]["practice"]["enum"] = values["practice"]


def _patch(doc: dict[str, Any], settings: Settings) -> None:
    from nlp.classify import scheme_labels

    api = settings.api
    schemas = doc.get("components", {}).get("schemas", {})
    _enumerate_categories(doc, list(scheme_labels(settings.classify.scheme)))
    _enumerate_practices(doc)
    for model in ("AskRequest", "AskBatchRequest", "SearchRequest"):
        props = schemas.get(model, {}).get("properties", {})
        if not props:
            continue
        _integer_branch(props["top_k"])["maximum"] = api.max_top_k
        if "question" in props:
            props["question"]["maxLength"] = api.max_question_chars
        if "query" in props:
            props["query"]["maxLength"] = api.max_question_chars
        if "questions" in props:
            props["questions"]["maxItems"] = api.max_batch_questions
            props["questions"]["items"]["maxLength"] = api.max_question_chars
        if "policies" in props:
            for branch in props["policies"].get("anyOf", ()):
                if branch.get("type") == "array":
                    branch["maxItems"] = api.max_ask_policies
    for model, limit in (("PolicyCreate", api.max_upload_bytes),
                         ("VersionCreate", api.max_upload_bytes),
                         ("ClassifyRequest", api.max_classify_bytes)):  # fmt: skip
        text = schemas.get(model, {}).get("properties", {}).get("text")
        if text is not None:
            text["maxLength"] = limit  # characters: never fewer bytes than that
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)  # every 422 has the JSON error shape instead
    for path, ops in doc.get("paths", {}).items():
        for method, op in ops.items():
            for param in op.get("parameters", ()):
                if param.get("name") == "limit":
                    param["schema"]["maximum"] = api.max_page_size
            responses = op.setdefault("responses", {})
            keyed = (method, path) not in _READS or api.keyed_reads
            if not keyed:
                op.pop("security", None)
            if not path.startswith("/v1/"):
                continue
            if "422" in responses or op.get("parameters") or "requestBody" in op:
                responses["422"] = _error("422", responses.get("422", {}).get("description"))
            if "requestBody" in op:
                responses.setdefault("400", _error("400"))
                responses.setdefault("413", _error("413"))
            else:
                responses.setdefault("400", _error("400"))
            if keyed:
                responses.setdefault("401", _error("401"))
                responses.setdefault("403", _error("403"))
                responses.setdefault("429", _error("429"))
            responses.setdefault("503", _error("503"))


def document_settings(app: FastAPI, settings: Settings) -> None:
    """Make ``app.openapi()`` describe the limits and keys of ``settings``."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            doc = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            _patch(doc, settings)
            app.openapi_schema = doc
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
