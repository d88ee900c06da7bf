"""``GET /v1/tools``: the API's questions as function-calling tools for language-model backends."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import ReadKey
from api.schemas import ToolList
from api.tools import tool_definitions

router = APIRouter(prefix="/v1", tags=["tools"], dependencies=[ReadKey])


@router.get(
    "/tools",
    response_model=ToolList,
    operation_id="listTools",
    summary="Tool definitions (JSON Schema) for function calling",
)
def list_tools(request: Request) -> dict[str, Any]:
    """`ask` and `search` as function-calling tools: name, description, JSON Schema parameters
    (the request body of the route in `endpoint`), ready to register with a language model."""
    return {"tools": tool_definitions(request.app.openapi())}
