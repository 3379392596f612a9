"""Dependency floors stay at or above the first releases with the published security fixes."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
#: package -> first release that fixes the advisories known for it
FIXED = {
    "waitress": "3.0.1",  # request smuggling and a DoS on half-closed connections
    "requests": "2.33.0",  # .netrc credentials to the wrong host; a reused temp file
    "werkzeug": "3.1.6",  # safe_join and Windows device names (several rounds)
    "flask": "3.1.3",  # `Vary: Cookie` missing for some session accesses
    "urllib3": "2.7.0",  # decompression and redirect issues of earlier 2.x
}


def floors() -> dict[str, Version]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    found = {}
    for spec in data["project"]["dependencies"]:
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^]]*\])?>=([0-9.]+)(?:,.*)?", spec)
        if match:
            found[match.group(1).lower()] = Version(match.group(2))
    return found


def test_every_fixed_release_is_the_floor_or_below_it() -> None:
    declared = floors()
    for package, fixed in FIXED.items():
        assert package in declared, f"{package} needs an explicit floor"
        assert declared[package] >= Version(fixed), package
