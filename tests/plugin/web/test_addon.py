"""The Sheets add-on backend: every request verified, cards shaped for the HTTP runtime."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
from click.testing import CliRunner

from plugin.cli import main
from plugin.store.database import Store
from plugin.web.addon import AddonAuthError, GoogleCerts, render_manifest, verify_system_token
from tests.plugin.web_helpers import BASE_URL, FIXTURES, SERVICE_ACCOUNT, TokenFactory, make_app

ROOT = Path(__file__).resolve().parents[3]
KEYS = TokenFactory()
HOME = f"{BASE_URL}/addon/homepage"


def event(name: str = "homepage") -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / "addon" / f"{name}.json").read_text())
    return data


def call(tmp_path: Path, store: Store, path: str, token: str | None, body: Any = None):  # type: ignore[no-untyped-def]
    client = make_app(tmp_path, store, certs=KEYS.certs).test_client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, json=body if body is not None else event(), headers=headers)


def test_valid_token_gets_the_homepage_card(tmp_path: Path, tmp_store: Store) -> None:
    response = call(tmp_path, tmp_store, "/addon/homepage", KEYS.token(HOME))
    assert response.status_code == 200
    card = response.get_json()["action"]["navigations"][0]["pushCard"]
    assert card["header"]["title"] == "tiersync"
    buttons = card["sections"][-1]["widgets"][0]["buttonList"]["buttons"]
    assert [b["text"] for b in buttons] == ["Validate", "Preview impact", "Apply", "Sync now"]
    assert buttons[0]["onClick"]["action"]["function"] == f"{BASE_URL}/addon/validate"


def test_token_in_the_event_body_is_accepted(tmp_path: Path, tmp_store: Store) -> None:
    body = event()
    body["authorizationEventObject"]["systemIdToken"] = KEYS.token(HOME)
    assert call(tmp_path, tmp_store, "/addon/homepage", None, body).status_code == 200


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"aud": f"{BASE_URL}/addon/validate"}, "invalid ID token"),  # another endpoint's token
        ({"iss": "https://evil.example.com"}, "is not Google"),
        ({"exp": int(time.time()) - 600, "iat": int(time.time()) - 4000}, "invalid ID token"),
        ({"email": "someone@example.com"}, "not from the add-on's service account"),
        ({"email_verified": False}, "not from the add-on's service account"),
    ],
    ids=["wrong-audience", "wrong-issuer", "expired", "wrong-email", "unverified-email"],
)
def test_bad_tokens_get_401(
    tmp_path: Path, tmp_store: Store, claims: dict[str, Any], reason: str
) -> None:
    response = call(tmp_path, tmp_store, "/addon/homepage", KEYS.token(HOME, **claims))
    assert response.status_code == 401
    assert reason in response.get_json()["error"]


def test_token_signed_by_another_key_gets_401(tmp_path: Path, tmp_store: Store) -> None:
    forged = TokenFactory(kid=KEYS.kid).token(HOME)
    response = call(tmp_path, tmp_store, "/addon/homepage", forged)
    assert response.status_code == 401
    assert "invalid ID token" in response.get_json()["error"]


def test_missing_token_gets_401(tmp_path: Path, tmp_store: Store) -> None:
    response = call(tmp_path, tmp_store, "/addon/homepage", None)
    assert response.status_code == 401
    assert response.get_json()["error"] == "missing system ID token"


def test_verify_system_token_directly() -> None:
    claims = verify_system_token(
        KEYS.token(HOME),
        audience=HOME,
        service_account_email=SERVICE_ACCOUNT,
        certs=lambda: KEYS.certs,
    )
    assert claims["email"] == SERVICE_ACCOUNT
    with pytest.raises(AddonAuthError, match="invalid ID token"):
        verify_system_token(
            "not.a.jwt",
            audience=HOME,
            service_account_email=SERVICE_ACCOUNT,
            certs=lambda: KEYS.certs,
        )


def test_google_certs_are_cached_for_max_age() -> None:
    calls: list[str] = []

    class Reply:
        headers: ClassVar[dict[str, str]] = {"Cache-Control": "public, max-age=600"}

        def raise_for_status(self) -> None:
            return None

        def json(self) -> dict[str, str]:
            return KEYS.certs

    def get(url: str) -> Any:
        calls.append(url)
        return Reply()

    certs = GoogleCerts(get=get)
    assert certs() == KEYS.certs and certs() == KEYS.certs
    assert calls == ["https://www.googleapis.com/oauth2/v1/certs"]


def test_validate_preview_apply_cards(tmp_path: Path, tmp_store: Store) -> None:
    def post(name: str) -> dict[str, Any]:
        body = event()
        body["authorizationEventObject"]["userIdToken"] = KEYS.user_token()
        response = call(
            tmp_path, tmp_store, f"/addon/{name}", KEYS.token(f"{BASE_URL}/addon/{name}"), body
        )
        assert response.status_code == 200
        return response.get_json()["renderActions"]["action"]

    validated = post("validate")
    assert validated["notification"]["text"] == "Model is valid"
    assert validated["navigations"][0]["updateCard"]["header"]["title"] == "Validate"
    preview = post("preview")["navigations"][0]["updateCard"]
    assert preview["sections"][0]["header"].endswith("would change tier")
    applied = post("apply")
    assert applied["notification"]["text"] == "Applied"
    home = call(tmp_path, tmp_store, "/addon/homepage", KEYS.token(HOME)).get_json()
    widgets = home["action"]["navigations"][0]["pushCard"]["sections"][0]["widgets"]
    texts = [w["decoratedText"]["text"] for w in widgets if "decoratedText" in w]
    assert any("OK at" in t for t in texts)  # the last validation is remembered
    assert any(t == "manager@acme.example from built-in default" for t in texts)  # verified


def test_manifest_is_a_deployment_descriptor() -> None:
    data = json.loads((ROOT / "manifest.json").read_text())
    assert set(data) == {"oauthScopes", "addOns"}
    assert all(s.startswith("https://www.googleapis.com/auth/") for s in data["oauthScopes"])
    common = data["addOns"]["common"]
    assert common["name"] == "tiersync" and common["logoUrl"].endswith("/static/logo.png")
    assert common["homepageTrigger"]["runFunction"].endswith("/addon/homepage")
    assert data["addOns"]["sheets"]["homepageTrigger"]["runFunction"].endswith("/addon/homepage")


def test_manifest_command_renders_real_urls() -> None:
    result = CliRunner().invoke(
        main, ["addon", "manifest", "--base-url", "https://example.run.app/"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["addOns"]["common"]["homepageTrigger"]["runFunction"] == (
        "https://example.run.app/addon/homepage"
    )
    assert "tiersync.example.com" not in result.output
    with pytest.raises(ValueError, match="https://"):
        render_manifest(data, "http://insecure.example.com")
