"""The Status and Report tabs: model issues turned into lines naming the cell to fix, written
where the manager reads them."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.sheets.grid import fold
from connectors.sheets.layout import MODEL_TABS, REVIEW, STATUS, STATUS_HEADERS
from connectors.sheets.spreadsheet import Spreadsheet
from scoring import ModelError, ModelIssue, ScoringModel, load_model

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class StatusLine:
    """One line of the Status tab: the cell (A1, may be empty) and what is wrong there."""

    cell: str
    message: str

    def __str__(self) -> str:
        return f"{self.cell}: {self.message}" if self.cell else self.message


@dataclass
class SheetModel:
    """Model data read from the tabs, where each value came from, and layout problems."""

    data: dict[str, Any]
    cells: dict[Path, tuple[str, Any]] = field(default_factory=dict)  # path → (A1, raw)
    notes: dict[Path, str] = field(default_factory=dict)  # path → message the schema can't give
    problems: list[StatusLine] = field(default_factory=list)
    broken: set[str] = field(default_factory=set)  # sections whose tab lacks a needed column

    def cell_for(self, path: Path) -> str:
        """Return the A1 cell of a model path (its nearest located parent), or ''."""
        for n in range(len(path), 0, -1):
            if path[:n] in self.cells:
                return self.cells[path[:n]][0]
        return ""

    def explain(self, issues: Sequence[ModelIssue]) -> list[StatusLine]:
        """Turn schema issues into Status lines naming the cell a manager must fix."""
        lines = list(self.problems)
        for issue in issues:
            if issue.path and issue.path[0] in self.broken:
                continue  # "weight is blank" on every row only hides "no Weight % column"
            note = next((self.notes[p] for p in _prefixes(issue.path) if p in self.notes), None)
            ref = self.cell_for(issue.path)
            message = note or _reword(issue, self.cells.get(issue.path, ("", None))[1])
            lines.append(StatusLine(ref, message if ref else f"{issue.where}: {message}"))
        return sorted(lines, key=_reading_order)

    def validate(self) -> tuple[ScoringModel | None, list[StatusLine]]:
        """Load the data through scoring.load_model; return the model or the Status lines."""
        try:
            model = load_model(self.data)
        except ModelError as exc:
            return None, self.explain(exc.issues)
        return (None, self.explain([])) if self.problems else (model, [])


class StatusTabs:
    """Writes the Status tab (is the model valid, which version runs) and the Report tab."""

    def __init__(self, sheet: Spreadsheet, clock: Callable[[], datetime] | None = None) -> None:
        self.sheet = sheet
        self.clock = clock or (lambda: datetime.now(UTC))

    def write_status(
        self,
        issues: Sequence[StatusLine],
        version: str,
        when: datetime | None = None,
        *,
        kept_version: str | None = None,
    ) -> None:
        """Replace the Status tab: one row per error (cell, message), or one OK row."""
        stamp = (when or self.clock()).isoformat(timespec="seconds")
        rows: list[list[Any]] = [list(STATUS_HEADERS)]
        rows += [["Error", i.cell, i.message, stamp, version] for i in issues]
        if not issues:
            rows.append(["OK", "", "the model is valid and in use", stamp, version])
        elif kept_version is not None:
            rows.append(["Kept", "", "still running the last good model", stamp, kept_version])
        self.sheet.fill({STATUS: rows})

    def write_report(self, rows: Sequence[Sequence[Any]], tab: str = "Report") -> None:
        """Replace the Report tab (created when absent) with the report's rows, in one call."""
        self.sheet.fill({tab: [list(r) for r in rows] or [[""]]})

    def write_review(self, rows: Sequence[Sequence[Any]]) -> None:
        """Replace the Review tab (demotions waiting for the review date) in one call."""
        self.write_report(rows, tab=REVIEW)


_REF = re.compile(r"^(?:'((?:[^']|'')+)'|([^!]+))(?:!([A-Z]+)(\d+))?")
_TAB_ORDER = {fold(t): i for i, t in enumerate(MODEL_TABS)}


def _reading_order(line: StatusLine) -> tuple[int, int, int]:
    # a manager reads the Status tab top-down alongside the tabs: tab, then row, then column
    match = _REF.match(line.cell)
    if not line.cell or not match:
        return (len(_TAB_ORDER), 0, 0)
    tab = fold(match.group(1) or match.group(2))
    letters = match.group(3) or ""
    col = sum((ord(ch) - 64) * 26**i for i, ch in enumerate(reversed(letters)))
    return (_TAB_ORDER.get(tab, len(_TAB_ORDER)), int(match.group(4) or 0), col)


def _prefixes(path: Path) -> list[Path]:
    return [path[:n] for n in range(len(path), 0, -1)]


def _reword(issue: ModelIssue, raw: Any) -> str:
    last = issue.path[-1] if issue.path else ""
    name = str(last).replace("_", " ") if isinstance(last, str) and last != "value" else "points"
    message = re.sub(r"got '(.*)'$", r'got "\1"', issue.message)
    if message.startswith("give either"):
        return "its Bands rows must be either all min values or all categories"
    if message == "Not a valid integer.":
        return f'{name} must be a whole number, got "{raw}"'
    if message.startswith(("must", "is required", "Missing data")):
        message = "is blank" if message.startswith(("is required", "Missing")) else message
        return f"{name} {message}"
    return message
