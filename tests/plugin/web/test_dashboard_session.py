"""The dashboard session: a salted HMAC in the cookie, Secure unless on localhost, a sign-out."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from flask import Flask

from plugin.store.database import Store
from tests.plugin.web_helpers import DASH_TOKEN, make_app


def session_of(app: Flask, set_cookie: str) -> dict[str, Any]:
    """Return what the signed session cookie holds (it is signed, not encrypted)."""
    value = set_cookie.split(";")[0].split("=", 1)[1]
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    data: dict[str, Any] = serializer.loads(value)
    return data


def sign_in(app: Flask, base_url: str = "https://dash.example.com") -> Any:
    return app.test_client().post("/signin", data={"token": DASH_TOKEN}, base_url=base_url)


def test_the_cookie_holds_a_salted_hmac_never_a_plain_hash(
    tmp_path: Path, tmp_store: Store
) -> None:
    app = make_app(tmp_path, tmp_store)
    first, second = (session_of(app, sign_in(app).headers["Set-Cookie"]) for _ in range(2))
    assert set(first) <= {"dashboard", "_permanent", "csrf_token"}  # the forms' token, random
    salt, mac = first["dashboard"]["salt"], first["dashboard"]["mac"]
    expected = hmac.new(
        DASH_TOKEN.encode(), f"tiersync-dashboard-session:{salt}".encode(), "sha256"
    )
    assert mac == expected.hexdigest()
    assert salt != second["dashboard"]["salt"] and mac != second["dashboard"]["mac"]
    unsalted = hashlib.sha256(b"tiersync-dashboard:" + DASH_TOKEN.encode()).hexdigest()
    assert unsalted not in str(first) and DASH_TOKEN not in str(first)


def test_insecure_cookies_only_for_localhost(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store, extra="[dashboard]\nsecure_cookie = false\n")
    remote = sign_in(app, "http://dash.example.com")
    assert remote.status_code == 403 and "Set-Cookie" not in remote.headers
    assert b"for http://localhost only" in remote.data
    local = sign_in(app, "http://localhost:8080")
    assert local.status_code == 303
    assert "Secure" not in local.headers["Set-Cookie"]


def test_a_signed_out_cookie_no_longer_opens_the_page(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store)
    cookie = sign_in(app).headers["Set-Cookie"].split(";")[0]
    client = app.test_client(use_cookies=False)  # send the cookie by hand, as a browser would
    headers = {"Cookie": cookie}
    assert client.get("/api/inbox", headers=headers).status_code == 200
    out = client.post("/signout", headers=headers)
    assert out.status_code == 303 and "tiersync_session=;" in out.headers["Set-Cookie"]
    # a copy of the old cookie, replayed after the sign-out
    assert client.get("/api/inbox", headers=headers).status_code == 401


def test_a_rotated_token_ends_every_session(tmp_path: Path, tmp_store: Store) -> None:
    app = make_app(tmp_path, tmp_store)
    cookie = sign_in(app).headers["Set-Cookie"].split(";")[0]
    rotated = make_app(tmp_path, tmp_store, env={"TIERSYNC_DASHBOARD_TOKEN": "r" * 40})
    assert (
        app.test_client(use_cookies=False).get("/", headers={"Cookie": cookie}).status_code == 200
    )
    rotated_client = rotated.test_client(use_cookies=False)
    assert rotated_client.get("/", headers={"Cookie": cookie}).status_code == 401
