"""Sheet-level work of the Sheets connector: tab lookup, the model tabs, Status and init."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.errors import ConfigError
from connectors.sheets.api import SheetsApi
from connectors.sheets.grid import fold, quote_tab
from connectors.sheets.layout import (
    MODEL_TABS,
    REVIEW,
    STATUS,
    STATUS_HEADERS,
    accounts_header,
    add_sheet_request,
    fill_requests,
    model_to_tabs,
)
from connectors.sheets.tabs import SheetModel, StatusLine, model_tables, tabs_to_model
from scoring import ScoringModel, load_model, model_hash

if TYPE_CHECKING:
    from connectors.sheets.config import SheetsConfig


class ModelTabs:
    """Tab metadata (cached for the connector's life) and the manager-facing tabs."""

    config: SheetsConfig
    clock: Callable[[], datetime]

    def __init__(self, api: SheetsApi) -> None:
        self.api = api
        self._sheets: dict[str, dict[str, Any]] | None = None
        self.last_model: SheetModel | None = None

    def sheet_props(self, refresh: bool = False) -> dict[str, dict[str, Any]]:
        """Return each tab's properties by folded title (one metadata call, then cached)."""
        if self._sheets is None or refresh:
            meta = self.api.retry(self.api.metadata)
            self._sheets = {fold(s["properties"]["title"]): s["properties"] for s in meta["sheets"]}
        return self._sheets

    def title_of(self, tab: str) -> str:
        """Return a tab's actual title when known (people retype 'accounts'), else tab."""
        props = (self._sheets or {}).get(fold(tab))
        return str(props["title"]) if props else tab

    def ensure_columns(self, title: str, needed: int) -> None:
        """Widen a tab's grid when new owned columns would fall outside it."""
        props = self.sheet_props().get(fold(title))
        if props is None:
            raise ConfigError(f"the {title} tab disappeared during the sync")
        grid = props.setdefault("gridProperties", {})
        have = int(grid.get("columnCount", 26))
        if needed > have:
            extra = {"sheetId": props["sheetId"], "dimension": "COLUMNS", "length": needed - have}
            self.api.batch_update([{"appendDimension": extra}])
            grid["columnCount"] = needed

    def read_model_sheet(self) -> SheetModel:
        """Read every model tab in one call and convert it, keeping each value's cell."""
        props = self.sheet_props()
        present = {tab: str(props[fold(tab)]["title"]) for tab in MODEL_TABS if fold(tab) in props}
        ranges = [quote_tab(title) for title in present.values()]
        grids = self.api.retry(lambda: self.api.batch_get(ranges, formatted=True)) if ranges else []
        tables = model_tables(
            {tab: (title, grid) for (tab, title), grid in zip(present.items(), grids, strict=True)}
        )
        self.last_model = tabs_to_model(tables)
        return self.last_model

    def read_model(self) -> dict[str, Any]:
        """Return the sheet's model as plain data for scoring.load_model."""
        return self.read_model_sheet().data

    def cell_for(self, path: tuple[str | int, ...]) -> str:
        """Return the A1 cell (e.g. Weights!C4) of a ModelIssue path from the last read."""
        return self.last_model.cell_for(path) if self.last_model else ""

    def write_status(
        self,
        issues: Sequence[StatusLine],
        version: str,
        when: datetime,
        *,
        kept_version: str | None = None,
    ) -> None:
        """Replace the Status tab: one row per error (cell, message), or one OK row."""
        stamp = when.isoformat(timespec="seconds")
        rows: list[list[Any]] = [list(STATUS_HEADERS)]
        rows += [["Error", i.cell, i.message, stamp, version] for i in issues]
        if not issues:
            rows.append(["OK", "", "the model is valid and in use", stamp, version])
        elif kept_version is not None:
            rows.append(["Kept", "", "still running the last good model", stamp, kept_version])
        self._fill({STATUS: rows})

    def load_model_or_keep(
        self,
        last_good: ScoringModel | None = None,
        *,
        last_good_version: str = "",
        cache: str | Path | None = None,
    ) -> tuple[ScoringModel, list[str]]:
        """Validate the sheet model; on error write Status and return the last good model."""
        cached = load_model_cache(cache) if cache else None
        if last_good is None and cached is not None:
            last_good, last_good_version = load_model(cached), model_hash(cached)
        sheet = self.read_model_sheet()
        model, lines = sheet.validate()
        version = model_hash(sheet.data)
        if model is not None:
            self.write_status([], version, self.clock())
            if cache:
                save_model_cache(cache, sheet.data)
            return model, []
        kept = last_good_version if last_good is not None else None
        self.write_status(lines, version, self.clock(), kept_version=kept)
        messages = [str(line) for line in lines]
        if last_good is None:
            raise ConfigError(
                "the sheet model is invalid and no good model is kept: " + messages[0]
            )
        return last_good, messages

    def write_report(self, rows: Sequence[Sequence[Any]], tab: str = "Report") -> None:
        """Replace the Report tab (created when absent) with the report's rows, in one call."""
        self._fill({tab: [list(r) for r in rows] or [[""]]})

    def write_review(self, rows: Sequence[Sequence[Any]]) -> None:
        """Replace the Review tab (demotions waiting for the review date) in one call."""
        self.write_report(rows, tab=REVIEW)

    def init_tabs(self, force: bool = False) -> dict[str, str]:
        """Create the model tabs (default scorecard) and an accounts header; one call."""
        props = self.sheet_props(refresh=True)
        plan: dict[str, list[list[Any]]] = {}
        outcome: dict[str, str] = {}
        accounts = self.config.accounts_tab
        tabs = {**model_to_tabs(), accounts: [self._accounts_header()]}
        for tab, rows in tabs.items():
            exists = fold(tab) in props
            # an existing accounts tab holds people's rows: --force never wipes it
            if exists and (not force or tab == accounts):
                outcome[tab] = "kept"
                continue
            plan[tab] = rows
            outcome[tab] = "replaced" if exists else "created"
        if plan:
            self._fill(plan)
        return outcome

    def _accounts_header(self) -> list[str]:
        fields = {k: self.config.header_for(k) for k in self.config.field_map}
        return accounts_header(fields, self.config.output_headers)

    def _fill(self, tabs: Mapping[str, list[list[Any]]]) -> None:
        attempts: list[int] = []

        def attempt() -> None:
            # a failed call may still have added the tab: look again before a retry
            props = self.sheet_props(refresh=bool(attempts))
            attempts.append(1)
            requests: list[dict[str, Any]] = []
            next_id = max((int(p["sheetId"]) for p in props.values()), default=0) + 1
            for tab, rows in tabs.items():
                existing = props.get(fold(tab))
                if existing is None:
                    sheet_id, next_id = next_id, next_id + 1
                    width = max(len(r) for r in rows)
                    requests.append(add_sheet_request(sheet_id, tab, width))
                else:
                    sheet_id = int(existing["sheetId"])
                requests += fill_requests(sheet_id, rows)
            if requests:
                self.api.batch_update(requests)
                self._sheets = None  # titles and ids changed

        self.api.retry(attempt)


def save_model_cache(path: str | Path, data: Mapping[str, Any]) -> None:
    """Write the last good model data to a JSON file atomically."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=target.name, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    os.replace(tmp, target)  # a crash mid-write leaves the previous good cache intact


def load_model_cache(path: str | Path) -> dict[str, Any] | None:
    """Return the cached model data, or None when there is no usable cache."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
