"""RDF documents written by pyoxigraph's serialisers, deterministically.

Their quads (pyoxigraph's: from the store, or an rdflib graph through nlsc.build.terms)
have their blank nodes relabelled by RDFC-1.0 (pyoxigraph's canonicalisation), and
the quads are sorted before they are written: the same graphs give the same bytes,
whatever the labels they came with, the order of rdflib's store or the hash seed.
"""

from __future__ import annotations

from typing import Iterable

import pyoxigraph as ox
from rdflib.namespace import RDF

__all__ = ["canonical", "used_prefixes", "write", "TURTLE", "TRIG", "N_TRIPLES", "N_QUADS", "RDF_XML"]

TURTLE, TRIG, RDF_XML = ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML
N_TRIPLES, N_QUADS = ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS
_TRIPLE_FORMATS = (TURTLE, N_TRIPLES, RDF_XML)
_TYPE = ox.NamedNode(str(RDF.type))


def canonical(quads: Iterable) -> list:
    """The quads with their blank nodes relabelled by RDFC-1.0. Only the quads that
    mention a blank node take part in RDFC-1.0's hashes, so only they go through it."""
    plain, with_blank = [], []
    for q in quads:
        blank = any(isinstance(t, ox.BlankNode) for t in (q.subject, q.object, q.graph_name))
        (with_blank if blank else plain).append(q)
    if not with_blank:
        return plain
    ds = ox.Dataset(with_blank)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return plain + list(ds)


def _readable_key(t) -> tuple:
    """Turtle, TriG, RDF/XML: subject by subject, rdf:type first (str(t) is the
    N-Triples line without its dot, so it orders by subject, predicate, object)."""
    return (str(t.subject), t.predicate != _TYPE, str(t))


def write(quads: list, fmt: ox.RdfFormat, prefixes: dict | None = None, *, order: tuple = ()) -> bytes:
    """`quads` (with canonical labels) as `fmt`, sorted, declaring `prefixes` (see
    used_prefixes). Triple formats write each triple once, whatever graphs hold it;
    TriG writes the graphs in `order`, then any other."""
    if fmt in _TRIPLE_FORMATS:  # N-Triples in sorted lines
        items = sorted({q.triple for q in quads}, key=str if fmt == N_TRIPLES else _readable_key)
    elif fmt == N_QUADS:
        items = sorted(quads, key=str)
    else:
        rank = {ox.NamedNode(g): i for i, g in enumerate(order)}
        items = sorted(quads, key=lambda q: (rank.get(q.graph_name, len(rank)), str(q.graph_name), *_readable_key(q)))
    return ox.serialize(items, format=fmt, prefixes=prefixes or None)


def used_prefixes(quads: list, prefixes: dict) -> dict:
    """The prefixes that name the namespace (up to the last / or #) of some IRI in
    `quads`: pyoxigraph declares every prefix it is given, and abbreviates with one
    that covers a longer path by escaping the slashes in the local name."""
    by_ns = {ns: p for p, ns in prefixes.items()}
    iris = set()
    for t in quads:
        for term in (t.subject, t.predicate, t.object):
            if isinstance(term, ox.NamedNode):
                iris.add(term.value)
            elif isinstance(term, ox.Literal):
                iris.add(term.datatype.value)
    used = {}
    for iri in iris:
        ns = iri[:max(iri.rfind("/"), iri.rfind("#")) + 1]
        if ns in by_ns:
            used[by_ns[ns]] = ns
    return dict(sorted(used.items()))
