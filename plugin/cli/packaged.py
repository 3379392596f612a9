"""Files shipped inside the installed package, read with importlib.resources.

A package install has no source checkout to point at: the add-on manifest, the SFDX project and
the samples are package data, found the same way from a wheel, an sdist or an editable install.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

#: The Google Workspace add-on deployment descriptor (also at the repository's top level).
MANIFEST = ("plugin.web", "manifest.json")
#: The SFDX project with the Account fields and permission sets.
SFDX_PROJECT = ("plugin", "salesforce")


def packaged(where: tuple[str, str]) -> Traversable:
    """Return a file or folder shipped in a package, given (package, relative path)."""
    package, relative = where
    return files(package).joinpath(relative)


def copy_tree(source: Traversable, target: Path) -> list[Path]:
    """Copy a packaged folder into target (created); return the files written, sorted."""
    written: list[Path] = []
    target.mkdir(parents=True, exist_ok=True)
    for item in sorted(source.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            written.extend(copy_tree(item, target / item.name))
        else:
            path = target / item.name
            path.write_bytes(item.read_bytes())
            written.append(path)
    return sorted(written)
