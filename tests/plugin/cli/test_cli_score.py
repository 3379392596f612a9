"""The CLI end to end: click's runner and the installed console script."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.local import SAMPLE_CSV
from plugin.cli import main
from scoring import DEFAULT_MODEL, load_model


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_score_writes_every_account_and_prints_the_summary(
    runner: CliRunner, tmp_path: Path
) -> None:
    out = tmp_path / "scored.csv"
    result = runner.invoke(
        main, ["score", str(SAMPLE_CSV), "-o", str(out), "--today", "2026-11-23"]
    )
    assert result.exit_code == 0, result.output
    assert "Tier 1" in result.output and "target" in result.output
    with out.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 1300
    assert all(r["tier"] in {"Tier 1", "Tier 2", "Tier 3", "Tier 4"} for r in rows)


def test_score_defaults_the_output_beside_the_input(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "book.csv"
    src.write_text("account_id,employees\nA1,lots\n")
    result = runner.invoke(main, ["score", str(src)])
    assert result.exit_code == 0, result.output
    with (tmp_path / "book-tiered.csv").open(newline="") as handle:
        row = next(csv.DictReader(handle))
    assert "employees: invalid" in row["data_issues"]


def test_score_with_a_custom_model(runner: CliRunner, tmp_path: Path) -> None:
    data = json.loads(json.dumps(DEFAULT_MODEL))
    data["tiers"][0]["min_score"] = 95
    model = tmp_path / "m.json"
    model.write_text(json.dumps(data))
    src = tmp_path / "in.csv"
    src.write_text(
        "account_id,arr_potential,employees,industry,tech_fit,buying_stage,competitive_position\n"
        "A1,$500K,5000,Banking,Strong,Evaluating,Competitive\n"
    )
    out = tmp_path / "out.csv"
    result = runner.invoke(main, ["score", str(src), "-o", str(out), "--model", str(model)])
    assert result.exit_code == 0, result.output
    with out.open(newline="") as handle:
        assert next(csv.DictReader(handle))["tier"] == "Tier 2"  # 89.0 < 95


def test_unreadable_csv_exits_non_zero_without_traceback(runner: CliRunner, tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("name,employees\nx,1\n")
    result = runner.invoke(main, ["score", str(src)])
    assert result.exit_code == 2  # fix the file (or map the column) and re-run
    assert "has no 'account_id' column" in result.output
    assert "Traceback" not in result.output


def test_model_export_prints_the_default_model(runner: CliRunner) -> None:
    result = runner.invoke(main, ["model", "export"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    for criterion in data["criteria"]:
        assert {"name", "weight"} <= set(criterion)
        assert ("bands" in criterion) != ("categories" in criterion)
        for band in criterion.get("bands", []):
            assert set(band) == {"min", "points"}
    assert (data["tiers"][0]["name"], data["tiers"][0]["min_score"]) == ("Tier 1", 75)
    load_model(data)


def test_model_validate_ok_and_failing(runner: CliRunner, tmp_path: Path) -> None:
    good = tmp_path / "good.json"
    good.write_text(json.dumps(DEFAULT_MODEL))
    ok = runner.invoke(main, ["model", "validate", str(good)])
    assert ok.exit_code == 0
    assert ok.output.startswith("OK: Tier 1 Account Qualification Scorecard: 6 criteria, 4 tiers")

    data = json.loads(json.dumps(DEFAULT_MODEL))
    data["criteria"][1]["weight"] = "twenty"
    data["tiers"][2]["min_score"] = 70
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data))
    failed = runner.invoke(main, ["model", "validate", str(bad)])
    assert failed.exit_code == 2
    lines = failed.output.splitlines()
    assert """  criterion 2 "Company Size" weight: must be a number, got 'twenty'""" in lines
    assert '  tier 3 "Tier 3" min_score: tier thresholds must strictly descend' in lines
    assert "Traceback" not in failed.output


@pytest.mark.parametrize(
    ("content", "message"),
    [("{not json", "not valid JSON: Expecting property name"), ("[1]", "must be a JSON object")],
)
def test_model_file_that_is_not_a_model(
    runner: CliRunner, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "m.json"
    path.write_text(content)
    result = runner.invoke(main, ["model", "validate", str(path)])
    assert result.exit_code == 2 and message in result.output


@pytest.mark.slow
def test_the_installed_console_script(tmp_path: Path) -> None:
    script = Path(sys.executable).with_name("tiersync")
    assert script.exists(), "install the project (pip install -e .) to get the console script"
    out = tmp_path / "o.csv"
    done = subprocess.run(
        [str(script), "score", str(SAMPLE_CSV), "-o", str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "accounts: 1300" in done.stdout
    bad = subprocess.run(
        [str(script), "model", "validate", str(tmp_path / "missing.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "cannot read" in bad.stderr and "Traceback" not in bad.stderr


def test_model_validate_sheet_without_credentials_says_what_to_set(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TIERSYNC_GOOGLE_SERVICE_ACCOUNT", raising=False)
    monkeypatch.delenv("TIERSYNC_GOOGLE_SERVICE_ACCOUNT_FILE", raising=False)
    result = runner.invoke(main, ["model", "validate", "--sheet", "1AbC"])
    assert result.exit_code == 2
    assert "set TIERSYNC_GOOGLE_SERVICE_ACCOUNT" in result.output


def test_model_validate_needs_a_file_or_a_sheet(runner: CliRunner) -> None:
    result = runner.invoke(main, ["model", "validate"])
    assert result.exit_code == 2 and "give a MODEL_FILE or --sheet KEY" in result.output
