"""`nlsc load`: every named graph of the build pushed into a triple store, counted, and
optionally the bundled queries compared (the protocols: nlsc.sparql.remote_store)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
import urllib.parse
from pathlib import Path

from ..sparql.remote_store import (Client, CountMismatch, LoadError, check_queries, graph_store_for, load,
                                   read_graphs, store_of)
from . import options

HELP = "load the built dataset into a triple store (SPARQL 1.1 Graph Store protocol) and verify the counts"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--endpoint", required=True, metavar="URL", help="SPARQL query endpoint (used to verify counts)")
    p.add_argument("--graph-store", metavar="URL",
                   help="SPARQL Graph Store endpoint (default: derived from --endpoint for Oxigraph, Virtuoso, "
                        "Fuseki, GraphDB)")
    p.add_argument("--user", metavar="U", help="user name for HTTP authentication")
    p.add_argument("--password-env", metavar="VAR",
                   help="name of the environment variable holding the password (never pass it on the command line)")
    p.add_argument("--auth", choices=("basic", "digest", "auto"), default="auto",
                   help="HTTP authentication scheme (default auto: answer whichever the server asks for; "
                        "basic is sent pre-emptively)")
    p.add_argument("--dist", metavar="DIR", help="folder holding nlsc.nq (default: dist/ of the checkout, else ./dist)")
    p.add_argument("--file", metavar="FILE", type=options.existing_file, help="an N-Quads or TriG file to load instead of DIST/nlsc.nq")
    p.add_argument("--timeout", type=options.seconds, default=120.0, metavar="S", help="per request, seconds (default 120)")
    p.add_argument("--check-queries", action="store_true",
                   help="afterwards run the bundled SELECT/ASK queries at the endpoint and compare the results "
                        "with the embedded engine's on the loaded file, term by term")
    p.add_argument("--lenient-booleans", action="store_true",
                   help="with --check-queries: accept 1/0 integers for true/false (Virtuoso returns "
                        "xsd:boolean values as xsd:integer)")
    p.add_argument("--xfail", metavar="NAMES", default="",
                   help="with --check-queries: comma-separated query names known to fail on this store "
                        "(reported, not counted)")
    p.add_argument("--report", metavar="FILE", type=options.output_file, help="also write the per-graph report as JSON")


def _password(args: argparse.Namespace) -> str | None:
    if args.user is None:
        if args.password_env:
            raise LoadError("--password-env needs --user")
        return None
    if args.password_env:
        value = os.environ.get(args.password_env)
        if value is None:
            raise LoadError(f"--password-env {args.password_env}: that environment variable is not set")
        return value
    if sys.stdin.isatty():
        return getpass.getpass(f"password for {args.user}: ")
    raise LoadError("--user needs --password-env VAR (the name of an environment variable holding the password)")


def run(args: argparse.Namespace) -> int:
    from ..paths import dist_dir

    endpoint = args.endpoint
    if urllib.parse.urlsplit(endpoint).scheme not in ("http", "https"):
        raise LoadError(f"--endpoint {endpoint}: not an http(s) URL")
    graph_store = args.graph_store or graph_store_for(endpoint, authenticated=args.user is not None)
    dist = dist_dir(args.dist)
    source = Path(args.file) if args.file else dist / "nlsc.nq"
    client = Client(args.user, _password(args), args.auth, args.timeout, urls=(endpoint, graph_store))

    graphs = read_graphs(source)
    print(f"nlsc load: {source} -> {graph_store} ({len(graphs)} graphs, "
          f"{sum(map(len, graphs.values()))} triples); counting at {endpoint}", flush=True)
    t0 = time.perf_counter()
    reports = load(client, endpoint, graph_store, graphs)
    seconds = time.perf_counter() - t0
    bad = [r for r in reports if not r.ok]
    total_e, total_f = sum(r.expected for r in reports), sum(r.found or 0 for r in reports)
    print(f"nlsc load: {len(reports) - len(bad)}/{len(reports)} graphs as expected, "
          f"{total_f}/{total_e} triples, {seconds:.2f} s", flush=True)
    if args.report:
        Path(args.report).write_text(json.dumps({
            "endpoint": endpoint, "graph_store": graph_store, "seconds": round(seconds, 3),
            "graphs": {r.graph: {"expected": r.expected, "found": r.found, "put_seconds": round(r.put_seconds, 3),
                                 "count_seconds": round(r.count_seconds, 3)} for r in reports},
        }, indent=2) + "\n", encoding="utf-8")
    failed_queries = 0
    if args.check_queries:
        print(f"nlsc load: bundled queries at {endpoint}", flush=True)
        # the answers expected are the embedded engine's on the very graphs that were loaded
        passed, failed_queries = check_queries(
            client, endpoint, store_of(graphs), lenient_booleans=args.lenient_booleans,
            xfail=frozenset(n.strip() for n in args.xfail.split(",") if n.strip()))
        print(f"nlsc load: queries {passed} passed, {failed_queries} failed", flush=True)
    if bad:
        raise CountMismatch("triple counts differ for " + ", ".join(f"<{r.graph}>" for r in bad)
                            + " (blank nodes or literal normalisation in the store?)")
    return 1 if failed_queries else 0
