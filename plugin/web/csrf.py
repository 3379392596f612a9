"""A per-session CSRF token for the dashboard's forms (the session cookie alone is not enough)."""

from __future__ import annotations

import hmac
import secrets

from flask import session

FIELD = "csrf_token"


def token() -> str:
    """Return this session's token, creating it on first use."""
    value = session.get(FIELD)
    if not isinstance(value, str) or not value:
        value = secrets.token_urlsafe(32)
        session[FIELD] = value
    return value


def valid(given: str | None) -> bool:
    """Return True when a form carried this session's token."""
    expected = session.get(FIELD)
    if not isinstance(expected, str) or not expected or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())
