"""`python build.py [--dist DIR] [--debug]`: the same as `nlsc build`."""

import sys

from nlsc.commands import main

raise SystemExit(main(["build", *sys.argv[1:]]))
