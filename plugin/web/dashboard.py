"""The dashboard at `/`: tiers vs target, Tier 1 accounts and their success metrics, the review
queue, movements and runs.

Never open by default: without a configured token it answers 403 saying what to set. A token
arrives once as `?token=` (then lives in a signed session cookie) or on every request as
`Authorization: Bearer`. Everything is rendered on the server; no CDN, so it works offline.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from plugin.changes import inbox
from plugin.changes.worker import id_connector
from plugin.model import versions
from plugin.reporting import reports
from plugin.store import accounts, journal
from plugin.store.schema import account_state
from plugin.web import csrf, panels
from plugin.web.resources import Resources, resources
from scoring import DEFAULT_MODEL, load_model
from scoring.errors import InvalidValue
from scoring.parse import parse_number
from scoring.performance import money as format_money

bp = Blueprint("dashboard", __name__)
_CACHE_SECONDS = 300.0
_tier1_cache: dict[str, tuple[float, list[dict[str, Any]]]] = {}


def now() -> datetime:
    """Return the current UTC time (one place, so tests can see what the page shows)."""
    return datetime.now(UTC)


def _fingerprint(token: str) -> str:
    return hashlib.sha256(b"tiersync-dashboard:" + token.encode()).hexdigest()


def require_token() -> ResponseReturnValue | None:
    """Let the request through when it carries the dashboard token; else answer 401/403."""
    settings = resources().settings
    token = settings.dashboard_token
    if not token:
        return _closed(settings.dashboard_token_env)
    given = request.args.get("token")
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        given = header[len("Bearer ") :].strip()
    if given is not None:
        if not hmac.compare_digest(given.encode(), token.encode()):
            return _message(401, "Wrong token.")
        if "token" in request.args and request.method == "GET":
            # Keep the token out of the address bar, history and Referer: swap it for a cookie.
            session["dashboard"] = _fingerprint(token)
            session.permanent = True
            return redirect(request.path)
        return None
    if hmac.compare_digest(str(session.get("dashboard", "")), _fingerprint(token)):
        return None
    return _message(401, "Sign in: open this page once with ?token=YOUR_TOKEN.")


def _closed(env_name: str) -> tuple[Response, int]:
    text = (
        f"The dashboard is closed because no token is configured. Set the environment "
        f"variable {env_name} (or name another one with dashboard.token_env in tiersync.toml), "
        f"restart, and open /?token=<that value>."
    )
    return _message(403, text)


def _message(status: int, text: str) -> tuple[Response, int]:
    return Response(render_template("message.html", text=text), mimetype="text/html"), status


bp.before_request(require_token)


@bp.get("/")
def index() -> str:
    """Render the dashboard page."""
    res = resources()
    model = _model(res)
    args = request.args
    queue = panels.review_queue(res, now().date())
    review_page, review_number, review_pages = panels.slice_of(queue.items, args.get("rpage"))
    return render_template(
        "dashboard.html",
        dist=distribution(res),
        tier1=panels.page_of(tier1_rows(res), args.get("sort"), args.get("dir"), args.get("page")),
        columns=panels.COLUMNS,
        moves=movements(res),
        runs=runs(res),
        queue=queue,
        review_page=review_page,
        review_number=review_number,
        review_pages=review_pages,
        success=panels.success_checks(res, model),
        top_tier=model.tiers[0].name,
        inbox=inbox.stats(res.store),
        generated=now(),
        notice=session.pop("notice", None),
        csrf=csrf.token(),
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
    rows = reports.distribution(res.store, _model(res), reports.book_system(res.config))
    return {
        "total": sum(d.accounts for d in rows),
        "tiers": [
            {"tier": d.tier, "accounts": d.accounts, "share": round(d.share, 4), "target": d.target}
            for d in rows
        ],
    }


def tier1_rows(res: Resources, limit: int = 2000) -> list[dict[str, Any]]:
    """Return the Tier 1 table (account, score, owner, health, next action, reason, inputs)."""
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
                "owner": s.owner or get("owner"),
                "reason": s.reason,
            }
        )
    _tier1_cache.clear()
    _tier1_cache[key] = (time.monotonic(), rows)
    return rows


def movements(res: Resources, limit: int = 25) -> list[dict[str, Any]]:
    """Return recent tier movements with account names and reasons, newest first."""
    keep = ("account_id", "from_tier", "to_tier", "why", "changed_at", "run_id")
    rows = [{k: row[k] for k in keep} for row in accounts.history(res.store, limit=limit)]
    found = panels.names(res.store, [r["account_id"] for r in rows])
    for row in rows:
        row["name"] = found.get(row["account_id"], row["account_id"])
    return rows


def runs(res: Resources, limit: int = 15) -> list[dict[str, Any]]:
    """Return recent runs with status, counts, API calls, duration, model version and error."""
    keep: tuple[str, ...] = ("id", "kind", "status", "started_at", "finished_at", "accounts")
    keep = (*keep, "written", "changes", "failures", "api_calls", "error", "model_version")
    out = []
    for row in journal.recent_runs(res.store, limit=limit):
        run = {k: row[k] for k in keep}
        done = row["finished_at"]
        run["duration"] = (done - row["started_at"]).total_seconds() if done else None
        out.append(run)
    return out


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
    return format_money(number)
