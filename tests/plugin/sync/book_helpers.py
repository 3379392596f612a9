"""Reading back what a sync left: the output file's fields and the recorded tier moves."""

from __future__ import annotations

import csv
from pathlib import Path

from plugin.store import accounts
from plugin.store.database import Store


def outputs(path: Path) -> dict[str, tuple[str, str, str, str, str]]:
    """Return account id -> (tier, score, health, next action, reason) of an output CSV."""
    with path.open(newline="", encoding="utf-8") as handle:
        return {
            r["account_id"]: (r["tier"], r["score"], r["health"], r["next_action"], r["reason"])
            for r in csv.DictReader(handle)
        }


def changes_of(store: Store) -> list[tuple[str, str | None, str]]:
    """Return every recorded tier change as (account, from, to), oldest first."""
    rows = accounts.history(store, limit=10_000)
    return sorted(((r["account_id"], r["from_tier"], r["to_tier"]) for r in rows), key=str)
