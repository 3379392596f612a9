"""Model versions: every applied model is stored (hash, source, who, when, data).

The model in use is the latest applied version. A sync applies the configured source's model
only when that source changed since it was last seen, so a rollback stays in force until the
manager edits the model again. An invalid sheet model keeps the last good version.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from connectors.errors import ConfigError
from connectors.sheets.connector import SheetsConnector
from connectors.sheets.tabs import StatusLine
from plugin.config import Config
from plugin.model.sources import read_source, source_label
from plugin.store.database import Store
from plugin.store.schema import model_versions, utcnow
from scoring import ModelError, ScoringModel, load_model, model_hash

SOURCE_MARK = "model-source"
STATUS_MARK = "model-status"  # what the sheet's Status tab was last made to say


@dataclass(frozen=True)
class Version:
    """One applied model version."""

    id: int
    hash: str
    source: str
    applied_at: datetime
    applied_by: str
    note: str | None
    data: Mapping[str, Any]


@dataclass(frozen=True)
class ResolvedModel:
    """The model a run uses, its version and what happened while choosing it."""

    model: ScoringModel
    data: Mapping[str, Any]
    version: str
    notes: list[str] = field(default_factory=list)


def _row(r: Any) -> Version:
    return Version(r.id, r.hash, r.source, r.applied_at, r.applied_by, r.note, json.loads(r.data))


def apply_version(
    store: Store, data: Mapping[str, Any], source: str, applied_by: str, note: str | None = None
) -> Version:
    """Validate model data and store it as the current version (raises ModelError)."""
    load_model(data)
    values = {
        "hash": model_hash(data),
        "source": source[:300],
        "applied_at": utcnow(),
        "applied_by": applied_by,
        "data": json.dumps(data, sort_keys=True),
        "note": note,
    }
    with store.engine.begin() as conn:
        conn.execute(insert(model_versions).values(**values))
    current = current_version(store)
    assert current is not None
    return current


def current_version(store: Store) -> Version | None:
    """Return the version in use (the latest applied), or None before the first run."""
    query = select(model_versions).order_by(model_versions.c.id.desc()).limit(1)
    with store.engine.connect() as conn:
        row = conn.execute(query).first()
    return _row(row) if row is not None else None


def history(store: Store, limit: int = 20) -> list[Version]:
    """Return applied versions, newest first."""
    query = select(model_versions).order_by(model_versions.c.id.desc()).limit(limit)
    with store.engine.connect() as conn:
        return [_row(r) for r in conn.execute(query)]


def find_version(store: Store, ref: str) -> Version:
    """Return the version named by a hash (or a unique prefix of one) or by its number."""
    ref = ref.strip().lstrip("#")
    t = model_versions
    if ref.isdigit() and len(ref) < 6:
        query = select(t).where(t.c.id == int(ref))
    else:
        query = select(t).where(t.c.hash.startswith(ref, autoescape=True)).order_by(t.c.id.desc())
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    if not rows or len({r.hash for r in rows}) > 1:
        what = "no" if not rows else "more than one"
        raise ConfigError(f"{what} model version matches {ref!r} (see `tiersync model history`)")
    return _row(rows[0])


def rollback(store: Store, ref: str, applied_by: str) -> Version:
    """Apply an earlier version again; it stays in use until the model source changes."""
    old = find_version(store, ref)
    return apply_version(store, old.data, old.source, applied_by, note=f"rollback to #{old.id}")


def resolve_model(
    config: Config,
    store: Store,
    *,
    apply: bool = True,
    applied_by: str = "sync",
    sheet: SheetsConnector | None = None,
) -> ResolvedModel:
    """Return the model to run with; apply the source's model when it changed (unless not apply).

    `sheet`: the run's own connector to the model's sheet, so its calls count in the run.
    """
    current = current_version(store)
    data, sheet = read_source(config, sheet)
    source_hash = model_hash(data)
    if current is not None and store.get_watermark(SOURCE_MARK) == source_hash:
        if sheet is not None and store.get_watermark(STATUS_MARK) != f"{source_hash}:ok":
            _sheet_status(store, sheet, None, source_hash, None)  # an error fixed back
        return ResolvedModel(load_model(current.data), current.data, current.hash)
    try:
        model = load_model(data)
    except ModelError as exc:
        if sheet is None or current is None:
            raise
        kept = [f"the sheet model is invalid; kept version {current.hash}: {exc}"]
        _sheet_status(store, sheet, exc, source_hash, current.hash)
        return ResolvedModel(load_model(current.data), current.data, current.hash, kept)
    if sheet is not None:
        _sheet_status(store, sheet, None, source_hash, None)
    if not apply:
        return ResolvedModel(model, data, source_hash)
    notes: list[str] = []
    if current is None or current.hash != source_hash:
        apply_version(store, data, source_label(config), applied_by)
        notes.append(f"applied model version {source_hash} from {source_label(config)}")
    store.set_watermark(SOURCE_MARK, source_hash)
    return ResolvedModel(model, data, source_hash, notes)


def _sheet_status(
    store: Store,
    sheet: SheetsConnector,
    error: ModelError | None,
    version: str,
    kept: str | None,
) -> None:
    """Show the model's errors (or OK) in the sheet's Status tab, and remember which it shows."""
    lines: list[StatusLine] = []
    if error is not None:
        last = sheet.model.last_model
        if last is not None:
            lines = list(last.explain(error.issues))
        else:
            lines = [StatusLine("", str(i)) for i in error.issues]
    sheet.status.write_status(lines, version, utcnow(), kept_version=kept)
    # a run that finds the same model again rewrites Status only if it does not say OK yet
    store.set_watermark(STATUS_MARK, f"{version}:{'error' if error else 'ok'}")
