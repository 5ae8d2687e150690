"""OWL 2 RL closure over ontology + data + context.

nlsc.rules computes it for the axioms the ontology uses; for anything beyond
them the closure comes from owlrl (the reference implementation, see
tests/test_reason.py).

The inferred graph holds only what a user of the data gains from it:
inferred types, super-properties, inverses and the like about named
resources. Dropped: anything with a blank node or a literal subject,
reflexive axioms (x owl:sameAs x, x rdfs:subClassOf x, ...), typing with
the built-in meta-classes (rdfs:Resource, owl:Thing, rdf:Property, ...)
and statements about the RDF/RDFS/OWL/XSD vocabularies themselves.
An inconsistency (owlrl's ErrorMessage triples) fails the run.
"""

from __future__ import annotations

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from . import rules
from .errors import InconsistencyError
from .namespaces import bind_prefixes

ERRNS = "http://www.daml.org/2002/03/agents/agent-ont#"
_BUILTIN = (str(RDF), str(RDFS), str(OWL), str(XSD))
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass, OWL.equivalentProperty}
_TRIVIAL_SUPER = {RDFS.Resource, OWL.Thing}


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
    err = URIRef(ERRNS + "error")
    return sorted(str(o) for o in graph.objects(None, err))


def infer(asserted: Graph, *, engine: str = "auto") -> Graph:
    """Inferred triples worth publishing; raise InconsistencyError on owlrl errors.
    engine: "auto" (nlsc.rules, owlrl where they do not suffice) or "owlrl"."""
    full = rules.closure(asserted) if engine == "auto" else None
    if full is None:
        full = closure(asserted)
        errors = inconsistencies(full)
        if errors:
            raise InconsistencyError("OWL RL reasoning found the data inconsistent:\n  " + "\n  ".join(errors))
    inferred = bind_prefixes(Graph())
    for t in full:
        if t not in asserted and useful(t):
            inferred.add(t)
    return inferred
