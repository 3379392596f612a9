"""Reports: the Tier 2 seed's comparison table, distribution, capacity and movements."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main
from plugin.config import load_config
from plugin.reporting.reports import build_report, read_opportunities, render_report, report_rows
from plugin.reporting.sample_opps import COLUMNS, generate
from plugin.store import accounts, journal
from plugin.store.database import Store
from plugin.store.schema import account_state
from scoring.performance import table

SEED_TIERS = {"Tier 1": 100, "Tier 2": 400, "Tier 3": 800}
# The seed's "Comparison Across Tiers" (Tier 1..3 columns) as the report prints it.
SEED_TABLE = {
    "Opportunity Creation Rate": ["42%", "21%", "8%"],
    "Opportunities Created": ["42", "84", "64"],
    "Win Rate": ["48%", "32%", "28%"],
    "Closed/Won Deals": ["20", "27", "18"],
    "Average Deal Size": ["$185K", "$78K", "$42K"],
    "New ARR Generated": ["$3.7M", "$2.1M", "$756K"],
    "Marketing Investment": ["$2.0M", "$840K", "$400K"],
    "First-Year ROI": ["0.74x", "1.0x", "0.76x"],
}


def _seed_accounts() -> list[tuple[str, str]]:
    out = []
    for tier, count in SEED_TIERS.items():
        out += [(f"{tier[-1]}{i:05d}", tier) for i in range(count)]
    return out


def _seed_store(tmp_path: Path) -> tuple[Path, Store]:
    accounts = _seed_accounts()
    with (tmp_path / "opps.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(generate(accounts))
    (tmp_path / "tiersync.toml").write_text(
        '[store]\nurl = "sqlite:///r.db"\n[report]\nopportunities = "opps.csv"\n'
        "gross_margin = 0.40\n",
        encoding="utf-8",
    )
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    store.upgrade()
    now = datetime.now(UTC)
    rows = [
        {"system": "local", "account_id": a, "tier": t, "owner": f"rep-{i % 30}", "updated_at": now}
        for i, (a, t) in enumerate(accounts)
    ]
    with store.engine.begin() as conn:
        conn.execute(account_state.insert(), rows)
    return tmp_path / "tiersync.toml", store


def test_the_report_reproduces_the_seed_comparison_table(tmp_path: Path) -> None:
    path, store = _seed_store(tmp_path)
    report = build_report(load_config(path, env={}), store=store)
    rows = table(report.performance)
    assert rows[0] == [
        "Metric",
        "Tier 1 (100)",
        "Tier 2 (400)",
        "Tier 3 (800)",
        "Tier 4 (0)",
        "Total (1,300)",
    ]
    got = {r[0]: r[1:4] for r in rows[1:]}
    for metric, cells in SEED_TABLE.items():
        assert got[metric] == cells, metric
    t2 = report.performance[1]
    assert t2.cycle_days == 104 and t2.new_arr == 27 * 78_000
    total = {r[0]: r[-1] for r in rows[1:]}
    # The seed prints 33% and $95K for the total; computed from its own rows they are these.
    assert total["Win Rate"] == "34%" and total["Average Deal Size"] == "$101K"
    assert total["Opportunity Creation Rate"] == "15%" and total["Opportunities Created"] == "190"
    assert total["New ARR Generated"] == "$6.6M" and total["Marketing Investment"] == "$3.24M"
    assert total["First-Year ROI"] == "0.81x"
    store.dispose()


def test_distribution_and_capacity_name_overloaded_reps(tmp_path: Path) -> None:
    path, store = _seed_store(tmp_path)
    report = build_report(load_config(path, env={}), store=store)
    shares = {d.tier: (d.accounts, round(d.share, 3), d.target) for d in report.distribution}
    assert shares["Tier 1"] == (100, 0.077, 0.10) and shares["Tier 4"] == (0, 0.0, 0.20)
    # 30 reps: Tier 2 is 13-14 accounts each (limit 30), Tier 1 3-4 (limit 15): nobody over.
    assert report.overloaded == []
    with store.engine.begin() as conn:
        conn.execute(
            account_state.update().where(account_state.c.tier == "Tier 1").values(owner="Dana")
        )
    loaded = build_report(load_config(path, env={}), store=store)
    assert [(c.owner, c.tier, c.accounts, c.limit) for c in loaded.overloaded] == [
        ("Dana", "Tier 1", 100, 15)
    ]
    text = render_report(loaded)
    assert "Dana" in text and "(limit 15)" in text and "Tier 2 (400)" in text
    assert ["Overloaded reps"] in report_rows(loaded)
    store.dispose()


def test_recent_movements_come_with_their_reasons(tmp_path: Path) -> None:
    path, store = _seed_store(tmp_path)
    run = journal.start_run(store, "me")
    accounts.record(
        store, "local", run, [], [accounts.Change("100000", "Tier 2", "Tier 1", "upgraded: intent")]
    )
    report = build_report(load_config(path, env={}), store=store)
    assert [(m["account_id"], m["why"]) for m in report.movements] == [
        ("100000", "upgraded: intent")
    ]
    assert "Tier 2 -> Tier 1: upgraded: intent" in render_report(report)
    store.dispose()


def test_report_command_on_the_embedded_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, ["sync", "--today", "2026-11-01"]).exit_code == 0
    result = runner.invoke(main, ["report"])
    assert result.exit_code == 0, result.output
    assert "Distribution vs target" in result.output and "Performance by tier" in result.output
    assert "Total (1,300)" in result.output


def test_opportunity_files_with_is_won_and_bad_rows(tmp_path: Path) -> None:
    good = tmp_path / "o.csv"
    good.write_text(
        "account_id,created_on,closed_on,is_won,amount\nA,2026-01-01,2026-02-01,yes,5000\n"
        "B,2026-01-01,,,\n",
        encoding="utf-8",
    )
    a, b = list(read_opportunities(good))
    assert (a.won, a.amount, b.won) == (True, 5000.0, None)
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,created_on,amount\nA,someday,5\n", encoding="utf-8")
    with pytest.raises(Exception, match="line 2"):
        list(read_opportunities(bad))
