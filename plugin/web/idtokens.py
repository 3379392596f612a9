"""Google ID tokens for the add-on: the system token Google signs per call, and the user's.

Both are verified with google-auth against Google's certificates (signature, audience, issuer,
expiry, verified email). The certificates are cached for the max-age Google sends; when they
cannot be fetched the add-on answers 503 and tries again after a pause, not on every call.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import google.auth.exceptions
import requests
from google.auth import jwt

from plugin.config.web import GOOGLE_CERTS_URL
from plugin.errors import PluginError

GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
CLOCK_SKEW = 10  # seconds of clock difference tolerated between Google and this host
RETRY_AFTER = 30.0  # seconds between two fetches after one failed


class AddonAuthError(PluginError):
    """The request does not carry a valid ID token for this add-on: answer 401."""


class NotAllowed(PluginError):
    """A valid caller asks for something it may not do (not a manager, another sheet): 403."""


class CertsUnavailable(PluginError):
    """Google's signing certificates cannot be fetched, so no token can be checked: 503."""


class GoogleCerts:
    """Google's ID-token signing certificates, cached for the max-age Google sends (or 1 h)."""

    def __init__(
        self,
        url: str = GOOGLE_CERTS_URL,
        get: Callable[[str], requests.Response] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self._get = get or (lambda address: requests.get(address, timeout=5))
        self._clock = clock
        self._certs: Mapping[str, str] = {}
        self._expires = 0.0
        self._retry_at = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> Mapping[str, str]:
        """Return {key id: PEM certificate}, fetching again once the cached copy expired."""
        with self._lock:
            now = self._clock()
            if now < self._expires or (self._certs and now < self._retry_at):
                return self._certs
            if now < self._retry_at:
                raise CertsUnavailable(self._unavailable("the last fetch failed moments ago"))
            try:
                response = self._get(self.url)
                response.raise_for_status()
                certs = response.json()
                if not isinstance(certs, dict) or not certs:
                    raise ValueError("the answer holds no certificates")
            except (requests.RequestException, ValueError) as exc:
                self._retry_at = now + RETRY_AFTER
                if self._certs:  # Google publishes keys ahead of use: the last ones still verify
                    return self._certs
                raise CertsUnavailable(self._unavailable(type(exc).__name__)) from None
            self._certs = {str(k): str(v) for k, v in certs.items()}
            self._expires = now + _max_age(response.headers.get("Cache-Control"))
            return self._certs

    def _unavailable(self, why: str) -> str:
        return (
            f"Google's signing certificates cannot be fetched from {self.url} ({why}); "
            "no add-on request can be verified. Check this server's outbound HTTPS access."
        )


def _max_age(header: str | None) -> float:
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return float(value)
    return 3600.0


def _decode(token: str, audience: str, certs: Callable[[], Mapping[str, str]]) -> dict[str, Any]:
    try:
        claims: dict[str, Any] = jwt.decode(  # type: ignore[no-untyped-call]
            token, certs=certs(), audience=audience, clock_skew_in_seconds=CLOCK_SKEW
        )
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        raise AddonAuthError(f"invalid ID token: {exc}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise AddonAuthError(f"ID token issuer {str(claims.get('iss'))[:80]!r} is not Google")
    return claims


def verify_system_token(
    token: str,
    *,
    audience: str,
    service_account_email: str,
    certs: Callable[[], Mapping[str, str]],
) -> dict[str, Any]:
    """Return the claims of a valid system ID token, else raise AddonAuthError saying why."""
    claims = _decode(token, audience, certs)
    if claims.get("email") != service_account_email or claims.get("email_verified") is not True:
        raise AddonAuthError("ID token is not from the add-on's service account")
    return claims


def verify_user_token(token: str, *, client_id: str, certs: Callable[[], Mapping[str, str]]) -> str:
    """Return the verified, lower-cased email of the user's ID token, else raise AddonAuthError."""
    claims = _decode(token, client_id, certs)
    email = claims.get("email")
    if not isinstance(email, str) or not email or claims.get("email_verified") is not True:
        raise AddonAuthError("the user ID token carries no verified email")
    return email.strip().lower()
