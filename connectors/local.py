"""Local CSV files: the embedded default source/sink and the honest fake for plugin tests."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from connectors.base import RecordFailure, WriteReport
from connectors.csvfiles import ENCODING_HINT, Dialect, rows, sniff, writer_for
from connectors.csvout import (
    OUTPUT_COLUMNS,
    OUTPUT_NAMES,
    RowPlan,
    file_mode,
    remove_stale_temps,
    temp_beside,
    write_error,
)
from connectors.errors import ConfigError
from connectors.localrows import RowReader
from scoring import AccountRecord, Outputs, Result
from scoring.errors import InvalidValue
from scoring.fields import BY_NAME, OUTPUT_ALIASES, fold_header, map_headers
from scoring.parse import parse_number

SAMPLE_CSV = Path(__file__).with_name("data") / "sample_accounts.csv"
#: How to name a column for a field, said in errors and notes (the CLI's option by default).
MAP_HINT = "map it with --field-map {field}='{header}'"
_OUTPUT_BY_FOLD = {fold_header(c): c for c in OUTPUT_COLUMNS}


@dataclass(frozen=True)
class Layout:
    """A file's dialect and header, and the key each column is read under."""

    dialect: Dialect
    header: list[str]
    keys: list[str]  # canonical field, output column, or "#<index>" for a column kept as is
    notes: list[str]

    @property
    def provided(self) -> set[str]:
        """Return the canonical fields some column gives."""
        return {k for k in self.keys if not k.startswith("#")}


class LocalCsvConnector:
    """Read accounts from a CSV file and write them back with their tier columns."""

    name = "local"
    replayable = True
    reads_outputs = False  # the output is another file
    api_calls = 0

    def __init__(
        self,
        source: str | Path | None = None,
        output: str | Path | None = None,
        *,
        field_map: Mapping[str, str] | None = None,
        encoding: str | None = None,
        encoding_hint: str = ENCODING_HINT,
        map_hint: str = MAP_HINT,
    ) -> None:
        self.source = Path(source) if source else SAMPLE_CSV
        self.output = Path(output) if output else None
        self.field_map = dict(field_map or {})
        self.encoding = encoding
        self.encoding_hint = encoding_hint
        self.map_hint = map_hint
        self.skipped: list[RecordFailure] = []
        self.notes: list[str] = []  # said once per run: unused columns, a skipped footer
        self._layout: Layout | None = None

    def check(self) -> None:
        """Raise ConfigError unless the source is a readable CSV with an account id column."""
        self.layout()

    def layout(self) -> Layout:
        """Return the file's dialect and column keys (read once)."""
        if self._layout is None:
            self._layout = self._read_layout()
        return self._layout

    def _read_layout(self) -> Layout:
        unknown = [c for c in self.field_map if c not in BY_NAME and c not in OUTPUT_ALIASES]
        if unknown:
            known = ", ".join(BY_NAME)
            raise ConfigError(f"field map: unknown field '{unknown[0]}' (fields: {known})")
        dialect = sniff(self.source, self.encoding, self.encoding_hint)
        header = next((cells for _, cells in rows(self.source, dialect, self.encoding_hint)), [])
        if not any(h.strip() for h in header):
            raise ConfigError(f"{self.source} is empty: the first line must be the header")
        fields, notes = map_headers(header, self.field_map)
        folded = {fold_header(h) for h in header}
        for canonical, wanted in self.field_map.items():
            if fold_header(wanted) not in folded:
                raise ConfigError(
                    f"field map: {self.source.name} has no column '{wanted}' for {canonical} "
                    f"(header: {', '.join(header)})"
                )
        keys = [
            f or _OUTPUT_BY_FOLD.get(fold_header(h)) or f"#{i}"
            for i, (f, h) in enumerate(zip(fields, header, strict=True))
        ]
        if "account_id" not in keys:
            raise ConfigError(_no_key(self.source, header, dialect, self.map_hint))
        unused = [h for h, k in zip(header, keys, strict=True) if k.startswith("#") and h.strip()]
        if unused:
            notes.append(
                "not used for scoring (kept as they are): "
                + ", ".join(f"'{h}'" for h in unused)
                + f"; {self.map_hint.format(field='FIELD', header='HEADER')} if one holds a "
                "tiersync field"
            )
        return Layout(dialect, header, keys, notes)

    def next_bookmark(self) -> str | None:
        """Return None: a file is always read whole."""
        return None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the rows of these accounts (a file is read through to find them)."""
        wanted = set(ids)
        return (r for r in self.iter_accounts() if r.account_id in wanted)

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield one record per data row; skipped rows and a report footer are noted."""
        layout = self.layout()
        reader = RowReader(self.source.name, layout.keys, layout.dialect.decimal_comma)
        body = rows(self.source, layout.dialect, self.encoding_hint)
        next(body, None)
        # a file without output columns: every record's current outputs are the same (none)
        current = None if OUTPUT_NAMES & set(layout.keys) else Outputs()
        try:
            for n, cells in body:
                fields = reader.fields(n, cells)
                if fields is not None:
                    yield AccountRecord(
                        fields["account_id"],
                        fields,
                        current=current or _current(fields),
                        tier_override=fields.get("tier_override") or None,
                    )
        finally:
            self.skipped = reader.finish()
            self.notes = [*layout.notes, *reader.notes]

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write every account with its outputs to the output file atomically (temp + rename)."""
        if self.output is None:
            raise ConfigError("no output file configured for the local connector")
        layout = self.layout()
        extra = [c for c in OUTPUT_COLUMNS if c not in layout.keys]
        report = WriteReport()
        remove_stale_temps(self.output)
        tmp = temp_beside(self.output)
        try:
            with open(tmp, "w", newline="", encoding=layout.dialect.output_encoding) as out:
                writer = writer_for(out, layout.dialect)
                writer.writerow(layout.header + extra)
                plan = RowPlan(layout.keys, extra, layout.dialect.decimal_comma)
                written = report.written_ids
                for record, result in pairs:
                    writer.writerow(plan.row(record.fields, result))
                    if result.differs_from(record.current):
                        written.append(record.account_id)
                    else:
                        report.unchanged += 1
                report.written = len(written)
            os.chmod(tmp, file_mode(self.output))  # mkstemp makes files private (0600)
            os.replace(tmp, self.output)
        except OSError as exc:
            raise write_error(self.output, exc) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        report.skipped.extend(self.skipped)
        report.notes.extend(self.notes)
        return report


def _no_key(source: Path, header: list[str], dialect: Dialect, hint: str) -> str:
    shown = ", ".join(header)
    if dialect.delimiter != "," and len(header) > 1:
        shown = f"{shown}; columns separated by {dialect.delimiter!r}"
    fix = hint.format(field="account_id", header=header[0].strip() or "HEADER")
    return f"{source} has no 'account_id' column (header: {shown}): {fix}"


def _current(fields: Mapping[str, str]) -> Outputs:
    try:
        score = parse_number(fields.get("score"))
    except InvalidValue:
        score = None
    return Outputs(
        tier=fields.get("tier") or None,
        score=score,
        health=fields.get("health") or None,
        next_action=fields.get("next_action") or None,
        reason=fields.get("reason") or None,
    )
