"""What the web views use — config, settings, store, clock — attached to the app by init_app.

Kept apart from plugin.web.app so the blueprints can import it without importing the app that
registers them (one direction: app -> blueprints -> resources).
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app

from plugin.changes.intake import GroupCommit
from plugin.config import Config, WebSettings, load_config
from plugin.store.database import Store


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
    settings = config.web
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
    resources.committer = GroupCommit(store)
    app.extensions["tiersync"] = resources
    # One byte over max_body: Werkzeug (and waitress) refuse a read *at* their limit, and a body
    # of exactly max_body bytes is acceptable; read_body refuses anything longer itself.
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body + 1
    if not app.config.get("SECRET_KEY"):
        # Derived from the dashboard token: sessions survive restarts and die when it rotates.
        seed = (settings.dashboard_token or "").encode() or _random_seed()
        app.config["SECRET_KEY"] = hashlib.sha256(b"tiersync-session:" + seed).hexdigest()
    return resources


def _random_seed() -> bytes:
    return secrets.token_bytes(32)


def resources() -> Resources:
    """Return the resources of the running app."""
    found: Resources = current_app.extensions["tiersync"]
    return found
