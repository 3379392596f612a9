"""Model versions: applied on change, history, rollback that sticks, last good sheet model."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from connectors.errors import ConfigError
from plugin.cli import main
from plugin.config import load_config
from plugin.model import versions
from plugin.store.database import Store
from scoring import DEFAULT_MODEL, ModelError, model_hash


def _edited(min_score: float) -> dict[str, Any]:
    model = copy.deepcopy(DEFAULT_MODEL)
    next(t for t in model["tiers"] if t["name"] == "Tier 2")["min_score"] = min_score
    return model


def _file_config(tmp_path: Path, model: dict[str, Any]) -> Path:
    (tmp_path / "model.json").write_text(json.dumps(model), encoding="utf-8")
    path = tmp_path / "tiersync.toml"
    path.write_text('[model]\npath = "model.json"\n[store]\nurl = "sqlite:///t.db"\n', "utf-8")
    return path


def test_the_source_model_is_applied_once_and_again_when_edited(tmp_path: Path) -> None:
    config = load_config(_file_config(tmp_path, _edited(45)), env={})
    store = Store(config.store_url)
    store.upgrade()
    first = versions.resolve_model(config, store)
    assert first.version == model_hash(_edited(45)) and first.notes
    assert versions.resolve_model(config, store).notes == []
    assert len(versions.history(store)) == 1
    (tmp_path / "model.json").write_text(json.dumps(_edited(50)), encoding="utf-8")
    assert versions.resolve_model(config, store).version == model_hash(_edited(50))
    assert [v.hash for v in versions.history(store)] == [model_hash(_edited(50)), first.version]
    store.dispose()


def test_a_rollback_stays_in_use_until_the_source_is_edited(tmp_path: Path) -> None:
    config = load_config(_file_config(tmp_path, _edited(45)), env={})
    store = Store(config.store_url)
    store.upgrade()
    old = versions.resolve_model(config, store).version
    (tmp_path / "model.json").write_text(json.dumps(_edited(50)), encoding="utf-8")
    versions.resolve_model(config, store)
    back = versions.rollback(store, old[:6], "ann")
    assert back.hash == old and back.applied_by == "ann" and back.note == "rollback to #1"
    assert versions.resolve_model(config, store).version == old
    (tmp_path / "model.json").write_text(json.dumps(_edited(55)), encoding="utf-8")
    assert versions.resolve_model(config, store).version == model_hash(_edited(55))
    store.dispose()


def test_unknown_versions_are_named(tmp_store: Store) -> None:
    with pytest.raises(ConfigError, match="no model version matches 'abc'"):
        versions.find_version(tmp_store, "abc")
    versions.apply_version(tmp_store, DEFAULT_MODEL, "x", "me")
    assert versions.find_version(tmp_store, "#1").hash == model_hash(DEFAULT_MODEL)


def test_an_invalid_file_model_stops_the_run(tmp_path: Path) -> None:
    bad = _edited(45)
    bad["criteria"][0]["weight"] = "heavy"
    config = load_config(_file_config(tmp_path, bad), env={})
    store = Store(config.store_url)
    store.upgrade()
    with pytest.raises(ModelError):
        versions.resolve_model(config, store)
    assert versions.history(store) == []
    store.dispose()


class FakeSheet:
    """Stands in for the Sheets connector's model and Status roles."""

    last_model = None  # no cells known: errors are listed as the schema says them

    def __init__(self, data: dict[str, Any]) -> None:
        self.data, self.statuses = data, []  # type: ignore[var-annotated]
        self.model = self.status = self

    def read_model(self, with_accounts: bool = False) -> dict[str, Any]:
        return self.data

    def write_status(self, lines: Any, version: str, when: Any, *, kept_version: Any) -> None:
        self.statuses.append((list(lines), version, kept_version))


def test_an_invalid_sheet_model_keeps_the_last_good_version(tmp_path: Path) -> None:
    path = tmp_path / "tiersync.toml"
    path.write_text(
        '[model]\nsource = "sheet"\n[sheets]\nspreadsheet_key = "s1"\n'
        '[store]\nurl = "sqlite:///t.db"\n',
        encoding="utf-8",
    )
    config = load_config(path, env={})
    sheet = FakeSheet(DEFAULT_MODEL)
    store = Store(config.store_url)
    store.upgrade()
    good = versions.resolve_model(config, store, sheet=sheet)
    assert sheet.statuses[-1] == ([], good.version, None)
    broken = copy.deepcopy(DEFAULT_MODEL)
    broken["criteria"][0]["weight"] = 95
    sheet.data = broken
    kept = versions.resolve_model(config, store, sheet=sheet)
    assert kept.version == good.version
    assert kept.notes and "kept version" in kept.notes[0]
    lines, version, kept_version = sheet.statuses[-1]
    assert lines and version == model_hash(broken) and kept_version == good.version
    assert len(versions.history(store)) == 1
    store.dispose()


def test_history_and_rollback_commands(tmp_path: Path) -> None:
    path = _file_config(tmp_path, _edited(45))
    config = load_config(path, env={})
    store = Store(config.store_url)
    store.upgrade()
    first = versions.resolve_model(config, store).version
    (tmp_path / "model.json").write_text(json.dumps(_edited(50)), encoding="utf-8")
    versions.resolve_model(config, store)
    store.dispose()
    runner = CliRunner()
    shown = runner.invoke(main, ["model", "history", "--config", str(path)])
    assert shown.exit_code == 0 and first in shown.output
    assert shown.output.splitlines()[0].startswith("* #2")
    rolled = runner.invoke(main, ["model", "rollback", first, "--config", str(path)])
    assert rolled.exit_code == 0, rolled.output
    assert f"model version {first} is in use again" in rolled.output
    assert "Not undone: tiers and fields written under later versions" in rolled.output
    assert "`tiersync sync` does it now" in rolled.output
    missing = runner.invoke(main, ["model", "rollback", "ffff99", "--config", str(path)])
    assert missing.exit_code == 2 and "no model version matches" in missing.output
    assert "Traceback" not in missing.output
