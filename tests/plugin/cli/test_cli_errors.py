"""The console script under bad stores, short secrets and full disks: one line, no secret."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from plugin.cli.common import CliError, guarded
from tests.plugin.serve_helpers import free_port, tiersync
from tests.plugin.web_helpers import ENV

pytestmark = pytest.mark.slow
HIDDEN = "hunter2-correct-horse-battery-staple"


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **ENV, **(env or {})}
    return subprocess.run(args, cwd=cwd, env=full, capture_output=True, text=True, timeout=60)


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    """Return the single error line, asserting there is nothing else (no traceback)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


@pytest.mark.parametrize("command", ["serve", "worker"])
def test_a_store_that_cannot_be_opened_is_one_line(tmp_path: Path, command: str) -> None:
    (tmp_path / "tiersync.toml").write_text('[store]\nurl = "sqlite:////no/such/dir/t.db"\n')
    extra = ["--port", str(free_port())] if command == "serve" else ["--once"]
    result = run(tiersync(command, *extra), tmp_path)
    assert result.returncode == 1
    assert one_line(result) == (
        "Error: cannot open the store /no/such/dir/t.db: unable to open database file; run "
        "tiersync in a folder it may write to, or set [store] url in tiersync.toml"
    )


def test_a_store_password_never_reaches_the_terminal(tmp_path: Path) -> None:
    url = f"postgresql+psycopg2://tiersync:{HIDDEN}@db.invalid/t"
    result = run(tiersync("sync"), tmp_path, env={"TIERSYNC_DATABASE_URL": url})
    assert result.returncode == 2  # a driver to install: the set-up, fix and re-run
    line = one_line(result)
    assert HIDDEN not in line + result.stdout and "tiersync:***@db.invalid" in line


def test_serve_refuses_a_short_secret_in_one_line(tmp_path: Path) -> None:
    short = "0123456789"
    env = {"TIERSYNC_DASHBOARD_TOKEN": short}
    result = run(tiersync("serve", "--port", str(free_port())), tmp_path, env=env)
    assert result.returncode == 2
    line = one_line(result)
    assert line.startswith("Error: TIERSYNC_DASHBOARD_TOKEN: the secret has 10 characters")
    assert short not in line


def _sync_dir(tmp_path: Path, output: Path) -> Path:
    """Sync the bundled sample (1,300 accounts, a few hundred KB of output) into output."""
    (tmp_path / "tiersync.toml").write_text(
        f'[local]\noutput = "{output}"\n[store]\nurl = "sqlite:///tiersync.db"\n',
        encoding="utf-8",
    )
    return tmp_path


def test_an_os_error_becomes_one_line_naming_the_file() -> None:
    def full() -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), "/data/out/accounts.csv")

    with pytest.raises(CliError) as err:
        guarded(full)
    assert err.value.message == "/data/out/accounts.csv: No space left on device"
    assert err.value.exit_code == 1


UNSHARE = shutil.which("unshare")


def _can_mount() -> bool:
    if UNSHARE is None:
        return False
    probe = [UNSHARE, "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"]
    return subprocess.run(probe, capture_output=True).returncode == 0


@pytest.mark.skipif(
    not _can_mount(), reason="needs `unshare -rm` (user namespaces) to mount a tiny tmpfs"
)
def test_sync_on_a_full_disk_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "full"
    out.mkdir()
    _sync_dir(tmp_path, out / "accounts.csv")
    script = 'mount -t tmpfs -o size=16k tmpfs "$1" && shift && exec "$@"'
    args = [UNSHARE or "unshare", "-rm", "sh", "-c", script, "sh", str(out), *tiersync("sync")]
    result = run(args, tmp_path)
    assert result.returncode == 1
    assert one_line(result).endswith("No space left on device")
    assert list(out.iterdir()) == []  # the partial temp file is gone too
