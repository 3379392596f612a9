"""Shared pieces of the webhook benchmarks: servers, closed-loop senders, figures, stores."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from tests.plugin.web_helpers import ENV, ORG_ID, PATH_TOKEN, outbound_xml  # noqa: E402

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">'
    '<soapenv:Body><notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">'
    "<Ack>true</Ack></notificationsResponse></soapenv:Body></soapenv:Envelope>"
)
OUTBOUND_PATH = f"/webhooks/salesforce/outbound/{PATH_TOKEN}"


def free_port() -> int:
    """Return a free TCP port on the loopback interface."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve_floor(port: int, threads: int) -> None:
    """Serve the floor: a Flask app on waitress whose one route only answers the ACK."""
    import waitress
    from flask import Flask, Response

    app = Flask("floor")

    @app.post(OUTBOUND_PATH)
    def ack() -> Response:
        return Response(ACK, status=200, content_type="text/xml; charset=utf-8")

    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="floor")


def _wait_listening(proc: subprocess.Popen[bytes], port: int) -> None:
    for _ in range(400):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}") from None
            time.sleep(0.05)
    proc.kill()
    raise SystemExit("the server did not start")


def start_floor(port: int, threads: int) -> subprocess.Popen[bytes]:
    """Start the floor server in its own process and wait until it listens."""
    code = f"import sys; sys.path.insert(0, {str(HERE)!r}); import load_helpers; "
    code += f"load_helpers.serve_floor({port}, {threads})"
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stderr=subprocess.DEVNULL)
    _wait_listening(proc, port)
    return proc


def start_tiersync(config: Path, port: int, threads: int) -> subprocess.Popen[bytes]:
    """Start `tiersync serve --no-worker` on a config and wait until it listens."""
    args = ["serve", "--config", str(config), "--no-worker", "--host", "127.0.0.1"]
    args += ["--port", str(port), "--threads", str(threads)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "plugin.cli", *args],
        cwd=ROOT,
        env={**os.environ, **ENV},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_listening(proc, port)
    return proc


def write_config(directory: Path, store_url: str) -> Path:
    """Write a tiersync.toml with the store and the webhook org; return its path."""
    path = directory / "tiersync.toml"
    path.write_text(f'[store]\nurl = "{store_url}"\n[webhooks]\norg_id = "{ORG_ID}"\n')
    return path


@dataclass
class Load:
    """What a load phase measured: ACK latencies (s), ACKed ids, failures, wall time."""

    latencies: list[float] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    failed: int = 0
    wall: float = 0.0

    @property
    def rate(self) -> float:
        """Return ACKed messages per second."""
        return len(self.latencies) / self.wall if self.wall else 0.0

    def p(self, share: float) -> float:
        """Return a latency percentile in ms (share 0.99 is p99)."""
        ordered = sorted(self.latencies)
        return ordered[max(int(len(ordered) * share) - 1, 0)] * 1000

    def line(self, label: str) -> str:
        """Return the one-line summary of this phase."""
        median = statistics.median(self.latencies) * 1000 if self.latencies else 0.0
        return (
            f"{label}: {len(self.latencies)} ACKs, {self.rate:.0f} msg/s, p50 {median:.1f} ms, "
            f"p99 {self.p(0.99):.1f} ms, max {max(self.latencies, default=0) * 1000:.1f} ms, "
            f"failed {self.failed}"
        )


def closed_loop(base_url: str, senders: int, seconds: float, per_message: int, tag: str) -> Load:
    """Have `senders` threads post Outbound Messages back to back (each waits for its ACK)."""
    deadline = time.perf_counter() + seconds
    return _load(base_url, senders, per_message, tag, lambda: time.perf_counter() < deadline)


def paced(
    base_url: str,
    senders: int,
    rate: float,
    per_message: int,
    tag: str,
    running: Callable[[], bool],
) -> Load:
    """Have `senders` threads post `rate` messages a second each, on a schedule, while running."""
    return _load(base_url, senders, per_message, tag, running, rate)


def _load(
    base_url: str,
    senders: int,
    per_message: int,
    tag: str,
    running: Callable[[], bool],
    rate: float = 0.0,
) -> Load:
    url = base_url + OUTBOUND_PATH
    parts = [Load() for _ in range(senders)]

    def send(n: int) -> None:
        session, out, k = requests.Session(), parts[n], 0
        next_send = time.perf_counter() + (n / senders / rate if rate else 0.0)
        while running():
            if rate:  # a fixed schedule: a slow answer does not thin out the traffic after it
                time.sleep(max(0.0, next_send - time.perf_counter()))
                next_send += 1.0 / rate
            batch = [f"001{tag}{n:03d}{k:08d}ZZ{j}" for j in range(per_message)]  # 18 chars
            k += 1
            started = time.perf_counter()
            try:
                response = session.post(url, data=outbound_xml(batch), timeout=30)
            except requests.RequestException:
                out.failed += 1
                continue
            elapsed = time.perf_counter() - started
            if response.status_code == 200 and b"<Ack>true</Ack>" in response.content:
                out.latencies.append(elapsed)
                out.ids.extend(batch)
            else:
                out.failed += 1

    threads = [threading.Thread(target=send, args=(n,)) for n in range(senders)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    total = Load(wall=time.perf_counter() - started)
    for part in parts:
        total.latencies += part.latencies
        total.ids += part.ids
        total.failed += part.failed
    return total


def fresh_schema(base: str) -> tuple[str, str]:
    """Create an empty PostgreSQL schema; return its name and a URL whose search_path is it."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in base else "?"
    return schema, f"{base}{sep}options=-csearch_path%3D{schema}"


def drop_schema(base: str, schema: str) -> None:
    """Drop a schema made by fresh_schema."""
    admin = create_engine(base)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
