"""The import direction plugin -> connectors -> scoring stays true (STYLE.md rule 1)."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "scoring": ("connectors", "plugin", "flask", "sqlalchemy", "requests", "gspread",
                "simple_salesforce", "apscheduler", "urllib3", "sqlite3", "csv", "tomllib"),
    "connectors": ("plugin", "flask", "sqlalchemy", "apscheduler"),
}  # fmt: skip


def _modules(package: str) -> list[str]:
    return [f"{package}.{m.name}" for m in pkgutil.iter_modules([str(ROOT / package)])]


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_package_imports_only_what_its_layer_allows(package: str) -> None:
    code = (
        "import importlib, sys\n"
        f"for name in {_modules(package)!r}: importlib.import_module(name)\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN[package]!r})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "", f"{package} pulls in: {out.stdout.strip()}"
