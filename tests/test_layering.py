"""The import direction plugin -> connectors -> scoring stays true (STYLE.md rule 1)."""

from __future__ import annotations

import ast
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


@pytest.mark.slow
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


#: Inside plugin/, who may import whom (top-down: cli > web > changes/reporting > sync > model
#: > store/wiring > config > errors). `sync` never imports `web`; nothing imports `cli`.
PLUGIN_LAYERS: dict[str, set[str]] = {
    "errors": set(),
    "config": {"errors"},
    "wiring": {"config", "errors"},
    "store": {"config", "errors"},
    "model": {"store", "config", "wiring", "errors"},
    "sync": {"model", "store", "config", "wiring", "errors"},
    "changes": {"sync", "model", "store", "config", "wiring", "errors"},
    "reporting": {"sync", "model", "store", "config", "wiring", "errors"},
    "web": {"changes", "reporting", "sync", "model", "store", "config", "wiring", "errors"},
    "cli": {"web", "changes", "reporting", "sync", "model", "store", "config", "wiring", "errors"},
}


def _plugin_imports() -> list[tuple[str, str, int, str]]:
    """Return (file, importing sub-package, line, imported sub-package) for plugin's imports."""
    found = []
    for path in sorted((ROOT / "plugin").rglob("*.py")):
        rel = path.relative_to(ROOT / "plugin")
        if rel.parts[0] in ("salesforce",) or (rel.name == "__init__.py" and len(rel.parts) == 1):
            continue
        sub = rel.parts[0].removesuffix(".py")
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "plugin" and len(parts) > 1:
                    found.append((str(rel), sub, node.lineno, parts[1]))
    return found


def test_plugin_sub_packages_import_downwards_only() -> None:
    bad = [
        f"plugin/{file}:{line} ({sub}) imports plugin.{target}"
        for file, sub, line, target in _plugin_imports()
        if target != sub and target not in PLUGIN_LAYERS[sub]
    ]
    assert bad == []


def test_no_function_imports_our_modules_outside_the_cli() -> None:
    """A function-local import of our own code hides a cycle the layout should remove."""
    bad = []
    for package in ("scoring", "connectors", "plugin"):
        for path in sorted((ROOT / package).rglob("*.py")):
            if path.relative_to(ROOT).parts[:2] == ("plugin", "cli"):
                continue  # commands load their modules lazily, for a fast start
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for fn in ast.walk(tree):
                if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                for node in ast.walk(fn):
                    if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in (
                        "scoring",
                        "connectors",
                        "plugin",
                    ):
                        bad.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.module}")
    assert bad == []
