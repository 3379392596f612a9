"""The review cycle end to end: `tiersync sync` on dated days, `tiersync review` to decide."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
import responses
from click.testing import CliRunner
from sqlalchemy import create_engine, inspect, text

from plugin.cli import main
from plugin.store import reviews
from plugin.store.database import SCHEMA_VERSION, Store
from scoring import AccountRecord, Outputs, Result
from scoring.review import Proposal
from tests.connectors.sheets_helpers import KEY, FakeSheets, service_account_info
from tests.plugin.conftest import write_accounts

SCRIPT = Path(sys.executable).with_name("tiersync")
BOOK = {"A1": "Tier 1", "A2": "Tier 1", "A3": "Tier 1", "A4": "Tier 2", "A5": "Tier 3"}


def tiersync(cwd: Path, *args: str, ok: bool = True) -> str:
    """Run a command in cwd in this process (fast; the console script is tested below)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(main, list(args))
    assert result.exit_code == (0 if ok else 2), result.output
    assert not isinstance(result.exception, Exception) or isinstance(
        result.exception, SystemExit
    ), result.exception
    return result.output


def console(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script in cwd."""
    return subprocess.run(
        [str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, check=False
    )


def tiers(cwd: Path) -> dict[str, str]:
    """Return account id -> tier from the output CSV."""
    with (cwd / "out" / "accounts.csv").open(newline="", encoding="utf-8") as handle:
        return {row["account_id"]: row["tier"] for row in csv.DictReader(handle)}


def review_ids(cwd: Path) -> dict[str, int]:
    """Return account id -> review id of the open proposals."""
    store = Store(f"sqlite:///{cwd / 'tiersync.db'}")
    try:
        return {i.account_id: i.id for i in reviews.open_items(store)}
    finally:
        store.dispose()


@pytest.fixture
def book(sync_dir: Path) -> Path:
    """A synced book: day 1 is 2026-01-01, so the first review date is 2026-04-01."""
    write_accounts(sync_dir / "accounts.csv", BOOK)
    tiersync(sync_dir, "sync", "--today", "2026-01-01")
    assert tiers(sync_dir) == BOOK
    return sync_dir


def test_a_demotion_waits_for_the_review_date_or_an_approval(book: Path) -> None:
    # day 2: the scores of A1..A3 fall to Tier 2; A4's rises to Tier 1; A5 stays
    write_accounts(book / "accounts.csv", {**BOOK, **dict.fromkeys(("A1", "A2", "A3"), "Tier 2"),
                                           "A4": "Tier 1"})  # fmt: skip
    tiersync(book, "sync", "--today", "2026-01-02")
    assert tiers(book) == {**BOOK, "A4": "Tier 1"}  # the upgrade at once, no demotion yet
    listed = tiersync(book, "review", "--today", "2026-01-02")
    assert "reviews every 90 days from 2026-01-01; next review 2026-04-01" in listed
    assert "3 demotion(s) pending" in listed
    assert listed.count("Tier 1 -> Tier 2   2026-04-01  pending") == 3
    ids = review_ids(book)
    assert set(ids) == {"A1", "A2", "A3"}

    said = tiersync(book, "review", "approve", str(ids["A2"]), "--today", "2026-01-10")
    assert f"approved review {ids['A2']}: A2 Tier 1 -> Tier 2" in said
    said = tiersync(book, "review", "reject", str(ids["A3"]), "--note", "QBR booked",
                    "--today", "2026-01-10")  # fmt: skip
    assert "A3 stays Tier 1 through the review of 2026-04-01" in said
    tiersync(book, "sync", "--today", "2026-01-10")
    assert tiers(book) == {**BOOK, "A4": "Tier 1", "A2": "Tier 2"}  # approved: applied

    tiersync(book, "sync", "--today", "2026-03-31")
    assert tiers(book)["A1"] == "Tier 1"  # not before the review date
    tiersync(book, "sync", "--today", "2026-04-01")
    after = tiers(book)
    assert (after["A1"], after["A3"]) == ("Tier 2", "Tier 1")  # A3 rejected through the review
    report = tiersync(book, "report")
    assert "A1             Tier 1 -> Tier 2: review 2026-04-01: score" in report

    tiersync(book, "sync", "--today", "2026-04-02")
    assert tiers(book)["A3"] == "Tier 1"
    again = tiersync(book, "review", "--today", "2026-04-02")
    assert "A3" in again and "Tier 1 -> Tier 2   2026-06-30  pending" in again


def test_deciding_an_unknown_or_closed_review_says_what_to_do(book: Path) -> None:
    done = console(book, "review", "approve", "42")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "no review 42: `tiersync review` lists the open ones" in done.stderr
    listed = console(book, "review")
    assert listed.returncode == 0 and "no demotions are waiting for review" in listed.stdout
    write_accounts(book / "accounts.csv", {**BOOK, "A1": "Tier 2"})
    tiersync(book, "sync", "--today", "2026-01-02")
    item = review_ids(book)["A1"]
    write_accounts(book / "accounts.csv", BOOK)  # the score recovers: the demotion is withdrawn
    tiersync(book, "sync", "--today", "2026-01-03")
    out = tiersync(book, "review", "reject", str(item), "--note", "x", ok=False)
    assert f"review {item} (A1) is closed (withdrawn on 2026-01-03): nothing to decide" in out


def test_proposals_are_saved_after_the_write_and_decided_by_id(any_store: Store) -> None:
    recorder = reviews.Recorder(any_store, "local", date(2026, 1, 2))
    proposal = Proposal("Tier 1", "Tier 2", "score fell", date(2026, 1, 2), date(2026, 4, 1))

    def pair(aid: str) -> tuple[AccountRecord, Result]:
        result = Result(aid, "Tier 1", 68.0, "Healthy", "x", "y", proposal=proposal)
        return AccountRecord(aid, {"name": aid}, Outputs("Tier 1")), result

    for record, result in (pair("ok"), pair("bad")):
        recorder.see(record, result)
    assert recorder.save({"bad"}) == 1  # the write of "bad" failed: nothing of it is kept
    [item] = reviews.open_items(any_store)
    assert (item.account_id, item.name, item.due_on) == ("ok", "ok", date(2026, 4, 1))
    assert reviews.anchor(any_store) == date(2026, 1, 2)
    decided = reviews.decide_item(any_store, item.id, "approved", date(2026, 1, 5), "ann", "ok")
    assert (decided.status, decided.decided_on, decided.decided_by) == (
        "approved",
        date(2026, 1, 5),
        "ann",
    )
    state = reviews.attach(any_store, "local", [AccountRecord("ok", {}, Outputs("Tier 1"))])
    assert state[0].review is not None and state[0].review.proposal is not None
    assert state[0].review.proposal.status == "approved"


def test_a_version_1_store_gets_the_review_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE schema_version (id INTEGER PRIMARY KEY, version INTEGER)"))
        conn.execute(text("INSERT INTO schema_version VALUES (1, 1)"))
    engine.dispose()
    store = Store(url)
    assert store.upgrade() == SCHEMA_VERSION == 2
    assert "review_queue" in inspect(store.engine).get_table_names()
    store.dispose()


def test_the_review_tab_lists_the_queue(book: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_accounts(book / "accounts.csv", {**BOOK, "A1": "Tier 2"})
    tiersync(book, "sync", "--today", "2026-01-02")
    with (book / "tiersync.toml").open("a", encoding="utf-8") as handle:
        handle.write(f'[sheets]\nspreadsheet_key = "{KEY}"\n')
    monkeypatch.setenv("TIERSYNC_GOOGLE_SERVICE_ACCOUNT", json.dumps(service_account_info()))
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeSheets().install(rsps)
        fake.add_tab("Accounts", [["Account ID"]])
        said = tiersync(book, "review", "--today", "2026-01-02", "--to-sheet")
    assert "wrote the Review tab" in said
    rows = fake.values("Review")
    assert rows[0][0].startswith("reviews every 90 days from 2026-01-01; next review 2026-04-01")
    assert rows[1][:6] == ["Review ID", "Account ID", "Account Name", "Owner", "From Tier",
                           "Proposed Tier"]  # fmt: skip
    assert rows[2][1:6] == ["A1", "Account A1", "rep-1", "Tier 1", "Tier 2"]
    assert rows[2][8:10] == ["2026-04-01", "pending"]
