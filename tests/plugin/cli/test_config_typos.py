"""A typo in any table stops every long-running command at start, naming the key.

Run through the installed console script, as an admin would: exit 2, one line, no traceback,
and no store file (so no run row) left behind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

TYPOS = {
    "salesforce": ('[salesforce]\nfield_mapp = { name = "Name" }\n', "field_mapp"),
    "webhooks": ('[webhooks]\norgid = "00D000000000001"\n', "webhooks.orgid"),
    "dashboard": ('[dashboard]\ntokenenv = "DASH"\n', "dashboard.tokenenv"),
    "sync": ("[sync]\nlag_minutes = 5\n", "sync.lag_minutes"),
}
COMMANDS = ("sync", "serve", "worker", "scheduler")


def tiersync() -> list[str]:
    found = shutil.which("tiersync", path=str(Path(sys.executable).parent))
    return [found] if found else [sys.executable, "-m", "plugin.cli"]


@pytest.mark.slow
@pytest.mark.parametrize("table", sorted(TYPOS))
def test_a_typo_stops_every_command_at_start(tmp_path: Path, table: str) -> None:
    text, key = TYPOS[table]
    (tmp_path / "tiersync.toml").write_text(text, encoding="utf-8")
    for command in COMMANDS:
        done = subprocess.run(
            [*tiersync(), command],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
            env={**os.environ, "PYTHONWARNINGS": "error"},
            check=False,
        )
        assert done.returncode == 2, (command, done.stderr)
        assert key in done.stderr and "Traceback" not in done.stderr, (command, done.stderr)
        assert not (tmp_path / "tiersync.db").exists(), command
