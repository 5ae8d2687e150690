"""The OWL 2 RL rules our ontology calls on, applied with dict indexes.

owlrl evaluates every OWL 2 RL rule to a fixpoint through rdflib triple
lookups: 0.7 s on the real data, about a minute at x100 (bench/), growing
faster than the data. The ontology uses a handful of axioms: subclass,
subproperty, domain, range, equivalence, inverse, symmetric and transitive
properties, property chains, and functional properties. For a graph that uses
no other OWL or RDFS semantics this module computes the same closure as owlrl
(scm-sco, scm-spo, scm-eqc1/2, scm-eqp1/2, scm-dom1/2, scm-rng1/2, cax-sco,
cax-eqc1/2, prp-dom, prp-rng, prp-spo1, prp-spo2, prp-eqp1/2, prp-inv1/2,
prp-symp, prp-trp) in one semi-naive pass over indexes. Where owlrl would go
further (another OWL construct, a functional property with two values, so
owl:sameAs, an instance of owl:Nothing) `closure` returns None and the caller
runs owlrl: nothing is skipped. tests/test_reason.py checks that both give the
same inferred triples, on the real data, a synthetic landscape and one small
graph per rule.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

#: predicates in the RDF/RDFS/OWL namespaces that carry no OWL RL rule here
_INERT_PREDICATES = {
    RDFS.label, RDFS.comment, RDFS.seeAlso, RDFS.isDefinedBy, RDF.value,
    RDF.subject, RDF.predicate, RDF.object, RDF.first, RDF.rest,
    OWL.versionInfo, OWL.versionIRI, OWL.priorVersion, OWL.backwardCompatibleWith,
    OWL.incompatibleWith, OWL.deprecated, OWL.imports,
}
_SCHEMA_PREDICATES = {
    RDFS.subClassOf, RDFS.subPropertyOf, RDFS.domain, RDFS.range, OWL.equivalentClass,
    OWL.equivalentProperty, OWL.inverseOf, OWL.propertyChainAxiom,
}
#: types in the RDF/RDFS/OWL namespaces that carry no rule, or the rules handled here
_HANDLED_TYPES = {
    OWL.Class, RDFS.Class, OWL.Ontology, OWL.ObjectProperty, OWL.DatatypeProperty,
    OWL.AnnotationProperty, RDF.Property, RDFS.Datatype, RDF.Statement, RDF.List, OWL.Thing,
    OWL.SymmetricProperty, OWL.TransitiveProperty, OWL.FunctionalProperty,
    OWL.InverseFunctionalProperty, OWL.OntologyProperty, RDFS.Resource,
}
_BUILTIN = (str(RDF), str(RDFS), str(OWL))


class NeedsOwlrl(Exception):
    """The graph uses semantics this module does not implement."""


def _closure_of(edges: dict) -> dict:
    """node -> every node reachable through `edges` (the node itself only on a cycle)."""
    out = {}
    for start in edges:
        seen, todo = set(), list(edges[start])
        while todo:
            n = todo.pop()
            if n not in seen:
                seen.add(n)
                todo.extend(edges.get(n, ()))
        out[start] = seen
    return out


def _list(triples_by_sp: dict, head) -> list:
    items, node, seen = [], head, set()
    while node != RDF.nil:
        if node in seen:
            raise NeedsOwlrl("a cyclic list")
        seen.add(node)
        first = triples_by_sp.get((node, RDF.first), ())
        rest = triples_by_sp.get((node, RDF.rest), ())
        if len(first) != 1 or len(rest) != 1:
            raise NeedsOwlrl("an ill-formed list")
        items.append(next(iter(first)))
        node = next(iter(rest))
    return items


def closure(triples) -> set | None:
    """Every triple the handled OWL 2 RL rules derive from `triples`, with the
    input; None when owlrl is needed (see NeedsOwlrl)."""
    try:
        return _closure(set(triples))
    except NeedsOwlrl:
        return None


def _closure(known: set) -> set:
    by_sp: dict = defaultdict(set)
    sc_edges: dict = defaultdict(set)
    sp_edges: dict = defaultdict(set)
    dom0: dict = defaultdict(set)
    rng0: dict = defaultdict(set)
    inverse: dict = defaultdict(set)
    flags: dict = defaultdict(set)  # OWL property characteristic -> properties
    chain_heads = []
    for s, p, o in known:
        by_sp[(s, p)].add(o)
        if p == RDF.type:
            if str(o).startswith(_BUILTIN):
                if o not in _HANDLED_TYPES:
                    raise NeedsOwlrl(f"type {o}")
                flags[o].add(s)
            continue
        if p in _INERT_PREDICATES:
            continue
        if str(p).startswith(_BUILTIN) and p not in _SCHEMA_PREDICATES:
            raise NeedsOwlrl(f"predicate {p}")
        if isinstance(o, Literal) and p in _SCHEMA_PREDICATES:
            raise NeedsOwlrl(f"a literal object of {p}")
        if p == RDFS.subClassOf:
            sc_edges[s].add(o)
        elif p == OWL.equivalentClass:
            sc_edges[s].add(o)
            sc_edges[o].add(s)
        elif p == RDFS.subPropertyOf:
            sp_edges[s].add(o)
        elif p == OWL.equivalentProperty:
            sp_edges[s].add(o)
            sp_edges[o].add(s)
        elif p == RDFS.domain:
            dom0[s].add(o)
        elif p == RDFS.range:
            rng0[s].add(o)
        elif p == OWL.inverseOf:
            inverse[s].add(o)
            inverse[o].add(s)
        elif p == OWL.propertyChainAxiom:
            chain_heads.append((s, o))

    # T-box: scm-sco, scm-eqc2, scm-spo, scm-eqp2, scm-dom1/2, scm-rng1/2
    sc = _closure_of(sc_edges)
    sp = _closure_of(sp_edges)
    derived = set()
    for c, supers in sc.items():
        for d in supers:
            derived.add((c, RDFS.subClassOf, d))
            if c != d and c in sc.get(d, ()):
                derived.add((c, OWL.equivalentClass, d))
    for p, supers in sp.items():
        for q in supers:
            derived.add((p, RDFS.subPropertyOf, q))
            if p != q and p in sp.get(q, ()):
                derived.add((p, OWL.equivalentProperty, q))

    def lifted(direct: dict) -> dict:
        out = defaultdict(set)
        for p in set(direct) | set(sp):
            for q in {p} | sp.get(p, set()):
                for c in direct.get(q, ()):
                    out[p].add(c)
                    out[p].update(sc.get(c, ()))
        return out

    dom, rng = lifted(dom0), lifted(rng0)
    for p, classes in dom.items():
        derived.update((p, RDFS.domain, c) for c in classes)
    for p, classes in rng.items():
        derived.update((p, RDFS.range, c) for c in classes)
    chains = defaultdict(list)  # property -> [(position, chain, super-property)]
    for q, head in chain_heads:
        links = _list(by_sp, head)
        if not links:
            raise NeedsOwlrl("an empty property chain")
        for i, link in enumerate(links):
            chains[link].append((i, links, q))
    symmetric, transitive = flags[OWL.SymmetricProperty], flags[OWL.TransitiveProperty]
    functional, inverse_functional = flags[OWL.FunctionalProperty], flags[OWL.InverseFunctionalProperty]

    # A-box, semi-naive: each triple joins with the triples indexed before it
    out_index: dict = defaultdict(lambda: defaultdict(set))  # p -> s -> {o}
    in_index: dict = defaultdict(lambda: defaultdict(set))  # p -> o -> {s}
    agenda = list(known | derived)
    known |= derived

    def add(t) -> None:
        if t not in known and not isinstance(t[0], Literal):  # RDF has no literal subjects
            known.add(t)
            agenda.append(t)

    def walk_back(s, links):
        nodes = {s}
        for link in reversed(links):
            nodes = {x for n in nodes for x in in_index[link].get(n, ())}
        return nodes

    def walk_on(o, links):
        nodes = {o}
        for link in links:
            nodes = {z for n in nodes for z in out_index[link].get(n, ())}
        return nodes

    while agenda:
        s, p, o = agenda.pop()
        out_index[p][s].add(o)
        in_index[p][o].add(s)
        if p == RDF.type:
            for d in sc.get(o, ()):
                add((s, RDF.type, d))
            continue
        for q in sp.get(p, ()):
            add((s, q, o))
        for c in dom.get(p, ()):
            add((s, RDF.type, c))
        if not isinstance(o, Literal):
            for c in rng.get(p, ()):
                add((o, RDF.type, c))
            for q in inverse.get(p, ()):
                add((o, q, s))
            if p in symmetric:
                add((o, p, s))
        if p in transitive:
            for z in list(out_index[p].get(o, ())):
                add((s, p, z))
            for x in list(in_index[p].get(s, ())):
                add((x, p, o))
        for i, links, q in chains.get(p, ()):
            for x in walk_back(s, links[:i]):
                for z in walk_on(o, links[i + 1:]):
                    add((x, q, z))

    for p in functional:
        if any(len(values) > 1 for values in out_index[p].values()):
            raise NeedsOwlrl(f"two values of functional {p} (owl:sameAs)")
    for p in inverse_functional:
        if any(len(subjects) > 1 for subjects in in_index[p].values()):
            raise NeedsOwlrl(f"two subjects of inverse-functional {p} (owl:sameAs)")
    if out_index[RDF.type] and any(OWL.Nothing in types for types in out_index[RDF.type].values()):
        raise NeedsOwlrl("an instance of owl:Nothing")
    # an anonymous inverse property (owl:inverseOf [ ... ], as in a property chain)
    # carries triples while the rules run; they name no property, so they end here
    return {t for t in known if isinstance(t[1], URIRef)}
