"""`nlsc diff OLD NEW`: what changed between two builds, as statements.

OLD and NEW are dist/ folders (their sorted `nlsc.nt`, the asserted triples) or
RDF files. Statements are compared as graphs (blank nodes by structure, via
rdflib.compare), then grouped by subject with its label: the semantic
changelog of a release. Exit codes as diff(1): 0 the builds hold the same
statements, 1 they differ, 2 an input is missing or cannot be parsed.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.compare import graph_diff, to_isomorphic
from rdflib.namespace import RDFS, SKOS

from ..errors import NlscError
from ..namespaces import prefixes_for

HELP = ("show the statements added and removed between two builds "
        "(exit 0 the same, 1 different, 2 unusable input)")

FORMATS = {".nt": "nt", ".nq": "nquads", ".ttl": "turtle", ".trig": "trig", ".jsonld": "json-ld", ".rdf": "xml"}


class DiffInputError(NlscError):
    exit_code = 2


def add_arguments(parser) -> None:
    parser.add_argument("old", help="the older dist/ folder or RDF file")
    parser.add_argument("new", help="the newer dist/ folder or RDF file")
    parser.add_argument("--lang", choices=("nl", "en"), default="en", help="language of the labels shown (default en)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: by subject, with - and + lines and a summary; json: counts and the same "
                             "groups as one object (default text)")


def read(path_text: str) -> Graph:
    path = Path(path_text)
    if path.is_dir():
        path = path / "nlsc.nt"
    if not path.is_file():
        raise DiffInputError(f"{path}: not found (give a dist/ folder or an RDF file)")
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise DiffInputError(f"{path}: unknown RDF format (use {', '.join(sorted(FORMATS))})")
    graph = Graph()
    try:
        graph.parse(path, format=fmt)
    except Exception as exc:  # rdflib raises many kinds; all mean unusable input
        raise DiffInputError(f"{path}: cannot parse: {' '.join(str(exc).split())[:300]}") from exc
    return graph


def changes(old: Graph, new: Graph) -> tuple[Graph, Graph]:
    """(removed, added)"""
    _, removed, added = graph_diff(to_isomorphic(old), to_isomorphic(new))
    return removed, added


def label(node, graphs: tuple[Graph, ...], lang: str) -> str:
    for graph in graphs:
        for prop in (SKOS.prefLabel, RDFS.label):
            values = sorted(graph.objects(node, prop), key=str)
            chosen = [v for v in values if isinstance(v, Literal) and v.language == lang] or values
            if chosen:
                return str(chosen[0])
    return ""


def short(node, prefixes: dict[str, str]) -> str:
    """A prefixed name where a prefix fits (the longest namespace wins)."""
    if isinstance(node, URIRef):
        text = str(node)
        for prefix, ns in sorted(prefixes.items(), key=lambda kv: -len(kv[1])):
            if text.startswith(ns) and len(text) > len(ns):
                return f"{prefix}:{text[len(ns):]}"
        return f"<{text}>"
    return node.n3()


def grouped(removed: Graph, added: Graph) -> dict:
    groups: dict = defaultdict(lambda: {"removed": [], "added": []})
    for kind, graph in (("removed", removed), ("added", added)):
        for s, p, o in graph:
            groups[s][kind].append((p, o))
    return groups


def summary(removed: int, added: int, subjects: int) -> str:
    """`1 statement removed, 2 added, 1 subject changed`"""
    def plural(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{plural(removed, 'statement')} removed, {added} added, {plural(subjects, 'subject')} changed"


def run(args) -> int:
    old, new = read(args.old), read(args.new)
    removed, added = changes(old, new)
    groups = grouped(removed, added)
    prefixes = prefixes_for(removed + added)
    order = sorted(groups, key=str)
    if args.format == "json":
        out = {
            "removed": len(removed),
            "added": len(added),
            "subjects": [
                {
                    "subject": str(s),
                    "label": label(s, (new, old), args.lang),
                    **{kind: sorted([str(p), o.n3()] for p, o in groups[s][kind]) for kind in ("removed", "added")},
                }
                for s in order
            ],
        }
        json.dump(out, sys.stdout, ensure_ascii=False, indent=2, sort_keys=True)
        print()
    else:
        for s in order:
            name = label(s, (new, old), args.lang)
            print(short(s, prefixes) + (f"  ({name})" if name else ""))
            for kind, mark in (("removed", "-"), ("added", "+")):
                for p, o in sorted(groups[s][kind], key=lambda po: (str(po[0]), po[1].n3())):
                    print(f"  {mark} {short(p, prefixes)} {short(o, prefixes)}")
        print(summary(len(removed), len(added), len(groups)))
    return 1 if groups else 0
