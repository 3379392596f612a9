"""`tiersync report` names the Tier 1 accounts below each of the Tier 1 seed's success bars."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main


def test_report_checks_each_tier_1_account_against_the_seed_bars(
    sync_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (sync_dir / "opps.csv").write_text(
        "opportunity_id,account_id,created_on,closed_on,stage,amount\n"
        "O1,A1,2026-01-05,2026-05-01,Closed Won,150000\n"
        "O2,A2,2026-03-01,2026-06-01,Closed Lost,40000\n"
        "O3,A2,2026-03-31,,Prospecting,20000\n",
        encoding="utf-8",
    )
    with (sync_dir / "tiersync.toml").open("a", encoding="utf-8") as handle:
        handle.write('[report]\nopportunities = "opps.csv"\n')
    monkeypatch.chdir(sync_dir)
    runner = CliRunner()
    assert runner.invoke(main, ["sync", "--today", "2026-11-01"]).exit_code == 0
    result = runner.invoke(main, ["report"])
    assert result.exit_code == 0, result.output
    section = result.output.split("Tier 1 success metrics (Tier 1 seed)")[1]
    lines = {line.split(">=")[0].strip(): line for line in section.splitlines() if ">=" in line}
    counts = {k: re.findall(r"\s(\d+)\s+(\d+)\s+(\d+)\s", v)[0] for k, v in lines.items()}
    # A1 and A2 are the Tier 1 accounts: no pipeline, 1 engaged contact, no executive contact
    assert counts["Pipeline coverage"] == ("0", "2", "0")
    assert "Account A1 (0.0x), Account A2 (0.0x)" in lines["Pipeline coverage"]
    assert counts["Stakeholder engagement"] == ("0", "2", "0")
    # 2026-01-05 .. 2026-03-31 is less than a quarter: amounts count per one quarter
    assert counts["Quarterly pipeline add"] == ("1", "1", "0")
    assert "Account A2 ($60K)" in lines["Quarterly pipeline add"]
    assert counts["Annual win rate"] == ("1", "1", "0")
