"""Load benchmark: 50 concurrent senders post Outbound Messages to `tiersync serve` on loopback.

Reports ACK latency p50/p99 and messages/s, then drains the inbox with the worker (Salesforce
answered by an in-process fake) and checks every acknowledged id was processed exactly once.

    .venv/bin/python tests/perf/bench_webhook_load.py --seconds 60
    .venv/bin/python tests/perf/bench_webhook_load.py --seconds 60 --rate 4

Without --rate every sender posts back to back (a saturation test: latency is then mostly
queueing behind the server's throughput). With --rate R each sender posts R messages a
second on a fixed schedule, like change traffic from an org, and latency is the service time.
    .venv/bin/python tests/perf/bench_webhook_load.py --seconds 10 --database-url postgresql+...
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from targets import Targets  # noqa: E402

from plugin.changes import inbox, worker  # noqa: E402
from plugin.store.database import Store  # noqa: E402
from scoring import DEFAULT_MODEL, Scorer, load_model  # noqa: E402
from tests.plugin.web_helpers import ENV, ORG_ID, PATH_TOKEN, FakeSalesforce, outbound_xml  # noqa: E402


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(config: Path, port: int, threads: int) -> subprocess.Popen[bytes]:
    """Start `tiersync serve --no-worker` and wait (bounded) until it answers."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plugin.cli",
            "serve",
            "--config",
            str(config),
            "--no-worker",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--threads",
            str(threads),
        ],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _ in range(200):
        try:
            requests.get(f"http://127.0.0.1:{port}/api/inbox", timeout=1)
            return proc
        except requests.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def sender(
    n: int,
    url: str,
    deadline: float,
    per_message: int,
    out: list[float],
    ids: list[str],
    rate: float = 0.0,
) -> None:
    """Post messages with fresh ids until the deadline; keep latencies of ACKed ones."""
    session = requests.Session()
    k = 0
    # a fixed schedule (open loop): a slow answer does not slow the next send
    next_send = time.perf_counter() + (n / max(rate, 1e-9) / 50 if rate else 0.0)
    while time.perf_counter() < deadline:
        if rate:
            pause = next_send - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
            next_send += 1.0 / rate
        batch = [f"001B{n:03d}{k:08d}ZZ{j}" for j in range(per_message)]
        k += 1
        body = outbound_xml(batch)
        started = time.perf_counter()
        response = session.post(url, data=body, headers={"Content-Type": "text/xml"}, timeout=30)
        elapsed = time.perf_counter() - started
        if response.status_code == 200 and b"<Ack>true</Ack>" in response.content:
            out.append(elapsed)
            ids.extend(batch)


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--senders", type=int, default=50)
    parser.add_argument("--ids-per-message", type=int, default=5)
    parser.add_argument("--threads", type=int, default=16, help="waitress threads")
    parser.add_argument(
        "--rate", type=float, default=0.0, help="messages/s per sender (0: back to back)"
    )
    parser.add_argument("--database-url", default=None, help="default: a temporary SQLite file")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="tiersync-bench-"))
    url_db = args.database_url or f"sqlite:///{tmp / 'bench.db'}"
    config = tmp / "tiersync.toml"
    config.write_text(f'[store]\nurl = "{url_db}"\n[webhooks]\norg_id = "{ORG_ID}"\n')
    store = Store(url_db)
    store.upgrade()
    with store.engine.begin() as conn:  # a PostgreSQL database may hold an earlier run
        conn.execute(inbox.inbox.delete())
    port = free_port()
    server = start_server(config, port, args.threads)
    url = f"http://127.0.0.1:{port}/webhooks/salesforce/outbound/{PATH_TOKEN}"
    latencies: list[list[float]] = [[] for _ in range(args.senders)]
    sent: list[list[str]] = [[] for _ in range(args.senders)]
    deadline = time.perf_counter() + args.seconds
    started = time.perf_counter()
    threads = [
        threading.Thread(
            target=sender,
            args=(n, url, deadline, args.ids_per_message, latencies[n], sent[n], args.rate),
        )
        for n in range(args.senders)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=args.seconds + 60)
    wall = time.perf_counter() - started
    server.kill()  # like a crash right after the last ACK: the inbox must hold everything
    server.wait(timeout=10)

    all_lat = sorted(x for lats in latencies for x in lats)
    all_ids = [i for ids in sent for i in ids]
    p50 = statistics.median(all_lat) * 1000
    p99 = all_lat[int(len(all_lat) * 0.99) - 1] * 1000
    mode = f"{args.rate:g} msg/s each" if args.rate else "back to back"
    print(
        f"store: {store.engine.dialect.name}; {args.senders} senders ({mode}), {args.seconds:.0f} s"
    )
    print(f"messages ACKed: {len(all_lat)} ({len(all_ids)} account ids)")
    print(f"messages/s: {len(all_lat) / wall:.0f}")
    print(f"ACK latency p50: {p50:.1f} ms  p99: {p99:.1f} ms  max: {all_lat[-1] * 1000:.1f} ms")

    fake = FakeSalesforce()
    drain_started = time.perf_counter()
    report = worker.drain(
        store, fake, Scorer(load_model(DEFAULT_MODEL)), batch_size=200, max_batches=100_000
    )
    drain = time.perf_counter() - drain_started
    twice = [i for i, n in fake.written.items() if n != 1]
    lost = set(all_ids) - set(fake.written)
    print(
        f"drained {report.accounts} accounts in {report.batches} batches in {drain:.1f} s "
        f"({report.accounts / max(drain, 1e-9):.0f} accounts/s)"
    )
    print(f"lost: {len(lost)}  processed more than once: {len(twice)}")
    print(f"inbox pending after drain: {inbox.stats(store).pending}")
    store.dispose()
    targets = Targets()
    targets.check("ACK latency p99 < 25 ms", p99 < 25, f"{p99:.1f} ms")
    targets.check("no acknowledged id lost", not lost, f"{len(lost)} lost")
    targets.check("each id processed once", not twice, f"{len(twice)} more than once")
    targets.finish()


if __name__ == "__main__":
    main()
