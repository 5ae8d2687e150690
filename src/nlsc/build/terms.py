"""The one boundary between the build's two RDF models, both ways: pyoxigraph terms as
rdflib terms (`RdflibTerms`, for the rdflib views of nlsc.build.sources.Sources), rdflib
graphs as pyoxigraph quads (`Quads`, for what rdflib-based engines hand back: the reasoner's
closure, a validator's input graphs), and lookups in the store in rdflib terms
(`StoreLookups`, for the site's resource pages). Each distinct term is converted once; blank-node
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


class _Memo:
    """A term converter that converts each distinct term once (`convert`, in the subclass)."""

    def __init__(self):
        self.made: dict = {}

    def __call__(self, term):
        made = self.made.get(term)
        if made is None:
            made = self.made[term] = self.convert(term)
        return made


class RdflibTerms(_Memo):
    """pyoxigraph terms as rdflib terms (blank-node labels kept)."""

    def convert(self, term):
        if isinstance(term, ox.NamedNode):
            return URIRef(term.value)
        if isinstance(term, ox.BlankNode):
            return BNode(term.value)
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype == _OX_XSD_STRING:
            return Literal(term.value)  # a plain string, as rdflib's own parser gives it
        return Literal(term.value, datatype=self(term.datatype))

    def triples(self, triples) -> list:
        """pyoxigraph triples (or quads) as rdflib (s, p, o) tuples."""
        return [(self(t.subject), self(t.predicate), self(t.object)) for t in triples]

    def graph(self, triples) -> Graph:
        g = bind_prefixes(Graph())
        g.addN((*t, g) for t in self.triples(triples))
        return g


class Quads(_Memo):
    """rdflib graphs as pyoxigraph quads."""

    def convert(self, t):
        if isinstance(t, URIRef):
            return ox.NamedNode(str(t))
        if isinstance(t, BNode):
            return ox.BlankNode(str(t))
        if isinstance(t, Literal):
            datatype = None if t.language or t.datatype in (None, _XSD_STRING) else ox.NamedNode(str(t.datatype))
            return ox.Literal(str(t), language=t.language or None, datatype=datatype)
        raise TypeError(f"not an RDF term: {t!r}")

    def of(self, graph: Graph, name: str | None = None) -> list:
        """The triples of `graph` as quads in the graph `name` (None: the default graph)."""
        g = ox.NamedNode(name) if name else ox.DefaultGraph()
        return [ox.Quad(self(s), self(p), self(o), g) for s, p, o in graph]


class StoreLookups:
    """The named graphs `graphs` of a store, looked up as the site's page content reads an
    rdflib Graph (objects, subjects, predicate_objects, subject_predicates, `in`): rdflib
    terms in and out, each triple once, found in the store's indexes. A page worker uses
    it instead of copying the store into an rdflib Graph (7 s a worker at x100)."""

    def __init__(self, store: ox.Store, graphs):
        self.store = store
        self.graphs = frozenset(ox.NamedNode(str(g)) for g in graphs)
        self.rdflib, self.ox = RdflibTerms(), Quads()

    def _triples(self, s, p, o) -> list:
        pattern = [None if t is None else self.ox(t) for t in (s, p, o)]
        found = dict.fromkeys(q.triple for q in self.store.quads_for_pattern(*pattern) if q.graph_name in self.graphs)
        return self.rdflib.triples(found)

    def objects(self, subject=None, predicate=None):
        return (o for _, _, o in self._triples(subject, predicate, None))

    def subjects(self, predicate=None, object=None):
        return (s for s, _, _ in self._triples(None, predicate, object))

    def predicate_objects(self, subject=None):
        return ((p, o) for _, p, o in self._triples(subject, None, None))

    def subject_predicates(self, object=None):
        return ((s, p) for s, p, _ in self._triples(None, None, object))

    def __contains__(self, triple) -> bool:
        return bool(self._triples(*triple))
