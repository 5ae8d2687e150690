"""IRIs and prefixes used everywhere in nlsc."""

from __future__ import annotations

import re

from rdflib import Graph, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, PROV, RDF, RDFS, SKOS, VOID, XSD

BASE = "https://w3id.org/nlsc/"
NLSC = Namespace(BASE + "def#")
ONTOLOGY_IRI = URIRef(BASE + "def")
ID = Namespace(BASE + "id/")
GENID = BASE + ".well-known/genid/"

GRAPH_ONTOLOGY = URIRef(BASE + "graph/ontology")
GRAPH_DATA = URIRef(BASE + "graph/data")
GRAPH_CONTEXT = URIRef(BASE + "graph/context")
GRAPH_INFERRED = URIRef(BASE + "graph/inferred")
#: asserted graphs, in the order they are written
ASSERTED_GRAPHS = (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_CONTEXT)

ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")
CV = Namespace("http://data.europa.eu/m8g/")
VANN = Namespace("http://purl.org/vocab/vann/")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
DCATAP = Namespace("http://data.europa.eu/r5r/")

#: prefix -> namespace, in a fixed order (also the JSON-LD context's prefixes)
PREFIXES: dict[str, str] = {
    "nlsc": str(NLSC),
    "nlscid": str(ID),
    "org": str(ORG),
    "prov": str(PROV),
    "skos": str(SKOS),
    "dct": str(DCTERMS),
    "schema": str(SCHEMA),
    "oa": str(OA),
    "cv": str(CV),
    "foaf": str(FOAF),
    "vann": str(VANN),
    "owl": str(OWL),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "xsd": str(XSD),
    "dcat": str(DCAT),
    "void": str(VOID),
    "adms": str(ADMS),
    "spdx": str(SPDX),
    "vcard": str(VCARD),
    "dcatap": str(DCATAP),
}


_SEGMENT = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")


def prefixes_for(graph: Graph) -> dict[str, str]:
    """PREFIXES plus one prefix per `https://w3id.org/nlsc/id/<kind>/` used in `graph`,
    named after its kind (`organisatie:`, `passage:`, ...), as the sources do."""
    kinds = set()
    for triple in graph:
        for term in triple:
            if isinstance(term, URIRef) and str(term).startswith(str(ID)):
                rest = str(term)[len(str(ID)):]
                kind, sep, local = rest.partition("/")
                if sep and local and "/" not in local and _SEGMENT.match(kind):
                    kinds.add(kind)
    out = dict(PREFIXES)
    for kind in sorted(kinds):
        if kind not in out:
            out[kind] = f"{ID}{kind}/"
    return out


def bind_prefixes(graph: Graph, prefixes: dict[str, str] | None = None) -> Graph:
    """Bind the project prefixes (or `prefixes`) on `graph`, replacing rdflib's defaults."""
    for prefix, ns in (prefixes or PREFIXES).items():
        graph.bind(prefix, Namespace(ns), override=True, replace=True)
    return graph
