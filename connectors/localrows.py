"""Rows of an account file turned into records: what is skipped, and why, said once each.

Blank rows are passed over; a row without a key, a row with more cells than the header and
a repeated key are skipped and named by line; the totals and notices a report export puts
under the data (Salesforce's "Grand Totals (12 records)") are recognised and skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from connectors.base import RecordFailure
from connectors.csvfiles import filled, footer_row, footer_start, plain_row, records_claimed
from connectors.errors import ConfigError
from scoring.fields import NUMBER_FIELDS
from scoring.parse import decimal_comma

_DECIMAL = NUMBER_FIELDS | {"score"}


class RowReader:
    """Turns the data rows of one pass over a file into canonical field mappings."""

    def __init__(self, file: str, keys: Sequence[str], comma: bool) -> None:
        self.file = file
        self.keys = list(keys)
        self.width = len(keys)
        self.converted = [(i, k) for i, k in enumerate(keys) if k in _DECIMAL] if comma else []
        self.failures: list[RecordFailure] = []
        self.notes: list[str] = []
        self.seen: dict[str, int] = {}
        self.repeats: dict[str, list[int]] = {}
        self.data_rows = 0
        self.blank_from: int | None = None
        self.footer: tuple[int, int] | None = None  # first and last line

    def fields(self, n: int, cells: list[str]) -> dict[str, Any] | None:
        """Return the fields of row n, or None when the row is skipped (and noted)."""
        if self.footer is not None:
            self._after_footer(n, cells)
            return None
        if not plain_row(cells):
            if not filled(cells):
                self.blank_from = self.blank_from or n
                return None
            if footer_start(cells):
                self._start_footer(n, cells)
                return None
        self.blank_from = None
        self.data_rows += 1
        if len(cells) > self.width:  # a delimiter inside a value shifted every later cell
            self._skip(f"line {n}", "TOO_MANY_CELLS", _too_many(len(cells), self.width))
            return None
        fields = dict(zip(self.keys, cells, strict=False))
        key = fields.get("account_id", "").strip()
        if not key:
            name = str(fields.get("name") or "").strip()
            self._skip(f"line {n}", "NO_ID", "no account_id" + (f" ({name})" if name else ""))
            return None
        if key in self.seen:
            self.repeats.setdefault(key, []).append(n)
            return None
        self.seen[key] = n
        fields["account_id"] = key
        for i, name in self.converted:
            raw = fields.get(name)
            if raw and ("," in raw or raw.count(".") > 1):
                fields[name], fields[f"#{i}"] = decimal_comma(raw), raw
        return fields

    def finish(self) -> list[RecordFailure]:
        """Return the skipped rows, repeated keys last, and add the footer note."""
        for key, later in self.repeats.items():
            # named by the skipped lines: the account itself was scored (and is recorded)
            message = f"account_id {key!r} again (first on line {self.seen[key]}, scored there)"
            self._skip(_lines(later, "line"), "DUPLICATE_KEY", message)
        if self.footer is not None:
            start, end = self.footer
            span = f"line {start}" if start == end else f"lines {start}-{end}"
            self.notes.append(f"{span}: report footer (totals and notices) skipped")
        return self.failures

    def _skip(self, where: str, code: str, message: str) -> None:
        self.failures.append(RecordFailure(where, code, message))

    def _start_footer(self, n: int, cells: list[str]) -> None:
        self.footer = (self.blank_from or n, n)
        claimed = records_claimed(cells)
        if claimed is not None and claimed != self.data_rows:
            raise ConfigError(
                f"{self.file} line {n}: the report counts {claimed} records but "
                f"{self.data_rows} rows came before it; export the report again"
            )

    def _after_footer(self, n: int, cells: list[str]) -> None:
        assert self.footer is not None
        if not footer_row(cells):
            raise ConfigError(
                f"{self.file} line {n}: an account row after the report footer that starts "
                f"on line {self.footer[0]}; remove the footer lines or the rows after them"
            )
        if filled(cells):
            self.footer = (self.footer[0], n)


def _too_many(got: int, width: int) -> str:
    return f"{got} cells, header has {width} (a delimiter inside an unquoted value?)"


def _lines(numbers: list[int], word: str = "") -> str:
    text = (
        str(numbers[0])
        if len(numbers) == 1
        else ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}"
    )
    if not word:
        return text
    return f"{word} {text}" if len(numbers) == 1 else f"{word}s {text}"
