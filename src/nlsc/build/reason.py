"""OWL 2 RL closure over ontology + data + context.

The closure comes from sparq (PyPI `sparq-rdf`), a Rust RDF store with OWL 2 RL
materialisation and the OWL 2 RL inconsistency rules. It was chosen by
measurement (bench/reasoners.py): on the real data and the x10 and x100 landscapes
it infers exactly what owlrl infers, about 45x faster (x100: 2.5-3.2 s against owlrl's
111 s); `reasonable` took 2.5x sparq's time, has no scm-dom/scm-rng (42 triples
fewer on the real data) and no property chains, and reports no inconsistencies
to Python; owlrl-turbo rejects our property chains. sparq is
young, so owlrl stays the reference: tests/test_reason.py checks that both give
the same inferred triples (`infer(..., engine="owlrl")`).

The inferred graph holds only what a user of the data gains from it:
inferred types, super-properties, inverses and the like about named
resources. Dropped: anything with a blank node or a literal subject,
reflexive axioms (x owl:sameAs x, x rdfs:subClassOf x, ...), typing with
the built-in meta-classes (rdfs:Resource, owl:Thing, rdf:Property, ...)
and statements about the RDF/RDFS/OWL/XSD vocabularies themselves.
An inconsistency fails the run (InconsistencyError).
"""

from __future__ import annotations

import owlrl
import sparq
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from ..errors import InconsistencyError
from ..namespaces import bind_prefixes

ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"
_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
_TRIVIAL_SUPER = {RDFS.Resource, OWL.Thing}

#: sparq reasons over the default graph and leaves named graphs alone: a copy of the
#: asserted triples in this graph lets one query return only what was inferred
_ASSERTED = "urn:nlsc:reason:asserted"
#: (MINUS, not FILTER NOT EXISTS: sparq 0.1 evaluates the latter once per row, 9 s on the real data)
_INFERRED_ONLY = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o MINUS {{ GRAPH <{_ASSERTED}> {{ ?s ?p ?o }} }} }}"


def _builtin(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(_BUILTIN)


def useful(triple) -> bool:
    s, p, o = triple
    if isinstance(s, (BNode, Literal)) or isinstance(o, BNode):
        return False
    if str(p).startswith(ERRNS) or str(o).startswith(ERRNS):
        return False
    if _builtin(s):
        return False
    if p in _REFLEXIVE and (s == o or o in _TRIVIAL_SUPER):
        return False
    if p in (RDFS.domain, RDFS.range) and o in _TRIVIAL_SUPER:
        return False
    if p == RDF.type and _builtin(o):
        return False
    if p == OWL.differentFrom:
        return False
    return True


def closure(asserted: Graph) -> Graph:
    """owlrl's full OWL-RL closure of `asserted` (a copy; `asserted` is untouched)."""
    g = Graph()
    for t in asserted:
        g.add(t)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(g)
    return g


def inconsistencies(graph: Graph) -> list[str]:
    """The errors owlrl wrote into its closure `graph`."""
    err = URIRef(ERRNS + "error")
    return sorted(str(o) for o in graph.objects(None, err))


def _term(term: sparq.Term):
    """A sparq term as the rdflib term it came from. A plain literal comes back
    typed xsd:string (the same RDF 1.1 literal; rdflib keeps the two apart)."""
    if term.kind == "uri":
        return URIRef(term.value)
    if term.kind == "bnode":
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype == str(XSD.string):
        return Literal(term.value)
    return Literal(term.value, datatype=URIRef(term.datatype))


def _sparq_inferred(asserted: Graph) -> list[tuple]:
    triples = asserted.serialize(format="nt")
    # N-Triples has one triple a line, each ending " .\n": the same lines with the graph
    # name are its copy in _ASSERTED (loading them is twice as fast as a SPARQL COPY)
    quads = triples + triples.replace(" .\n", f" <{_ASSERTED}> .\n")
    store = sparq.Graph.load(quads, format="nquads")
    store.reason("owl")
    errors = sorted(store.inconsistencies())
    if errors:
        raise InconsistencyError("OWL RL reasoning found the data inconsistent:\n  " + "\n  ".join(errors))
    return [tuple(map(_term, t)) for t in store.construct(_INFERRED_ONLY)]


def _owlrl_inferred(asserted: Graph) -> list[tuple]:
    full = closure(asserted)
    errors = inconsistencies(full)
    if errors:
        raise InconsistencyError("OWL RL reasoning found the data inconsistent:\n  " + "\n  ".join(errors))
    return [t for t in full if t not in asserted]


def infer(asserted: Graph, *, engine: str = "sparq") -> Graph:
    """Inferred triples worth publishing; raise InconsistencyError when the
    closure is inconsistent. engine: "sparq" (the build's) or "owlrl" (the reference)."""
    triples = {"sparq": _sparq_inferred, "owlrl": _owlrl_inferred}[engine](asserted)
    inferred = bind_prefixes(Graph())
    for t in triples:
        if useful(t):
            inferred.add(t)
    return inferred
