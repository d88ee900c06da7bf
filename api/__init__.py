"""The policylens HTTP API (FastAPI): ``create_app`` builds it, ``policylens serve`` runs it."""

from api.main import create_app

__all__ = ["create_app"]
