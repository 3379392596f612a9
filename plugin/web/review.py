"""The dashboard's review actions: approve or reject a demotion waiting for the review date.

POST only, behind the dashboard sign-in, with the session's CSRF token. An approval also puts
the account in the inbox, so a running worker applies it within seconds (else the next sync).
"""

from __future__ import annotations

from flask import Blueprint, Response, redirect, request, session, url_for
from flask.typing import ResponseReturnValue

from plugin.changes import inbox
from plugin.store import reviews
from plugin.web import csrf, panels
from plugin.web.auth import require_token
from plugin.web.panels import now
from plugin.web.resources import resources
from scoring.review import APPROVED, REJECTED

bp = Blueprint("review", __name__, url_prefix="/review")
bp.before_request(require_token)
WHO = "dashboard"


@bp.post("/<int:item_id>/<any(approve, reject):action>")
def decide(item_id: int, action: str) -> ResponseReturnValue:
    """Record a manager's approval or rejection, then go back to the queue."""
    if not csrf.valid(request.form.get(csrf.FIELD)):
        return Response("The form expired: reload the dashboard and try again.", 400)
    note = (request.form.get("note") or "").strip()
    if action == "reject" and not note:
        return _back("A rejection needs a note saying why the account keeps its tier.")
    res = resources()
    status = APPROVED if action == "approve" else REJECTED
    try:
        item = reviews.decide_item(res.store, item_id, status, now().date(), WHO, note)
    except reviews.ReviewError as exc:
        return _back(str(exc))
    panels.forget()
    if status == APPROVED:
        inbox.enqueue(res.store, [item.account_id], "review")
        return _back(
            f"Approved: {item.name or item.account_id} moves {item.from_tier} → {item.to_tier} "
            "at the next run."
        )
    return _back(f"Rejected: {item.name or item.account_id} stays {item.from_tier}.")


def _back(notice: str) -> ResponseReturnValue:
    session["notice"] = notice
    return redirect(url_for("dashboard.index") + "#review")
