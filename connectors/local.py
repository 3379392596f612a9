"""Local CSV files: the embedded default source/sink and the honest fake for plugin tests."""

from __future__ import annotations

import contextlib
import csv
import glob
import os
import re
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from connectors.base import RecordFailure, WriteReport
from connectors.errors import ConfigError
from scoring import AccountRecord, Outputs, Result
from scoring.errors import InvalidValue
from scoring.parse import parse_number

SAMPLE_CSV = Path(__file__).with_name("data") / "sample_accounts.csv"
OUTPUT_COLUMNS = (
    "tier",
    "score",
    "health",
    "next_action",
    "reason",
    "data_issues",
    "tier_change",
    "campaign_track",
)
# Spreadsheet programs run cells starting with these as formulas; CRM text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    ) -> None:
        self.source = Path(source) if source else SAMPLE_CSV
        self.output = Path(output) if output else None
        # canonical field -> header in the file; headers match case- and space-insensitively
        self._by_header = {_norm(h): c for c, h in (field_map or {}).items()}
        self.skipped: list[RecordFailure] = []

    def check(self) -> None:
        """Raise ConfigError unless the source is a readable CSV with an account id column."""
        self._keys()

    def _keys(self) -> list[str]:
        try:
            with _open(self.source) as handle:
                header = next(csv.reader(handle), None)
        except OSError as exc:
            raise ConfigError(f"cannot read {self.source}: {exc.strerror or exc}") from None
        except (UnicodeDecodeError, csv.Error) as exc:
            raise ConfigError(f"{self.source} is not a readable CSV file: {exc}") from None
        if not header:
            raise ConfigError(f"{self.source} is empty: the first line must be the header")
        keys = [self._by_header.get(_norm(h), _norm(h)) for h in header]
        if "account_id" not in keys:
            raise ConfigError(
                f"{self.source} has no 'account_id' column (header: {', '.join(header)})"
            )
        return keys

    def next_bookmark(self) -> str | None:
        """Return None: a file is always read whole."""
        return None

    def read_ids(self, ids: Iterable[str]) -> Iterator[AccountRecord]:
        """Yield the rows of these accounts (a file is read through to find them)."""
        wanted = set(ids)
        return (r for r in self.iter_accounts() if r.account_id in wanted)

    def iter_accounts(self, bookmark: str | None = None) -> Iterator[AccountRecord]:
        """Yield one record per data row; rows without an account id are skipped and noted."""
        keys = self._keys()
        self.skipped = []
        with _open(self.source) as handle:
            reader = csv.reader(handle)
            next(reader)
            try:
                for row in reader:
                    if not row:
                        continue
                    fields = dict(zip(keys, row, strict=False))
                    account_id = fields.get("account_id", "").strip()
                    if not account_id:
                        line = reader.line_num
                        self.skipped.append(RecordFailure(f"line {line}", "NO_ID", "no account_id"))
                        continue
                    yield AccountRecord(
                        account_id,
                        fields,
                        current=_current(fields),
                        tier_override=fields.get("tier_override") or None,
                    )
            except csv.Error as exc:
                raise ConfigError(f"{self.source} line {reader.line_num}: {exc}") from None

    def write_results(self, pairs: Iterable[tuple[AccountRecord, Result]]) -> WriteReport:
        """Write every account with its outputs to the output file atomically (temp + rename)."""
        if self.output is None:
            raise ConfigError("no output file configured for the local connector")
        with _open(self.source) as handle:
            header = next(csv.reader(handle))
        keys = [self._by_header.get(_norm(h), _norm(h)) for h in header]
        extra = [c for c in OUTPUT_COLUMNS if c not in keys]
        report = WriteReport()
        self.output.parent.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(self.output)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.output.name}.", dir=self.output.parent)
        try:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as out:
                writer = csv.writer(out)
                writer.writerow(header + extra)
                for record, result in pairs:
                    values = {**record.fields, **_output_values(result)}
                    writer.writerow([_safe(values.get(k, "")) for k in keys + extra])
                    if result.differs_from(record.current):
                        report.written += 1
                        report.written_ids.append(record.account_id)
                    else:
                        report.unchanged += 1
            os.chmod(tmp, _file_mode(self.output))
            os.replace(tmp, self.output)
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        report.failures.extend(self.skipped)
        return report


def _file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new one is private (0600): it holds the book."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o600


def remove_stale_temps(output: Path) -> int:
    """Remove the temp files a killed write left next to output; return how many."""
    # mkstemp names them ".<output name>." + 8 characters from [a-z0-9_]
    pattern = re.compile(rf"\.{re.escape(output.name)}\.[a-z0-9_]{{8}}")
    removed = 0
    for stale in output.parent.glob(f".{glob.escape(output.name)}.*"):
        if pattern.fullmatch(stale.name):
            with contextlib.suppress(FileNotFoundError):
                stale.unlink()
                removed += 1
    return removed


def _open(path: Path) -> IO[str]:
    # utf-8-sig: spreadsheet exports often start with a byte-order mark
    return path.open(newline="", encoding="utf-8-sig")


def _norm(header: str) -> str:
    return "_".join(header.strip().lower().split())


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


def _output_values(result: Result) -> dict[str, Any]:
    change = result.change
    return {
        "tier": result.tier,
        "score": f"{result.score:.1f}",
        "health": result.health,
        "next_action": result.next_action,
        "reason": result.reason,
        "data_issues": "; ".join(result.issues),
        "tier_change": f"{change.from_tier or 'new'} -> {change.to_tier}: {change.why}"
        if change
        else "",
        "campaign_track": result.campaign_track or "",
    }


def _safe(value: Any) -> Any:
    """Keep text from becoming a formula when the file is opened in a spreadsheet."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value
