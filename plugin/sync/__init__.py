"""The sync: one run over every source, one source's read-score-write, run report, scheduler."""
