"""nlsc.rules infers what owlrl infers: on the real data, on a synthetic landscape,
and on one small graph per rule; outside its rules it hands over to owlrl."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from nlsc import rules
from nlsc.errors import InconsistencyError
from nlsc.reason import infer

from conftest import synthetic_union

EX = "https://example.org/"


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def same_inferences(graph: Graph) -> set:
    assert rules.closure(graph) is not None, "nlsc.rules handed this graph to owlrl"
    fast, reference = set(infer(graph)), set(infer(graph, engine="owlrl"))
    assert fast == reference, (sorted(fast - reference)[:5], sorted(reference - fast)[:5])
    return fast


def test_real_data(source_graphs):
    inferred = same_inferences(source_graphs["union"])
    assert len(inferred) > 100


def test_synthetic_landscape(tmp_path):
    inferred = same_inferences(synthetic_union(tmp_path / "x2", 2, seed=3))
    assert len(inferred) > 300


def _graph(*triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


def _chain(g: Graph, prop: URIRef, links: list) -> Graph:
    head = BNode()
    Collection(g, head, links)
    g.add((prop, OWL.propertyChainAxiom, head))
    return g


RULE_GRAPHS = {
    "subclass (cax-sco, scm-sco)": _graph(
        (ex("A"), RDFS.subClassOf, ex("B")), (ex("B"), RDFS.subClassOf, ex("C")), (ex("x"), RDF.type, ex("A"))),
    "equivalent classes (cax-eqc, scm-eqc)": _graph(
        (ex("A"), OWL.equivalentClass, ex("B")), (ex("x"), RDF.type, ex("B")), (ex("C"), RDFS.subClassOf, ex("D")),
        (ex("D"), RDFS.subClassOf, ex("C"))),
    "subproperty, domain, range (prp-spo1, prp-dom, prp-rng, scm-dom, scm-rng)": _graph(
        (ex("p"), RDFS.subPropertyOf, ex("q")), (ex("q"), RDFS.domain, ex("A")), (ex("q"), RDFS.range, ex("B")),
        (ex("A"), RDFS.subClassOf, ex("C")), (ex("x"), ex("p"), ex("y")), (ex("x"), ex("p"), Literal("lit"))),
    "equivalent properties (prp-eqp, scm-eqp)": _graph(
        (ex("p"), OWL.equivalentProperty, ex("q")), (ex("x"), ex("q"), ex("y"))),
    "inverse (prp-inv)": _graph(
        (ex("p"), OWL.inverseOf, ex("q")), (ex("x"), ex("p"), ex("y")), (ex("z"), ex("q"), ex("w"))),
    "anonymous inverse": _graph(
        (ex("p"), OWL.inverseOf, BNode("inv")), (ex("x"), ex("p"), ex("y"))),
    "symmetric (prp-symp)": _graph(
        (ex("p"), RDF.type, OWL.SymmetricProperty), (ex("x"), ex("p"), ex("y"))),
    "transitive (prp-trp)": _graph(
        (ex("p"), RDF.type, OWL.TransitiveProperty), (ex("a"), ex("p"), ex("b")), (ex("b"), ex("p"), ex("c")),
        (ex("c"), ex("p"), ex("d"))),
    "property chain (prp-spo2)": _chain(_graph(
        (ex("a"), ex("p1"), ex("b")), (ex("b"), ex("p2"), ex("c")), (ex("c"), ex("p3"), ex("d")),
        (ex("e"), ex("p1"), ex("b"))), ex("q"), [ex("p1"), ex("p2"), ex("p3")]),
    "chain over a subproperty and an inverse": _chain(_graph(
        (ex("s"), RDFS.subPropertyOf, ex("p1")), (ex("p2"), OWL.inverseOf, ex("r")),
        (ex("a"), ex("s"), ex("b")), (ex("c"), ex("r"), ex("b"))), ex("q"), [ex("p1"), ex("p2")]),
    "chain through an anonymous inverse": _chain(_graph(
        (BNode("anon"), OWL.inverseOf, ex("provider")),
        (ex("s"), ex("provider"), ex("a")), (ex("s"), ex("recipient"), ex("b"))), ex("q"), [BNode("anon"), ex("recipient")]),
    "functional property with one value": _graph(
        (ex("p"), RDF.type, OWL.FunctionalProperty), (ex("x"), ex("p"), ex("y"))),
}


#: rules that fire but whose results are not published (no IRI predicate; reflexive)
NOTHING_PUBLISHED = {"anonymous inverse", "functional property with one value"}


@pytest.mark.parametrize("name", RULE_GRAPHS)
def test_rule(name):
    inferred = same_inferences(RULE_GRAPHS[name])
    assert bool(inferred) == (name not in NOTHING_PUBLISHED), inferred


@pytest.mark.parametrize("graph", [
    _graph((ex("p"), RDF.type, OWL.FunctionalProperty), (ex("x"), ex("p"), ex("y")), (ex("x"), ex("p"), ex("z"))),
    _graph((ex("x"), OWL.sameAs, ex("y")), (ex("x"), ex("p"), ex("z"))),
    _graph((ex("A"), RDF.type, OWL.Restriction), (ex("A"), OWL.onProperty, ex("p")), (ex("A"), OWL.hasValue, ex("v"))),
    _graph((ex("A"), OWL.disjointWith, ex("B")), (ex("x"), RDF.type, ex("A"))),
], ids=["functional with two values", "sameAs", "restriction", "disjointness"])
def test_other_owl_goes_to_owlrl(graph):
    assert rules.closure(graph) is None


def test_owlrl_answers_what_the_rules_do_not():
    graph = _graph((ex("p"), RDF.type, OWL.FunctionalProperty), (ex("x"), ex("p"), ex("y")),
                   (ex("x"), ex("p"), ex("z")))
    assert (ex("y"), OWL.sameAs, ex("z")) in infer(graph)


def test_inconsistency_is_still_found():
    graph = _graph((ex("A"), OWL.disjointWith, ex("B")), (ex("x"), RDF.type, ex("A")), (ex("x"), RDF.type, ex("B")))
    assert rules.closure(graph) is None
    with pytest.raises(InconsistencyError):
        infer(graph)
