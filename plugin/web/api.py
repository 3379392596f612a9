"""The JSON API behind the dashboard, and the model actions the add-on cards call.

The actions are plain functions over the app's resources so the add-on blueprint, the API and
tests share one implementation; the endpoints are read-only and need the dashboard token.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, jsonify
from flask.typing import ResponseReturnValue

from plugin.changes import inbox
from plugin.model import versions
from plugin.store import ledger
from plugin.web import dashboard as data
from plugin.web.dashboard import require_token
from plugin.web.resources import Resources, resources
from scoring import DEFAULT_MODEL, ModelError, load_model, model_hash

bp = Blueprint("api", __name__, url_prefix="/api")
VALIDATION_MARK = "addon-validation"


# -- model actions (used by the add-on cards) -----------------------------------------------


def source_data(res: Resources) -> Mapping[str, Any]:
    """Read the configured model source (sheet, file or built-in) without validating it."""
    config = res.config
    if config.model.source == "sheet":
        from plugin.wiring import open_connector

        return dict(open_connector("sheets", config).read_model())
    if config.model.source == "file" and config.model.path is not None:
        from plugin.model.sources import read_model_data

        return read_model_data(config.model.path)
    return DEFAULT_MODEL


def status(
    res: Resources,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """Return the current model version, the last validation and the last run (plain dicts)."""
    current = versions.current_version(res.store)
    version = None
    if current is not None:
        version = {
            "hash": current.hash,
            "applied_at": f"{current.applied_at:%Y-%m-%d %H:%M} UTC",
            "applied_by": current.applied_by,
            "source": current.source,
        }
    mark = res.store.get_watermark(VALIDATION_MARK)
    runs = ledger.recent_runs(res.store, limit=1)
    return version, json.loads(mark) if mark else None, runs[0] if runs else None


def validate(res: Resources) -> tuple[list[str], str | None]:
    """Validate the source model; remember the outcome; return (issues, hash when valid)."""
    try:
        model_data = source_data(res)
        load_model(model_data)
        issues, digest = [], model_hash(model_data)
    except ModelError as exc:
        issues, digest = [str(issue) for issue in exc.issues], None
    note = {"errors": len(issues), "hash": digest, "at": f"{data.now():%Y-%m-%d %H:%M} UTC"}
    res.store.set_watermark(VALIDATION_MARK, json.dumps(note))
    return issues, digest


def preview(res: Resources) -> list[str] | tuple[Counter[tuple[str | None, str]], list[str]]:
    """Return the issues of an invalid source model, or tier transitions and example movers."""
    try:
        new_data = source_data(res)
        load_model(new_data)  # report every issue before reading any account
    except ModelError as exc:
        return [str(issue) for issue in exc.issues]
    current = versions.current_version(res.store)
    # Before the first sync nothing is applied: the first sync would apply the built-in default.
    current_data = current.data if current is not None else DEFAULT_MODEL
    from plugin.model.preview import preview as compare

    # the source model equals the sheet once the manager edited it: compare the edit against
    # the version in use, not against itself
    out = compare(res.config, new_data, store=res.store, current_data=current_data)
    transitions: Counter[tuple[str | None, str]] = Counter()
    for (src, dst), n in out.matrix.items():
        transitions[(src, dst)] += n
    examples = [f"{m.name or m.account_id} ({m.from_tier} → {m.to_tier})" for m in out.moves]
    return transitions, examples


def apply(res: Resources, user: str) -> tuple[str, list[str]]:
    """Apply the source model as a new version; return a title and lines for the card."""
    try:
        model_data = source_data(res)
        version = versions.apply_version(
            res.store, model_data, versions.source_label(res.config), user, note="add-on"
        )
    except ModelError as exc:
        return "Not applied", [f"The model has {len(exc.issues)} error(s); press Validate."]
    return "Applied", [f"Model version {version.hash} is in use; the next sync uses it."]


_sync_lock = threading.Lock()


def sync_now(res: Resources) -> tuple[str, list[str]]:
    """Start a sync in a background thread; the store's run lock keeps it to one at a time."""
    from plugin.sync.run import LockHeld, run_sync

    holder = res.store.lock_holder("sync")
    if holder is not None or _sync_lock.locked():
        return "Sync already running", [f"Started by {holder.holder if holder else 'this server'}"]

    def run() -> None:
        with _sync_lock:
            try:
                run_sync(res.config, store=res.store)
            except LockHeld:  # a nightly run started meanwhile: it does the same work
                return
            except Exception:  # run_sync recorded the failed run; the card shows it
                return

    threading.Thread(target=run, name="tiersync-sync-now", daemon=True).start()
    return "Sync started", ["The run appears under Last run when it finishes."]


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
