"""Reports for managers (`tiersync report` and the dashboard): plain data, then text.

Distribution vs target share, capacity per owner, recent tier movements and per-tier
performance from opportunity data, all from the store's last written state.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from connectors.errors import ConfigError
from plugin.config import Config
from plugin.model.versions import current_version, resolve_model
from plugin.reporting.sample_opps import BUNDLED
from plugin.reporting.success import check_rows, render_checks, tier1_checks
from plugin.store import accounts
from plugin.store.database import Store
from plugin.store.schema import account_state
from scoring import ScoringModel, load_model
from scoring.errors import InvalidValue
from scoring.parse import parse_bool, parse_date, parse_number
from scoring.performance import Opportunity, TierPerformance, table, tier_performance
from scoring.success import Check


@dataclass(frozen=True)
class Distribution:
    """Accounts in a tier against the model's target share."""

    tier: str
    accounts: int
    share: float
    target: float | None


@dataclass(frozen=True)
class Load:
    """Accounts an owner holds in a tier against the tier's accounts-per-rep limit."""

    owner: str
    tier: str
    accounts: int
    limit: int | None

    @property
    def overloaded(self) -> bool:
        """Return True above the limit."""
        return self.limit is not None and self.accounts > self.limit


@dataclass
class Report:
    """Everything `tiersync report` shows, as data."""

    model_version: str
    distribution: list[Distribution] = field(default_factory=list)
    capacity: list[Load] = field(default_factory=list)
    movements: list[dict[str, Any]] = field(default_factory=list)
    performance: list[TierPerformance] = field(default_factory=list)
    #: where the opportunities came from: a path, SAMPLE_LABEL, or "" (none: see NO_DATA_HINT)
    performance_source: str = ""
    success: list[Check] = field(default_factory=list)  # Tier 1 accounts vs the seed's bars

    @property
    def overloaded(self) -> list[Load]:
        """Return the owner/tier pairs above the limit."""
        return [c for c in self.capacity if c.overloaded]


def build_report(config: Config, *, store: Store | None = None, movements: int = 20) -> Report:
    """Compute every report from the store (and the opportunities file)."""
    own = store is None
    store = store or Store(config.store_url)
    try:
        store.upgrade()
        version = current_version(store)
        if version is not None:
            model, tag = load_model(version.data), version.hash
        else:
            resolved = resolve_model(config, store, apply=False)
            model, tag = resolved.model, resolved.version
        source = opportunities_source(config)
        return Report(
            model_version=tag,
            distribution=distribution(store, model, book_system(config)),
            capacity=capacity(store, model, book_system(config)),
            movements=accounts.history(store, limit=movements),
            performance=performance(store, model, config) if source else [],
            performance_source=SAMPLE_LABEL if source == BUNDLED else str(source or ""),
            success=tier1_checks(
                config, store, model, read_opportunities(config.report.opportunities or BUNDLED)
            ),
        )
    finally:
        if own:
            store.dispose()


def book_system(config: Config) -> str:
    """Return the system whose book the reports and the dashboard describe: the first source."""
    return config.sources[0]


def distribution(store: Store, model: ScoringModel, system: str) -> list[Distribution]:
    """Return one system's accounts per tier (as last decided) vs the target share."""
    tiers, _ = accounts.book_counts(store, system)
    total = sum(tiers.values())
    return [
        Distribution(x.name, tiers[x.name], tiers[x.name] / total if total else 0.0, x.target_share)
        for x in model.tiers
    ]


def capacity(store: Store, model: ScoringModel, system: str) -> list[Load]:
    """Return accounts per owner per tier against each tier's accounts-per-rep limit."""
    t = account_state
    query = (
        select(t.c.owner, t.c.tier, func.count())
        .where(t.c.system == system, t.c.owner.is_not(None))
        .group_by(t.c.owner, t.c.tier)
        .order_by(t.c.owner, t.c.tier)
    )
    limits = {x.name: x.accounts_per_rep for x in model.tiers}
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Load(owner, tier, n, limits.get(tier)) for owner, tier, n in rows if tier in limits]


SAMPLE_LABEL = "the sample opportunities bundled with tiersync, not your deals"
NO_DATA_HINT = (
    'no opportunity data: set opportunities = "deals.csv" in the [report] table of '
    "tiersync.toml (columns account_id, created_on, closed_on, stage, amount)"
)


