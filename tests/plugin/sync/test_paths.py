"""Each path a result can take agrees with a full sync; quiet runs write nothing; honest records.

One test per defect of "one book, one answer", against a Salesforce-like CRM in memory.
"""

from __future__ import annotations

import copy
import itertools
from pathlib import Path
from typing import Any

import pytest

from connectors.errors import ConfigError
from connectors.salesforce.config import SalesforceConfig
from plugin.changes import inbox, worker
from plugin.store import journal
from plugin.store.database import Store
from plugin.sync.run import run_sync
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model
from tests.plugin.sync.crm import TODAY, FakeCrm, configs, history_count, sf_id

DEFAULT = load_model(DEFAULT_MODEL)
GRADES = {
    "buying_stage": ["Active Procurement", "Evaluating", "Researching"],
    "competitive_position": ["Greenfield", "Competitive", "Competitor Entrenched"],
    "tech_fit": ["Strong", "Moderate"],
    "industry": ["Banking", "Software", "Manufacturing"],
}
BASE = {"arr_potential": 600_000, "employees": 20_000, "engagement_score": 85, "owner": "rep-a"}


def graded(scorer: Scorer, low: float, high: float) -> list[dict[str, Any]]:
    """Return input sets whose score lies in [low, high), best first."""
    found = []
    for combo in itertools.product(*GRADES.values()):
        fields = {**BASE, **dict(zip(GRADES, combo, strict=True))}
        score = scorer.score(AccountRecord("x", fields)).score
        if low <= score < high:
            found.append((score, fields))
    return [f for _, f in sorted(found, key=lambda sf: -sf[0])]


WEAK = {**BASE, "arr_potential": 50_000, "employees": 100, "tech_fit": "Poor"}


@pytest.fixture
def store(tmp_path: Path) -> Any:
    s = Store(f"sqlite:///{tmp_path / 's.db'}")
    yield s
    s.dispose()


def tier1(crm: FakeCrm) -> list[str]:
    return sorted(a for a, o in crm.outputs.items() if o.tier == "Tier 1")


def sync(config: Any, store: Store, crm: FakeCrm) -> Any:
    return run_sync(config, store=store, today=TODAY, connectors=lambda n, c: crm)


def test_the_webhook_worker_applies_capacity_and_demotes_the_displaced(
    tmp_path: Path, store: Store
) -> None:
    # defect 1: one owner, capacity 15, 16 Tier-1-grade accounts, then a 17th by webhook
    strong = graded(Scorer(DEFAULT, TODAY), 75, 101)
    book = {sf_id(i): strong[i % len(strong)] for i in range(16)} | {sf_id(16): WEAK}
    full, partial = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm(book)
    sync(full, store, crm)
    before = tier1(crm)
    assert len(before) == 15
    # overflow ranks by score, ties by id: the last of that order is displaced
    displaced = max(before, key=lambda a: (-(crm.outputs[a].score or 0), a))
    crm.edit(sf_id(16), **strong[0])
    inbox.enqueue(store, [sf_id(16)], "outbound")
    worker.drain(store, crm, Scorer(DEFAULT, TODAY), config=partial, worker="w")
    assert tier1(crm) == sorted({*before, sf_id(16)} - {displaced})
    assert crm.outputs[displaced].tier == "Tier 2"
    assert "capacity reached" in (crm.outputs[displaced].reason or "")
    moves = history_count(store)
    again = sync(full, store, crm)  # the nightly run agrees: nothing to write, no flap
    assert again.written == 0 and history_count(store) == moves


def test_a_quiet_incremental_run_keeps_capacity_and_shows_the_whole_book(
    tmp_path: Path, store: Store
) -> None:
    # defects 2 and 6: nothing changed, nothing promoted back, the summary is the book's
    strong = graded(Scorer(DEFAULT, TODAY), 75, 101)
    book = {sf_id(i): strong[i % len(strong)] for i in range(18)}
    _, partial = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm(book)
    sync(partial, store, crm)  # the first incremental run reads everything
    assert len(tier1(crm)) == 15
    quiet = sync(partial, store, crm)
    assert quiet.written == 0 and quiet.accounts == 0
    assert len(tier1(crm)) == 15
    assert quiet.book == 18 and quiet.tiers["Tier 1"] == 15
    assert "book after this run (18 accounts; 0 read)" in quiet.summary


def test_incremental_runs_do_not_reread_their_own_writes(tmp_path: Path, store: Store) -> None:
    # defect 3: after a full run that wrote everything, only what people changed is read
    book = {sf_id(i): WEAK | {"employees": 100 + i} for i in range(30)}
    full, partial = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm(book)
    assert sync(full, store, crm).written == 30
    sync(partial, store, crm)  # establishes the bookmark (a full read)
    crm.edit(sf_id(3), engagement_score=10)
    crm.edit(sf_id(4), engagement_score=10)
    before = crm.read_count
    report = sync(partial, store, crm)
    assert crm.read_count - before == 2 and report.accounts == 2
    before = crm.read_count
    assert sync(partial, store, crm).accounts == 0  # the two writes are not read back
    assert crm.read_count == before


