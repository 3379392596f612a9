"""Reports for managers: one set of queries for `tiersync report` and the dashboard."""
