"""``policylens mcp``: the tools over stdio, driven by the mcp SDK's own client."""

from __future__ import annotations

import json
import os
import sys

import anyio
import pytest

pytest.importorskip("mcp")
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

from conftest import DATA  # noqa: E402


def test_mcp_server_lists_and_calls_the_tools(tmp_path):
    env = {**os.environ, "POLICYLENS_CORPUS": str(DATA / "quillnote.md"),
           "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "nlp.cli", "mcp", "--db", str(tmp_path / "mcp.sqlite3")],
        env=env,
    )

    async def run() -> tuple:
        with anyio.fail_after(240):
            return await session()

    async def session() -> tuple:
        async with Client(params) as client:
            tools = await client.list_tools()
            answer = await client.call_tool("ask", {"question": "Do you sell my data?"})
            found = await client.call_tool("search", {"query": "location", "top_k": 2})
            said = await client.call_tool(
                "practices", {"policy_id": "quillnote", "data_type": "location"}
            )
            return tools, answer, found, said

    tools, answer, found, said = anyio.run(run)
    names = {t.name for t in tools.tools}
    assert {"ask", "search", "practices"} <= names
    assert not said.is_error
    rows = (said.structured_content or json.loads(said.content[0].text))["items"]
    assert rows and all(r["policy"] == "quillnote" for r in rows)
    assert all(any(d["id"] and "location" in d["id"] for d in r["data_types"]) for r in rows)
    ask = next(t for t in tools.tools if t.name == "ask")
    assert "question" in ask.input_schema["properties"]
    assert not answer.is_error
    body = answer.structured_content or json.loads(answer.content[0].text)
    assert body["policy"] == "quillnote"
    assert body["verdict"] in {"yes", "no", "not_stated", "info"}
    hits = (found.structured_content or json.loads(found.content[0].text))["hits"]
    assert 1 <= len(hits) <= 2
