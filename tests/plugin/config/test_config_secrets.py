"""One rule for secrets: never in the file, long enough, and never echoed in a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from plugin.config import load_config
from plugin.errors import StoreError
from plugin.store.database import Store

HIDDEN = "hunter2-correct-horse-battery-staple"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiersync.toml"
    path.write_text(text, encoding="utf-8")
    return path


#: config text -> (where the message points, the variable it names, the key naming another one)
IN_FILE = {
    f'[webhooks]\nhmac_secret = "{HIDDEN}"\n': (
        "webhooks.hmac_secret",
        "TIERSYNC_WEBHOOK_SECRET",
        "hmac_secret_env",
    ),
    f'[webhooks]\npath_token = "{HIDDEN}"\n': (
        "webhooks.path_token",
        "TIERSYNC_WEBHOOK_PATH_TOKEN",
        "path_token_env",
    ),
    f'[dashboard]\ntoken = "{HIDDEN}"\n': (
        "dashboard.token",
        "TIERSYNC_DASHBOARD_TOKEN",
        "token_env",
    ),
    f'[dashboard]\ntoken_env = "DASH"\ntoken = "{HIDDEN}"\n': (
        "dashboard.token",
        "DASH",
        "token_env",
    ),
    f'[store]\nurl = "postgresql://tiersync:{HIDDEN}@db/tiersync"\n': (
        "store.url (it holds a password)",
        "TIERSYNC_DATABASE_URL",
        "url_env",
    ),
    f'[salesforce]\ndomain = "login"\npassword = "{HIDDEN}"\n': (
        "salesforce.password",
        "TIERSYNC_SF_PASSWORD",
        "password_env",
    ),
}


@pytest.mark.parametrize(
    "text",
    list(IN_FILE),
    ids=["hmac-secret", "path-token", "dashboard-token", "named-variable", "store-url", "sf-pass"],
)
def test_a_secret_in_the_file_is_refused_with_the_variable_to_use(
    tmp_path: Path, text: str
) -> None:
    where, variable, env_key = IN_FILE[text]
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, text), env={})
    assert str(err.value) == (
        f"{where}: secrets do not belong in the config file; set the environment variable "
        f"{variable} instead (or name another variable with {env_key})"
    )


def test_a_store_url_without_password_may_stay_in_the_file(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, '[store]\nurl = "postgresql://tiersync@db/t"\n'), env={})
    assert config.store_url == "postgresql://tiersync@db/t"


@pytest.mark.parametrize(
    "variable",
    ["TIERSYNC_WEBHOOK_SECRET", "TIERSYNC_WEBHOOK_PATH_TOKEN", "TIERSYNC_DASHBOARD_TOKEN"],
)
def test_short_secrets_are_refused_at_start(tmp_path: Path, variable: str) -> None:
    short = "s3cr3t-" + "x" * 24  # 31 characters
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, ""), env={variable: short})
    message = str(err.value)
    assert message.startswith(f"{variable}: the secret has 31 characters; use at least 32")
    assert short not in message
    assert load_config(write(tmp_path, ""), env={variable: short + "y"}) is not None


def test_a_malformed_store_url_is_not_echoed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(write(tmp_path, ""), env={"TIERSYNC_DATABASE_URL": f"tiersync:{HIDDEN}@db"})
    assert str(err.value).startswith("TIERSYNC_DATABASE_URL: not a database URL")
    assert HIDDEN not in str(err.value)


@pytest.mark.parametrize(
    "url",
    [f"postgresql+psycopg2://tiersync:{HIDDEN}@db/t", f"mysql://tiersync:{HIDDEN}@db/t"],
    ids=["driver-missing", "dialect-driver-missing"],
)
def test_store_errors_mask_the_password(url: str) -> None:
    with pytest.raises(StoreError) as err:
        Store(url)
    assert HIDDEN not in str(err.value) and "tiersync:***@db/t" in str(err.value)
