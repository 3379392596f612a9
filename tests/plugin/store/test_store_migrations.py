"""Upgrades: a store made by an earlier release gains what this one adds, its data kept."""

from __future__ import annotations

from sqlalchemy import inspect, text

from plugin.changes import inbox
from plugin.store.database import Store
from plugin.store.schema import SCHEMA_VERSION
from tests.plugin.web_helpers import sf_id


def _inbox_indexes(store: Store) -> set[tuple[str, ...]]:
    return {tuple(i["column_names"]) for i in inspect(store.engine).get_indexes("inbox")}


def test_an_existing_store_gains_the_inbox_account_index(any_store: Store) -> None:
    inbox.enqueue(any_store, [sf_id(1)], "outbound")
    with any_store.engine.begin() as conn:  # as the previous release left it
        conn.execute(text("DROP INDEX ix_inbox_account_open"))
    assert ("account_id", "done_at") not in _inbox_indexes(any_store)
    assert any_store.upgrade() == SCHEMA_VERSION
    assert ("account_id", "done_at") in _inbox_indexes(any_store)
    assert inbox.enqueue(any_store, [sf_id(1), sf_id(2)], "outbound") == 1  # data kept
    assert any_store.upgrade() == SCHEMA_VERSION  # repeatable
