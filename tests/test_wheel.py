"""The built package works on its own: sdist → wheel → a fresh venv → an empty directory.

This is what an admin does (`pip install tiersync`), so it runs the installed console script
with nothing of the source checkout in reach: every file read at run time must be in the wheel.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "wheel-test-dashboard-token-0123456789abcdef"


@dataclass(frozen=True)
class Installed:
    """A fresh venv with only the built wheel (and its dependencies) installed."""

    venv: Path
    wheel: Path

    @property
    def tiersync(self) -> str:
        return str(self.venv / "bin" / "tiersync")

    def env(self) -> dict[str, str]:
        """Return an environment without this checkout or any tiersync setting in it."""
        env = {k: v for k, v in os.environ.items() if not k.startswith("TIERSYNC_")}
        for name in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME"):
            env.pop(name, None)
        env["PATH"] = f"{self.venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
        return env

    def run(self, *args: str, cwd: Path, **extra: str) -> subprocess.CompletedProcess[str]:
        """Run the installed `tiersync ARGS` in cwd and return its captured output."""
        return subprocess.run(
            [self.tiersync, *args],
            cwd=cwd,
            env={**self.env(), **extra},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )


def _run(*cmd: str, cwd: Path) -> None:
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, f"{' '.join(cmd)}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """Build the sdist, the wheel from that sdist, and install the wheel in a fresh venv."""
    base = tmp_path_factory.mktemp("wheel")
    dist = base / "dist"
    # python -m build makes the wheel from the unpacked sdist: a file the sdist forgets is
    # missing from the wheel too, so this checks both.
    _run(sys.executable, "-m", "build", "--outdir", str(dist), str(ROOT), cwd=base)
    (wheel,) = dist.glob("tiersync-*.whl")
    venv = base / "venv"
    _run(sys.executable, "-m", "venv", str(venv), cwd=base)
    _run(
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--no-compile",
        "--disable-pip-version-check",
        str(wheel),
        cwd=base,
    )
    return Installed(venv, wheel)


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


@pytest.mark.slow
def test_the_sdist_holds_the_docs_tests_and_license(installed: Installed) -> None:
    (sdist,) = installed.wheel.parent.glob("tiersync-*.tar.gz")
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    for needed in (
        "LICENSE",
        "README.md",
        "manifest.json",
        "docs/production.md",
        "tests/test_wheel.py",
        "tests/fixtures/salesforce/describe_account.json",
        "connectors/data/sample_accounts.csv",
        "plugin/salesforce/sfdx-project.json",
    ):
        assert needed in names, needed


@pytest.mark.slow
def test_the_package_is_imported_from_the_venv_not_the_checkout(
    installed: Installed, empty: Path
) -> None:
    done = subprocess.run(
        [str(installed.venv / "bin" / "python"), "-c", "import plugin; print(plugin.__file__)"],
        cwd=empty,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert done.stdout.startswith(str(installed.venv)), done.stdout
    assert str(ROOT) not in done.stdout


@pytest.mark.slow
def test_sync_and_report_run_on_the_bundled_sample(installed: Installed, empty: Path) -> None:
    sync = installed.run("sync", "--today", "2026-06-01", cwd=empty)
    assert sync.returncode == 0, sync.stderr
    assert sync.stdout.startswith("run 1: succeeded, model ")
    assert "accounts: 1300, written: 1300" in sync.stdout
    assert (empty / "tiersync-output" / "accounts.csv").is_file()
    report = installed.run("report", cwd=empty)
    assert report.returncode == 0, report.stderr
    assert "Distribution vs target" in report.stdout
    assert "Performance by tier" in report.stdout  # the bundled opportunities were found


@pytest.mark.slow
def test_addon_manifest_and_salesforce_metadata(installed: Installed, empty: Path) -> None:
    manifest = installed.run("addon", "manifest", "--base-url", "https://example.com", cwd=empty)
    assert manifest.returncode == 0, manifest.stderr
    common = json.loads(manifest.stdout)["addOns"]["common"]
    assert common["homepageTrigger"]["runFunction"] == "https://example.com/addon/homepage"
    export = installed.run("salesforce", "metadata", "--out", "sfdx", cwd=empty)
    assert export.returncode == 0, export.stderr
    assert (empty / "sfdx" / "sfdx-project.json").is_file()
    fields = empty / "sfdx" / "force-app" / "main" / "default" / "objects" / "Account" / "fields"
    assert (fields / "Tier__c.field-meta.xml").is_file()
    assert len(list(fields.glob("*.field-meta.xml"))) == 20


@pytest.mark.slow
def test_check_and_a_fast_version(installed: Installed, empty: Path) -> None:
    version = installed.run("--version", cwd=empty)
    assert version.returncode == 0 and "0.1.0" in version.stdout
    assert installed.run("db", "upgrade", cwd=empty).returncode == 0
    check = installed.run("check", cwd=empty, TIERSYNC_DASHBOARD_TOKEN=TOKEN)
    assert check.returncode == 0, check.stdout
    assert "ok    local: reads " in check.stdout and str(installed.venv) in check.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(installed: Installed, empty: Path) -> Iterator[str]:
    """Start the installed `tiersync serve` on a free port; stop it afterwards."""
    port = _free_port()
    proc = subprocess.Popen(
        [installed.tiersync, "serve", "--port", str(port), "--no-worker"],
        cwd=empty,
        env={**installed.env(), "TIERSYNC_DASHBOARD_TOKEN": TOKEN},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert proc.poll() is None, "tiersync serve exited at start"
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.mark.slow
def test_serve_answers_the_dashboard(served: str) -> None:
    request = urllib.request.Request(served, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
        page = response.read().decode("utf-8")
    assert "tiersync" in page.lower()
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(served, timeout=10)
    refused.value.close()
    assert refused.value.code == 401
