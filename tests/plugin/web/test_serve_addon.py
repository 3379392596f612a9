"""The add-on on a real `tiersync serve`: only verified managers of the configured sheet act."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import select

from plugin.store.database import Store
from plugin.store.schema import model_versions, runs
from tests.plugin.serve_helpers import CertServer, Served, start_serve
from tests.plugin.web_helpers import (
    BASE_URL,
    CLIENT_ID,
    FIXTURES,
    MANAGER,
    SERVICE_ACCOUNT,
    SPREADSHEET,
    TokenFactory,
)

pytestmark = pytest.mark.slow
KEYS = TokenFactory()


def addon_toml(directory: Path, certs_url: str) -> str:
    """Return a config with the add-on, its managers and the model spreadsheet."""
    return (
        f'[store]\nurl = "sqlite:///{directory / "addon.db"}"\n'
        f'[addon]\nbase_url = "{BASE_URL}"\nservice_account_email = "{SERVICE_ACCOUNT}"\n'
        f'oauth_client_id = "{CLIENT_ID}"\nmanagers = ["{MANAGER.upper()}"]\n'
        f'certs_url = "{certs_url}"\nsync_interval_seconds = 3600\n'
        f'[sheets]\nspreadsheet_key = "{SPREADSHEET}"\n'
    )


@pytest.fixture(scope="module")
def certs() -> Iterator[CertServer]:
    """Serve the test key's certificates the way Google serves its own."""
    server = CertServer(KEYS.certs)
    yield server
    server.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, certs: CertServer) -> Iterator[Served]:
    """Start one serve process with the add-on configured."""
    directory = tmp_path_factory.mktemp("addon")
    server = start_serve(directory, addon_toml(directory, certs.url))
    yield server
    log = server.stop()
    assert "Traceback" not in log


def call(served: Served, name: str, user: str | None = None, sheet: str = SPREADSHEET) -> Any:
    """POST an add-on event to endpoint `name`, as Google does, with a user ID token."""
    event: dict[str, Any] = json.loads((FIXTURES / "addon" / "homepage.json").read_text())
    event["sheets"]["id"] = sheet
    if user is not None:
        event["authorizationEventObject"]["userIdToken"] = user
    system = KEYS.token(f"{BASE_URL}/addon/{name}")
    return requests.post(
        f"{served.url}/addon/{name}", json=event, headers={"Authorization": f"Bearer {system}"}
    )


def unsigned(email: str) -> str:
    """Return an `alg: none` token claiming email, as an attacker would write one."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    now = int(time.time())
    claims = {"iss": "https://accounts.google.com", "aud": CLIENT_ID, "email": email}
    claims |= {"email_verified": True, "iat": now, "exp": now + 600}
    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def stored(served: Served, table: Any) -> list[dict[str, Any]]:
    store = Store(f"sqlite:///{served.directory / 'addon.db'}")
    try:
        with store.engine.connect() as conn:
            return [dict(r) for r in conn.execute(select(table)).mappings()]
    finally:
        store.dispose()


def card_text(response: requests.Response) -> str:
    return json.dumps(response.json())


@pytest.mark.parametrize(
    "token",
    [unsigned("ceo@victim.example<b>x</b>"), unsigned(MANAGER), None],
    ids=["alg-none-forged", "alg-none-manager", "missing"],
)
@pytest.mark.parametrize("name", ["apply", "sync"])
def test_forged_or_missing_user_tokens_get_401(served: Served, name: str, token: str) -> None:
    before = stored(served, model_versions), stored(served, runs)
    response = call(served, name, user=token or "")
    assert response.status_code == 401
    assert (stored(served, model_versions), stored(served, runs)) == before


def test_a_user_who_is_not_a_manager_gets_403(served: Served) -> None:
    before = stored(served, model_versions), stored(served, runs)
    for name in ("apply", "sync"):
        response = call(served, name, user=KEYS.user_token("rep@acme.example"))
        assert response.status_code == 403
        assert response.json()["error"].startswith("rep@acme.example is not in addon.managers")
    unverified = KEYS.user_token(MANAGER, email_verified=False)
    assert call(served, "apply", user=unverified).status_code == 401
    other_client = KEYS.token("another-client.apps.googleusercontent.com", email=MANAGER)
    assert call(served, "apply", user=other_client).status_code == 401
    assert (stored(served, model_versions), stored(served, runs)) == before


def test_another_spreadsheet_gets_nothing(served: Served) -> None:
    response = call(served, "apply", user=KEYS.user_token(), sheet="1OtherSheet0000000000000")
    assert response.status_code == 403
    assert "not the spreadsheet tiersync is configured for" in response.json()["error"]
    assert call(served, "preview", sheet="1OtherSheet0000000000000").status_code == 403
    home = call(served, "homepage", sheet="1OtherSheet0000000000000")
    assert home.status_code == 200 and "Model version" not in card_text(home)
    assert "not the spreadsheet tiersync is configured for" in card_text(home)


def test_a_manager_applies_under_the_verified_email(served: Served) -> None:
    response = call(served, "apply", user=KEYS.user_token(MANAGER.upper()))
    assert response.status_code == 200
    assert response.json()["renderActions"]["action"]["notification"]["text"] == "Applied"
    assert stored(served, model_versions)[-1]["applied_by"] == MANAGER
    assert f"{MANAGER} from built-in default" in card_text(call(served, "homepage"))


def test_sync_now_starts_once_per_interval(served: Served) -> None:
    def sync() -> str:
        response = call(served, "sync", user=KEYS.user_token())
        assert response.status_code == 200
        return str(response.json()["renderActions"]["action"]["notification"]["text"])

    assert sync() == "Sync started"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # bounded wait for the background run to finish
        if [r["status"] for r in stored(served, runs)] == ["succeeded"]:
            break
        time.sleep(0.2)
    assert [r["status"] for r in stored(served, runs)] == ["succeeded"]
    assert sync() == "Sync not started"
    assert "the next can start in" in card_text(call(served, "sync", user=KEYS.user_token()))
    assert len(stored(served, runs)) == 1


def test_certificates_are_fetched_once_and_cached(served: Served, certs: CertServer) -> None:
    assert call(served, "homepage").status_code == 200
    assert certs.hits == 1


def test_unreachable_certificates_give_a_503_without_a_fetch_per_call(
    tmp_path: Path,
) -> None:
    failing = CertServer(KEYS.certs, fail=True)
    server = start_serve(tmp_path, addon_toml(tmp_path, failing.url))
    try:
        first, second = call(server, "homepage"), call(server, "homepage")
    finally:
        log = server.stop()
        failing.close()
    assert first.status_code == second.status_code == 503
    assert "Google's signing certificates cannot be fetched" in first.json()["error"]
    assert failing.hits == 1  # the failure is remembered for a while, not retried per call
    assert "Traceback" not in log
