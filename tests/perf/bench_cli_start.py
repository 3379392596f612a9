"""Benchmark: how fast the command line starts, against `python -c "import click, marshmallow"`.

    .venv/bin/python tests/perf/bench_cli_start.py [--runs 21]

Runs the reference and `tiersync --version` and `tiersync score --help` the same number of
times, interleaved so all three see the same machine load, and compares medians. Target: each
command within 2.0x the reference (whole process, interpreter start included); exits 1 when
either is over.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from targets import Targets

TARGET = 2.0
TIERSYNC = str(Path(sys.executable).with_name("tiersync"))
COMMANDS = {
    "reference: python -c 'import click, marshmallow'": [
        sys.executable,
        "-c",
        "import click, marshmallow",
    ],
    "tiersync --version": [TIERSYNC, "--version"],
    "tiersync score --help": [TIERSYNC, "score", "--help"],
}


def once(cmd: list[str]) -> float:
    """Return the wall seconds of one run of cmd (its output discarded)."""
    started = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    for cmd in COMMANDS.values():  # warm the file cache; not counted
        once(cmd)
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.runs):
        for name, cmd in COMMANDS.items():
            times[name].append(once(cmd))
    medians = {name: statistics.median(t) for name, t in times.items()}
    reference_name = next(iter(COMMANDS))
    reference = medians[reference_name]
    print(f"median of {args.runs} runs each, interleaved")
    for name, median in medians.items():
        print(f"  {name:<50} {median * 1000:7.1f} ms  {median / reference:5.2f}x")
    targets = Targets()
    for name, median in medians.items():
        if name != reference_name:
            ratio = median / reference
            targets.check(f"{name} <= {TARGET}x the reference", ratio <= TARGET, f"{ratio:.2f}x")
    targets.finish()


if __name__ == "__main__":
    main()
