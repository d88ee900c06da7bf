"""Function-calling tool definitions for language-model backends, from the OpenAPI document.

Each tool is one API operation whose JSON body is the tool's arguments. The parameters are the
operation's request schema as the served document states it (limits and category enum from the
server's settings), so a tool call is a valid request body by construction.
"""

from __future__ import annotations

import copy
from typing import Any

__all__ = ["TOOLS", "tool_definitions"]

#: (tool name, HTTP method, path, request schema, description), in the order they are listed.
TOOLS: tuple[tuple[str, str, str, str, str], ...] = (
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
