"""`nlsc source check PAGE`: which passages a new copy of the source page still supports.

Exit codes: 0 every passage stands verbatim on the new page (moved ones too:
their words still support what cites them); 1 a passage changed or is gone
(what cites it lost its verbatim support); 2 the copy of the page, or the
dataset, cannot be used.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import options
from ..errors import NlscError

HELP = ("compare the dataset's passages with a new copy of the source page "
        "(exit 0 all stand, 1 changed or gone, 2 unusable input)")
CHECK_HELP = ("align every passage's oa:exact with a saved copy of the page (text or HTML) and report "
              "unchanged, moved, changed and gone passages, what cites them, and the uncovered sentences")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    check = actions.add_parser("check", help=CHECK_HELP, description=CHECK_HELP)
    # given here too, so that `nlsc source check --debug` works as `nlsc source --debug check` does
    check.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help="show a traceback on errors")
    check.add_argument("page", metavar="PAGE", help="the saved copy of the page: its text, or its HTML")
    check.add_argument("--format", choices=("table", "json"), default="table",
                       help="table: one row per passage, then the details; json: one object (default table)")
    check.add_argument("--lang", choices=("nl", "en"), default="en",
                       help="language of the table's words and of the labels (default en)")
    check.add_argument("--encoding", metavar="NAME", type=options.encoding,
                       help="read the page in this encoding (default: its byte-order mark, "
                            "its declared charset, else UTF-8)")
    check.add_argument("--dist", metavar="DIR",
                       help="read the dataset from this dist folder (default: dist/ when built)")
    check.add_argument("--sources", metavar="DIR",
                       help="read the dataset, and the page it quotes, from the Turtle sources in this folder")


def run(args: argparse.Namespace) -> int:
    from ..source.align import align
    from ..source.dataset import read_dataset
    from ..source.page import read_page
    from ..source.report import as_json, table

    page = read_page(args.page, args.encoding)
    passages, citers, ordered = read_dataset(Path(args.dist) if args.dist else None,
                                             Path(args.sources) if args.sources else None, args.lang)
    if not passages:
        raise NlscError("the dataset holds no passage quoted from the page "
                        "(prov:wasQuotedFrom bron:samenwerking-nationaal)")
    result = align(passages, page)
    code = 1 if result.support_lost else 0
    if args.format == "json":
        sys.stdout.write(as_json(result, citers, ordered, code))
    else:
        sys.stdout.write(table(result, citers, args.lang, ordered))
    return code
