"""Benchmark: webhook ACK latency while a nightly sync writes to the same SQLite store.

`tiersync serve --no-worker` and `tiersync sync` share one SQLite file. Senders post
Outbound Messages on a fixed schedule (--senders x --rate messages a second) first with no
sync running (the reference), then for as long as a first full sync of --accounts local
accounts runs (every account scored, written to the output file and recorded in the store:
the heaviest night). Target: ACK p99 < 100 ms during the sync; every ACKed id kept.

    .venv/bin/python tests/perf/bench_webhook_during_sync.py      # 50,000 accounts, ~1 minute
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_helpers import Load, free_port, paced, start_tiersync, write_config
from sqlalchemy import select

from connectors.sample import write_sample_csv
from plugin.changes import inbox
from plugin.store.database import Store

TARGET_MS = 100.0
TODAY = "2026-11-01"


def sync_config(directory: Path, accounts: int) -> Path:
    """Write the accounts and a config syncing them locally into a SQLite store."""
    write_sample_csv(directory / "accounts.csv", accounts)
    config = write_config(directory, f"sqlite:///{directory / 'tiersync.db'}")
    with config.open("a") as handle:
        handle.write('[local]\nsource = "accounts.csv"\noutput = "out/accounts.csv"\n')
    return config


def during_sync(url: str, config: Path, args: argparse.Namespace) -> tuple[Load, float, str]:
    """Load the server while `tiersync sync` runs; return the load, the sync's time and output."""
    tiersync = Path(sys.executable).with_name("tiersync")
    started = time.perf_counter()
    sync = subprocess.Popen(
        [str(tiersync), "sync", "--config", str(config), "--today", TODAY],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    load = paced(url, args.senders, args.rate, 5, "S", lambda: sync.poll() is None)
    output = sync.communicate()[0]
    if sync.returncode != 0:
        sys.exit(f"tiersync sync failed:\n{output}")
    return load, time.perf_counter() - started, output


def kept(database: Path, acked: list[str]) -> bool:
    """Return True when the inbox holds exactly one row for every ACKed id."""
    store = Store(f"sqlite:///{database}")
    with store.engine.connect() as conn:
        rows = Counter(conn.scalars(select(inbox.inbox.c.account_id)))
    store.dispose()
    return rows == Counter(acked)


def main() -> int:
    """Measure ACKs idle and during a sync; print the figures; 0 when the target is met."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50_000)
    parser.add_argument("--senders", type=int, default=20)
    parser.add_argument("--rate", type=float, default=5.0, help="messages a second per sender")
    parser.add_argument("--idle-seconds", type=float, default=10.0)
    args = parser.parse_args()
    directory = Path(tempfile.mkdtemp(prefix="tiersync-bench-"))
    config = sync_config(directory, args.accounts)
    port = free_port()
    server = start_tiersync(config, port, 16)
    url = f"http://127.0.0.1:{port}"
    try:
        warm = time.perf_counter() + 2.0  # first requests import and compile: not measured
        warming = paced(url, args.senders, args.rate, 5, "W", lambda: time.perf_counter() < warm)
        deadline = time.perf_counter() + args.idle_seconds
        idle = paced(url, args.senders, args.rate, 5, "I", lambda: time.perf_counter() < deadline)
        busy, seconds, output = during_sync(url, config, args)
    finally:
        server.kill()
        server.wait(timeout=10)
    whole = kept(directory / "tiersync.db", warming.ids + idle.ids + busy.ids)
    summary = [line for line in output.splitlines() if line.startswith(("accounts:", "run "))]
    print(f"{args.senders} senders x {args.rate:g} msg/s, 5 ids a message; sqlite store")
    print(idle.line("ACKs, no sync running"))
    print(busy.line(f"ACKs during a {args.accounts}-account sync ({seconds:.1f} s)"))
    print("sync: " + "; ".join(summary))
    p99 = busy.p(0.99)
    print(f"ACK p99 during the sync: now {p99:.1f} ms / target < {TARGET_MS:.0f} ms")
    print(f"ratio to the idle p99 (same run): {p99 / idle.p(0.99):.2f}x")
    print(f"every ACKed id in the inbox exactly once: {'yes' if whole else 'NO'}")
    ok = p99 < TARGET_MS and whole and not busy.failed and not idle.failed
    print("RESULT:", "PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
