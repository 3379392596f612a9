"""Run history and failing records as aligned text tables (`tiersync runs`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

RUN_COLUMNS = (
    ("run", "<"), ("started (UTC)", "<"), ("status", "<"), ("accounts", ">"), ("written", ">"),
    ("changes", ">"), ("failures", ">"), ("API calls", ">"), ("duration", ">"), ("model", "<"),
)  # fmt: skip
FAILURE_COLUMNS = (
    ("system", "<"), ("account", "<"), ("attempts", ">"), ("code", "<"), ("message", "<"),
)  # fmt: skip


def table(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[str]]) -> list[str]:
    """Return a header and rows, each column as wide as its widest cell, two spaces apart."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, (h, _) in enumerate(columns)]
    lines = []
    for cells in [[h for h, _ in columns], *rows]:
        parts = [f"{c:{a}{w}}" for c, (_, a), w in zip(cells, columns, widths, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return lines


def render_runs(runs: Sequence[Mapping[str, Any]]) -> str:
    """Return the runs as a table, each run's error on its own line below it."""
    if not runs:
        return "no runs yet: `tiersync sync` makes the first one"
    rows = [_run_cells(r) for r in runs]
    head, *body = table(RUN_COLUMNS, rows)
    lines = [head]
    for run, line in zip(runs, body, strict=True):
        lines.append(line)
        if run["error"]:
            lines.append(f"    error: {run['error']}")
    return "\n".join(lines)


def _run_cells(r: Mapping[str, Any]) -> list[str]:
    took = (r["finished_at"] - r["started_at"]).total_seconds() if r["finished_at"] else None
    return [
        f"#{r['id']}",
        f"{r['started_at']:%Y-%m-%d %H:%M}",
        str(r["status"]),
        str(r["accounts"]),
        str(r["written"]),
        str(r["changes"]),
        str(r["failures"]),
        str(r["api_calls"]),
        f"{took:.1f}s" if took is not None else "-",
        str(r["model_version"] or "-"),
    ]


def render_failures(failures: Sequence[Mapping[str, Any]]) -> str:
    """Return the records whose write still fails, or say that none does."""
    if not failures:
        return "no record is failing"
    rows = [
        [str(f["system"]), str(f["account_id"]), str(f["attempts"]), str(f["code"]),
         str(f["message"])]
        for f in failures
    ]  # fmt: skip
    return "\n".join(table(FAILURE_COLUMNS, rows))
