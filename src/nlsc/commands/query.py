"""`nlsc query`: a bundled query (by name) or a query file, run on the embedded store
(nlsc.sparql.query), the answer in one of its formats."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..sparql.policy import MAX_QUERY_CHARS
from ..sparql.query import (FORMATS, LANGS, QueryError, bundled, has_lang_parameter, open_store, render, resolve,
                            run_query)
from .options import existing_dir

HELP = "run a SPARQL query (bundled by name, or a file) on the dataset"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="?", metavar="NAME|FILE", help="a bundled query name (see --list) or a .rq file")
    p.add_argument("--list", action="store_true", help="list the bundled queries with their titles")
    p.add_argument("--format", choices=FORMATS, default="table", help="output format (default: table)")
    p.add_argument("--lang", choices=LANGS, default=None,
                   help="language of the label columns, for queries with a VALUES ?lang clause (default: as written, nl)")
    p.add_argument("--allow-remote", action="store_true", help="allow SERVICE clauses and LOAD")
    p.add_argument("--dist", metavar="DIR", default=None, help="read the dataset from this dist folder")
    p.add_argument("--sources", metavar="DIR", default=None, type=existing_dir,
                   help="read the dataset from the Turtle sources in this folder (ontology/, data/)")


def list_text(lang: str = "en") -> str:
    infos = bundled()
    if not infos:
        return "no bundled queries found\n"
    width = max(len(i.name) for i in infos)
    lines = [f"{i.name.ljust(width)}  {i.kind.ljust(9)}  {i.title(lang)}" for i in infos]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> int:
    out = sys.stdout.buffer
    if args.list:
        out.write(list_text(args.lang or "en").encode("utf-8"))
        return 0
    if not args.query:
        raise QueryError("give a query name or file, or --list")
    path = resolve(args.query)
    text = read_query(path)
    if args.lang and not has_lang_parameter(text):
        print(f"nlsc query: note: {path.name} has no VALUES ?lang clause; --lang ignored", file=sys.stderr)
    store = open_store(Path(args.dist) if args.dist else None, Path(args.sources) if args.sources else None)
    try:  # pyoxigraph fetches a SERVICE (with --allow-remote) while the answer is read
        answer = render(run_query(text, store, lang=args.lang, allow_remote=args.allow_remote), args.format)
    except OSError as exc:
        raise QueryError(f"a SERVICE endpoint could not be used: {exc}") from exc
    out.write(answer)
    out.flush()
    return 0


def read_query(path: Path) -> str:
    """The text of a query file: UTF-8, at most MAX_QUERY_CHARS (QueryError otherwise)."""
    try:
        data = path.read_bytes() if path.stat().st_size <= 4 * MAX_QUERY_CHARS else None
    except OSError as exc:
        raise QueryError(f"{path}: cannot read: {exc.strerror}") from None
    if data is None:
        raise QueryError(f"{path}: larger than a query may be ({MAX_QUERY_CHARS:,} characters)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise QueryError(f"{path}:{line}: not valid UTF-8 (byte {exc.start})") from None
