"""`nlsc serve`: the built dataset as a read-only SPARQL endpoint on loopback, after the
refusals a start needs (no dist/nlsc.trig, a stale dist/, no `oxigraph`); the endpoint
and its limits are nlsc.serve.server."""

from __future__ import annotations

import argparse

from ..paths import dist_dir, source_root
from ..serve.server import (DEFAULT_HEADER_TIMEOUT, DEFAULT_HOST, DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_RESULT_BYTES,
                            DEFAULT_PORT, DEFAULT_QUERY_TIMEOUT, check_fresh, dist_trig, find_oxigraph, serve)
from . import options

HELP = ("serve the built dataset as a read-only SPARQL endpoint (Oxigraph server) on loopback, with query limits "
        "and a query page at /; the default graph is the union of the named graphs ontology, data and context "
        "(as in `nlsc query`), the inferred graph is reached with GRAPH")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=options.port, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}, loopback only; "
                             "anything else exposes the endpoint to the network)")
    parser.add_argument("--dist", metavar="DIR", help="folder holding nlsc.trig (default: dist/ of the checkout, else ./dist)")
    parser.add_argument("--source-root", metavar="DIR", type=options.existing_dir,
                        help="folder holding ontology/ and data/, for the staleness check "
                             "(default: the checkout or the installed package)")
    parser.add_argument("--allow-stale", action="store_true",
                        help="serve dist/ even if a source file is newer than dist/nlsc.trig")
    parser.add_argument("--oxigraph", metavar="PATH", type=options.existing_file,
                        help="the oxigraph binary (default: found next to this Python, else on PATH)")
    parser.add_argument("--query-timeout", "--timeout-s", dest="query_timeout", type=options.seconds,
                        default=DEFAULT_QUERY_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per request in seconds (default {DEFAULT_QUERY_TIMEOUT:g}); on overrun "
                             "the client gets 503 and the Oxigraph server is restarted to stop the query")
    parser.add_argument("--max-result-bytes", type=options.result_bytes, default=DEFAULT_MAX_RESULT_BYTES, metavar="N",
                        help=f"size limit of one answer in bytes (default {DEFAULT_MAX_RESULT_BYTES}); "
                             "a larger answer gets 503")
    parser.add_argument("--allow-remote", action="store_true",
                        help="let queries use SERVICE (the server then fetches from other hosts)")
    parser.add_argument("--max-memory-mb", type=options.memory_mb, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                        help=f"address-space cap of the Oxigraph server process (default {DEFAULT_MAX_MEMORY_MB}; "
                             "0: none); a query that needs more crashes the server, which is restarted")
    parser.add_argument("--header-timeout", type=options.seconds, default=DEFAULT_HEADER_TIMEOUT, metavar="SECONDS",
                        help=f"a client must send its request (line, headers, body) within this many seconds of "
                             f"connecting or of its previous answer (default {DEFAULT_HEADER_TIMEOUT:g}); else it is "
                             "disconnected")


def run(args: argparse.Namespace) -> int:
    trig = dist_trig(dist_dir(args.dist))
    if not args.allow_stale:
        check_fresh(trig, source_root(args.source_root))
    return serve(trig, find_oxigraph(args.oxigraph), args)
