"""What the web views use — config, settings, store, clock — attached to the app by init_app.

Kept apart from plugin.web.app so the blueprints can import it without importing the app that
registers them (one direction: app -> blueprints -> resources).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from connectors.errors import ConfigError
from plugin.config import Config, load_config
from plugin.store.database import Store

DEFAULT_MAX_BODY = 1_048_576  # 100 notifications with every Account field stay well below 1 MiB
ENV_DEFAULTS = {
    "path_token_env": "TIERSYNC_WEBHOOK_PATH_TOKEN",
    "hmac_secret_env": "TIERSYNC_WEBHOOK_SECRET",
    "org_id_env": "TIERSYNC_SF_ORG_ID",
    "token_env": "TIERSYNC_DASHBOARD_TOKEN",
}


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
    dashboard_token: str | None = None
    dashboard_token_env: str = ENV_DEFAULTS["token_env"]
    path_token_env: str = ENV_DEFAULTS["path_token_env"]

    @classmethod
    def from_config(cls, config: Config) -> WebSettings:
        """Validate the three tables and read the secrets they name from the environment."""
        hooks, addon, dash = config.webhooks, config.addon, config.dashboard
        _known(
            "webhooks",
            hooks,
            (
                "org_id",
                "org_id_env",
                "path_token_env",
                "hmac_secret_env",
                "max_body_bytes",
                "replay_window_seconds",
            ),
        )
        _known("addon", addon, ("base_url", "audience", "service_account_email"))
        _known("dashboard", dash, ("token_env",))
        env = config.env
        path_env = _str(hooks, "path_token_env", "webhooks") or ENV_DEFAULTS["path_token_env"]
        secret_env = _str(hooks, "hmac_secret_env", "webhooks") or ENV_DEFAULTS["hmac_secret_env"]
        org_env = _str(hooks, "org_id_env", "webhooks") or ENV_DEFAULTS["org_id_env"]
        token_env = _str(dash, "token_env", "dashboard") or ENV_DEFAULTS["token_env"]
        base = _str(addon, "base_url", "addon")
        if base is not None and not base.startswith("https://"):
            raise ConfigError("addon.base_url: must start with https:// (Google calls it)")
        return cls(
            org_id=_str(hooks, "org_id", "webhooks") or env.get(org_env) or None,
            path_token=env.get(path_env) or None,
            hmac_secret=env.get(secret_env) or None,
            max_body=_int(hooks, "max_body_bytes", DEFAULT_MAX_BODY),
            replay_window=_int(hooks, "replay_window_seconds", 300),
            base_url=base.rstrip("/") if base else None,
            audience=_str(addon, "audience", "addon"),
            service_account_email=_str(addon, "service_account_email", "addon"),
            dashboard_token=env.get(token_env) or None,
            dashboard_token_env=token_env,
            path_token_env=path_env,
        )


def _known(table: str, data: Mapping[str, Any], keys: tuple[str, ...]) -> None:
    for key in data:
        if key not in keys:
            raise ConfigError(f"{table}.{key}: unknown key (expected one of {', '.join(keys)})")


def _str(data: Mapping[str, Any], key: str, table: str) -> str | None:
    value = data.get(key)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ConfigError(f"{table}.{key}: expected a non-empty string")
    return value.strip() if isinstance(value, str) else None


def _int(data: Mapping[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ConfigError(f"webhooks.{key}: expected a positive whole number")
    return value


@dataclass
class Resources:
    """What the views use: config, settings, store, clock and the injectable outside systems."""

    config: Config
    settings: WebSettings
    store: Store
    clock: Callable[[], float]
    certs: Callable[[], Mapping[str, str]] | None = None  # None: fetch Google's certificates
    connector_factory: Callable[[], Any] | None = None  # None: built from the config
    committer: Any = None  # the inbox's GroupCommit, set by init_app


def init_app(app: Flask) -> Resources:
    """Build the resources from app.config, upgrade the store and attach both to the app."""
    config = app.config.get("TIERSYNC_CONFIG")
    if config is None:
        config = load_config(app.config.get("TIERSYNC_CONFIG_PATH"))
    settings = WebSettings.from_config(config)
    store = app.config.get("TIERSYNC_STORE") or Store(config.store_url)
    store.upgrade()
    resources = Resources(
        config,
        settings,
        store,
        app.config.get("TIERSYNC_CLOCK") or time.time,
        app.config.get("TIERSYNC_CERTS"),
        app.config.get("TIERSYNC_CONNECTOR_FACTORY"),
    )
    from plugin.changes.inbox import GroupCommit

    resources.committer = GroupCommit(store)
    app.extensions["tiersync"] = resources
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body
    if not app.config.get("SECRET_KEY"):
        # Derived from the dashboard token: sessions survive restarts and die when it rotates.
        seed = (settings.dashboard_token or "").encode() or _random_seed()
        app.config["SECRET_KEY"] = hashlib.sha256(b"tiersync-session:" + seed).hexdigest()
    return resources


def _random_seed() -> bytes:
    import secrets

    return secrets.token_bytes(32)


def resources() -> Resources:
    """Return the resources of the running app."""
    found: Resources = current_app.extensions["tiersync"]
    return found
