"""The dashboard's review actions: signed in, CSRF-checked, POST only; and the favicon."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from plugin.store import reviews
from plugin.store.database import Store
from plugin.sync.run import run_sync
from tests.plugin.web_helpers import DASH_TOKEN, make_app


@pytest.fixture
def app(tmp_path: Path, tmp_store: Store) -> Flask:
    """Return an app whose store has demotions waiting for review."""
    app = make_app(tmp_path, tmp_store)
    config = app.extensions["tiersync"].config
    run_sync(config, store=tmp_store, today=date(2026, 11, 1))
    run_sync(config, store=tmp_store, today=date(2027, 1, 15))
    return app


def signed_in(app: Flask) -> tuple[FlaskClient, str]:
    """Return a signed-in client and the CSRF token of its page."""
    client = app.test_client()
    assert client.post("/signin", data={"token": DASH_TOKEN}).status_code == 303
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return client, found.group(1)


def test_deciding_needs_the_sign_in_and_the_form_token(app: Flask, tmp_store: Store) -> None:
    item = reviews.open_items(tmp_store)[0]
    url = f"/review/{item.id}/approve"
    assert app.test_client().post(url).status_code == 401
    client, token = signed_in(app)
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 400
    assert client.get(url).status_code == 405
    assert reviews.open_items(tmp_store)[0].status == "pending"
    done = client.post(url, data={"csrf_token": token})
    assert done.status_code == 302 and done.headers["Location"].endswith("/#review")
    assert reviews.open_items(tmp_store)[0].status == "approved"
    assert "Approved:" in client.get("/").get_data(as_text=True)


def test_a_rejection_needs_a_note(app: Flask, tmp_store: Store) -> None:
    item = reviews.open_items(tmp_store)[1]
    client, token = signed_in(app)
    client.post(f"/review/{item.id}/reject", data={"csrf_token": token, "note": " "})
    assert "A rejection needs a note" in client.get("/").get_data(as_text=True)
    client.post(f"/review/{item.id}/reject", data={"csrf_token": token, "note": "renewal"})
    assert {i.id: i.status for i in reviews.open_items(tmp_store)}[item.id] == "rejected"
    gone = client.post("/review/99999/approve", data={"csrf_token": token})
    assert gone.status_code == 302
    assert "no review 99999" in client.get("/").get_data(as_text=True)


def test_tier_1_pages_sort_on_the_server(app: Flask) -> None:
    client, _ = signed_in(app)
    page = client.get("/?sort=owner&dir=asc&page=2").get_data(as_text=True)
    assert re.search(r"page 2 of \d+", page) and "26–50 of" in page
    assert 'data-key="owner" aria-sort="ascending"' in page
    odd = client.get("/?sort=nope&dir=sideways&page=x").get_data(as_text=True)
    assert 'data-key="score" aria-sort="descending"' in odd and "page 1 of" in odd


def test_the_favicon_needs_no_sign_in(app: Flask) -> None:
    with app.test_client().get("/favicon.ico") as icon:
        assert icon.status_code == 200
        assert icon.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
