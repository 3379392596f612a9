"""What a package install reads at run time: the add-on manifest, the SFDX project, the extras."""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main
from plugin.errors import ConfigError
from plugin.store.database import Store

ROOT = Path(__file__).resolve().parents[3]
SFDX = ROOT / "plugin" / "salesforce"


def test_the_packaged_manifest_is_the_top_level_one() -> None:
    # manifest.json stays at the top (where gcloud users look); the package ships a copy.
    packaged = ROOT / "plugin" / "web" / "manifest.json"
    assert packaged.read_bytes() == (ROOT / "manifest.json").read_bytes(), (
        "edit both: cp manifest.json plugin/web/manifest.json"
    )


def test_addon_manifest_works_in_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["addon", "manifest", "--base-url", "https://t.example.org"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["addOns"]["common"]["homepageTrigger"]["runFunction"] == (
        "https://t.example.org/addon/homepage"
    )
    assert "tiersync.example.com" not in result.output


def test_addon_manifest_names_a_broken_template(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "manifest.json").write_text("{not json", encoding="utf-8")
    result = CliRunner().invoke(main, ["addon", "manifest", "--base-url", "https://t.example.org"])
    assert result.exit_code == 1
    assert "manifest.json: not valid JSON" in result.output
    assert "Traceback" not in result.output


def test_salesforce_metadata_writes_the_whole_sfdx_project(tmp_path: Path) -> None:
    out = tmp_path / "sfdx"
    result = CliRunner().invoke(main, ["salesforce", "metadata", "--out", str(out)])
    assert result.exit_code == 0, result.output
    shipped = sorted(p.relative_to(SFDX) for p in SFDX.rglob("*") if p.is_file())
    written = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert written == shipped
    assert all((out / p).read_bytes() == (SFDX / p).read_bytes() for p in shipped)
    assert json.loads((out / "sfdx-project.json").read_text())["packageDirectories"]
    assert "20 Account fields, 2 permission sets" in result.output
    assert f"cd {out} && sf project deploy start --source-dir force-app" in result.output


def test_salesforce_metadata_into_a_file_path_says_so(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("x", encoding="utf-8")
    result = CliRunner().invoke(main, ["salesforce", "metadata", "--out", str(blocker)])
    assert result.exit_code != 0
    assert "Traceback" not in result.output and str(blocker) in result.output


def test_postgresql_without_its_driver_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    with pytest.raises(ConfigError, match=r"pip install 'tiersync\[postgres\]'"):
        Store("postgresql://tiersync@db.internal/tiersync")
    result = CliRunner().invoke(
        main,
        ["db", "upgrade"],
        env={"TIERSYNC_DATABASE_URL": "postgresql://tiersync@db.internal/tiersync"},
    )
    assert result.exit_code == 2
    assert result.output.strip() == (
        "Error: store.url: PostgreSQL needs its driver (psycopg), which is not installed: "
        "pip install 'tiersync[postgres]' (store postgresql+psycopg://tiersync@db.internal/tiersync)"
    )


def test_the_postgres_extra_and_the_license_are_declared() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    assert any(d.startswith("psycopg[binary]") for d in extras["postgres"])
    assert any(d.startswith("psycopg[binary]") for d in extras["test"])
    assert project["license"] == "MIT"
    assert "Copyright (c) the tiersync authors" in (ROOT / "LICENSE").read_text(encoding="utf-8")
