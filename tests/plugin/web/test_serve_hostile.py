"""Hostile requests to a real `tiersync serve`: webhooks and dashboard answer 4xx, log no secret."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from plugin.changes.verify import sign
from plugin.store.database import Store
from plugin.store.schema import inbox
from tests.plugin.serve_helpers import Served, start_serve
from tests.plugin.web_helpers import DASH_TOKEN, ORG_ID, PATH_TOKEN, SECRET, outbound_xml, sf_id

pytestmark = pytest.mark.slow
MAX_BODY = 65_536
HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Start one serve process for the module; check its whole log once every test ran."""
    directory = tmp_path_factory.mktemp("serve")
    toml = (
        f'[store]\nurl = "sqlite:///{directory / "serve.db"}"\n'
        f'[webhooks]\norg_id = "{ORG_ID}"\nmax_body_bytes = {MAX_BODY}\n'
    )
    server = start_serve(directory, toml)
    yield server
    log = server.stop()
    for secret in (PATH_TOKEN, SECRET, DASH_TOKEN):
        assert secret not in log
    assert "Traceback" not in log


def signed_post(served: Served, body: bytes, ts: int | str | None = None) -> requests.Response:
    stamp = int(time.time()) if ts is None else ts
    headers = {
        "Content-Type": "application/json",
        "X-Tiersync-Timestamp": str(stamp),
        "X-Tiersync-Signature": sign(body, SECRET, int(stamp)) if str(stamp).isdigit() else "v1=0",
    }
    return requests.post(f"{served.url}/webhooks/salesforce/callout", data=body, headers=headers)


def inbox_rows(served: Served, account_id: str) -> int:
    store = Store(f"sqlite:///{served.directory / 'serve.db'}")
    try:
        with store.engine.connect() as conn:
            query = select(func.count()).where(inbox.c.account_id == account_id)
            return int(conn.scalar(query) or 0)
    finally:
        store.dispose()


def test_a_replayed_callout_is_refused_after_the_first(served: Served) -> None:
    body = json.dumps({"accountIds": [sf_id(41)]}).encode()
    stamp = int(time.time())
    statuses = [signed_post(served, body, stamp).status_code for _ in range(5)]
    assert statuses == [202, 409, 409, 409, 409]
    replay = signed_post(served, body, stamp).json()
    assert replay["error"] == "this signed callout was already accepted (replay refused)"
    assert inbox_rows(served, sf_id(41)) == 1
    assert signed_post(served, body, stamp + 1).status_code == 202  # a new signature is new


def test_timestamps_far_ahead_or_absurdly_long_get_401(served: Served) -> None:
    body = json.dumps({"accountIds": [sf_id(42)]}).encode()
    ahead = signed_post(served, body, int(time.time()) + 299)
    assert ahead.status_code == 401
    assert ahead.json()["error"] == "timestamp more than 30 seconds in the future"
    huge = signed_post(served, body, "9" * 400)
    assert huge.status_code == 401
    assert huge.json()["error"] == "X-Tiersync-Timestamp is not a Unix time in seconds"
    assert inbox_rows(served, sf_id(42)) == 0


def test_a_body_of_exactly_max_body_bytes_is_accepted(served: Served) -> None:
    start = json.dumps({"accountIds": [sf_id(43)]}).encode()
    body = start[:-1] + b" " * (MAX_BODY - len(start)) + b"}"
    assert len(body) == MAX_BODY
    assert signed_post(served, body).status_code == 202
    assert signed_post(served, body[:-1] + b" }").status_code == 413


def test_a_bogus_xml_encoding_is_a_400_with_a_soap_fault(served: Served) -> None:
    body = outbound_xml([sf_id(44)]).replace(b'encoding="UTF-8"', b'encoding="x-bogus"')
    url = f"{served.url}/webhooks/salesforce/outbound/{PATH_TOKEN}"
    response = requests.post(url, data=body, headers={"Content-Type": "text/xml"})
    assert response.status_code == 400
    assert b"unsupported XML encoding" in response.content and b"soapenv:Client" in response.content
    assert PATH_TOKEN not in served.log.read_text(encoding="utf-8")


def test_a_token_in_the_address_is_refused_and_sets_no_cookie(served: Served) -> None:
    for path in (f"/?token={DASH_TOKEN}", f"/api/runs?token={DASH_TOKEN}"):
        response = requests.get(served.url + path, allow_redirects=False)
        assert response.status_code == 400, path
        assert "Set-Cookie" not in response.headers
        assert "A token in the address is refused" in response.text


def test_sign_in_by_post_gives_a_secure_twelve_hour_cookie_that_is_not_renewed(
    served: Served,
) -> None:
    assert requests.post(f"{served.url}/signin", data={"token": "nope"}).status_code == 401
    signin = requests.post(
        f"{served.url}/signin", data={"token": DASH_TOKEN}, allow_redirects=False
    )
    assert signin.status_code == 303 and signin.headers["Location"] == "/"
    set_cookie = signin.headers["Set-Cookie"]
    flags = {part.strip().split("=")[0].lower() for part in set_cookie.split(";")}
    assert {"secure", "httponly", "samesite", "expires"} <= flags
    assert "SameSite=Lax" in set_cookie and DASH_TOKEN not in set_cookie
    expires = parsedate_to_datetime(set_cookie.split("Expires=")[1].split(";")[0])
    assert abs(expires.timestamp() - time.time() - 12 * 3600) < 120
    cookie = set_cookie.split(";")[0]  # what a browser sends back over HTTPS
    page = requests.get(f"{served.url}/", headers={"Cookie": cookie})
    assert page.status_code == 200 and "Sign out" in page.text
    assert "Set-Cookie" not in page.headers  # the lifetime counts from sign-in
    out = requests.post(f"{served.url}/signout", headers={"Cookie": cookie}, allow_redirects=False)
    assert out.status_code == 303
    assert requests.get(f"{served.url}/", headers={"Cookie": cookie}).status_code == 401


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/"),
        ("GET", "/api/summary"),
        ("GET", "/static/sort.js"),
        ("POST", "/webhooks/salesforce/callout"),
        ("POST", "/webhooks/salesforce/outbound/wrong-token"),
        ("POST", "/addon/homepage"),
        ("GET", "/no-such-page"),
    ],
)
def test_every_response_carries_the_security_headers(
    served: Served, method: str, path: str
) -> None:
    response = requests.request(method, served.url + path, allow_redirects=False)
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (path, name)


def test_bearer_tokens_still_serve_scripts(served: Served) -> None:
    auth = {"Authorization": f"Bearer {DASH_TOKEN}"}
    assert requests.get(f"{served.url}/api/inbox", headers=auth).status_code == 200
    wrong = {"Authorization": "Bearer " + "x" * 40}
    assert requests.get(f"{served.url}/api/inbox", headers=wrong).status_code == 401


def test_the_store_file_is_private(served: Served) -> None:
    for name in ("serve.db", "serve.db-wal", "serve.db-shm"):
        path: Path = served.directory / name
        assert path.stat().st_mode & 0o777 == 0o600, name
