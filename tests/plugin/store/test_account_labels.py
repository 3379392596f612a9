"""Owner and name copied from a source are stored the same way by the sync and the worker."""

from __future__ import annotations

from plugin.store import accounts, journal
from plugin.store.database import Store
from scoring import DEFAULT_MODEL, AccountRecord, Scorer, load_model

SCORER = Scorer(load_model(DEFAULT_MODEL))


def test_labels_are_trimmed_blank_is_none_and_cut_to_the_column_width() -> None:
    record = AccountRecord("A1", {"owner": "  rep-7 ", "name": "x" * 300})
    assert accounts.labels(record) == ("rep-7", "x" * accounts.NAME_WIDTH)
    assert accounts.labels(AccountRecord("A2", {"owner": "   ", "name": ""})) == (None, None)
    assert accounts.label("o" * 200, accounts.OWNER_WIDTH) == "o" * 128


def test_a_long_name_and_owner_are_stored_without_overflowing(any_store: Store) -> None:
    record = AccountRecord("001A", {"owner": "o" * 200 + " ", "name": " " + "n" * 400})
    state = accounts.state_of(record, SCORER.score(record))
    run = journal.start_run(any_store, "test")
    accounts.record(any_store, "salesforce", run, [state], [])  # PostgreSQL rejects over-wide text
    stored = accounts.states(any_store, "salesforce", ["001A"])["001A"]
    assert (stored.owner, stored.name) == ("o" * 128, "n" * 255)
    assert accounts.labels(record) == (stored.owner, stored.name)  # next sync sees no difference
