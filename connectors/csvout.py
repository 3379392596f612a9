"""Writing a scored CSV: row cells, text kept from becoming formulas, a safe temp file."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError, ConnectorError, FatalError
from scoring import Result

# Spreadsheet programs run cells starting with these as formulas; CRM text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_STARTS = frozenset(_FORMULA_START)
_FIRST: Callable[[Any], Any] = itemgetter(slice(None, 1))  # a text's first character, in C
#: The columns `tiersync score` adds (or fills, when the file already has them).
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
OUTPUT_NAMES = frozenset(OUTPUT_COLUMNS)


def output_cells(result: Result, decimal_comma: bool) -> list[str]:
    """Return a result's output columns as written, in OUTPUT_COLUMNS order (`;` files: 1,8)."""
    change = result.change
    score = f"{result.score:.1f}"
    return [
        result.tier,
        score.replace(".", ",") if decimal_comma else score,
        result.health,
        result.next_action,
        result.reason,
        "; ".join(result.issues),
        f"{change.from_tier or 'new'} -> {change.to_tier}: {change.why}" if change else "",
        result.campaign_track or "",
    ]


class RowPlan:
    """How each written row is made from a record and its result, planned once per file."""

    def __init__(self, keys: Sequence[str], extra: Sequence[str], decimal_comma: bool) -> None:
        self.keys = list(keys)  # the key each input column was read under
        at = {name: n for n, name in enumerate(OUTPUT_COLUMNS)}
        self.outputs = [(i, at[k]) for i, k in enumerate(keys) if k in at]
        self.extra = [at[k] for k in extra]
        self.all_extra = self.extra == list(range(len(OUTPUT_COLUMNS)))  # the usual file
        self.decimal_comma = decimal_comma
        # `;` files: a number read with a decimal comma (1,8) is written back as it was read
        self.as_read = (
            [(i, f"#{i}") for i, k in enumerate(keys) if not k.startswith("#")]
            if decimal_comma
            else []
        )

    def row(self, fields: Mapping[str, Any], result: Result) -> list[Any]:
        """Return the cells of one account: its outputs, else each cell as it was read."""
        get = fields.get
        row = list(map(get, self.keys))  # an absent cell is None, which csv writes empty
        for i, key in self.as_read:
            raw = get(key)
            if raw is not None:
                row[i] = raw
        values = output_cells(result, self.decimal_comma)
        for i, n in self.outputs:
            row[i] = values[n]
        row += values if self.all_extra else [values[n] for n in self.extra]
        try:  # the usual row: text only, and no cell starts like a formula
            if _STARTS.isdisjoint(map(_FIRST, row)):
                return row
        except TypeError:  # a cell that is no text (None, a number): checked one by one
            pass
        return [safe(v) for v in row]


def safe(value: Any) -> Any:
    """Keep text from becoming a formula when the file is opened in a spreadsheet."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value.replace(",", "."))
        except ValueError:
            return "'" + value
    return value


def write_error(output: Path, exc: OSError) -> ConnectorError:
    """Name an output that could not be written: a full disk is a failed run, else the set-up."""
    message = f"cannot write {output}: {exc.strerror or exc}"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
        return FatalError(message)  # exit 1: nothing to fix in the config
    return ConfigError(message)  # a folder it may not write to: exit 2


def temp_beside(output: Path) -> str:
    """Create an empty temp file beside output (its folder made when missing); name the path
    in a one-line error when that folder cannot be written."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as exc:
        raise write_error(output, exc) from None
    os.close(fd)
    return tmp


def file_mode(path: Path) -> int:
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
