"""`tiersync worker` says what it watches at start, or exits saying there is nothing to watch."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from plugin.cli import main
from tests.plugin.cli_helpers import TIERSYNC


def test_nothing_configured_exits_2_saying_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("TIERSYNC_WEBHOOK_SECRET", "TIERSYNC_WEBHOOK_PATH_TOKEN", "TIERSYNC_SF_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["worker"])
    assert result.exit_code == 2
    assert result.output.startswith("Error: worker: nothing to watch: no webhook is enabled")
    assert "TIERSYNC_WEBHOOK_SECRET" in result.output


def test_once_drains_even_without_webhooks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["worker", "--once"], env={"TIERSYNC_WEBHOOK_SECRET": ""})
    assert result.exit_code == 0, result.output
    assert result.output.strip() == (
        "0 accounts in 0 batches, 0 written, 0 rejected, 0 failed batches"
    )


@pytest.mark.slow
def test_with_a_webhook_secret_it_states_what_it_watches(tmp_path: Path) -> None:
    env = {**os.environ, "TIERSYNC_WEBHOOK_SECRET": "w" * 40}
    env.pop("TIERSYNC_DATABASE_URL", None)
    proc = subprocess.Popen(
        [TIERSYNC, "worker", "--poll", "0.2"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        first = proc.stderr.readline()
        assert proc.poll() is None  # still running: it loops until stopped
    finally:
        proc.terminate()  # SIGTERM, as systemd sends it
        _, rest = proc.communicate(timeout=10)  # reads and closes the pipe
    assert proc.returncode == 0, rest
    assert rest.rstrip().endswith("worker stopped")
    assert first.startswith(f"worker: watching the inbox of sqlite:///{tmp_path}/tiersync.db")
    assert "every 0.2s for signed callouts; changed accounts are re-read from the local source" in (
        first
    )
