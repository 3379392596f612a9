"""Tier 1 success metrics over the store's Tier 1 accounts (`tiersync report`, the dashboard)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import select

from plugin.config import Config
from plugin.store.database import Store
from plugin.store.schema import account_state
from plugin.wiring import open_by_id_source
from scoring import ScoringModel
from scoring.performance import Opportunity
from scoring.success import Account, Check, check_accounts

SHOWN = 5  # names listed per bar in text; the dashboard lists them all


def tier1_accounts(config: Config, store: Store, model: ScoringModel) -> list[Account]:
    """Return the accounts last written to the top tier, with their inputs from the source."""
    t = account_state
    query = select(t.c.account_id, t.c.name).where(t.c.tier == model.tiers[0].name)
    with store.engine.connect() as conn:
        names = {aid: name for aid, name in conn.execute(query)}
    if not names:
        return []
    records = {r.account_id: r for r in open_by_id_source(config).read_ids(list(names))}
    return [
        Account(aid, names[aid] or aid, records[aid].fields if aid in records else {})
        for aid in sorted(names, key=lambda a: (names[a] or a).casefold())
    ]


def tier1_checks(
    config: Config, store: Store, model: ScoringModel, opportunities: Iterable[Opportunity]
) -> list[Check]:
    """Check the Tier 1 accounts against the seed's success metrics."""
    accounts = tier1_accounts(config, store, model)
    return check_accounts(accounts, opportunities if accounts else ())


def render_checks(checks: Sequence[Check], limit: int = SHOWN) -> Iterator[str]:
    """Yield the text lines of the success metrics section."""
    if not checks or not any(c.met or c.below or c.unknown for c in checks):
        yield "  no Tier 1 accounts yet"
        return
    yield f"  {'metric':<24} {'bar':<14} {'met':>5} {'below':>6} {'unknown':>8}  below the bar"
    for c in checks:
        names = ", ".join(f"{n} ({c.bar.show(v)})" for n, v in c.below[:limit])
        more = f" and {len(c.below) - limit} more" if len(c.below) > limit else ""
        yield (
            f"  {c.bar.label:<24} {c.bar.text:<14} {len(c.met):>5} {len(c.below):>6} "
            f"{len(c.unknown):>8}  {names}{more}"
        )


def check_rows(checks: Sequence[Check]) -> list[list[Any]]:
    """Return the section as sheet rows: one per bar, every account below it named."""
    rows: list[list[Any]] = [["Metric", "Bar", "Met", "Below", "Unknown", "Below the bar"]]
    for c in checks:
        below = ", ".join(n for n, _ in c.below)
        rows.append([c.bar.label, c.bar.text, len(c.met), len(c.below), len(c.unknown), below])
    return rows
