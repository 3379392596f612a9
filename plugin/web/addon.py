"""The Sheets add-on backend (Workspace add-on, HTTP runtime): verified requests, JSON cards.

Google calls each endpoint with a system ID token it signs for the add-on's service account,
audience = the endpoint URL. We verify signature, issuer, audience, expiry and that email with
google-auth, against certificates from an injectable fetcher (tests use a local RSA key).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import google.auth.exceptions
import requests
from flask import Blueprint, Response, jsonify, request
from google.auth import jwt

from plugin.errors import LockHeld, PluginError
from plugin.sync.run import run_sync
from plugin.web import cards as cards
from plugin.web import model_actions as addon_actions
from plugin.web.resources import Resources, resources

bp = Blueprint("addon", __name__, url_prefix="/addon")
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
GOOGLE_ISSUERS = ("https://accounts.google.com", "accounts.google.com")
CLOCK_SKEW = 10  # seconds of clock difference tolerated between Google and this host


class AddonAuthError(PluginError):
    """The request does not carry a valid system ID token for this add-on: answer 401."""


class GoogleCerts:
    """Google's ID-token signing certificates, cached for the max-age Google sends (or 1 h)."""

    def __init__(self, get: Callable[[str], requests.Response] | None = None) -> None:
        self._get = get or (lambda url: requests.get(url, timeout=10))
        self._certs: Mapping[str, str] = {}
        self._expires = 0.0
        self._lock = threading.Lock()

    def __call__(self) -> Mapping[str, str]:
        """Return {key id: PEM certificate}, fetching again once the cached copy expired."""
        with self._lock:
            if time.monotonic() >= self._expires:
                response = self._get(GOOGLE_CERTS_URL)
                response.raise_for_status()
                self._certs = dict(response.json())
                self._expires = time.monotonic() + _max_age(response.headers.get("Cache-Control"))
            return self._certs


def _max_age(header: str | None) -> float:
    for part in (header or "").split(","):
        name, _, value = part.strip().partition("=")
        if name == "max-age" and value.isdigit():
            return float(value)
    return 3600.0


def verify_system_token(
    token: str,
    *,
    audience: str,
    service_account_email: str,
    certs: Callable[[], Mapping[str, str]],
) -> dict[str, Any]:
    """Return the claims of a valid system ID token, else raise AddonAuthError saying why."""
    try:
        claims: dict[str, Any] = jwt.decode(  # type: ignore[no-untyped-call]
            token, certs=certs(), audience=audience, clock_skew_in_seconds=CLOCK_SKEW
        )
    except (ValueError, google.auth.exceptions.GoogleAuthError) as exc:
        raise AddonAuthError(f"invalid ID token: {exc}") from None
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise AddonAuthError(f"ID token issuer {claims.get('iss')!r} is not Google")
    if claims.get("email") != service_account_email or not claims.get("email_verified", False):
        raise AddonAuthError("ID token is not from the add-on's service account")
    return claims


def _bearer(body: Mapping[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    auth = body.get("authorizationEventObject")
    token = auth.get("systemIdToken") if isinstance(auth, Mapping) else None
    return token if isinstance(token, str) else None


def _user(body: Mapping[str, Any]) -> str:
    """Return the acting user's email for the audit trail (from the request Google vouched for)."""
    auth = body.get("authorizationEventObject")
    token = auth.get("userIdToken") if isinstance(auth, Mapping) else None
    if isinstance(token, str):
        try:
            claims = jwt.decode(token, verify=False)  # type: ignore[no-untyped-call]
            return str(claims.get("email") or "add-on user")
        except ValueError:
            pass
    return "add-on user"


@bp.before_request
def _verify() -> tuple[Response, int] | None:
    res = resources()
    settings = res.settings
    if not settings.service_account_email or not (settings.base_url or settings.audience):
        return jsonify(
            error="add-on not configured: set addon.base_url and addon.service_account_email"
        ), 401
    body = request.get_json(silent=True) or {}
    token = _bearer(body if isinstance(body, Mapping) else {})
    if not token:
        return jsonify(error="missing system ID token"), 401
    audience = settings.audience or f"{settings.base_url}{request.path}"
    try:
        verify_system_token(
            token,
            audience=audience,
            service_account_email=settings.service_account_email,
            certs=res.certs or _google_certs(res),
        )
    except AddonAuthError as exc:
        return jsonify(error=str(exc)), 401
    return None


def _google_certs(res: Resources) -> Callable[[], Mapping[str, str]]:
    if res.certs is None:
        res.certs = GoogleCerts()
    return res.certs


def _base() -> str:
    return resources().settings.base_url or request.host_url.rstrip("/")


@bp.post("/homepage")
def homepage() -> Response:
    """Show the model status, last validation, last run and the actions."""
    res = resources()
    status = addon_actions.status(res.config, res.store)
    return jsonify(cards.push(cards.status_card(_base(), *status)))


@bp.post("/validate")
def validate() -> Response:
    """Validate the sheet's model and list its errors."""
    issues, model_hash = addon_actions.validate(resources().config, resources().store)
    note = "Model is valid" if not issues else f"{len(issues)} error(s)"
    return jsonify(cards.update(cards.validation_card(_base(), issues, model_hash), note))


@bp.post("/preview")
def preview() -> Response:
    """Show how many accounts the sheet's model would move between tiers."""
    outcome = addon_actions.preview(resources().config, resources().store)
    if isinstance(outcome, list):
        return jsonify(cards.update(cards.validation_card(_base(), outcome, None), "Fix errors"))
    transitions, moved = outcome
    return jsonify(cards.update(cards.preview_card(_base(), transitions, moved)))


@bp.post("/apply")
def apply() -> Response:
    """Apply the sheet's model as a new version (the next sync uses it)."""
    body = request.get_json(silent=True) or {}
    title, lines = addon_actions.apply(resources().config, resources().store, _user(body))
    return jsonify(cards.update(cards.message_card(_base(), title, lines), title))


@bp.post("/sync")
def sync_now() -> Response:
    """Start a sync in the background (the run lock keeps it to one at a time)."""
    title, lines = start_sync(resources())
    return jsonify(cards.update(cards.message_card(_base(), title, lines), title))


MANIFEST_PLACEHOLDER = "https://tiersync.example.com"


def render_manifest(template: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """Return the deployment descriptor with the placeholder base URL replaced by base_url."""
    if not base_url.startswith("https://"):
        raise ValueError("the base URL must start with https:// (Google only calls HTTPS)")
    text = json.dumps(template).replace(MANIFEST_PLACEHOLDER, base_url.rstrip("/"))
    rendered: dict[str, Any] = json.loads(text)
    return rendered


_sync_lock = threading.Lock()


def start_sync(res: Resources) -> tuple[str, list[str]]:
    """Start a sync in a background thread; the store's run lock keeps it to one at a time."""
    holder = res.store.lock_holder("sync")
    if holder is not None or _sync_lock.locked():
        return "Sync already running", [f"Started by {holder.holder if holder else 'this server'}"]

    def run() -> None:
        with _sync_lock:
            try:
                run_sync(res.config, store=res.store)
            except LockHeld:  # a nightly run started meanwhile: it does the same work
                return
            except Exception:  # run_sync recorded the failed run; the card shows it
                return

    threading.Thread(target=run, name="tiersync-sync-now", daemon=True).start()
    return "Sync started", ["The run appears under Last run when it finishes."]
