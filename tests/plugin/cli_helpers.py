"""Running the installed console script: in a pipe, or on a pseudo-terminal like a person would."""

from __future__ import annotations

import os
import pty
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

#: The console script of this environment (pip installs it beside the interpreter).
TIERSYNC = shutil.which("tiersync", path=str(Path(sys.executable).parent)) or "tiersync"


def run_tiersync(
    args: Sequence[str], cwd: Path, env: Mapping[str, str] | None = None, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run `tiersync ARGS` with output captured (not a terminal)."""
    return subprocess.run(
        [TIERSYNC, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def run_on_terminal(args: Sequence[str], cwd: Path, timeout: float = 120) -> tuple[int, str]:
    """Run `tiersync ARGS` with stdout and stderr on a pseudo-terminal; return (code, output)."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [TIERSYNC, *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(follower)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([leader], [], [], 0.2)
            if ready:
                try:
                    data = os.read(leader, 65536)
                except OSError:  # the follower side closed: the process is done
                    break
                if not data:
                    break
                chunks.append(data)
            elif proc.poll() is not None:
                break
    finally:
        os.close(leader)
        if proc.poll() is None:
            proc.kill()
        code = proc.wait(timeout=10)
    return code, b"".join(chunks).decode("utf-8", "replace")
