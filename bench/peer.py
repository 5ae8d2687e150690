"""The peer pipeline: what a user would write instead of nlsc, with plain libraries.

    python bench/peer.py --source-root ROOT --dist OUT

Parse the sources with rdflib into the same named graphs as nlsc (ontology/*.ttl,
data/**/*.ttl, data/context/**/*.ttl), compute the OWL RL closure with owlrl,
validate data + context against shapes/*.ttl with pyshacl (the ontology as its
ontology graph), and write the distributions with rdflib's serializers. No nlsc
code: this is the yardstick bench/run.py compares the build with.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import owlrl
import pyshacl
from rdflib import Dataset, Graph, Literal, URIRef

BASE = "https://w3id.org/nlsc/"
GRAPHS = {name: URIRef(f"{BASE}graph/{name}") for name in ("ontology", "data", "context", "inferred")}
#: file -> (rdflib format, what it holds)
OUTPUTS = {
    "nlsc.ttl": ("turtle", "union"),
    "nlsc.nt": ("nt", "union"),
    "nlsc.jsonld": ("json-ld", "union"),
    "nlsc.nq": ("nquads", "dataset"),
    "nlsc.trig": ("trig", "dataset"),
    "nlsc-ontology.ttl": ("turtle", "ontology"),
    "nlsc-ontology.rdf": ("xml", "ontology"),
}


def source_files(root: Path) -> dict[str, list[Path]]:
    context = root / "data" / "context"
    return {
        "ontology": sorted((root / "ontology").glob("*.ttl")),
        "data": sorted(p for p in (root / "data").rglob("*.ttl") if context not in p.parents),
        "context": sorted(context.rglob("*.ttl")),
    }


def load(root: Path) -> Dataset:
    ds = Dataset()
    for name, files in source_files(root).items():
        graph = ds.graph(GRAPHS[name])
        for path in files:
            graph.parse(path, format="turtle", publicID=BASE)
    return ds


def union_of(ds: Dataset, names) -> Graph:
    out = Graph()
    for name in names:
        out += ds.graph(GRAPHS[name])
    return out


def reason(ds: Dataset) -> None:
    """The OWL RL closure of ontology + data + context; what it adds goes to graph/inferred.
    owlrl reasons over generalised RDF: triples with a literal subject (x owl:sameAs x for
    every literal) are left out, since no RDF syntax can write them."""
    asserted = union_of(ds, ("ontology", "data", "context"))
    closure = Graph() + asserted
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(closure)
    inferred = ds.graph(GRAPHS["inferred"])
    for s, p, o in closure - asserted:
        if not isinstance(s, Literal):
            inferred.add((s, p, o))


def validate(ds: Dataset, shapes_dir: Path) -> tuple[bool, str]:
    shapes = Graph()
    for path in sorted(shapes_dir.glob("*.ttl")):
        shapes.parse(path, format="turtle")
    conforms, _, text = pyshacl.validate(
        union_of(ds, ("data", "context")), shacl_graph=shapes, ont_graph=ds.graph(GRAPHS["ontology"]),
        inference="none", allow_infos=True, allow_warnings=True)
    return conforms, text


def write(ds: Dataset, dist: Path) -> list[Path]:
    views = {"union": union_of(ds, ("ontology", "data", "context")), "dataset": ds,
             "ontology": ds.graph(GRAPHS["ontology"])}
    dist.mkdir(parents=True, exist_ok=True)
    written = []
    for name, (fmt, view) in OUTPUTS.items():
        views[view].serialize(destination=dist / name, format=fmt, encoding="utf-8")
        written.append(dist / name)
    return written


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source-root", type=Path, default=Path("."))
    ap.add_argument("--dist", type=Path, required=True)
    args = ap.parse_args(argv)
    ds = load(args.source_root)
    reason(ds)
    shapes = args.source_root / "shapes"
    if shapes.is_dir():  # a source root without shapes (a test fixture) is not validated
        conforms, text = validate(ds, shapes)
        if not conforms:
            print(text, file=sys.stderr)
            return 1
    for path in write(ds, args.dist):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
