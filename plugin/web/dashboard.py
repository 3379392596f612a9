"""The dashboard at `/`: tiers vs target, Tier 1 accounts and their success metrics, the review
queue, movements and runs.

Never open by default: without a configured token it answers 403 saying what to set. Sign-in
and sessions are `plugin.web.auth`'s; a token in the address is refused. Everything is rendered
on the server; no CDN, so it works offline.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request, session, url_for

from plugin.changes import inbox
from plugin.web import csrf, panels
from plugin.web.auth import require_token
from plugin.web.resources import resources
from scoring.performance import money as format_money

bp = Blueprint("dashboard", __name__)


bp.before_request(require_token)


@bp.get("/")
def index() -> str:
    """Render the dashboard page."""
    res = resources()
    model = panels.model_in_use(res)
    args = request.args
    queue = panels.review_queue(res, panels.now().date())
    review_page, review_number, review_pages = panels.slice_of(queue.items, args.get("rpage"))
    return render_template(
        "dashboard.html",
        dist=panels.distribution(res),
        tier1=panels.page_of(
            panels.tier1_rows(res), args.get("sort"), args.get("dir"), args.get("page")
        ),
        columns=panels.COLUMNS,
        moves=panels.movements(res),
        runs=panels.runs(res),
        queue=queue,
        review_page=review_page,
        review_number=review_number,
        review_pages=review_pages,
        success=panels.success_checks(res, model),
        top_tier=model.tiers[0].name,
        inbox=inbox.stats(res.store),
        generated=panels.now(),
        # popped only when set: touching the session would renew its cookie on every page
        notice=session.pop("notice") if "notice" in session else None,
        csrf=csrf.token(),
        sort_js=url_for("static", filename="sort.js"),
        css=url_for("static", filename="dashboard.css"),
    )


@bp.app_template_filter("money_value")
def money_value(value: Any) -> str:
    """Return the plain number behind a money cell (for sorting), or '' when unreadable."""
    number = panels.number(value)
    return "" if number is None else f"{number:.2f}"


@bp.app_template_filter("money")
def money(value: Any) -> str:
    """Format an amount the way the seed's table does: $650K, $1.2M, $0."""
    number = panels.number(value)
    if number is None:
        return "" if value is None else str(value)
    return format_money(number)
