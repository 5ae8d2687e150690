"""A small, deterministic RDF/XML writer.

rdflib's RDF/XML serialisers order subjects and namespace declarations by
hash, so their output changes between runs. This writer emits one
rdf:Description per subject, subjects, properties and values sorted, blank
nodes as rdf:nodeID with their (already stable) labels.
"""

from __future__ import annotations

import re
from xml.sax.saxutils import escape, quoteattr

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


def _split(iri: str) -> tuple[str, str]:
    for i in range(len(iri) - 1, -1, -1):
        if iri[i] in "#/:" and _NCNAME.match(iri[i + 1:] or "-"):
            return iri[: i + 1], iri[i + 1:]
    raise ValueError(f"cannot write predicate {iri} as an XML element name")


def _key(term) -> tuple:
    return (type(term).__name__, str(term), getattr(term, "language", None) or "", str(getattr(term, "datatype", "") or ""))


def serialise(graph: Graph, prefixes: dict[str, str]) -> bytes:
    ns_of = {}
    needed = {str(RDF): "rdf"}
    by_ns = {ns: p for p, ns in prefixes.items()}
    extra = 0
    for p in sorted({str(p) for p in graph.predicates()}):
        ns, _ = _split(p)
        if ns not in needed:
            if ns in by_ns and by_ns[ns] not in needed.values() and by_ns[ns] != "xml":
                needed[ns] = by_ns[ns]
            else:
                extra += 1
                needed[ns] = f"ns{extra}"
        ns_of[p] = ns
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    for ns, prefix in sorted(needed.items(), key=lambda kv: kv[1]):
        out.append(f"  xmlns:{prefix}={quoteattr(ns)}")
    out[-1] += ">"
    for s in sorted(set(graph.subjects()), key=_key):
        about = f"rdf:nodeID={quoteattr(str(s))}" if isinstance(s, BNode) else f"rdf:about={quoteattr(str(s))}"
        out.append(f"  <rdf:Description {about}>")
        for p, o in sorted(graph.predicate_objects(s), key=lambda po: (str(po[0]), _key(po[1]))):
            ns = ns_of[str(p)]
            tag = f"{needed[ns]}:{str(p)[len(ns):]}"
            if isinstance(o, BNode):
                out.append(f"    <{tag} rdf:nodeID={quoteattr(str(o))}/>")
            elif isinstance(o, URIRef):
                out.append(f"    <{tag} rdf:resource={quoteattr(str(o))}/>")
            else:
                assert isinstance(o, Literal)
                attr = ""
                if o.language:
                    attr = f" xml:lang={quoteattr(o.language)}"
                elif o.datatype:
                    attr = f" rdf:datatype={quoteattr(str(o.datatype))}"
                out.append(f"    <{tag}{attr}>{escape(str(o))}</{tag}>")
        out.append("  </rdf:Description>")
    out.append("</rdf:RDF>")
    return ("\n".join(out) + "\n").encode("utf-8")
