"""`tiersync model backtest` on the bundled sample book and its opportunities."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from connectors.local import LocalCsvConnector
from plugin.cli import main
from plugin.reporting.reports import read_opportunities
from plugin.reporting.sample_opps import BUNDLED
from scoring import DEFAULT_MODEL, Scorer, load_model
from scoring.backtest import Scored, auc_of, won_accounts

SCRIPT = Path(sys.executable).with_name("tiersync")


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in cwd."""
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def sample_auc() -> float:
    """Compute the default model's AUC on the bundled book here, independently of the command."""
    scorer = Scorer(load_model(DEFAULT_MODEL), date(2026, 11, 1))
    scored = [
        Scored(r.account_id, scorer.score(r).score, "") for r in LocalCsvConnector().iter_accounts()
    ]
    got = auc_of(scored, won_accounts(read_opportunities(BUNDLED)))
    assert got is not None
    return got


@pytest.mark.slow
def test_backtest_suggest_and_compare_on_the_sample_book(tmp_path: Path) -> None:
    out = tmp_path / "fitted.json"
    done = run(tmp_path, "model", "backtest", "--suggest", str(out))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert "backtest on 1,300 accounts and 147 opportunities" in text
    for metric in ("Opportunity Creation Rate", "Win Rate", "Average Deal Size",
                   "New ARR Generated", "Sales Cycle (median days)"):  # fmt: skip
        assert metric in text
    header = next(line for line in text.splitlines() if "Metric" in line)
    assert re.findall(r"Tier \d", header) == ["Tier 1", "Tier 2", "Tier 3", "Tier 4"]
    assert "tiers ordered: yes" in text
    auc = float(re.search(r"AUC: (\d\.\d{3})", text).group(1))  # type: ignore[union-attr]
    assert auc == round(sample_auc(), 3)
    lift = float(re.search(r"lift \(Tier 1\): (\d+\.\d+)x", text).group(1))  # type: ignore[union-attr]
    assert lift > 1.5

    held = re.search(r"held-out AUC: current (\d\.\d{3}), suggested (\d\.\d{3})", text)
    assert held is not None
    fitted = json.loads(out.read_text(encoding="utf-8"))
    model = load_model(fitted)
    assert sum(c.weight for c in model.criteria) == 100
    default = load_model(DEFAULT_MODEL)
    assert [c.bands for c in model.criteria] == [c.bands for c in default.criteria]
    assert [t.min_score for t in model.tiers] == [t.min_score for t in default.tiers]
    verdict = float(held.group(2)) > float(held.group(1))
    assert ("keep the current model" in text) is not verdict
    assert run(tmp_path, "model", "validate", str(out)).returncode == 0

    both = run(tmp_path, "model", "backtest", "--compare", str(out))
    assert both.returncode == 0, both.stderr
    assert both.stdout.count("tiers ordered:") == 2
    assert "(fitted.json)" in both.stdout and "(in use)" in both.stdout
    side = next(line for line in both.stdout.splitlines() if line.startswith("AUC "))
    assert len(re.findall(r"\d\.\d{3}", side)) == 2


def test_backtest_errors_name_what_to_fix(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    missing = CliRunner().invoke(main, ["model", "backtest", "--opportunities", "nope.csv"])
    assert missing.exit_code == 2 and "cannot read nope.csv" in missing.output
    org = CliRunner().invoke(main, ["model", "backtest", "--opportunities", "salesforce"])
    assert org.exit_code == 2 and "add a [salesforce] table" in org.output
