"""`nlsc site`: write the website into DIST/site from the sources and the files in DIST.

Exposes `HELP`, `add_arguments(parser)` and `run(args)` for nlsc.commands's
subcommand table.
"""

from __future__ import annotations

import argparse
import sys

from .options import existing_dir

HELP = "write the static website (pages, network diagram, ontology docs, content negotiation) into DIST/site"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dist", metavar="DIR", type=existing_dir, help="the dist folder (it must exist) (default: dist/ of the checkout, else ./dist)")
    parser.add_argument("--source-root", metavar="DIR", type=existing_dir,
                        help="folder holding ontology/, data/ and queries/ (default: the checkout or the installed package)")
    parser.add_argument("--base-path", default="/", metavar="PATH",
                        help="URL path at which the site root is served, for the rewrite rules (default: /)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    from ..build.sources import load
    from ..paths import dist_dir, layout
    from ..site import build_site

    lay = layout(getattr(args, "source_root", None))
    dist = dist_dir(getattr(args, "dist", None))
    dist.mkdir(parents=True, exist_ok=True)
    src = load(lay)
    result = build_site(src, dist, source_root=lay.root, base_path=getattr(args, "base_path", "/"))
    if not getattr(args, "quiet", False):
        print(f"site: {len(result.pages)} pages, {result.files} files in {result.root}", file=sys.stderr)
    return 0
