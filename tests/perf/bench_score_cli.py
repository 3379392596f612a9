"""Benchmark: `tiersync score` against a plain csv -> score -> csv script, whole processes.

    .venv/bin/python tests/perf/bench_score_cli.py [--rows 200000] [--runs 3]
    .venv/bin/python tests/perf/bench_score_cli.py --rows 1000000 --runs 1   # memory at 1M

Generates the accounts once (connectors.sample, deterministic) and runs, interleaved so both
see the same machine load, `python tests/perf/handwritten.py IN OUT` (the csv module and the
default scorecard typed out by hand) and `tiersync score IN -o OUT`, each under
/usr/bin/time -v. Compares median wall times (target: tiersync <= 2.0x the plain script) and
reports tiersync's peak memory (target: <= 300 MB). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

from targets import Targets

from connectors.sample import write_sample_csv

RATIO_TARGET = 2.0
MEMORY_TARGET_MB = 300
HERE = Path(__file__).resolve().parent
TIERSYNC = str(Path(sys.executable).with_name("tiersync"))


def timed(cmd: list[str]) -> tuple[float, float]:
    """Run cmd under /usr/bin/time -v; return its wall seconds and peak RSS in MB."""
    started = time.perf_counter()
    done = subprocess.run(["/usr/bin/time", "-v", *cmd], capture_output=True, text=True)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, int(peak.group(1)) / 1024 if peak else float("nan")


def main() -> None:
    """Time both commands, interleaved, and print the verdicts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tiersync-bench"))
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("needs GNU time: apt-get install -y time")
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"score-{args.rows}.csv"
    if not source.exists():
        print(f"generating {args.rows:,} accounts -> {source}")
        write_sample_csv(source, args.rows, seed=5)
    commands = {
        "plain script": [sys.executable, str(HERE / "handwritten.py"), str(source),
                         str(args.dir / "plain-out.csv")],
        "tiersync score": [TIERSYNC, "score", str(source), "-o", str(args.dir / "tiersync-out.csv"),
                           "--today", "2026-11-01"],
    }  # fmt: skip
    walls: dict[str, list[float]] = {name: [] for name in commands}
    peaks: dict[str, float] = dict.fromkeys(commands, 0.0)
    for _ in range(args.runs):
        for name, cmd in commands.items():
            wall, peak = timed(cmd)
            walls[name].append(wall)
            peaks[name] = max(peaks[name], peak)
    medians = {name: statistics.median(w) for name, w in walls.items()}
    print(f"rows: {args.rows:,} ({source.stat().st_size / 1e6:.0f} MB), {args.runs} runs each")
    for name in commands:
        runs = ", ".join(f"{w:.2f}" for w in walls[name])
        peak = peaks[name]
        print(f"{name:15} median {medians[name]:6.2f} s (runs {runs}), peak RSS {peak:4.0f} MB")
    ratio = medians["tiersync score"] / medians["plain script"]
    print(f"ratio tiersync/plain: now {ratio:.2f}x, target <= {RATIO_TARGET}x")
    targets = Targets()
    targets.check(f"tiersync score <= {RATIO_TARGET}x the plain script", ratio <= RATIO_TARGET,
                  f"{ratio:.2f}x")  # fmt: skip
    mb = peaks["tiersync score"]
    targets.check(f"tiersync score peak RSS <= {MEMORY_TARGET_MB} MB", mb <= MEMORY_TARGET_MB,
                  f"{mb:.0f} MB at {args.rows:,} rows")  # fmt: skip
    targets.finish()


if __name__ == "__main__":
    main()
