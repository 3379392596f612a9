"""Pure helpers over a tab's values grid: A1 references, headers found by name, cell values."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Grid = list[list[Any]]


def column_letter(index: int) -> str:
    """Return the A1 letters of a 0-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def quote_tab(title: str) -> str:
    """Return a tab title quoted for an A1 range ('Next Actions' → "'Next Actions'")."""
    return "'" + title.replace("'", "''") + "'"


def cell_ref(tab: str, row: int, col: int) -> str:
    """Return a readable A1 reference such as Weights!C4 (row 1-based, col 0-based)."""
    name = quote_tab(tab) if re.search(r"[^A-Za-z0-9_]", tab) else tab
    return f"{name}!{column_letter(col)}{row}"


def fold(header: Any) -> str:
    """Fold a header for matching: case-, space- and underscore-insensitive."""
    return re.sub(r"[\s_]+", "", str(header or "")).casefold()


def is_blank(value: Any) -> bool:
    """Return True for an empty cell (None or only spaces)."""
    return value is None or (isinstance(value, str) and not value.strip())


def blank_row(row: Sequence[Any]) -> bool:
    """Return True when every cell of a row is empty."""
    return all(is_blank(v) for v in row)


def cell(row: Sequence[Any], col: int | None) -> Any:
    """Return a cell of a row (None past the end: the API trims trailing blanks)."""
    if col is None or col >= len(row):
        return None
    value = row[col]
    return value.strip() if isinstance(value, str) else value


@dataclass(frozen=True)
class Table:
    """A tab read as a header row and data rows; row numbers are the sheet's (1-based)."""

    tab: str
    header_row: int  # 0 when the tab is empty
    headers: tuple[str, ...]
    rows: tuple[tuple[int, list[Any]], ...]

    def find(self, *names: str) -> int | None:
        """Return the 0-based column of the first header matching any of names."""
        wanted = [fold(n) for n in names]
        for w in wanted:
            for i, h in enumerate(self.headers):
                if fold(h) == w and w:
                    return i
        return None

    @property
    def width(self) -> int:
        """Return the number of columns up to the last non-blank header."""
        last = [i for i, h in enumerate(self.headers) if not is_blank(h)]
        return last[-1] + 1 if last else 0


def read_table(tab: str, values: Grid) -> Table:
    """Split a grid into its header (the first non-blank row) and its non-blank data rows."""
    header_at = next((i for i, row in enumerate(values) if not blank_row(row)), None)
    if header_at is None:
        return Table(tab, 0, (), ())
    headers = tuple(str(h).strip() if h is not None else "" for h in values[header_at])
    rows = tuple(
        (i + 1, list(row)) for i, row in enumerate(values) if i > header_at and not blank_row(row)
    )
    return Table(tab, header_at + 1, headers, rows)


def key_text(value: Any) -> str:
    """Normalise an account key cell: 1042.0 and ' 1042 ' both read as '1042'."""
    if value is None or isinstance(value, bool):
        return "" if value is None else str(value)
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def same_value(current: Any, wanted: Any) -> bool:
    """Return True when a cell already holds the value we would write (numbers by value)."""
    if is_blank(current) and is_blank(wanted):
        return True
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool):
        try:
            return math.isclose(float(current), float(wanted), abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(current if current is not None else "").strip() == str(wanted).strip()


def column_runs(cells: Mapping[tuple[int, int], Any]) -> Iterable[tuple[int, int, list[Any]]]:
    """Group changed cells into vertical runs (col, first_row, values) of consecutive rows.

    A first sync changes every row, so a whole output column becomes one range: the request
    stays small whatever the number of rows, yet untouched cells are never part of it.
    """
    by_col: dict[int, list[int]] = {}
    for row, col in cells:
        by_col.setdefault(col, []).append(row)
    for col in sorted(by_col):
        rows = sorted(by_col[col])
        start = prev = rows[0]
        for row in rows[1:]:
            if row != prev + 1:
                yield col, start, [cells[(r, col)] for r in range(start, prev + 1)]
                start = row
            prev = row
        yield col, start, [cells[(r, col)] for r in range(start, prev + 1)]
