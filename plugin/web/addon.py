"""The Sheets add-on backend (Workspace add-on, HTTP runtime): verified requests, JSON cards.

Every call carries a system ID token Google signs for the add-on's service account (audience =
the endpoint URL) and must come from the configured spreadsheet. Apply and Sync now also need
the user's own ID token, verified, naming an email in `addon.managers`: that email is the audit
name. Sync now starts at most once per `addon.sync_interval_seconds`.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, jsonify, request

from plugin.config import Config
from plugin.web import cards as cards
from plugin.web import model_actions as addon_actions
from plugin.web.idtokens import (
    AddonAuthError,
    CertsUnavailable,
    GoogleCerts,
    NotAllowed,
    verify_system_token,
    verify_user_token,
)
from plugin.web.resources import Resources, resources
from plugin.web.sync_now import start_sync

bp = Blueprint("addon", __name__, url_prefix="/addon")

__all__ = ["AddonAuthError", "GoogleCerts", "bp", "render_manifest", "verify_system_token"]


@bp.errorhandler(AddonAuthError)
def _unauthenticated(exc: AddonAuthError) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 401


@bp.errorhandler(NotAllowed)
def _forbidden(exc: NotAllowed) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 403


@bp.errorhandler(CertsUnavailable)
def _unavailable(exc: CertsUnavailable) -> tuple[Response, int]:
    return jsonify(error=str(exc)), 503


def _body() -> Mapping[str, Any]:
    body = request.get_json(silent=True)
    return body if isinstance(body, Mapping) else {}


def _auth_field(body: Mapping[str, Any], name: str) -> str | None:
    auth = body.get("authorizationEventObject")
    value = auth.get(name) if isinstance(auth, Mapping) else None
    return value if isinstance(value, str) and value else None


def _bearer(body: Mapping[str, Any]) -> str | None:
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer ") :].strip()
    return _auth_field(body, "systemIdToken")


def _certs(res: Resources) -> Callable[[], Mapping[str, str]]:
    if res.certs is None:
        res.certs = GoogleCerts(res.settings.certs_url)
    return res.certs


@bp.before_request
def _verify() -> tuple[Response, int] | None:
    res = resources()
    settings = res.settings
    if not settings.service_account_email or not (settings.base_url or settings.audience):
        return jsonify(
            error="add-on not configured: set addon.base_url and addon.service_account_email"
        ), 401
    body = _body()
    token = _bearer(body)
    if not token:
        raise AddonAuthError("missing system ID token")
    audience = settings.audience or f"{settings.base_url}{request.path}"
    verify_system_token(
        token,
        audience=audience,
        service_account_email=settings.service_account_email,
        certs=_certs(res),
    )
    problem = sheet_problem(res.config, body)
    if problem and request.endpoint != "addon.homepage":  # the homepage explains it instead
        raise NotAllowed(problem)
    return None


def sheet_problem(config: Config, body: Mapping[str, Any]) -> str | None:
    """Return why the event's spreadsheet is not the configured one, or None when it is."""
    if config.sheets is None:
        return "no spreadsheet is configured: set [sheets] spreadsheet_key to the model sheet's id"
    sheet = body.get("sheets")
    given = sheet.get("id") if isinstance(sheet, Mapping) else None
    if not isinstance(given, str) or not given:
        return "open the model spreadsheet and grant tiersync access to it"
    if not hmac.compare_digest(given.encode(), config.sheets.spreadsheet_key.encode()):
        return "this is not the spreadsheet tiersync is configured for ([sheets] spreadsheet_key)"
    return None


def manager(res: Resources, body: Mapping[str, Any]) -> str:
    """Return the verified email of the acting manager, else raise NotAllowed or AddonAuthError."""
    settings = res.settings
    if not settings.managers or not settings.oauth_client_id:
        raise NotAllowed(
            "only managers may apply a model or start a sync: set addon.oauth_client_id and "
            "list their emails in addon.managers"
        )
    token = _auth_field(body, "userIdToken")
    if token is None:
        raise AddonAuthError("missing user ID token")
    email = verify_user_token(token, client_id=settings.oauth_client_id, certs=_certs(res))
    if email not in settings.managers:
        raise NotAllowed(f"{email} is not in addon.managers: ask a manager to apply or sync")
    return email


def _base() -> str:
    return resources().settings.base_url or request.host_url.rstrip("/")


@bp.post("/homepage")
def homepage() -> Response:
    """Show the model status, last validation, last run and the actions."""
    res = resources()
    problem = sheet_problem(res.config, _body())
    if problem:
        return jsonify(cards.push(cards.notice_card("tiersync", [problem])))
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
    """Apply the sheet's model as a new version (the next sync uses it); managers only."""
    res = resources()
    user = manager(res, _body())
    title, lines = addon_actions.apply(res.config, res.store, user)
    return jsonify(cards.update(cards.message_card(_base(), title, lines), title))


@bp.post("/sync")
def sync_now() -> Response:
    """Start a sync in the background (one at a time, at most once per interval); managers only."""
    res = resources()
    manager(res, _body())
    title, lines = start_sync(res)
    return jsonify(cards.update(cards.message_card(_base(), title, lines), title))


MANIFEST_PLACEHOLDER = "https://tiersync.example.com"


def render_manifest(template: Mapping[str, Any], base_url: str) -> dict[str, Any]:
    """Return the deployment descriptor with the placeholder base URL replaced by base_url."""
    if not base_url.startswith("https://"):
        raise ValueError("the base URL must start with https:// (Google only calls HTTPS)")
    text = json.dumps(template).replace(MANIFEST_PLACEHOLDER, base_url.rstrip("/"))
    rendered: dict[str, Any] = json.loads(text)
    return rendered
