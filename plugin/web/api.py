"""The JSON API behind the dashboard: summary, Tier 1 table, movements, runs, inbox stats.

Read-only endpoints over the same queries the dashboard page uses; they need the dashboard's
sign-in.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from plugin.changes import inbox
from plugin.web import panels as data
from plugin.web.auth import require_token
from plugin.web.resources import resources

bp = Blueprint("api", __name__, url_prefix="/api")


# -- JSON endpoints ------------------------------------------------------------------------


@bp.before_request
def _auth() -> ResponseReturnValue | None:
    return require_token()


@bp.get("/summary")
def summary() -> Response:
    """Return accounts per tier vs target share."""
    return jsonify(data.distribution(resources()))


@bp.get("/accounts/tier1")
def tier1() -> Response:
    """Return the Tier 1 Account Performance Dashboard rows."""
    return jsonify(data.tier1_rows(resources()))


@bp.get("/movements")
def movements() -> Response:
    """Return the most recent tier movements with their reasons."""
    return jsonify(data.movements(resources()))


@bp.get("/runs")
def runs() -> Response:
    """Return recent runs with status and API calls."""
    return jsonify(data.runs(resources()))


@bp.get("/inbox")
def inbox_stats() -> Response:
    """Return how the webhook inbox stands."""
    s = inbox.stats(resources().store)
    return jsonify(pending=s.pending, in_flight=s.in_flight, retrying=s.retrying, done=s.done)
