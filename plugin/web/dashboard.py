"""The dashboard at `/`: tiers vs target, the Tier 1 performance table, movements and runs.

Never open by default: without a configured token it answers 403 saying what to set. Sign-in
and sessions are `plugin.web.auth`'s; a token in the address is refused. Everything is rendered
on the server; no CDN, so it works offline.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, render_template, url_for
from sqlalchemy import func, select

from plugin.changes import inbox
from plugin.changes.worker import id_connector
from plugin.model import versions
from plugin.store import accounts, journal
from plugin.store.schema import account_state
from plugin.web.auth import require_token
from plugin.web.resources import Resources, resources
from scoring import DEFAULT_MODEL, load_model
from scoring.errors import InvalidValue
from scoring.parse import parse_number

bp = Blueprint("dashboard", __name__)
_CACHE_SECONDS = 300.0
_tier1_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}


def now() -> datetime:
    """Return the current UTC time (one place, so tests can see what the page shows)."""
    return datetime.now(UTC)


bp.before_request(require_token)


@bp.get("/")
def index() -> str:
    """Render the dashboard page."""
    res = resources()
    dist = distribution(res)
    return render_template(
        "dashboard.html",
        dist=dist,
        tier1=tier1_rows(res),
        moves=movements(res),
        runs=runs(res),
        inbox=inbox.stats(res.store),
        generated=now(),
        sort_js=url_for("static", filename="sort.js"),
        css=url_for("static", filename="dashboard.css"),
    )


def _model(res: Resources) -> Any:
    current = versions.current_version(res.store)
    return load_model(current.data if current is not None else DEFAULT_MODEL)


def _system(res: Resources) -> str:
    return res.config.sources[0]


def distribution(res: Resources) -> dict[str, Any]:
    """Return accounts per tier with each tier's target share, in model order."""
    model = _model(res)
    t = account_state
    query = select(t.c.tier, func.count()).where(t.c.system == _system(res)).group_by(t.c.tier)
    with res.store.engine.connect() as conn:
        counts = {tier: int(n) for tier, n in conn.execute(query)}
    total = sum(counts.values())
    rows = []
    for tier in model.tiers:
        n = counts.get(tier.name, 0)
        share = n / total if total else 0.0
        rows.append(
            {
                "tier": tier.name,
                "accounts": n,
                "share": round(share, 4),
                "target": tier.target_share,
            }
        )
    return {"total": total, "tiers": rows}


def tier1_rows(res: Resources, limit: int = 200) -> list[dict[str, Any]]:
    """Return the Tier 1 table (account, industry, ARR potential, value, pipeline, ...)."""
    top = _model(res).tiers[0].name
    t = account_state
    query = (
        select(t)
        .where(t.c.system == _system(res), t.c.tier == top)
        .order_by(t.c.score.desc())
        .limit(limit)
    )
    with res.store.engine.connect() as conn:
        states = {r.account_id: r for r in conn.execute(query)}
    key = ",".join(sorted(states))
    cached = _tier1_cache.get(key)
    if cached and time.monotonic() - cached[0] < _CACHE_SECONDS:
        return cached[1]
    # The store keeps outputs only; inputs come from the source, read by id and cached briefly.
    factory = res.connector_factory or (lambda: id_connector(res.config))
    records = {r.account_id: r for r in factory().read_ids(list(states))} if states else {}
    rows = []
    for aid, s in states.items():
        r = records.get(aid)
        get = r.get if r is not None else (lambda _name: None)
        rows.append(
            {
                "account_id": aid,
                "account": s.name or (get("name") or aid),
                "industry": get("industry"),
                "arr_potential": get("arr_potential"),
                "current_value": get("current_arr"),
                "pipeline": get("pipeline"),
                "engagement": get("engagement_score"),
                "health": s.health,
                "next_action": s.next_action,
                "score": s.score,
            }
        )
    _tier1_cache.clear()
    _tier1_cache[key] = (time.monotonic(), rows)
    return rows


def movements(res: Resources, limit: int = 25) -> list[dict[str, Any]]:
    """Return recent tier movements with their reasons, newest first."""
    return [
        {k: row[k] for k in ("account_id", "from_tier", "to_tier", "why", "changed_at", "run_id")}
        for row in accounts.history(res.store, limit=limit)
    ]


def runs(res: Resources, limit: int = 15) -> list[dict[str, Any]]:
    """Return recent runs with status, counts and API calls."""
    keep: tuple[str, ...] = ("id", "kind", "status", "started_at", "finished_at", "accounts")
    keep = (*keep, "written", "changes", "failures", "api_calls", "error")
    return [{k: row[k] for k in keep} for row in journal.recent_runs(res.store, limit=limit)]


def _number(value: Any) -> float | None:
    try:
        return parse_number(value)
    except InvalidValue:
        return None


@bp.app_template_filter("money_value")
def money_value(value: Any) -> str:
    """Return the plain number behind a money cell (for sorting), or '' when unreadable."""
    number = _number(value)
    return "" if number is None else f"{number:.2f}"


@bp.app_template_filter("money")
def money(value: Any) -> str:
    """Format an amount the way the seed's table does: $650K, $1.2M, $0."""
    number = _number(value)
    if number is None:
        return "" if value is None else str(value)
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(number) >= size:
            return f"${number / size:.1f}".rstrip("0").rstrip(".") + suffix
    return f"${number:,.0f}"
