"""Dashboard sign-in: the token is posted once, then a signed session cookie; never in a URL.

The cookie is Secure, HttpOnly and SameSite=Lax, lives `dashboard.session_hours` (12 h) from
sign-in and is not renewed by use. It holds a random salt and an HMAC of it keyed by the token,
so it reveals nothing about the token and dies when the token rotates; signing out records the
salt in the store's replay table, so a copied cookie stops working too. Scripts send
`Authorization: Bearer <token>` instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, Flask, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue

from plugin.config import WebSettings
from plugin.config.web import LOOPBACK_HOSTS
from plugin.store import replays
from plugin.web import csrf
from plugin.web.resources import resources

bp = Blueprint("auth", __name__)
SESSION_KEY = "dashboard"


def configure(app: Flask, settings: WebSettings) -> None:
    """Set the session cookie's flags and lifetime from the [dashboard] table."""
    app.config.update(
        SESSION_COOKIE_NAME="tiersync_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.secure_cookie,
        SESSION_REFRESH_EACH_REQUEST=False,  # the lifetime counts from sign-in, not last use
        PERMANENT_SESSION_LIFETIME=timedelta(hours=settings.session_hours),
    )


def _mac(token: str, salt: str) -> str:
    message = f"tiersync-dashboard-session:{salt}".encode()
    return hmac.new(token.encode(), message, hashlib.sha256).hexdigest()


def _signed_in(token: str) -> bool:
    data: Any = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return False
    salt, mac = str(data.get("salt", "")), str(data.get("mac", ""))
    if not salt or not hmac.compare_digest(mac.encode(), _mac(token, salt).encode()):
        return False
    res = resources()
    return not replays.seen(res.store, f"signout:{salt}", res.clock())


def require_token() -> ResponseReturnValue | None:
    """Let the request through with a valid session or Bearer token; else answer 400/401/403."""
    settings = resources().settings
    token = settings.dashboard_token
    if not token:
        return _closed(settings.dashboard_token_env)
    if "token" in request.args:
        return message(
            400,
            "A token in the address is refused: addresses end up in logs and browser history. "
            "Sign in with the form below (or send Authorization: Bearer from a script), and "
            "consider rotating the token.",
        )
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header[len("Bearer ") :].strip()
        return (
            None
            if hmac.compare_digest(given.encode(), token.encode())
            else message(401, "Wrong token.")
        )
    if _signed_in(token):
        return None
    return message(401, "Sign in with the dashboard token.")


@bp.post("/signin")
def signin() -> ResponseReturnValue:
    """Check the posted token and start a session."""
    settings = resources().settings
    token = settings.dashboard_token
    if not token:
        return _closed(settings.dashboard_token_env)
    if not settings.secure_cookie and urlsplit(request.host_url).hostname not in LOOPBACK_HOSTS:
        return message(
            403, "dashboard.secure_cookie = false is for http://localhost only; remove it."
        )
    given = request.form.get("token", "")
    if not hmac.compare_digest(given.encode(), token.encode()):
        return message(401, "Wrong token.")
    salt = secrets.token_hex(16)
    session.clear()
    session[SESSION_KEY] = {"salt": salt, "mac": _mac(token, salt)}
    csrf.token()  # made at sign-in, so viewing a page never rewrites (renews) the cookie
    session.permanent = True
    return redirect(url_for("dashboard.index"), code=303)


@bp.post("/signout")
def signout() -> ResponseReturnValue:
    """End the session, and refuse its cookie from now on even if a copy was kept."""
    data: Any = session.get(SESSION_KEY)
    if isinstance(data, dict) and data.get("salt"):
        res = resources()
        hours = res.settings.session_hours
        until = res.clock() + timedelta(hours=hours).total_seconds()
        replays.remember(res.store, f"signout:{data['salt']}", until, res.clock())
    session.clear()
    return redirect(url_for("dashboard.index"), code=303)


def _closed(env_name: str) -> tuple[Response, int]:
    text = (
        f"The dashboard is closed because no token is configured. Set the environment "
        f"variable {env_name} (or name another one with dashboard.token_env in tiersync.toml) "
        f"and restart."
    )
    return message(403, text, form=False)


def message(status: int, text: str, form: bool = True) -> tuple[Response, int]:
    """Return the plain page with a message (and the sign-in form unless form is False)."""
    page = render_template("message.html", text=text, form=form)
    return Response(page, mimetype="text/html"), status
