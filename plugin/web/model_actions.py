"""What a manager does to the model from the add-on: status, validate, preview, apply.

Plain functions over the config and the store, returning plain values; the add-on turns them
into cards and the CLI into text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from plugin.config import Config
from plugin.model import versions
from plugin.model.sources import read_source, source_label
from plugin.store import journal
from plugin.store.database import Store
from plugin.sync.preview import preview as compare
from scoring import DEFAULT_MODEL, ModelError, load_model, model_hash

VALIDATION_MARK = "addon-validation"
Transitions = Counter[tuple[str | None, str]]


def source_data(config: Config) -> Mapping[str, Any]:
    """Read the configured model source (sheet, file or built-in) without validating it."""
    return read_source(config)[0]


def status(
    config: Config,
    store: Store,
) -> tuple[dict[str, Any] | None, dict[str, Any] | None, dict[str, Any] | None]:
    """Return the current model version, the last validation and the last run (plain dicts)."""
    current = versions.current_version(store)
    version = None
    if current is not None:
        version = {
            "hash": current.hash,
            "applied_at": f"{current.applied_at:%Y-%m-%d %H:%M} UTC",
            "applied_by": current.applied_by,
            "source": current.source,
        }
    mark = store.get_watermark(VALIDATION_MARK)
    runs = journal.recent_runs(store, limit=1)
    return version, json.loads(mark) if mark else None, runs[0] if runs else None


def validate(config: Config, store: Store) -> tuple[list[str], str | None]:
    """Validate the source model; remember the outcome; return (issues, hash when valid)."""
    try:
        model_data = source_data(config)
        load_model(model_data)
        issues, digest = [], model_hash(model_data)
    except ModelError as exc:
        issues, digest = [str(issue) for issue in exc.issues], None
    note = {"errors": len(issues), "hash": digest, "at": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC"}
    store.set_watermark(VALIDATION_MARK, json.dumps(note))
    return issues, digest


def preview(
    config: Config, store: Store
) -> list[str] | tuple[Counter[tuple[str | None, str]], list[str]]:
    """Return the issues of an invalid source model, or tier transitions and example movers."""
    try:
        new_data = source_data(config)
        load_model(new_data)  # report every issue before reading any account
    except ModelError as exc:
        return [str(issue) for issue in exc.issues]
    current = versions.current_version(store)
    # Before the first sync nothing is applied: the first sync would apply the built-in default.
    current_data = current.data if current is not None else DEFAULT_MODEL
    # the source model equals the sheet once the manager edited it: compare the edit against
    # the version in use, not against itself
    out = compare(config, new_data, store=store, current_data=current_data)
    transitions: Transitions = Counter()
    for (src, dst), n in out.matrix.items():
        transitions[(src, dst)] += n
    examples = [f"{m.name or m.account_id} ({m.from_tier} → {m.to_tier})" for m in out.moves]
    return transitions, examples


def apply(config: Config, store: Store, user: str) -> tuple[str, list[str]]:
    """Apply the source model as a new version; return a title and lines for the card."""
    try:
        model_data = source_data(config)
        version = versions.apply_version(
            store, model_data, source_label(config), user, note="add-on"
        )
    except ModelError as exc:
        return "Not applied", [f"The model has {len(exc.issues)} error(s); press Validate."]
    return "Applied", [f"Model version {version.hash} is in use; the next sync uses it."]
