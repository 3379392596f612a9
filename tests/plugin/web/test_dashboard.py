"""The dashboard and its API: closed by default, sign in by POST then a cookie, real data."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask

from plugin.store.database import Store
from plugin.sync.run import run_sync
from tests.plugin.web_helpers import DASH_TOKEN, make_app


@pytest.fixture
def synced_app(tmp_path: Path, tmp_store: Store) -> Flask:
    """Return an app whose store holds one sync of the bundled sample."""
    app = make_app(tmp_path, tmp_store)
    report = run_sync(app.extensions["tiersync"].config, store=tmp_store)
    assert report.status == "succeeded"
    return app


def test_closed_without_a_configured_token(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store, env={"TIERSYNC_DASHBOARD_TOKEN": ""})
    client = app.test_client()
    for path in ("/", "/api/summary", "/?token="):
        response = client.get(path)
        assert response.status_code == 403
        assert b"Set the environment variable TIERSYNC_DASHBOARD_TOKEN" in response.data


def test_wrong_or_missing_token_is_refused(synced_app: Flask) -> None:
    client = synced_app.test_client()
    assert client.get("/").status_code == 401
    assert client.post("/signin", data={"token": "nope"}).status_code == 401
    assert client.get("/?token=nope").status_code == 400
    assert client.get("/api/runs", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_sign_in_by_post_then_cookie(synced_app: Flask) -> None:
    client = synced_app.test_client()
    first = client.post("/signin", data={"token": DASH_TOKEN})
    assert first.status_code == 303 and first.headers["Location"] == "/"
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert DASH_TOKEN not in cookie
    page = client.get("/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Tier 1 Account Performance Dashboard" in html
    for header in ("ARR Potential", "Current Value", "Pipeline", "Engagement Score"):
        assert header in html
    assert 'id="tier-chart"' in html and 'id="review"' in html and 'id="success"' in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no CDN


def test_bearer_token_api(synced_app: Flask) -> None:
    client = synced_app.test_client()
    auth = {"Authorization": f"Bearer {DASH_TOKEN}"}
    summary = client.get("/api/summary", headers=auth).get_json()
    assert summary["total"] == 1300
    assert [t["tier"] for t in summary["tiers"]] == ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    assert sum(t["accounts"] for t in summary["tiers"]) == 1300
    rows = client.get("/api/accounts/tier1", headers=auth).get_json()
    assert rows and all(r["industry"] and r["health"] and r["next_action"] for r in rows)
    assert rows == sorted(rows, key=lambda r: -r["score"])
    runs = client.get("/api/runs", headers=auth).get_json()
    assert runs[0]["status"] == "succeeded" and "api_calls" in runs[0]
    moves = client.get("/api/movements", headers=auth).get_json()
    assert moves and all(m["why"] for m in moves)
    assert client.get("/api/inbox", headers=auth).get_json()["pending"] == 0


def test_money_format_matches_the_seed(synced_app: Flask) -> None:
    money = synced_app.jinja_env.filters["money"]
    assert money(650_000) == "$650K"
    assert money("1,200,000") == "$1.2M"
    assert money(0) == "$0"
    assert money(None) == ""
