"""The spreadsheet the Sheets roles share: tab metadata read once, values read ahead, tabs filled.

A sync asks for the same things from several sides (the model tabs, the accounts tab, the
Status tab): the metadata is fetched once and kept, and the values one role read for another
(the accounts tab, fetched in the model's batchGet) are handed over once while still fresh.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.errors import ConfigError
from connectors.sheets.api import SheetsApi
from connectors.sheets.grid import Grid, fold, quote_tab
from connectors.sheets.layout import add_sheet_request, fill_requests

#: Values read this long ago are still used for the step that follows the read; older ones
#: are read again (people sort and insert rows while a sync runs).
FRESH_SECONDS = 10.0


class Spreadsheet:
    """One spreadsheet's tabs as a run sees them, over one counted, retried `SheetsApi`."""

    def __init__(
        self,
        api: SheetsApi,
        fresh_for: float = FRESH_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.api = api
        self.fresh_for = fresh_for
        self.monotonic = monotonic
        self._props: dict[str, dict[str, Any]] | None = None
        self._props_at = 0.0
        self._ahead: dict[str, tuple[float, str, Grid]] = {}  # folded tab → (when, title, grid)

    def fresh(self, since: float) -> bool:
        """Return True when something read at `since` (monotonic seconds) is still fresh."""
        return self.monotonic() - since < self.fresh_for

    def props(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Return each tab's properties by folded title (one metadata call, then kept).

        refresh: read them again unless they were read within the freshness window.
        """
        if self._props is None or (refresh and not self.fresh(self._props_at)):
            meta = self.api.retry(self.api.metadata)
            self._props = {fold(s["properties"]["title"]): s["properties"] for s in meta["sheets"]}
            self._props_at = self.monotonic()
        return self._props

    def forget(self) -> None:
        """Drop the kept metadata (after tabs were added: titles and ids changed)."""
        self._props = None

    def title_of(self, tab: str) -> str:
        """Return a tab's actual title when known (people retype 'accounts'), else tab."""
        props = (self._props or {}).get(fold(tab))
        return str(props["title"]) if props else tab

    def read(self, tabs: Sequence[str], formatted: bool = False) -> dict[str, tuple[str, Grid]]:
        """Read the tabs that exist in one batchGet: canonical name → (actual title, values)."""
        props = self.props()
        present = {tab: str(props[fold(tab)]["title"]) for tab in tabs if fold(tab) in props}
        if not present:
            return {}
        ranges = [quote_tab(title) for title in present.values()]
        grids = self.api.retry(lambda: self.api.batch_get(ranges, formatted=formatted))
        return {
            tab: (title, grid) for (tab, title), grid in zip(present.items(), grids, strict=True)
        }

    def keep(self, tab: str, title: str, grid: Grid) -> None:
        """Keep values read ahead for another role (served once, while fresh)."""
        self._ahead[fold(tab)] = (self.monotonic(), title, grid)

    def take(self, tab: str) -> tuple[str, Grid] | None:
        """Return values read ahead for a tab, once and only while fresh; else None."""
        kept = self._ahead.pop(fold(tab), None)
        if kept is None or not self.fresh(kept[0]):
            return None
        return kept[1], kept[2]

    def ensure_columns(self, title: str, needed: int) -> None:
        """Widen a tab's grid when new owned columns would fall outside it."""
        props = self.props().get(fold(title))
        if props is None:
            raise ConfigError(f"the {title} tab disappeared during the sync")
        grid = props.setdefault("gridProperties", {})
        have = int(grid.get("columnCount", 26))
        if needed > have:
            extra = {"sheetId": props["sheetId"], "dimension": "COLUMNS", "length": needed - have}
            self.api.batch_update([{"appendDimension": extra}])
            grid["columnCount"] = needed

    def fill(self, tabs: Mapping[str, list[list[Any]]]) -> None:
        """Replace the values of tabs (created when absent) with rows, in one call."""
        attempts: list[int] = []

        def attempt() -> None:
            # a failed call may still have added the tab: look again before a retry
            if attempts:
                self.forget()
            props = self.props()
            attempts.append(1)
            requests: list[dict[str, Any]] = []
            next_id = max((int(p["sheetId"]) for p in props.values()), default=0) + 1
            for tab, rows in tabs.items():
                existing = props.get(fold(tab))
                if existing is None:
                    sheet_id, next_id = next_id, next_id + 1
                    requests.append(add_sheet_request(sheet_id, tab, max(len(r) for r in rows)))
                else:
                    sheet_id = int(existing["sheetId"])
                requests += fill_requests(sheet_id, rows)
            if requests:
                self._added(self.api.batch_update(requests), props)

        self.api.retry(attempt)

    def _added(self, reply: Mapping[str, Any], props: dict[str, dict[str, Any]]) -> None:
        """Keep the properties of tabs a batchUpdate added (its replies hold them)."""
        for answer in reply.get("replies", []):
            added = answer.get("addSheet", {}).get("properties")
            if added:
                props[fold(added["title"])] = added
