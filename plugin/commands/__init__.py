"""CLI command modules; each exposes register(main) and is wired in plugin.cli."""
