"""``GET /v1/tools``: function-calling tool definitions whose calls are valid requests."""

from __future__ import annotations

import pytest
from test_api import make_client, make_settings, upload

jsonschema = pytest.importorskip("jsonschema")


@pytest.fixture
def client(tmp_path):
    with make_client(make_settings(tmp_path)) as c:
        yield c


def test_tools_are_json_schema_function_definitions(client):
    r = client.get("/v1/tools")
    assert r.status_code == 200, r.text
    tools = {t["function"]["name"]: t for t in r.json()["tools"]}
    assert {"ask", "search"} <= tools.keys()
    for t in tools.values():
        assert t["type"] == "function"
        assert t["function"]["description"]
        params = t["function"]["parameters"]
        assert params["type"] == "object"
        jsonschema.Draft202012Validator.check_schema(params)
        assert "$ref" not in str(params)
    ask = tools["ask"]["function"]["parameters"]
    assert ask["required"] == ["question"]
    assert ask["properties"]["question"]["maxLength"] == 1000
    assert "sharing" in str(ask["properties"]["category"])
    assert tools["search"]["endpoint"] == {"method": "POST", "path": "/v1/search"}
    practices = tools["practices"]
    assert practices["endpoint"] == {"method": "GET", "path": "/v1/policies/{policy_id}/practices"}
    props = practices["function"]["parameters"]["properties"]
    assert practices["function"]["parameters"]["required"] == ["policy_id"]
    assert "ip_address" in str(props["data_type"]) and "collect" in str(props["practice"])
    assert "denied" in str(props["polarity"])


def test_a_tool_call_is_a_valid_request_of_its_route(client):
    upload(client)
    tools = {t["function"]["name"]: t for t in client.get("/v1/tools").json()["tools"]}
    calls = {"ask": {"question": "Do you sell my data?", "policy": "acme"},
             "search": {"query": "payment card", "top_k": 2}}
    for name, args in calls.items():
        tool = tools[name]
        jsonschema.validate(args, tool["function"]["parameters"])
        r = client.request(tool["endpoint"]["method"], tool["endpoint"]["path"], json=args)
        assert r.status_code == 200, r.text
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"question": "x", "category": "bogus"},
                            tools["ask"]["function"]["parameters"])


def test_the_practices_tool_call_is_a_valid_get(client):
    tool = next(t for t in client.get("/v1/tools").json()["tools"]
                if t["function"]["name"] == "practices")
    args = {"policy_id": "quillnote", "data_type": "location", "polarity": "denied"}
    jsonschema.validate(args, tool["function"]["parameters"])
    path = tool["endpoint"]["path"].format(policy_id=args.pop("policy_id"))
    r = client.request(tool["endpoint"]["method"], path, params=args)
    assert r.status_code == 200, r.text
    rows = r.json()["items"]
    assert [d["id"] for d in rows[0]["data_types"]][:1] == ["precise_location"]  # a subtype
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"policy_id": "x", "data_type": "bogus"},
                            tool["function"]["parameters"])
