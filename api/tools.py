"""Function-calling tool definitions for language-model backends, from the OpenAPI document.

Each tool is one API operation. For a ``POST`` its arguments are the JSON body: the parameters are
the operation's request schema as the served document states it (limits and enums from the
server's settings). For a ``GET`` they are the operation's path and query parameters, gathered into
one object schema (a path parameter is required). Either way a tool call is a valid request by
construction.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["TOOLS", "tool_definitions"]

#: (tool name, HTTP method, path, request schema or ``None`` for a GET's parameters,
#: description), in the order they are listed.
TOOLS: tuple[tuple[str, str, str, str | None, str], ...] = (
    (
        "ask",
        "POST",
        "/v1/ask",
        "AskRequest",
        "Answer a question about a stored privacy policy (or, with `policies`, about several) "
        "with a verdict (yes, no, not_stated, info), one extractive sentence and the cited "
        "clauses with their character offsets.",
    ),
    (
        "search",
        "POST",
        "/v1/search",
        "SearchRequest",
        "Find the clauses of stored privacy policies that best match a query, best first, with "
        "their section, offsets and category labels.",
    ),
    (
        "practices",
        "GET",
        "/v1/policies/{policy_id}/practices",
        None,
        "List what a stored privacy policy says it does with data, as statements: practice "
        "(collect, share, sell, retain, ...), polarity (affirmed, denied, conditional) with its "
        "condition, data types, recipients, purposes, places, retention. Filter by practice, "
        "data type or recipient (an ontology id; its subtypes match too) and polarity.",
    ),
)

_DROP = ("title", "examples")


def _clean(schema: Any) -> Any:
    """The schema without titles and examples (noise to a model), recursively."""
    if isinstance(schema, dict):
        return {k: _clean(v) for k, v in schema.items() if k not in _DROP}
    if isinstance(schema, list):
        return [_clean(v) for v in schema]
    return schema


def tool_definitions(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    """The tools in the OpenAI/JSON-Schema function-calling shape, with the route each calls."""
    schemas = openapi.get("components", {}).get("schemas", {})
    out = []
    for name, method, path, schema_name, description in TOOLS:
        if schema_name is None:
            operation = openapi["paths"][path][method.lower()]
            parameters = _clean(_parameters_schema(operation))
        else:
            parameters = _clean(copy.deepcopy(schemas[schema_name]))
        parameters.setdefault("type", "object")
        out.append(
            {
                "type": "function",
                "function": {
                    "name": name,
                    "description": description,
                    "parameters": parameters,
                },
                "endpoint": {"method": method, "path": path},
            }
        )
    return out


def _parameters_schema(operation: dict[str, Any]) -> dict[str, Any]:
    """One object schema of a GET operation's path and query parameters."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    for param in operation.get("parameters", ()):
        if param.get("in") not in ("path", "query"):
            continue
        schema = copy.deepcopy(param.get("schema", {}))
        if param.get("description"):
            schema["description"] = param["description"]
        properties[param["name"]] = schema
        if param.get("required"):
            required.append(param["name"])
    return {"type": "object", "properties": properties, "required": required}
