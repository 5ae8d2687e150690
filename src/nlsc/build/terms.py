"""The one boundary between the build's two RDF models, both ways: pyoxigraph terms as
rdflib terms (`RdflibTerms`, for the rdflib views of nlsc.build.sources.Sources) and rdflib
graphs as pyoxigraph quads (`Quads`, for what rdflib-based engines hand back: the reasoner's
closure, a validator's input graphs). Each distinct term is converted once; blank-node
labels are kept; a plain string is xsd:string on the pyoxigraph side and untyped in rdflib,
as rdflib's own parser gives it.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD

from ..namespaces import bind_prefixes

_XSD_STRING = str(XSD.string)
_OX_XSD_STRING = ox.NamedNode(_XSD_STRING)


class RdflibTerms:
    """pyoxigraph terms as rdflib terms (blank-node labels kept), each distinct term made once."""

    def __init__(self):
        self.made: dict = {}

    def __call__(self, term):
        made = self.made.get(term)
        if made is None:
            if isinstance(term, ox.NamedNode):
                made = URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                made = BNode(term.value)
            elif term.language:
                made = Literal(term.value, lang=term.language)
            elif term.datatype == _OX_XSD_STRING:
                made = Literal(term.value)  # a plain string, as rdflib's own parser gives it
            else:
                made = Literal(term.value, datatype=self(term.datatype))
            self.made[term] = made
        return made

    def graph(self, triples) -> Graph:
        g = bind_prefixes(Graph())
        g.addN((self(t.subject), self(t.predicate), self(t.object), g) for t in triples)
        return g


class Quads:
    """rdflib graphs as pyoxigraph quads; each distinct term converted once."""

    def __init__(self):
        self.made: dict = {}

    def term(self, t):
        made = self.made.get(t)
        if made is None:
            if isinstance(t, URIRef):
                made = ox.NamedNode(str(t))
            elif isinstance(t, BNode):
                made = ox.BlankNode(str(t))
            elif isinstance(t, Literal):
                datatype = None if t.language or t.datatype in (None, _XSD_STRING) else ox.NamedNode(str(t.datatype))
                made = ox.Literal(str(t), language=t.language or None, datatype=datatype)
            else:
                raise TypeError(f"not an RDF term: {t!r}")
            self.made[t] = made
        return made

    def of(self, graph: Graph, name: str | None = None) -> list:
        """The triples of `graph` as quads in the graph `name` (None: the default graph)."""
        g = ox.NamedNode(name) if name else ox.DefaultGraph()
        term = self.term
        return [ox.Quad(term(s), term(p), term(o), g) for s, p, o in graph]
