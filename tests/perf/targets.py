"""Benchmark verdicts: one line per target, and a non-zero exit when any target is missed.

Imported by the benchmarks beside it (`python tests/perf/bench_*.py` puts this folder first on
sys.path), so a scheduled job or CI step can run a benchmark and trust its exit code.
"""

from __future__ import annotations

import sys
from typing import NoReturn


class Targets:
    """Collect (target, met, measured) and end the benchmark with the matching exit code."""

    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def check(self, target: str, met: bool, measured: str) -> bool:
        """Record whether a target was met, with the figure measured; return met."""
        self.results.append((target, met, measured))
        return met

    def finish(self) -> NoReturn:
        """Print one PASS/FAIL line per target and exit 0 when all were met, else 1."""
        print()
        for target, met, measured in self.results:
            print(f"{'PASS' if met else 'FAIL'}  {target}: {measured}")
        missed = sum(not met for _, met, _ in self.results)
        print(f"RESULT: {'PASS' if not missed else f'FAIL ({missed} target(s) missed)'}")
        sys.exit(1 if missed else 0)
