"""`tiersync sync`, `runs` and `db upgrade` as a manager meets them."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main
from plugin.store.schema import SCHEMA_VERSION


def test_sync_on_the_embedded_default_prints_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["sync", "--today", "2026-11-01"])
    assert result.exit_code == 0, result.output
    for text in ("run 1: succeeded", "Tier 1", "target", "health: Healthy", "accounts: 1300"):
        assert text in result.output
    assert "failures: 0, API calls: 0, duration:" in result.output
    assert (tmp_path / "tiersync-output" / "accounts.csv").exists()
    assert (tmp_path / "tiersync.db").exists()
    runs = CliRunner().invoke(main, ["runs"])
    assert runs.exit_code == 0 and "#1" in runs.output and "succeeded" in runs.output
    failing = CliRunner().invoke(main, ["runs", "--failures"])
    assert failing.exit_code == 0 and failing.output == "no record is failing\n"


def test_dry_run_lists_what_would_change(sync_dir: Path) -> None:
    args = [
        "sync",
        "--dry-run",
        "--today",
        "2026-11-01",
        "--config",
        str(sync_dir / "tiersync.toml"),
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "DRY RUN" in result.output and "would write: 8" in result.output
    assert (
        "A1                 new -> Tier 1  (tier, score, health, next_action, reason)"
        in result.output
    )
    assert not (sync_dir / "out").exists()


def test_config_errors_name_the_key_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "tiersync.toml"
    bad.write_text('[schedule]\ntimezone = "Europe/Pariss"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["sync", "--config", str(bad)])
    assert result.exit_code == 2
    assert "schedule.timezone: unknown time zone 'Europe/Pariss'" in result.output
    assert "Traceback" not in result.output


def test_a_held_lock_is_reported_with_its_holder(sync_dir: Path) -> None:
    from plugin.config import load_config
    from plugin.store.database import Store

    store = Store(load_config(sync_dir / "tiersync.toml", env={}).store_url)
    store.upgrade()
    store.acquire_lock("sync", "other-host:4242:1", 600)
    result = CliRunner().invoke(main, ["sync", "--config", str(sync_dir / "tiersync.toml")])
    assert result.exit_code == 1
    assert "another sync is running: other-host:4242:1" in result.output
    store.dispose()


def test_db_upgrade(sync_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["db", "upgrade", "--config", str(sync_dir / "tiersync.toml")]
    )
    assert result.exit_code == 0 and f"schema v{SCHEMA_VERSION}" in result.output
