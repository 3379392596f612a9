"""The Flask application: webhooks, the Sheets add-on backend, the dashboard and its JSON API.

flaskr-style: `create_app(test_config=None)` builds the app, resources are attached by
`init_app`, and nothing long-running starts here (the inbox worker is `tiersync worker`, or a
thread `tiersync serve` starts itself), so importing or testing the app never spawns work.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from plugin.web import addon, api, auth, dashboard, review, security, webhooks
from plugin.web.resources import init_app


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the tiersync web app (test_config overrides config, store, clock, certs)."""
    app = security.TiersyncFlask(__name__)
    app.config.from_mapping(JSON_SORT_KEYS=False)
    if test_config is not None:
        app.config.update(test_config)
    res = init_app(app)
    auth.configure(app, res.settings)
    security.init_app(app)

    app.register_blueprint(webhooks.bp)
    app.register_blueprint(addon.bp)
    app.register_blueprint(auth.bp)
    app.register_blueprint(dashboard.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(review.bp)
    # browsers ask for /favicon.ico whatever the page links; served without the sign-in
    app.add_url_rule("/favicon.ico", "favicon", lambda: app.send_static_file("favicon.ico"))
    return app
