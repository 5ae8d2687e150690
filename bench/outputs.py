"""Compare two dist/ folders graph by graph: is each RDF distribution isomorphic?

    python bench/outputs.py DIST_A DIST_B

Every RDF file at the top of both folders is parsed with rdflib and compared with
rdflib.compare.isomorphic (datasets: graph by graph, the same graph names). A
JSON-LD file whose @context names the published context gets the context.jsonld
of its own folder instead, so nothing is fetched.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

FORMATS = {".ttl": "turtle", ".nt": "nt", ".nq": "nquads", ".trig": "trig", ".jsonld": "json-ld", ".rdf": "xml"}
QUADS = {".nq", ".trig"}
CONTEXT_FILE = "context.jsonld"


def _jsonld_text(path: Path) -> str:
    """The document with a context given by IRI replaced by the folder's context.jsonld."""
    doc = json.loads(path.read_text(encoding="utf-8"))
    local = path.parent / CONTEXT_FILE
    if isinstance(doc, dict) and isinstance(doc.get("@context"), str) and local.is_file():
        doc["@context"] = json.loads(local.read_text(encoding="utf-8"))["@context"]
    return json.dumps(doc)


def parse(path: Path):
    """A Graph, or for N-Quads/TriG {graph name: Graph} (empty graphs left out)."""
    fmt = FORMATS[path.suffix]
    if path.suffix in QUADS:
        ds = Dataset()
        ds.parse(path, format=fmt)
        return {str(g.identifier): g for g in ds.graphs() if len(g)}
    g = Graph()
    if path.suffix == ".jsonld":
        g.parse(data=_jsonld_text(path), format=fmt)
    else:
        g.parse(path, format=fmt)
    return g


def _same(a, b) -> tuple[bool, str]:
    if isinstance(a, dict):
        if set(a) != set(b):
            return False, f"graph names differ: {sorted(set(a) ^ set(b))}"
        bad = [name for name in sorted(a) if not isomorphic(a[name], b[name])]
        sizes = ", ".join(f"{name.rsplit('/', 1)[-1]} {len(a[name])}/{len(b[name])}" for name in bad)
        return not bad, f"{len(a)} graphs" + (f"; not isomorphic: {sizes}" if bad else "")
    ok = isomorphic(a, b)
    return ok, f"{len(a)} / {len(b)} triples"


def compare(dist_a: Path, dist_b: Path, names=None) -> dict:
    """name -> {"isomorphic": bool | None, "detail": str} for the RDF files of both folders."""
    rdf = lambda d: {p.name for p in d.iterdir() if p.is_file() and p.suffix in FORMATS and p.name != CONTEXT_FILE}
    in_a, in_b = rdf(dist_a), rdf(dist_b)
    out = {}
    for name in sorted(in_a | in_b):
        if names is not None and name not in names:
            continue
        if name not in in_a or name not in in_b:
            out[name] = {"isomorphic": None, "detail": f"only in {'the first' if name in in_a else 'the second'}"}
            continue
        try:
            ok, detail = _same(parse(dist_a / name), parse(dist_b / name))
        except Exception as exc:  # a file one side cannot parse is a finding, not a crash
            ok, detail = False, f"unreadable: {type(exc).__name__}: {exc}"[:300]
        out[name] = {"isomorphic": ok, "detail": detail}
    return out


def main(argv=None) -> int:
    a, b = (Path(x) for x in (argv or sys.argv[1:]))
    result = compare(a, b)
    for name, r in result.items():
        print(f"{name}: {r['isomorphic']} ({r['detail']})")
    return 0 if all(r["isomorphic"] for r in result.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
