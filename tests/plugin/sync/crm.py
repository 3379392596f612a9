"""An in-memory CRM that behaves like Salesforce where the sync can tell the difference.

It implements the whole connector protocol: reads return the output values the system holds,
writes bump the modification stamp and are marked as the integration user's (an incremental
read leaves them out, like `LastModifiedById != integration user`), a person's edit is not.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from connectors.base import RecordFailure, WriteReport
from connectors.errors import BudgetExceeded
from plugin.config import Config, ModelSettings, SyncSettings
from plugin.store.database import Store
from plugin.store.schema import tier_changes
from scoring import DEFAULT_MODEL, AccountRecord, Outputs, Result, load_model

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
TODAY = date(2026, 6, 1)
MODEL_DATA = copy.deepcopy(DEFAULT_MODEL)
MODEL_DATA["tiers"][0]["accounts_per_rep"] = 1  # a Tier 1 that fills up
MODEL = load_model(MODEL_DATA)


def sf_id(n: int) -> str:
    """Return an 18-character Account id numbered n."""
    return f"001Dn{n:010d}IAB"


def configs(root: Path, model: Mapping[str, Any] = MODEL_DATA) -> tuple[Config, Config]:
    """Return (full, incremental) configs syncing one Salesforce-like system with a model file."""
    path = root / "model.json"
    path.write_text(json.dumps(model), encoding="utf-8")
    base = Config(
        base_dir=root,
        sources=("salesforce",),
        sinks=("salesforce",),
        model=ModelSettings(source="file", path=path),
    )
    full = replace(base, sync=SyncSettings(batch_size=3, incremental=False, lag_seconds=0))
    partial = replace(base, sync=SyncSettings(batch_size=3, incremental=True, lag_seconds=0))
    return full, partial


def history_count(store: Store) -> int:
    """Return how many tier moves the store has recorded."""
    with store.engine.connect() as conn:
        return int(conn.scalar(select(func.count()).select_from(tier_changes)) or 0)


class FakeCrm:
    """Accounts with inputs, outputs and a modification stamp; every call counted."""

    name = "salesforce"
    replayable = False
    reads_outputs = True

    def __init__(self, accounts: Mapping[str, Mapping[str, Any]]) -> None:
        self.inputs = {aid: dict(fields) for aid, fields in accounts.items()}
        self.outputs: dict[str, Outputs] = {}
        self.stamp = dict.fromkeys(self.inputs, EPOCH)
        self.by_us = dict.fromkeys(self.inputs, False)
        self.clock = EPOCH
        self.api_calls = 0
        self.reject: set[str] = set()
        self.budget: int | None = None  # writes allowed before the API budget stops writing
        self.read_count = 0  # records returned by reads
        self.bookmarks: list[str | None] = []
        self._mark: datetime | None = None

    # -- what people do --------------------------------------------------------------------

    def edit(self, account_id: str, **fields: Any) -> None:
        """Change inputs as a person would (the stamp moves, not by the integration)."""
        self._tick()
        self.inputs[account_id].update(fields)
        self.stamp[account_id], self.by_us[account_id] = self.clock, False

    def hand_edit(self, account_id: str, **outputs: Any) -> None:
        """Overwrite output fields by hand, as a rep might."""
        self._tick()
        self.outputs[account_id] = replace(self.outputs.get(account_id, Outputs()), **outputs)
        self.stamp[account_id], self.by_us[account_id] = self.clock, False

    # -- the connector protocol ------------------------------------------------------------

    def check(self) -> None:
        """Nothing to check in memory."""

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield all accounts, or those a person changed after the bookmark."""
        self.api_calls += 1
        self.bookmarks.append(bookmark)
        start = self.clock
        since = datetime.fromisoformat(bookmark) if bookmark else None
        for aid in sorted(self.inputs):
            if since is None or (self.stamp[aid] > since and not self.by_us[aid]):
                self.read_count += 1
                yield self._record(aid)
        self._mark = start

    def next_bookmark(self) -> str | None:
        """Return the clock at the start of the last complete read."""
        return self._mark.isoformat() if self._mark is not None else None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the given accounts that exist (one call)."""
        self.api_calls += 1
        for aid in ids:
            if aid in self.inputs:
                self.read_count += 1
                yield self._record(aid)

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write results whose outputs differ from what the record says the system holds."""
        report = WriteReport()
        self.api_calls += 1
        report.api_calls += 1
        for record, result in pairs:
            if result.outputs == record.current:
                report.unchanged += 1
            elif record.account_id in self.reject:
                report.failures.append(
                    RecordFailure(record.account_id, "FIELD_CUSTOM_VALIDATION_EXCEPTION", "no")
                )
            else:
                if self.budget is not None and report.written >= self.budget:
                    raise BudgetExceeded("API budget reached: writing stopped", report)
                self._tick()
                self.outputs[record.account_id] = result.outputs
                self.stamp[record.account_id], self.by_us[record.account_id] = self.clock, True
                report.written += 1
                report.written_ids.append(record.account_id)
        return report

    # -- helpers ---------------------------------------------------------------------------

    def _tick(self) -> None:
        self.clock += timedelta(seconds=1)

    def _record(self, aid: str) -> AccountRecord:
        fields = {"account_id": aid, **self.inputs[aid]}
        return AccountRecord(aid, fields, current=self.outputs.get(aid, Outputs()))
