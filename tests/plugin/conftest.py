"""Shared fixtures for plugin tests: a SQLite store, and PostgreSQL when a server is given."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from plugin.store import Store, normalize_url

PG_ENV = "TIERSYNC_TEST_DATABASE_URL"
PG_SKIP = f"{PG_ENV} not set"


@pytest.fixture
def tmp_store(tmp_path: Path) -> Iterator[Store]:
    """Return an upgraded store in a fresh SQLite file."""
    store = Store(f"sqlite:///{tmp_path / 'tiersync.db'}")
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """Return a PostgreSQL URL whose search_path is a fresh schema (dropped afterwards)."""
    base = os.environ.get(PG_ENV)
    if not base:
        pytest.skip(PG_SKIP)
    base = normalize_url(base)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    """Return an upgraded store on PostgreSQL in its own schema."""
    store = Store(pg_url)
    store.upgrade()
    yield store
    store.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """Return an upgraded store on SQLite, then on PostgreSQL when a server is given."""
    if request.param == "sqlite":
        store = Store(f"sqlite:///{tmp_path / 'tiersync.db'}")
        store.upgrade()
        yield store
        store.dispose()
    else:
        yield request.getfixturevalue("pg_store")
