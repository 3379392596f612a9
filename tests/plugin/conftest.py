"""Shared fixtures for plugin tests: a SQLite store, and PostgreSQL when a server is given."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from plugin.store.database import Store, normalize_url

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


#: Input columns of the small account files the plugin tests sync.
ACCOUNT_COLUMNS = [
    "account_id",
    "name",
    "industry",
    "employees",
    "arr_potential",
    "tech_fit",
    "buying_stage",
    "competitive_position",
    "is_customer",
    "current_arr",
    "pipeline",
    "engagement_score",
    "last_activity_date",
    "engaged_contacts",
    "executive_contacts",
    "intent_surge",
    "owner",
]
#: Profiles far from every threshold and trigger, so each lands plainly in one tier.
PROFILES = {
    "Tier 1": ("20000", "500000", "Technology", "Strong", "Active Procurement", "Greenfield"),
    "Tier 2": ("5000", "250000", "Professional Services", "Moderate", "Researching", "Competitive"),
    "Tier 3": ("600", "150000", "Manufacturing", "Moderate", "Researching", "Competitive"),
    "Tier 4": ("100", "50000", "Retail", "Poor", "Unaware", "Competitor Entrenched"),
}
#: The date the plugin tests run "today" (activity dates are a few weeks before it).
TODAY = "2026-11-01"


def account_row(account_id: str, tier: str, owner: str = "rep-1") -> list[str]:
    """Return one CSV row whose default-model tier is `tier`."""
    emp, arr, industry, fit, stage, position = PROFILES[tier]
    return [
        account_id,
        f"Account {account_id}",
        industry,
        emp,
        arr,
        fit,
        stage,
        position,
        "no",
        "0",
        "0",
        "80",
        "2026-10-15",
        "1",
        "0",
        "1.0",
        owner,
    ]


def write_accounts(path: Path, tiers: dict[str, str]) -> Path:
    """Write an account CSV: account id -> tier it should score into."""
    import csv

    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(ACCOUNT_COLUMNS)
        for account_id, tier in tiers.items():
            writer.writerow(account_row(account_id, tier))
    return path


#: Eight accounts, two per tier.
EIGHT = {f"A{i}": f"Tier {(i - 1) // 2 + 1}" for i in range(1, 9)}


@pytest.fixture
def sync_dir(tmp_path: Path) -> Path:
    """Return a directory with accounts.csv (EIGHT) and a tiersync.toml syncing it locally."""
    write_accounts(tmp_path / "accounts.csv", EIGHT)
    (tmp_path / "tiersync.toml").write_text(
        '[local]\nsource = "accounts.csv"\noutput = "out/accounts.csv"\n'
        '[store]\nurl = "sqlite:///tiersync.db"\n[sync]\nbatch_size = 3\n',
        encoding="utf-8",
    )
    return tmp_path
