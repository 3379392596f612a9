"""Writing a scored CSV: row cells, text kept from becoming formulas, a safe temp file."""

from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError, ConnectorError, FatalError
from scoring import Result

# Spreadsheet programs run cells starting with these as formulas; CRM text must stay text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def output_values(result: Result, decimal_comma: bool) -> dict[str, Any]:
    """Return the output columns of a result as written (a decimal comma in `;` files)."""
    change = result.change
    score = f"{result.score:.1f}"
    return {
        "tier": result.tier,
        "score": score.replace(".", ",") if decimal_comma else score,
        "health": result.health,
        "next_action": result.next_action,
        "reason": result.reason,
        "data_issues": "; ".join(result.issues),
        "tier_change": f"{change.from_tier or 'new'} -> {change.to_tier}: {change.why}"
        if change
        else "",
        "campaign_track": result.campaign_track or "",
    }


def cell(fields: Mapping[str, Any], outputs: Mapping[str, Any], index: int, key: str) -> Any:
    """Return what a column holds on write-back: a new output, else the cell as it was read."""
    if key in outputs:
        return safe(outputs[key])
    raw = fields.get(f"#{index}")  # the text as read, where reading changed it (1,8 -> 1.8)
    return safe(raw if raw is not None else fields.get(key, ""))


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
