"""The web-facing tables, [webhooks], [addon] and [dashboard], with the secrets they name."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from connectors.errors import ConfigError
from connectors.tables import known, positive_int, text

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
    def from_tables(
        cls,
        hooks: Mapping[str, Any],
        addon: Mapping[str, Any],
        dash: Mapping[str, Any],
        env: Mapping[str, str],
    ) -> WebSettings:
        """Validate the three tables and read the secrets they name from the environment."""
        known(
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
        known("addon", addon, ("base_url", "audience", "service_account_email"))
        known("dashboard", dash, ("token_env",))
        path_env = text(hooks, "path_token_env", "webhooks") or ENV_DEFAULTS["path_token_env"]
        secret_env = text(hooks, "hmac_secret_env", "webhooks") or ENV_DEFAULTS["hmac_secret_env"]
        org_env = text(hooks, "org_id_env", "webhooks") or ENV_DEFAULTS["org_id_env"]
        token_env = text(dash, "token_env", "dashboard") or ENV_DEFAULTS["token_env"]
        base = text(addon, "base_url", "addon")
        if base is not None and not base.startswith("https://"):
            raise ConfigError("addon.base_url: must start with https:// (Google calls it)")
        return cls(
            org_id=text(hooks, "org_id", "webhooks") or env.get(org_env) or None,
            path_token=env.get(path_env) or None,
            hmac_secret=env.get(secret_env) or None,
            max_body=positive_int(hooks, "max_body_bytes", DEFAULT_MAX_BODY, "webhooks"),
            replay_window=positive_int(hooks, "replay_window_seconds", 300, "webhooks"),
            base_url=base.rstrip("/") if base else None,
            audience=text(addon, "audience", "addon"),
            service_account_email=text(addon, "service_account_email", "addon"),
            dashboard_token=env.get(token_env) or None,
            dashboard_token_env=token_env,
            path_token_env=path_env,
        )
