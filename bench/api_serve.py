"""The app for the API benchmark: `uvicorn bench.api_serve:app --factory` with RECKON_HOME set."""

from __future__ import annotations

from starlette.applications import Starlette

from archive.settings import load_settings
from server.app import create_app


def app() -> Starlette:
    return create_app(load_settings())
