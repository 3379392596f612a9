"""Writing a scored CSV: row cells, text kept from becoming formulas, a safe temp file."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from connectors.errors import ConfigError
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


def temp_beside(output: Path) -> str:
    """Create an empty temp file beside output (its folder made when missing); name the path
    in a one-line error when that folder cannot be written."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    except OSError as exc:
        raise ConfigError(f"cannot write {output}: {exc.strerror or exc}") from None
    os.close(fd)
    return tmp


def file_mode(path: Path) -> int:
    """Keep an existing file's permissions; a new file gets the usual ones (0666 less umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
