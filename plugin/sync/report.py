"""The result of a sync run and its one-screen summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from connectors.base import RecordFailure
from scoring.portfolio import tier_table


@dataclass
class RunReport:
    """What a run did: the figures of the one-screen summary, and the summary text."""

    run_id: int | None
    status: str  # succeeded | partial | failed | interrupted | dry-run
    accounts: int = 0
    tiers: dict[str, int] = field(default_factory=dict)
    targets: dict[str, float | None] = field(default_factory=dict)
    health: dict[str, int] = field(default_factory=dict)
    changes: int = 0  # tier moves computed in this run
    changes_recorded: int = 0  # tier moves recorded in the history (systems now hold them)
    book: int | None = None  # partial runs: accounts in the whole stored book
    changes_by_tier: dict[str, int] = field(default_factory=dict)
    written: int = 0
    unchanged: int = 0
    failures: list[RecordFailure] = field(default_factory=list)
    api_calls: int = 0
    duration: float = 0.0
    model_version: str = ""
    notes: list[str] = field(default_factory=list)
    would_change: list[tuple[str, str | None, str, str]] = field(default_factory=list)
    summary: str = ""
    capacity: str | None = None  # "Tier 1 capacity 450 (30 reps × 15): N accounts overflowed ..."


def render(report: RunReport) -> str:
    """Return the one-screen summary of a run."""
    head = "DRY RUN (nothing written)" if report.status == "dry-run" else f"run {report.run_id}"
    lines = [f"{head}: {report.status}, model {report.model_version}", ""]
    if report.book is not None:
        lines.append(f"book after this run ({report.book} accounts; {report.accounts} read):")
    n = (report.book if report.book is not None else report.accounts) or 1
    lines.extend(
        tier_table(
            (t, c, c / n, report.targets.get(t), report.changes_by_tier.get(t, 0))
            for t, c in report.tiers.items()
        )
    )
    if report.capacity:
        lines.append(report.capacity)
    lines.append("")
    lines.append("health: " + ", ".join(f"{k} {v}" for k, v in report.health.items()))
    verb = "would write" if report.status == "dry-run" else "written"
    lines.append(
        f"accounts: {report.accounts}, {verb}: {report.written}, unchanged: {report.unchanged}, "
        f"tier changes: {report.changes}"
    )
    lines.append(
        f"failures: {len(report.failures)}, API calls: {report.api_calls}, "
        f"duration: {report.duration:.1f}s"
    )
    for f in report.failures[:5]:
        lines.append(f"  failed {f.account_id}: {f.code} {f.message}")
    if len(report.failures) > 5:
        lines.append(f"  ... and {len(report.failures) - 5} more (tiersync runs --failures)")
    lines.extend(f"note: {note}" for note in report.notes)
    return "\n".join(lines)
