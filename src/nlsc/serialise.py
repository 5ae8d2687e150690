"""Write the distributions into a folder (a fresh temporary one, see publish.py).

Every writer is deterministic: sorted N-Triples/N-Quads, rdflib's sorted
Turtle, TriG assembled graph by graph in a fixed order, JSON with sorted keys,
blank nodes already carrying stable labels (see load.py).
"""

from __future__ import annotations

from bisect import bisect_left
from pathlib import Path

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from . import forked
from . import jsonld as jl
from . import rdfxml as _rdfxml
from . import turtle as _turtle
from .namespaces import ASSERTED_GRAPHS, GRAPH_INFERRED, GRAPH_ONTOLOGY, PREFIXES, bind_prefixes, prefixes_for

#: name -> (media type, EU file-type code, title) for each distribution
DISTRIBUTIONS = {
    "nlsc.ttl": ("text/turtle", "RDF_TURTLE", "Ontology, data and context in Turtle"),
    "nlsc.nt": ("application/n-triples", "RDF_N_TRIPLES", "Ontology, data and context as sorted N-Triples"),
    "nlsc.nq": ("application/n-quads", "RDF_N_QUADS", "Named graphs, inferred triples included, as N-Quads"),
    "nlsc.trig": ("application/trig", "RDF_TRIG", "Named graphs, inferred triples included, in TriG"),
    "nlsc.jsonld": ("application/ld+json", "JSON_LD", "Ontology, data and context in compacted JSON-LD"),
    "nlsc-framed.jsonld": ("application/ld+json", "JSON_LD", "One JSON-LD object per organisation, statements nested"),
    "nlsc-ontology.ttl": ("text/turtle", "RDF_TURTLE", "The ontology in Turtle"),
    "nlsc-ontology.rdf": ("application/rdf+xml", "RDF_XML", "The ontology in RDF/XML"),
}
GRAPHS_WITH_INFERRED = (*ASSERTED_GRAPHS, GRAPH_INFERRED)


def _write(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def _prefixes_in(graph: Graph, prefixes: dict) -> dict:
    """The prefixes whose namespace starts some IRI of `graph`: rdflib's Turtle writer
    declares only the prefixes it uses, so binding the others changes nothing but
    costs (about a third of each small page's Turtle)."""
    iris = sorted({str(t) for triple in graph for t in triple if isinstance(t, URIRef)}
                  | {str(o.datatype) for o in graph.objects() if isinstance(o, Literal) and o.datatype})
    chosen = {}
    for prefix, ns in prefixes.items():
        i = bisect_left(iris, ns)
        if i < len(iris) and iris[i].startswith(ns):
            chosen[prefix] = ns
    return chosen


def turtle(graph: Graph, prefixes: dict | None = None) -> bytes:
    """rdflib's Turtle (nlsc.turtle writes the same bytes faster; rdflib where it cannot)."""
    chosen = _prefixes_in(graph, prefixes or PREFIXES)
    fast = _turtle.write(graph, chosen)
    return fast if fast is not None else rdflib_turtle(graph, chosen)


def rdflib_turtle(graph: Graph, prefixes: dict) -> bytes:
    g = bind_prefixes(Graph(bind_namespaces="core"), prefixes)
    g += graph
    return g.serialize(format="turtle", encoding="utf-8")


def ntriples(graph: Graph) -> bytes:
    lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip())).encode("utf-8")


def nquads(ds: Dataset) -> bytes:
    out = []
    for iri in GRAPHS_WITH_INFERRED:
        for line in ntriples(ds.graph(iri)).decode("utf-8").splitlines():
            out.append(f"{line[:-2]} <{iri}> .\n")  # "s p o ." -> "s p o g ."
    return "".join(sorted(out)).encode("utf-8")


def trig(ds: Dataset, prefixes: dict | None = None) -> bytes:
    """TriG with the project prefixes once at the top and one block per graph."""
    parts, used = [], set()
    for iri in GRAPHS_WITH_INFERRED:
        g = ds.graph(iri)
        if len(g) == 0:
            continue
        body = turtle(g, prefixes).decode("utf-8").splitlines()
        used.update(line for line in body if line.startswith("@prefix"))
        body = [line for line in body if not line.startswith("@prefix")]
        while body and not body[0].strip():
            body.pop(0)
        inner = "\n".join(("    " + line) if line.strip() else "" for line in body).rstrip()
        parts.append(f"<{iri}> {{\n{inner}\n}}\n")
    order = {f"@prefix {p}: <{u}> .": i for i, (p, u) in enumerate((prefixes or PREFIXES).items())}
    head = sorted(used, key=lambda line: (order.get(line, len(order)), line))
    return ("\n".join(head) + "\n\n" + "\n".join(parts)).encode("utf-8")


def rdfxml(graph: Graph, prefixes: dict | None = None, *, reread: bool = True) -> bytes:
    """RDF/XML; `reread` parses it back to guard the writer (the site's per-resource
    pages leave that to the build's own nlsc-ontology.rdf and the site tests)."""
    data = _rdfxml.serialise(graph, prefixes or PREFIXES)
    if reread and not isomorphic(Graph().parse(data=data, format="xml"), graph):  # pragma: no cover - a writer bug
        raise RuntimeError("RDF/XML writer lost or changed triples")
    return data


#: from this many triples the distributions are written by forked workers (a fork
#: costs ~20 ms; the real dataset's 2,700 triples already gain ~0.1 s)
PARALLEL_FROM = 1_000


def write_all(ds: Dataset, union: Graph, out: Path) -> dict[str, Path]:
    """Write all RDF distributions of `ds` into `out`; return name -> path."""
    ontology = ds.graph(GRAPH_ONTOLOGY)
    with_inferred = Graph()
    for iri in GRAPHS_WITH_INFERRED:
        with_inferred += ds.graph(iri)
    prefixes = prefixes_for(with_inferred)
    context_doc = jl.build_context(union, prefixes)
    writers = {  # the slowest first, so that forked workers share the work evenly
        "nlsc.ttl": lambda: turtle(union, prefixes),
        "nlsc.trig": lambda: trig(ds, prefixes),
        "nlsc-framed.jsonld": lambda: jl.dumps(jl.framed(with_inferred, context_doc)),
        "nlsc.jsonld": lambda: jl.dumps(jl.compacted(union, context_doc)),
        "nlsc.nq": lambda: nquads(ds),
        "nlsc.nt": lambda: ntriples(union),
        "nlsc-ontology.ttl": lambda: turtle(ontology, prefixes_for(ontology)),
        "nlsc-ontology.rdf": lambda: rdfxml(ontology, prefixes_for(ontology)),
        "context.jsonld": lambda: jl.dumps(context_doc),
    }
    contents = forked.run_all(list(writers.values()), parallel=len(with_inferred) >= PARALLEL_FROM)
    written = {}
    for name, data in sorted(zip(writers, contents)):
        _write(out / name, data)
        written[name] = out / name
    return written
