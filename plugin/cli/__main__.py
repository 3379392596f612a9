"""`python -m plugin.cli`: the same as the `tiersync` console script."""

from plugin.cli import main

main()
