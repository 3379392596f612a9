"""Benchmark: a 1M-account `tiersync sync` on the local connector (not part of the test run).

    .venv/bin/python tests/perf/bench_sync_1m.py [--rows 1000000] [--dir /tmp/tiersync-bench]

Generates the accounts once (connectors.sample, deterministic) and reuses them; each run
starts from an empty store. Runs `tiersync sync` twice under /usr/bin/time -v (first run: every
account written and recorded; second run: nothing changed), then times a pass that only parses
the CSV and scores (both capacity passes) as the reference for "time outside scoring and CSV
parsing". Prints wall time, peak RSS and that share. Budget: peak RSS <= 300 MB; exits 1
when it is exceeded or the second run writes anything.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from targets import Targets  # noqa: E402

from connectors.local import LocalCsvConnector  # noqa: E402
from connectors.sample import write_sample_csv  # noqa: E402
from plugin.sync.book import final_pairs, score_all  # noqa: E402
from scoring import DEFAULT_MODEL, Scorer, load_model  # noqa: E402

TODAY = "2026-11-01"
BUDGET_MB = 300


def timed_sync(config: Path) -> tuple[float, float, str]:
    """Run `tiersync sync` under /usr/bin/time -v; return wall seconds, peak MB, its output."""
    tiersync = Path(sys.executable).with_name("tiersync")
    cmd = ["/usr/bin/time", "-v", str(tiersync), "sync", "--config", str(config), "--today", TODAY]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"tiersync sync failed:\n{done.stdout}\n{done.stderr}")
    peak = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return wall, int(peak.group(1)) / 1024 if peak else float("nan"), done.stdout


def parse_and_score(source: Path) -> float:
    """Return seconds for parsing the CSV and scoring it as one book, writing nothing."""
    connector = LocalCsvConnector(source)
    scorer = Scorer(load_model(DEFAULT_MODEL), date.fromisoformat(TODAY))
    started = time.perf_counter()
    scored = score_all(scorer, connector.iter_accounts())
    for _ in final_pairs(scored):
        pass
    scored.close()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--dir", type=Path, default=Path("/tmp/tiersync-bench"))
    args = parser.parse_args()
    if not Path("/usr/bin/time").exists():
        sys.exit("needs GNU time: apt-get install -y time")
    args.dir.mkdir(parents=True, exist_ok=True)
    source = args.dir / f"accounts-{args.rows}.csv"
    if not source.exists():
        print(f"generating {args.rows:,} accounts -> {source}")
        write_sample_csv(source, args.rows, seed=7)
    work = args.dir / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir()
    config = work / "tiersync.toml"
    config.write_text(
        f'[local]\nsource = "{source}"\noutput = "out/accounts.csv"\n'
        '[store]\nurl = "sqlite:///tiersync.db"\n[sync]\nbatch_size = 5000\n',
        encoding="utf-8",
    )
    first_wall, first_peak, summary = timed_sync(config)
    second_wall, second_peak, second_out = timed_sync(config)
    reference = parse_and_score(source)
    print(summary)
    print(f"accounts:                     {args.rows:,}")
    print(f"first sync (all written):     {first_wall:8.1f} s wall, peak RSS {first_peak:6.0f} MB")
    print(
        f"second sync (no changes):     {second_wall:8.1f} s wall, peak RSS {second_peak:6.0f} MB"
    )
    print(f"parse + score only (2 passes): {reference:7.1f} s")
    print(
        f"share outside scoring+parsing: first {1 - reference / first_wall:.0%}, "
        f"second {1 - reference / second_wall:.0%}"
    )
    worst = max(first_peak, second_peak)
    targets = Targets()
    targets.check(f"peak RSS <= {BUDGET_MB} MB (both syncs)", worst <= BUDGET_MB, f"{worst:.0f} MB")
    targets.check("second sync writes nothing", ", written: 0," in second_out, "see its summary")
    targets.finish()


if __name__ == "__main__":
    main()
