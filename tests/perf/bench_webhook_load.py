"""Benchmark: webhook ACKs under 50 closed-loop senders, tiersync vs an endpoint that only answers.

In the same run, the same senders post Outbound Messages (5 ids each) back to back for
--seconds to (1) the floor, a Flask app on waitress whose one route returns the ACK, and
(2) `tiersync serve --no-worker`, which verifies the message and commits its ids to the inbox
before it answers. tiersync is then killed (as in a crash right after the last ACK) and the
inbox must hold every ACKed id exactly once. Targets: ACK p99 <= 1.5x the floor's, throughput
>= 0.5x the floor's; on SQLite, and on PostgreSQL when a URL is given.

    .venv/bin/python tests/perf/bench_webhook_load.py              # SQLite, ~30 s
    .venv/bin/python tests/perf/bench_webhook_load.py --database-url postgresql+psycopg://...
    (TIERSYNC_TEST_DATABASE_URL works as well: then SQLite and PostgreSQL, ~1 minute)
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_helpers import (
    Load,
    closed_loop,
    drop_schema,
    free_port,
    fresh_schema,
    start_floor,
    start_tiersync,
    write_config,
)
from sqlalchemy import select

from plugin.changes import inbox
from plugin.store.database import Store, normalize_url

P99_TARGET = 1.5
RATE_TARGET = 0.5


def measure(url: str, args: argparse.Namespace) -> tuple[Load, Load, list[str]]:
    """Load the floor, then tiersync on this store; return both loads and every ACKed id."""
    port = free_port()
    floor = start_floor(port, args.threads)
    try:
        closed_loop(f"http://127.0.0.1:{port}", args.senders, 1.0, args.ids_per_message, "W")
        base = closed_loop(
            f"http://127.0.0.1:{port}", args.senders, args.seconds, args.ids_per_message, "F"
        )
    finally:
        floor.kill()
        floor.wait(timeout=10)
    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix="tiersync-bench-"))
    server = start_tiersync(write_config(tmp, url), port, args.threads)
    try:
        warm = closed_loop(f"http://127.0.0.1:{port}", args.senders, 1.0, args.ids_per_message, "W")
        load = closed_loop(
            f"http://127.0.0.1:{port}", args.senders, args.seconds, args.ids_per_message, "T"
        )
    finally:
        server.kill()  # no clean shutdown: every ACK must already be durable
        server.wait(timeout=10)
    return base, load, warm.ids + load.ids


def kept_exactly_once(store: Store, acked: list[str]) -> bool:
    """Return True when the inbox holds one waiting row for every ACKed id and nothing else."""
    with store.engine.connect() as conn:
        rows = Counter(conn.scalars(select(inbox.inbox.c.account_id)))
    return rows == Counter(acked)


def run_store(label: str, url: str, args: argparse.Namespace) -> bool:
    """Measure one store; print the figures; return True when every target is met."""
    store = Store(url)
    store.upgrade()
    base, load, acked = measure(url, args)
    kept = kept_exactly_once(store, acked)
    store.dispose()
    p99 = load.p(0.99) / base.p(0.99)
    rate = load.rate / base.rate
    print(base.line("  floor (Flask + waitress, ACK only)"))
    print(load.line(f"  tiersync ({label})"))
    print(f"  p99 vs floor: now {p99:.2f}x / target <= {P99_TARGET}x")
    print(f"  throughput vs floor: now {rate:.2f}x / target >= {RATE_TARGET}x")
    print(f"  every ACKed id in the inbox exactly once after a kill: {'yes' if kept else 'NO'}")
    return p99 <= P99_TARGET and rate >= RATE_TARGET and kept and not load.failed


def main() -> int:
    """Run the load on SQLite (and PostgreSQL when given); 0 when every target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="per measured phase")
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--ids-per-message", type=int, default=5)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads, both servers")
    parser.add_argument("--database-url", default=os.environ.get("TIERSYNC_TEST_DATABASE_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    print(
        f"{args.senders} closed-loop senders, {args.ids_per_message} ids a message, "
        f"{args.seconds:.0f} s a phase, {args.threads} waitress threads"
    )
    tmp = Path(tempfile.mkdtemp(prefix="tiersync-bench-"))
    print("SQLite:")
    ok = run_store("SQLite", f"sqlite:///{tmp / 'bench.db'}", args)
    if args.database_url and not args.sqlite_only:
        base = normalize_url(args.database_url)
        schema, url = fresh_schema(base)
        try:
            print("PostgreSQL:")
            ok &= run_store("PostgreSQL", url, args)
        finally:
            drop_schema(base, schema)
    else:
        print("PostgreSQL: skipped (no --database-url or TIERSYNC_TEST_DATABASE_URL)")
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
