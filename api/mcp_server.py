"""``policylens mcp``: the ``ask``, ``search`` and ``practices`` tools over the Model Context
Protocol (stdio).

The tools are those of ``GET /v1/tools``, answered by the same :class:`~nlp.service.PolicyService`
over the same store (``Settings.api.db``), with the maintained ``mcp`` SDK's ``MCPServer``.
Nothing is written to stdout but protocol messages; logs go to stderr.
"""

from __future__ import annotations

from typing import Any

from nlp.config import Settings
from nlp.serialize import clause_record

__all__ = ["build_server", "serve_stdio"]


def build_server(service: Any) -> Any:
    """An ``MCPServer`` whose tools call ``service`` (a started ``PolicyService``)."""
    from mcp.server import MCPServer

    from api.tools import TOOLS

    describe = {name: description for name, _, _, _, description in TOOLS}
    server = MCPServer("policylens")

    @server.tool(name="ask", description=describe["ask"])
    def ask(
        question: str,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        answer = service.ask(
            question, policy=policy, version=version, top_k=top_k, category=category
        )
        return answer.to_dict(labels=True)  # type: ignore[no-any-return]

    @server.tool(name="search", description=describe["search"])
    def search(
        query: str,
        policy: str | None = None,
        version: str | None = None,
        top_k: int | None = None,
        category: str | None = None,
    ) -> dict[str, Any]:
        hits = service.search(
            query, policy=policy, version=version, top_k=top_k, category=category
        )
        return {
            "query": query,
            "hits": [
                {"clause": clause_record(h.clause), "score": round(h.score, 4)} for h in hits
            ],
        }

    @server.tool(name="practices", description=describe["practices"])
    def practices(
        policy_id: str,
        practice: str | None = None,
        data_type: str | None = None,
        recipient: str | None = None,
        polarity: str | None = None,
        version: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> dict[str, Any]:
        from nlp.service.practices import StatementFilter

        wanted = StatementFilter.checked(
            practice=practice, polarity=polarity, data_type=data_type, recipient=recipient
        )
        page = service.practices(
            policy_id, version=version, wanted=wanted, offset=offset, limit=limit
        )
        return {"policy": policy_id, "items": list(page.items), "total": page.total,
                "offset": page.offset, "limit": page.limit}

    return server


def serve_stdio(settings: Settings) -> None:
    """Start the service (store, models, seed) and serve the tools over stdio until EOF."""
    from nlp.embed import Encoder
    from nlp.pipeline import PolicyLens
    from nlp.service import PolicyService
    from nlp.service.store import SQLiteStore

    service = PolicyService(
        PolicyLens(settings, encoder=Encoder(settings.embed)),
        SQLiteStore(settings.api.db),
        settings,
    )
    service.start()
    try:
        build_server(service).run("stdio")
    finally:
        service.close()