def test_incremental_runs_retry_rejected_writes(tmp_path: Path, store: Store) -> None:
    # defect 4: a record a validation rule rejected is read again by the next incremental run
    book = {sf_id(i): WEAK for i in range(5)}
    _, partial = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm(book)
    crm.reject = {sf_id(2)}
    first = sync(partial, store, crm)
    assert first.status == "partial" and [f.account_id for f in first.failures] == [sf_id(2)]
    assert sf_id(2) not in crm.outputs
    crm.reject = set()
    second = sync(partial, store, crm)  # sf_id(2) unchanged by anyone, but retried
    assert second.status == "succeeded" and second.written == 1 and sf_id(2) in crm.outputs
    assert journal.open_failures(store) == []


def test_one_lag_setting_for_every_source(tmp_path: Path, store: Store) -> None:
    # defect 5: [sync] lag_seconds is the one knob; salesforce.lag_minutes is refused
    from dataclasses import replace

    from plugin.config import SyncSettings

    _, partial = configs(tmp_path, DEFAULT_MODEL)
    lagged = replace(partial, sync=SyncSettings(batch_size=3, incremental=True, lag_seconds=90))
    crm = FakeCrm({sf_id(0): WEAK})
    sync(lagged, store, crm)
    saved = store.get_watermark("accounts:salesforce")
    sync(lagged, store, crm)
    from datetime import datetime, timedelta

    assert saved is not None
    assert crm.bookmarks[-1] == (datetime.fromisoformat(saved) - timedelta(seconds=90)).isoformat()
    with pytest.raises(ConfigError, match=r"\[sync\] lag_seconds"):
        SalesforceConfig.from_mapping({"lag_minutes": 5}, {})


def test_held_then_overflowed_is_a_fixed_point(tmp_path: Path, store: Store) -> None:
    # defect 6: kept by hysteresis, overflowed by capacity: the next run writes nothing
    data = copy.deepcopy(DEFAULT_MODEL)
    data["tiers"][0]["accounts_per_rep"] = 1
    scorer = Scorer(load_model(data), TODAY)
    top, held = graded(scorer, 75, 101)[0], graded(scorer, 70, 75)[0]
    full, _ = configs(tmp_path, data)
    crm = FakeCrm({sf_id(0): top, sf_id(1): top})
    sync(full, store, crm)
    crm.edit(sf_id(1), **held)  # 70..75: held at Tier 1 by hysteresis, but Tier 1 is full
    sync(full, store, crm)
    assert crm.outputs[sf_id(1)].tier == "Tier 2"
    reason = crm.outputs[sf_id(1)].reason
    quiet = sync(full, store, crm)
    assert quiet.written == 0 and crm.outputs[sf_id(1)].reason == reason


def test_hand_edits_of_output_fields_are_put_back(tmp_path: Path, store: Store) -> None:
    # defect 7: compare with what the system returned, not with what was last written
    full, partial = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm({sf_id(i): WEAK for i in range(6)})
    sync(full, store, crm)
    right = dict(crm.outputs)
    for i in range(3):
        crm.hand_edit(sf_id(i), tier="Tier 1")
    moves = history_count(store)
    assert sync(full, store, crm).written == 3
    assert crm.outputs == right and history_count(store) == moves  # a repair is not a move
    crm.hand_edit(sf_id(4), next_action="call them")
    assert sync(partial, store, crm).written >= 1 and crm.outputs == right


def test_the_run_record_counts_every_call_and_exactly_what_was_written(
    tmp_path: Path, store: Store
) -> None:
    # defect 8: calls made == calls recorded; a budget stop records what was written
    full, _ = configs(tmp_path, DEFAULT_MODEL)
    crm = FakeCrm({sf_id(i): WEAK | {"employees": 100 + i} for i in range(10)})
    crm.budget = 4
    stopped = sync(full, store, crm)
    assert stopped.status == "partial" and stopped.written == 4
    assert stopped.api_calls == crm.api_calls
    (run,) = journal.recent_runs(store, limit=1)
    assert (run["written"], run["changes"], run["api_calls"]) == (4, 4, crm.api_calls)
    crm.budget = None
    calls = crm.api_calls
    rest = sync(full, store, crm)
    assert rest.written == 6 and rest.api_calls == crm.api_calls - calls
    assert history_count(store) == 10
    assert sync(full, store, crm).written == 0


def test_a_repeated_key_is_named_and_not_recorded_again(tmp_path: Path) -> None:
    # defect 9: one id on three rows: scored once, named once, no history on later runs
    from plugin.config import load_config

    (tmp_path / "in.csv").write_text(
        "account_id,name,employees\nA-100,First,12000\nA-100,Second,100\nB-1,Other,50\n"
        "A-100,Third,5000\n",
        encoding="utf-8",
    )
    (tmp_path / "tiersync.toml").write_text(
        '[local]\nsource = "in.csv"\noutput = "out.csv"\n', encoding="utf-8"
    )
    config = load_config(tmp_path / "tiersync.toml", env={})
    store = Store(config.store_url)
    try:
        first = run_sync(config, store=store, today=TODAY)
        assert first.status == "succeeded"
        # the file reader names the repeats by line; the first row is the one scored
        (note,) = [n for n in first.notes if "A-100" in n]
        assert "lines 3 and 5" in note and "first on line 2" in note
        assert note in first.summary
        moves = history_count(store)
        assert moves == 2
        second = run_sync(config, store=store, today=TODAY)
        assert second.written == 0 and history_count(store) == moves
    finally:
        store.dispose()
