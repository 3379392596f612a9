"""The model tabs role: the manager's scorecard read from the sheet, each value's cell kept.

The model tabs and, during a sync of the same sheet, the accounts tab are read in one
batchGet; the accounts values are handed to the accounts role, so the sync reads nothing twice.
That batchGet returns unformatted values (exact numbers for the accounts). For the model tabs
this equals what a person sees for text and whole numbers; a fraction or a yes/no cell (where a
percent format or a display rounding could make them differ) has the model tabs read again as
formatted, so "30%" typed as a weight still means 30.
"""

from __future__ import annotations

from typing import Any

from connectors.sheets.grid import Table
from connectors.sheets.layout import COLUMNS, MODEL_TABS, TIERS
from connectors.sheets.spreadsheet import Spreadsheet
from connectors.sheets.status import SheetModel
from connectors.sheets.tabs import model_tables, tabs_to_model

# the one numeric column whose formatted and unformatted values read the same (10% and 0.1)
_SHARE = next(c.headers for c in COLUMNS[TIERS] if c.key == "target_share")


class ModelTabs:
    """Reads the model tabs into plain model data; remembers the last read for error cells."""

    def __init__(self, sheet: Spreadsheet, accounts_tab: str) -> None:
        self.sheet = sheet
        self.accounts_tab = accounts_tab
        self.last_model: SheetModel | None = None

    def read_model_sheet(self, with_accounts: bool = False) -> SheetModel:
        """Read every model tab in one call (and the accounts tab along) and convert it.

        with_accounts: the accounts tab is read in the same call and kept for the accounts
        role (a sync of this sheet reads it next).
        """
        tabs = [*MODEL_TABS, self.accounts_tab] if with_accounts else list(MODEL_TABS)
        read = self.sheet.read(tabs)
        if with_accounts and self.accounts_tab in read:
            self.sheet.keep(self.accounts_tab, *read[self.accounts_tab])
        tables = model_tables({tab: read[tab] for tab in MODEL_TABS if tab in read})
        if not all(_reads_the_same(tab, table) for tab, table in tables.items()):
            tables = model_tables(self.sheet.read(MODEL_TABS, formatted=True))
        self.last_model = tabs_to_model(tables)
        return self.last_model

    def read_model(self, with_accounts: bool = False) -> dict[str, Any]:
        """Return the sheet's model as plain data for scoring.load_model."""
        return self.read_model_sheet(with_accounts).data

    def cell_for(self, path: tuple[str | int, ...]) -> str:
        """Return the A1 cell (e.g. Weights!C4) of a ModelIssue path from the last read."""
        return self.last_model.cell_for(path) if self.last_model else ""


def _reads_the_same(tab: str, table: Table) -> bool:
    """Return True when no cell of a model tab could read differently once formatted."""
    share = table.find(*_SHARE) if tab == TIERS else None
    for _, row in table.rows:
        for i, value in enumerate(row):
            if i == share:
                continue
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                return False
    return True
