"""``python -m netsim``: the same command line as ``netsim`` (for an environment without
the console script on its PATH)."""

from netsim.cli import main

main()
