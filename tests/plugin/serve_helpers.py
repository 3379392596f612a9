"""Helpers that run the real thing: a `tiersync serve` process and a local certificate server."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import requests

from tests.plugin.web_helpers import ENV


def free_port() -> int:
    """Return a TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class CertServer:
    """Serve Google-shaped certificates on loopback (or fail on purpose), counting the fetches."""

    def __init__(self, certs: Mapping[str, str], fail: bool = False) -> None:
        self.certs, self.fail, self.hits = dict(certs), fail, 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.hits += 1
                if outer.fail:
                    status, body = 500, b'{"error": "backend error"}'
                else:
                    status, body = 200, json.dumps(outer.certs).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=UTF-8")
                self.send_header("Cache-Control", "public, max-age=3600, must-revalidate")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/oauth2/v1/certs"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Served:
    """A running `tiersync serve`: its URL, its directory, its log and its process."""

    url: str
    directory: Path
    log: Path
    process: subprocess.Popen[bytes]
    env: dict[str, str] = field(default_factory=dict)

    def stop(self) -> str:
        """Stop the process and return everything it logged."""
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        return self.log.read_text(encoding="utf-8", errors="replace")


def tiersync(*args: str) -> list[str]:
    """Return the command line of the installed console script's module."""
    return [sys.executable, "-m", "plugin.cli", *args]


def start_serve(
    directory: Path, toml: str, env: Mapping[str, str] | None = None, worker: bool = False
) -> Served:
    """Write tiersync.toml into directory, start `tiersync serve` on a free port, wait for it."""
    config = directory / "tiersync.toml"
    config.write_text(toml, encoding="utf-8")
    port = free_port()
    log = directory / "serve.log"
    full_env = {**os.environ, **ENV, **(env or {})}
    args = ["serve", "--config", str(config), "--host", "127.0.0.1", "--port", str(port)]
    handle = log.open("wb")
    process = subprocess.Popen(
        tiersync(*args, "--worker" if worker else "--no-worker"),
        env=full_env,
        cwd=directory,
        stdout=handle,
        stderr=subprocess.STDOUT,
    )
    handle.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:  # bounded wait for the server to listen
        if process.poll() is not None:
            raise RuntimeError(f"serve exited: {log.read_text(encoding='utf-8')}")
        try:
            requests.get(f"{url}/static/sort.js", timeout=2)
            return Served(url, directory, log, process, full_env)
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError(f"serve did not listen: {log.read_text(encoding='utf-8')}")
