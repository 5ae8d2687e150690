"""`nlsc build`: sources -> dist/."""

from __future__ import annotations

import argparse

from .options import existing_dir, output_dir
from ..paths import dist_dir, layout

HELP = "build all distributions and the website into dist/ (load, check, reason, validate, serialise, tables, describe, site, publish)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dist", metavar="DIR", type=output_dir, help="output folder (default: dist/ of the checkout, else ./dist)")
    parser.add_argument("--source-root", metavar="DIR", type=existing_dir,
                        help="folder holding ontology/ and data/ (default: the checkout or the installed package)")
    parser.add_argument("--no-site", action="store_true",
                        help="skip the website (dist/site/): the distributions only, for sources too large for a page per resource")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    from ..build.pipeline import build

    result = build(layout(args.source_root), dist_dir(args.dist), quiet=args.quiet, site=not args.no_site)
    return 0 if result else 2
