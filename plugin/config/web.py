"""The web-facing tables, [webhooks], [addon] and [dashboard], with the secrets they name.

Secrets come from the environment only, and must be long enough to resist guessing: a secret
written in the file, or a short one, is a configuration error that names the variable to set.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from connectors.errors import ConfigError
from connectors.tables import known, positive_int, refuse_secrets, text

DEFAULT_MAX_BODY = 1_048_576  # 100 notifications with every Account field stay well below 1 MiB
MIN_SECRET_LENGTH = 32
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"
ENV_DEFAULTS = {
    "path_token_env": "TIERSYNC_WEBHOOK_PATH_TOKEN",
    "hmac_secret_env": "TIERSYNC_WEBHOOK_SECRET",
    "org_id_env": "TIERSYNC_SF_ORG_ID",
    "token_env": "TIERSYNC_DASHBOARD_TOKEN",
}
HOOK_KEYS = (
    "org_id",
    "org_id_env",
    "path_token_env",
    "hmac_secret_env",
    "max_body_bytes",
    "replay_window_seconds",
)
ADDON_KEYS = (
    "base_url",
    "audience",
    "service_account_email",
    "oauth_client_id",
    "managers",
    "sync_interval_seconds",
    "certs_url",
)
DASH_KEYS = ("token_env", "secure_cookie", "session_hours")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class WebSettings:
    """The web-facing settings, read from [webhooks], [addon] and [dashboard] plus secrets."""

    org_id: str | None = None
    path_token: str | None = None
    hmac_secret: str | None = None
    max_body: int = DEFAULT_MAX_BODY
    replay_window: int = 300
    base_url: str | None = None
    audience: str | None = None
    service_account_email: str | None = None
    oauth_client_id: str | None = None  # the audience of the user ID token Google sends
    managers: frozenset[str] = frozenset()  # lower-cased emails allowed to apply and sync
    sync_interval: int = 300  # seconds between two "Sync now" starts from the add-on
    certs_url: str = GOOGLE_CERTS_URL
    dashboard_token: str | None = None
    dashboard_token_env: str = ENV_DEFAULTS["token_env"]
    secure_cookie: bool = True
    session_hours: int = 12
    path_token_env: str = ENV_DEFAULTS["path_token_env"]
    hmac_secret_env: str = ENV_DEFAULTS["hmac_secret_env"]

    @classmethod
    def from_tables(
        cls,
        hooks: Mapping[str, Any],
        addon: Mapping[str, Any],
        dash: Mapping[str, Any],
        env: Mapping[str, str],
    ) -> WebSettings:
        """Validate the three tables and read the secrets they name from the environment."""
        path_env = text(hooks, "path_token_env", "webhooks") or ENV_DEFAULTS["path_token_env"]
        secret_env = text(hooks, "hmac_secret_env", "webhooks") or ENV_DEFAULTS["hmac_secret_env"]
        token_env = text(dash, "token_env", "dashboard") or ENV_DEFAULTS["token_env"]
        refuse_secrets("webhooks", hooks, {"path_token": path_env, "hmac_secret": secret_env})
        refuse_secrets("dashboard", dash, {"token": token_env})
        known("webhooks", hooks, HOOK_KEYS)
        known("addon", addon, ADDON_KEYS)
        known("dashboard", dash, DASH_KEYS)
        org_env = text(hooks, "org_id_env", "webhooks") or ENV_DEFAULTS["org_id_env"]
        base = text(addon, "base_url", "addon")
        if base is not None and not base.startswith("https://"):
            raise ConfigError("addon.base_url: must start with https:// (Google calls it)")
        return cls(
            org_id=text(hooks, "org_id", "webhooks") or env.get(org_env) or None,
            path_token=_secret(env, path_env),
            hmac_secret=_secret(env, secret_env),
            max_body=positive_int(hooks, "max_body_bytes", DEFAULT_MAX_BODY, "webhooks"),
            replay_window=positive_int(hooks, "replay_window_seconds", 300, "webhooks"),
            base_url=base.rstrip("/") if base else None,
            audience=text(addon, "audience", "addon"),
            service_account_email=text(addon, "service_account_email", "addon"),
            oauth_client_id=text(addon, "oauth_client_id", "addon"),
            managers=_managers(addon.get("managers", [])),
            sync_interval=positive_int(addon, "sync_interval_seconds", 300, "addon"),
            certs_url=_certs_url(text(addon, "certs_url", "addon") or GOOGLE_CERTS_URL),
            dashboard_token=_secret(env, token_env),
            dashboard_token_env=token_env,
            secure_cookie=_flag(dash, "secure_cookie", True, "dashboard"),
            session_hours=positive_int(dash, "session_hours", 12, "dashboard"),
            path_token_env=path_env,
            hmac_secret_env=secret_env,
        )


def _secret(env: Mapping[str, str], variable: str) -> str | None:
    """Return the secret in `variable`, refusing one too short to resist guessing."""
    value = env.get(variable) or None
    if value is not None and len(value) < MIN_SECRET_LENGTH:
        raise ConfigError(
            f"{variable}: the secret has {len(value)} characters; use at least "
            f"{MIN_SECRET_LENGTH}, e.g. from: python -c "
            '"import secrets; print(secrets.token_urlsafe(32))"'
        )
    return value


def _managers(value: Any) -> frozenset[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError('addon.managers: expected a list of emails, e.g. ["ana@example.com"]')
    emails = [v.strip().lower() for v in value]
    for email in emails:
        name, at, domain = email.partition("@")
        if not name or not at or "." not in domain or any(c.isspace() for c in email):
            raise ConfigError(f"addon.managers: {email!r} is not an email address")
    return frozenset(emails)


def _certs_url(url: str) -> str:
    # plain HTTP only on this machine (a local mirror or a test), never across a network
    parsed = urlsplit(url)
    if parsed.scheme == "https" or (parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS):
        return url
    raise ConfigError("addon.certs_url: must start with https:// (or http://127.0.0.1 locally)")


def _flag(data: Mapping[str, Any], key: str, default: bool, table: str) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{table}.{key}: expected true or false")
    return value
