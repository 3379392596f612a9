"""Owner and name copied from a source are stored the same way by the sync and the worker."""

from __future__ import annotations

from plugin.store import ledger
from plugin.store.database import Store
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model

SCORER = Scorer(load_model(DEFAULT_MODEL))


def test_labels_are_trimmed_blank_is_none_and_cut_to_the_column_width() -> None:
    record = AccountRecord("A1", {"owner": "  rep-7 ", "name": "x" * 300})
    assert ledger.labels(record) == ("rep-7", "x" * ledger.NAME_WIDTH)
    assert ledger.labels(AccountRecord("A2", {"owner": "   ", "name": ""})) == (None, None)
    assert ledger.label("o" * 200, ledger.OWNER_WIDTH) == "o" * 128


def test_a_long_name_and_owner_are_stored_without_overflowing(any_store: Store) -> None:
    record = AccountRecord("001A", {"owner": "o" * 200 + " ", "name": " " + "n" * 400})
    state = ledger.state_of(record, SCORER.score(record))
    run = ledger.start_run(any_store, "test")
    ledger.record(any_store, "salesforce", run, [state], [])  # PostgreSQL rejects over-wide text
    stored = ledger.states(any_store, "salesforce", ["001A"])["001A"]
    assert (stored.owner, stored.name) == ("o" * 128, "n" * 255)
    assert ledger.labels(record) == (stored.owner, stored.name)  # next sync sees no difference
