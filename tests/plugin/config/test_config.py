"""Configuration: defaults with no file, validation messages that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.errors import ConfigError
from plugin.config import load_config


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiersync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_no_file_gives_the_embedded_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.path is None
    assert config.sources == ("local",) and config.sinks == ("local",)
    assert config.local.source is None
    assert config.local.output == tmp_path / "tiersync-output" / "accounts.csv"
    assert config.store_url == f"sqlite:///{tmp_path / 'tiersync.db'}"
    assert (config.schedule.cron, config.schedule.timezone) == ("0 2 * * *", "UTC")
    assert config.model.source == "default"


def test_finds_tiersync_toml_in_the_working_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(tmp_path, '[schedule]\ncron = "30 1 * * 1-5"\ntimezone = "Europe/Paris"\n')
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config.path == (tmp_path / "tiersync.toml").resolve()
    assert config.schedule.timezone == "Europe/Paris"
    assert config.schedule.cron == "30 1 * * 1-5"


def test_paths_are_relative_to_the_config_file(tmp_path: Path) -> None:
    (tmp_path / "model.json").write_text("{}", encoding="utf-8")
    path = _write(
        tmp_path,
        '[local]\nsource = "in.csv"\noutput = "out/accounts.csv"\n'
        '[model]\npath = "model.json"\n[store]\nurl = "sqlite:///state.db"\n',
    )
    config = load_config(path, env={})
    assert config.local.source == tmp_path / "in.csv"
    assert config.local.output == tmp_path / "out" / "accounts.csv"
    assert config.model.source == "file" and config.model.path == tmp_path / "model.json"
    assert config.store_url == f"sqlite:///{tmp_path / 'state.db'}"


def test_store_url_comes_from_the_environment_first(tmp_path: Path) -> None:
    path = _write(tmp_path, '[store]\nurl = "sqlite:///x.db"\nurl_env = "MY_DB"\n')
    config = load_config(path, env={"MY_DB": "postgresql://u:secret@db/tiersync"})
    assert config.store_url == "postgresql://u:secret@db/tiersync"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[schedule]\ntimezone = "Europe/Pariss"\n',
            "schedule.timezone: unknown time zone 'Europe/Pariss'",
        ),
        (
            '[schedule]\ncron = "61 2 * * *"\n',
            "schedule.cron: invalid cron expression '61 2 * * *'",
        ),
        ('sources = ["hubspot"]\n', "sources: unknown connector 'hubspot'"),
        (
            'sources = ["salesforce"]\n',
            "sources: 'salesforce' is used but there is no [salesforce]",
        ),
        ("[sync]\nbatch_size = 0\n", "sync.batch_size: must be at least 1"),
        ('[sync]\nbatch_size = "big"\n', "sync.batch_size: expected int, got 'big'"),
        ('[model]\nsource = "sheet"\n', "model.source: 'sheet' needs a [sheets] table"),
        ('[model]\nsource = "file"\n', "model.path: required when model.source is 'file'"),
        ('[model]\npath = "nope.json"\n', "model.path: file not found"),
        ("[report]\ngross_margin = 1.5\n", "report.gross_margin: must be between 0 and 1"),
        ('[report.investment]\n"Tier 1" = -3\n', "report.investment.Tier 1: expected an amount"),
        ("[storage]\n", "storage: unknown key"),
        ('[local]\nsorce = "x.csv"\n', "local.sorce: unknown key"),
        ("schedule = 3\n", "schedule: must be a table"),
        ('[store]\nurl = "tiersync.db"\n', "store.url: not a database URL"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_config(_write(tmp_path, text), env={})
    assert message in str(err.value)


def test_missing_and_broken_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path / "absent.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(_write(tmp_path, "[schedule\n"), env={})


def test_web_tables_are_typed_at_load(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        '[webhooks]\norg_id = "00D000000000001"\nhmac_secret_env = "HOOK_SECRET"\n'
        '[dashboard]\ntoken_env = "DASH_TOKEN"\n[addon]\naudience = "https://x.example"\n',
    )
    config = load_config(path, env={"HOOK_SECRET": "s" * 32})
    assert config.web.org_id == "00D000000000001"
    assert config.web.hmac_secret == "s" * 32
    assert config.web.dashboard_token_env == "DASH_TOKEN"
    assert config.web.audience == "https://x.example"
    assert config.env["HOOK_SECRET"] == "s" * 32
