"""The build's reasoner (sparq) infers what owlrl, the reference, infers: on the
real data, the mini fixture, a synthetic landscape and one small graph per
construct; both find the same inconsistencies."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS

from nlsc.errors import InconsistencyError
from nlsc.namespaces import NLSC
from nlsc.build.reason import infer

from conftest import MINI, synthetic_union

EX = "https://example.org/"


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def same_inferences(graph: Graph) -> set:
    fast, reference = set(infer(graph)), set(infer(graph, engine="owlrl"))
    assert fast == reference, (sorted(fast - reference)[:5], sorted(reference - fast)[:5])
    return fast


def test_real_data(source_graphs):
    inferred = same_inferences(source_graphs["union"])
    assert len(inferred) > 100


def test_mini_fixture():
    union = Graph()
    for f in sorted(MINI.rglob("*.ttl")):
        union.parse(f, format="turtle")
    aivd, om = (URIRef(f"https://w3id.org/nlsc/id/organisatie/{k}") for k in ("aivd", "om"))
    assert (aivd, NLSC.providesInformationTo, om) in same_inferences(union)


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


CONSTRUCT_GRAPHS = {
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
    "functional property with two values (prp-fp, eq-*)": _graph(
        (ex("p"), RDF.type, OWL.FunctionalProperty), (ex("x"), ex("p"), ex("y")), (ex("x"), ex("p"), ex("z")),
        (ex("w"), ex("q"), ex("y"))),
    "sameAs (eq-rep)": _graph((ex("x"), OWL.sameAs, ex("y")), (ex("x"), ex("p"), ex("z"))),
    "hasValue restriction (cls-hv)": _graph(
        (ex("A"), OWL.onProperty, ex("p")), (ex("A"), OWL.hasValue, ex("v")), (ex("x"), RDF.type, ex("A")),
        (ex("y"), ex("p"), ex("v"))),
}


#: constructs whose results are not published (no IRI predicate; reflexive)
NOTHING_PUBLISHED = {"anonymous inverse", "functional property with one value"}


@pytest.mark.parametrize("name", CONSTRUCT_GRAPHS)
def test_construct(name):
    inferred = same_inferences(CONSTRUCT_GRAPHS[name])
    assert bool(inferred) == (name not in NOTHING_PUBLISHED), inferred


def test_functional_property_gives_same_as():
    graph = CONSTRUCT_GRAPHS["functional property with two values (prp-fp, eq-*)"]
    assert (ex("y"), OWL.sameAs, ex("z")) in infer(graph)


INCONSISTENT = {
    "disjoint classes (cax-dw)": _graph(
        (ex("A"), OWL.disjointWith, ex("B")), (ex("x"), RDF.type, ex("A")), (ex("x"), RDF.type, ex("B"))),
    "disjoint through a subclass and a domain": _graph(
        (ex("A"), OWL.disjointWith, ex("B")), (ex("C"), RDFS.subClassOf, ex("A")), (ex("p"), RDFS.domain, ex("C")),
        (ex("x"), RDF.type, ex("B")), (ex("x"), ex("p"), ex("y"))),
    "owl:Nothing (cls-nothing2)": _graph((ex("x"), RDF.type, OWL.Nothing)),
    "sameAs and differentFrom (eq-diff1)": _graph(
        (ex("x"), OWL.sameAs, ex("y")), (ex("x"), OWL.differentFrom, ex("y"))),
    "irreflexive (prp-irp)": _graph((ex("p"), RDF.type, OWL.IrreflexiveProperty), (ex("x"), ex("p"), ex("x"))),
    "asymmetric (prp-asyp)": _graph(
        (ex("p"), RDF.type, OWL.AsymmetricProperty), (ex("x"), ex("p"), ex("y")), (ex("y"), ex("p"), ex("x"))),
    "disjoint properties (prp-pdw)": _graph(
        (ex("p"), OWL.propertyDisjointWith, ex("q")), (ex("x"), ex("p"), ex("y")), (ex("x"), ex("q"), ex("y"))),
}


@pytest.mark.parametrize("engine", ["sparq", "owlrl"])
@pytest.mark.parametrize("name", INCONSISTENT)
def test_inconsistency_is_found(name, engine):
    with pytest.raises(InconsistencyError, match="inconsistent"):
        infer(INCONSISTENT[name], engine=engine)
