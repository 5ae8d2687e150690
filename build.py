"""`python build.py [--dist DIR] [--debug]`: the same as `nlsc build`."""

import sys

from nlsc.cli import main

raise SystemExit(main(["build", *sys.argv[1:]]))