def opportunities_source(config: Config) -> Path | None:
    """Return the opportunities file to report on: the user's, or the sample for the sample book.

    The bundled opportunities belong to the bundled accounts: figures computed from them
    for anyone else's book would be invented, so another book gets none until it names its own.
    """
    if config.report.opportunities is not None:
        return config.report.opportunities
    sample_book = config.sources == ("local",) and config.local.source is None
    return BUNDLED if sample_book else None


def performance(store: Store, model: ScoringModel, config: Config) -> list[TierPerformance]:
    """Return per-tier performance of the opportunities file, by each account's current tier."""
    t = account_state
    with store.engine.connect() as conn:
        tiers = {a: tier for a, tier in conn.execute(select(t.c.account_id, t.c.tier)) if tier}
    settings = config.report
    path = opportunities_source(config) or BUNDLED
    return tier_performance(
        tiers,
        read_opportunities(path),
        [x.name for x in model.tiers],
        settings.investment,
        settings.gross_margin,
    )


def read_opportunities(path: str | Path) -> Iterator[Opportunity]:
    """Read opportunities (account_id, created_on, closed_on, stage or is_won, amount)."""
    file = Path(path)
    try:
        handle = file.open(newline="", encoding="utf-8-sig")
    except OSError as exc:
        raise ConfigError(f"report.opportunities: cannot read {file}: {exc.strerror}") from None
    with handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                yield _opportunity(row)
            except (InvalidValue, KeyError, TypeError) as exc:
                raise ConfigError(f"{file} line {line}: {exc}") from None


def _opportunity(row: dict[str, str]) -> Opportunity:
    created = parse_date(row.get("created_on"))
    if created is None:
        raise InvalidValue("created_on is missing")
    closed = parse_date(row.get("closed_on"))
    stage = (row.get("stage") or "").strip().casefold()
    if "is_won" in row and row["is_won"].strip():
        won: bool | None = parse_bool(row["is_won"]) if closed is not None else None
    elif stage.startswith("closed"):
        won = stage in ("closed won", "closed/won", "closed-won")
    else:
        won = None
    return Opportunity(
        row["account_id"].strip(), created, closed, won, parse_number(row.get("amount")) or 0.0
    )


def render_report(report: Report, *, limit: int = 10) -> str:
    """Return the report as text for a terminal."""
    out = [f"model {report.model_version}", "", "Distribution vs target"]
    out.append(f"  {'tier':<8} {'accounts':>9} {'share':>7} {'target':>7}")
    for d in report.distribution:
        tgt = f"{d.target:.0%}" if d.target is not None else "-"
        out.append(f"  {d.tier:<8} {d.accounts:>9} {d.share:>7.1%} {tgt:>7}")
    over = report.overloaded
    out += ["", f"Capacity: {len(over)} owner/tier loads above the accounts-per-rep limit"]
    for c in over[:limit]:
        out.append(f"  {c.owner:<20} {c.tier:<8} {c.accounts:>5} accounts (limit {c.limit})")
    if len(over) > limit:
        out.append(f"  ... and {len(over) - limit} more")
    out += ["", "Recent tier movements"]
    for m in report.movements[:limit]:
        out.append(
            f"  {m['changed_at']:%Y-%m-%d} {m['account_id']:<14} "
            f"{m['from_tier'] or 'new'} -> {m['to_tier']}: {m['why']}"
        )
    if not report.movements:
        out.append("  none yet" if limit else "  not listed")
    out += ["", "Performance by tier"]
    if not report.performance_source:
        out.append(f"  {NO_DATA_HINT}")
        return "\n".join(out)
    out.append(f"  from {report.performance_source}")
    rows = table(report.performance)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for r in rows:
        cells = [r[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(r[1:], widths[1:], strict=True)
        ]
        out.append("  " + " | ".join(cells))
    out += ["", "Tier 1 success metrics (Tier 1 seed)", *render_checks(report.success)]
    return "\n".join(out)


def report_rows(report: Report) -> list[list[Any]]:
    """Return the report as rows for a sheet's Report tab."""
    rows: list[list[Any]] = [["Distribution vs target"], ["Tier", "Accounts", "Share", "Target"]]
    rows += [[d.tier, d.accounts, round(d.share, 4), d.target] for d in report.distribution]
    rows += [[], ["Overloaded reps"], ["Owner", "Tier", "Accounts", "Limit"]]
    rows += [[c.owner, c.tier, c.accounts, c.limit] for c in report.overloaded]
    rows += [[], ["Performance by tier"]]
    if not report.performance_source:
        rows.append([NO_DATA_HINT])
    else:
        rows += [[f"from {report.performance_source}"], *table(report.performance)]
    rows += [[], ["Tier 1 success metrics"], *check_rows(report.success)]
    return rows
