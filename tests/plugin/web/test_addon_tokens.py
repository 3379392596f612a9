"""User ID tokens, Google's certificates when they cannot be fetched, and escaped card text."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from plugin.web import cards
from plugin.web.idtokens import (
    RETRY_AFTER,
    AddonAuthError,
    CertsUnavailable,
    GoogleCerts,
    verify_user_token,
)
from tests.plugin.web_helpers import CLIENT_ID, MANAGER, TokenFactory

KEYS = TokenFactory()


class Google:
    """Answers the certificate URL like Google does, or fails like a network would."""

    def __init__(self) -> None:
        self.calls, self.down = 0, False

    def __call__(self, url: str) -> requests.Response:
        self.calls += 1
        if self.down:
            raise requests.ConnectionError("Failed to establish a new connection")
        response = requests.Response()
        response.status_code = 200
        response.headers["Cache-Control"] = "public, max-age=600"
        response._content = json.dumps(KEYS.certs).encode()
        return response


def test_unreachable_certificates_raise_once_then_wait_before_fetching_again() -> None:
    google, now = Google(), [0.0]
    google.down = True
    certs = GoogleCerts(get=google, clock=lambda: now[0])
    for _ in range(3):
        with pytest.raises(CertsUnavailable, match="cannot be fetched"):
            certs()
    assert google.calls == 1
    now[0] += RETRY_AFTER
    google.down = False
    assert certs() == KEYS.certs and google.calls == 2


def test_the_last_certificates_serve_while_google_is_unreachable() -> None:
    google, now = Google(), [0.0]
    certs = GoogleCerts(get=google, clock=lambda: now[0])
    assert certs() == KEYS.certs
    now[0] += 601  # expired by max-age
    google.down = True
    assert certs() == KEYS.certs and certs() == KEYS.certs
    assert google.calls == 2


def test_a_user_token_gives_its_verified_email() -> None:
    assert verify_user_token(
        KEYS.user_token("Manager@Acme.Example"), client_id=CLIENT_ID, certs=lambda: KEYS.certs
    ) == ("manager@acme.example")


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"aud": "someone-else.apps.googleusercontent.com"}, "invalid ID token"),
        ({"iss": "https://evil.example"}, "is not Google"),
        ({"email_verified": False}, "no verified email"),
        ({"email_verified": "true"}, "no verified email"),
        ({"email": None}, "no verified email"),
    ],
    ids=["audience", "issuer", "unverified", "verified-as-text", "no-email"],
)
def test_bad_user_tokens_are_refused(overrides: dict[str, Any], reason: str) -> None:
    claims = dict(overrides)
    email = claims.pop("email", MANAGER)
    token = KEYS.user_token(email, **claims)
    with pytest.raises(AddonAuthError, match=reason):
        verify_user_token(token, client_id=CLIENT_ID, certs=lambda: KEYS.certs)


def test_every_text_in_a_card_is_escaped() -> None:
    link = '<a href="https://evil.example">Click</a>'
    version = {"hash": "abc", "applied_at": "now", "applied_by": f"x{link}", "source": "sheet"}
    run = {"status": "failed", "started_at": "now", "error": f"<b>{link}</b>"}
    home = json.dumps(cards.status_card("https://t.example", version, None, run))
    preview = json.dumps(cards.preview_card("https://t.example", {}, [f"{link} (Tier 2 → Tier 1)"]))
    issues = json.dumps(cards.validation_card("https://t.example", [f"criteria.{link}"], None))
    for text in (home, preview, issues):
        assert "<a" not in text and "<b>" not in text
        assert "&lt;a href=" in text
    assert cards.section("<i>3</i> moves", [])["header"] == "&lt;i&gt;3&lt;/i&gt; moves"
