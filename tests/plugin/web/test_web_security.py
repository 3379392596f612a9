"""App-wide safeguards: the error log names routes, never paths that carry a token."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from plugin.store.database import Store
from tests.plugin.web_helpers import PATH_TOKEN, make_app


def test_an_unhandled_error_is_logged_by_route_not_by_path(
    tmp_path: Path, tmp_store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(tmp_path, tmp_store)
    app.config["TESTING"] = False  # answer 500 and log, as in production

    @app.post("/probe/<token>")
    def probe(token: str) -> str:
        raise RuntimeError("boom")

    with caplog.at_level(logging.ERROR):
        response = app.test_client().post(f"/probe/{PATH_TOKEN}")
    assert response.status_code == 500
    assert response.headers["Cache-Control"] == "no-store"  # headers on errors too
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "Exception on /probe/<token> [POST]" in logged
    assert PATH_TOKEN not in logged
