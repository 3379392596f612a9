"""The store's tables and the steps that migrate an older schema to this one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Dialect,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
    inspect,
    text,
)

SCHEMA_VERSION = 2


class UTCDateTime(TypeDecorator[datetime]):
    """A datetime stored in UTC and always read back time-zone aware (SQLite keeps no zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    """Return the current time in UTC (the one clock read of the store)."""
    return datetime.now(UTC)


metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("version", Integer, nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False, default="sync"),
    Column("holder", String(200), nullable=False, default=""),
    Column("started_at", UTCDateTime, nullable=False),
    Column("finished_at", UTCDateTime),
    Column("status", String(16), nullable=False),  # running|succeeded|partial|failed|interrupted
    Column("accounts", Integer, nullable=False, default=0),
    Column("written", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    Column("changes", Integer, nullable=False, default=0),
    Column("failures", Integer, nullable=False, default=0),
    Column("api_calls", Integer, nullable=False, default=0),
    Column("model_version", String(12)),
    Column("counts", Text),  # JSON: per tier, health, changes per tier
    Column("error", Text),
    Column("notes", Text),
)

tier_changes = Table(
    "tier_changes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("from_tier", String(32)),
    Column("to_tier", String(32), nullable=False),
    Column("why", Text, nullable=False, default=""),
    Column("changed_at", UTCDateTime, nullable=False),
    UniqueConstraint("run_id", "system", "account_id", name="uq_tier_changes_run_account"),
    Index("ix_tier_changes_account", "system", "account_id"),
    Index("ix_tier_changes_changed_at", "changed_at"),
)

write_failures = Table(
    "write_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("code", String(64), nullable=False, default=""),
    Column("message", Text, nullable=False, default=""),
    Column("fields", Text, nullable=False, default=""),
    Column("attempts", Integer, nullable=False, default=1),
    Column("first_run_id", Integer),
    Column("last_run_id", Integer),
    Column("first_failed_at", UTCDateTime, nullable=False),
    Column("last_failed_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("resolved_run_id", Integer),
    UniqueConstraint("system", "account_id", name="uq_write_failures_account"),
)

model_versions = Table(
    "model_versions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("hash", String(12), nullable=False, index=True),
    Column("source", String(300), nullable=False),
    Column("applied_at", UTCDateTime, nullable=False),
    Column("applied_by", String(200), nullable=False, default=""),
    Column("data", Text, nullable=False),  # the model as JSON
    Column("note", Text),
)

locks = Table(
    "locks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(200), nullable=False),
    Column("acquired_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

watermarks = Table(
    "watermarks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(200), nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

account_state = Table(
    "account_state",
    metadata,
    Column("system", String(32), primary_key=True),
    Column("account_id", String(64), primary_key=True),
    Column("name", String(255)),
    Column("owner", String(128)),
    Column("tier", String(32)),
    Column("score", Float),
    Column("health", String(32)),
    Column("next_action", Text),
    Column("reason", Text),
    # counts against the capacity tier (its tier before capacity is that tier, no override):
    # partial runs rank what they read against these standings of the rest of the book
    Column("candidate", Boolean, nullable=False, default=False),
    Column("run_id", Integer),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_account_state_tier", "system", "tier"),
)

inbox = Table(
    "inbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", String(18), nullable=False, index=True),
    Column("source", String(32), nullable=False, default=""),
    Column("received_at", UTCDateTime, nullable=False),
    Column("available_at", UTCDateTime, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200)),
    Column("claimed_until", UTCDateTime),
    Column("done_at", UTCDateTime),
    Column("last_error", Text),
    Index("ix_inbox_pending", "done_at", "available_at"),
    # "is this account already waiting?" for every id a webhook brings: without it SQLite walks
    # every waiting row (ix_inbox_pending) for each message
    Index("ix_inbox_account_open", "account_id", "done_at"),
)

#: Signed requests already accepted (and signed-out sessions), kept until they could no longer
#: be replayed; in the store, so every `serve` process sharing it refuses the same replay.
replays = Table(
    "replays",
    metadata,
    Column("key", String(128), primary_key=True),
    Column("expires_at", UTCDateTime, nullable=False, index=True),
)


#: Demotions waiting for the review date or a manager (new tables need no migration step:
#: `Store.upgrade` creates every missing table).
review_queue = Table(
    "review_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("system", String(32), nullable=False),
    Column("account_id", String(64), nullable=False),
    Column("name", String(255)),
    Column("owner", String(128)),
    Column("from_tier", String(32), nullable=False),
    Column("to_tier", String(32), nullable=False),
    Column("why", Text, nullable=False, default=""),
    Column("proposed_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),
    Column("status", String(16), nullable=False),  # pending|approved|rejected|applied|withdrawn
    Column("decided_on", Date),
    Column("decided_by", String(200)),
    Column("note", Text),
    Column("closed_on", Date),
    Column("updated_at", UTCDateTime, nullable=False),
    Index("ix_review_queue_account", "system", "account_id", "closed_on"),
)


def _add_candidate(engine: Engine) -> None:
    """1 -> 2: account_state.candidate, for capacity over the stored book (once only)."""
    if "candidate" in {c["name"] for c in inspect(engine).get_columns("account_state")}:
        return  # created by this version's create_all, or added by a process racing this one
    with engine.begin() as conn:
        conn.execute(
            text("ALTER TABLE account_state ADD COLUMN candidate BOOLEAN NOT NULL DEFAULT FALSE")
        )


#: Steps that bring a schema at version N to N + 1.
MIGRATIONS: dict[int, Callable[[Engine], None]] = {1: _add_candidate}
