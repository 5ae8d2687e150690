"""Write the distributions into a folder (a fresh temporary one, see publish.py).

Every writer is deterministic. The RDF formats are pyoxigraph's writers fed sorted
quads whose blank nodes carry RDFC-1.0 labels (nlsc.build.rdfwrite); the ontology's own
Turtle file is rdflib's, whose layout (nested blank nodes, lists, a blank line
between subjects) suits a file people read. JSON is written with sorted keys.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from . import jsonld as jl
from . import rdfwrite
from ..namespaces import ASSERTED_GRAPHS, GRAPH_INFERRED, GRAPH_ONTOLOGY, bind_prefixes, prefixes_for
from .sources import Sources
from .rdfwrite import N_QUADS, N_TRIPLES, RDF_XML, TRIG, TURTLE, canonical, used_prefixes
from .terms import Quads

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


def _one_graph(graph: Graph, fmt, prefixes: dict | None) -> bytes:
    """`graph` in `fmt`, abbreviated with `prefixes` (default: the project's and one per
    kind of resource in the graph)."""
    quads = canonical(Quads().of(graph))
    if fmt == N_TRIPLES:
        return rdfwrite.write(quads, fmt)
    return rdfwrite.write(quads, fmt, used_prefixes(quads, prefixes or prefixes_for(graph)))


def turtle(graph: Graph, prefixes: dict | None = None) -> bytes:
    """Turtle by pyoxigraph: subject by subject, sorted, blank nodes labelled by RDFC-1.0."""
    return _one_graph(graph, TURTLE, prefixes)


def readable_turtle(graph: Graph, prefixes: dict | None = None) -> bytes:
    """rdflib's Turtle (sorted, blank nodes nested, lists as lists): for the ontology,
    a small file people read; deterministic as long as blank-node labels are stable."""
    g = bind_prefixes(Graph(bind_namespaces="core"), prefixes or prefixes_for(graph))
    g += graph
    return g.serialize(format="turtle", encoding="utf-8")


def ntriples(graph: Graph) -> bytes:
    return _one_graph(graph, N_TRIPLES, None)


def rdfxml(graph: Graph, prefixes: dict | None = None) -> bytes:
    return _one_graph(graph, RDF_XML, prefixes)


def small_graph(triples, formats: tuple, prefixes: dict) -> list[bytes]:
    """One small graph (a resource page's description: pyoxigraph triples) in several
    formats, its blank nodes labelled once, declaring the `prefixes` it uses."""
    quads = canonical(ox.Quad(*t) for t in triples)
    used = used_prefixes(quads, prefixes)
    return [rdfwrite.write(quads, fmt, used) for fmt in formats]


def _in(quads: list, graphs) -> list:
    names = {str(iri) for iri in graphs}
    return [q for q in quads if q.graph_name.value in names]


_GRAPH_ORDER = tuple(map(str, GRAPHS_WITH_INFERRED))


def jsonld_context(src: Sources) -> dict:
    """The context of every JSON-LD document of the build ({"@context": ...},
    context.jsonld): the terms and prefixes of the asserted graphs."""
    return jl.build_context(src.triples(*ASSERTED_GRAPHS), src.prefixes())


def write_all(src: Sources, out: Path) -> tuple[dict[str, Path], jl.Compacted]:
    """Write all distributions of the loaded (and reasoned) sources into `out`; return
    name -> path, and the compaction of nlsc.jsonld (the site cuts its pages' JSON-LD from
    it). The RDF files are written from the store's quads, labelled together (so a blank
    node has one label in every file); JSON-LD and the ontology's Turtle from rdflib views."""
    union, ontology = src.union(), src.graph(GRAPH_ONTOLOGY)
    prefixes = src.prefixes()
    context_doc = jsonld_context(src)
    compacted = jl.Compacted.of(src.triples(*ASSERTED_GRAPHS), context_doc)
    quads = canonical(src.quads(*GRAPHS_WITH_INFERRED))
    asserted, in_ontology = _in(quads, ASSERTED_GRAPHS), _in(quads, [GRAPH_ONTOLOGY])
    writers = {
        "nlsc.ttl": lambda: rdfwrite.write(asserted, TURTLE, used_prefixes(asserted, prefixes)),
        # TriG: one block per graph, in the order of GRAPHS_WITH_INFERRED
        "nlsc.trig": lambda: rdfwrite.write(quads, TRIG, used_prefixes(quads, prefixes), order=_GRAPH_ORDER),
        "nlsc-framed.jsonld": lambda: jl.dumps(jl.framed(src.triples(*GRAPHS_WITH_INFERRED), context_doc,
                                                         known=compacted)),
        "nlsc.jsonld": lambda: jl.dumps(compacted.document()),
        "nlsc.nq": lambda: rdfwrite.write(quads, N_QUADS),
        "nlsc.nt": lambda: rdfwrite.write(asserted, N_TRIPLES),
        "nlsc-ontology.ttl": lambda: readable_turtle(ontology, prefixes_for(ontology)),
        "nlsc-ontology.rdf": lambda: rdfwrite.write(in_ontology, RDF_XML,
                                                    used_prefixes(in_ontology, prefixes_for(ontology))),
        "context.jsonld": lambda: jl.dumps(context_doc),
    }
    written = {}
    for name in sorted(writers):
        _write(out / name, writers[name]())
        written[name] = out / name
    return written, compacted
