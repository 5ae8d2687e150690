"""nlsc.turtle writes rdflib's Turtle byte for byte: on every graph the build writes
(the dataset, each named graph with the inferred triples, every resource page's
description) and on crafted graphs for each branch of rdflib's serializer; where it
does not follow rdflib it says so (None) and nlsc.serialise.turtle uses rdflib."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from nlsc import serialise as writers
from nlsc import turtle as fast_turtle
from nlsc.namespaces import PREFIXES, prefixes_for
from nlsc.reason import infer

from conftest import synthetic_union

EX = "https://example.org/"
EXP = {**PREFIXES, "ex": EX}


def ex(name: str) -> URIRef:
    return URIRef(EX + name)


def same_as_rdflib(g: Graph, prefixes: dict = EXP) -> bytes:
    chosen = writers._prefixes_in(g, prefixes)
    fast = fast_turtle.write(g, chosen)
    assert fast is not None, "nlsc.turtle handed this graph back to rdflib"
    assert fast.decode("utf-8") == writers.rdflib_turtle(g, chosen).decode("utf-8")
    return fast


def handed_back(g: Graph, prefixes: dict = EXP) -> None:
    """nlsc.turtle declines, and serialise.turtle still gives rdflib's bytes."""
    chosen = writers._prefixes_in(g, prefixes)
    assert fast_turtle.write(g, chosen) is None
    assert writers.turtle(g, prefixes) == writers.rdflib_turtle(g, chosen)


def _graph(*triples) -> Graph:
    g = Graph()
    for t in triples:
        g.add(t)
    return g


# -- the build's own graphs ----------------------------------------------------

def test_whole_dataset_and_named_graphs(source_graphs):
    union = source_graphs["union"]
    prefixes = prefixes_for(union)
    assert len(same_as_rdflib(union, prefixes).splitlines()) > 1000
    for name in ("ontology", "data", "context"):
        same_as_rdflib(source_graphs[name], prefixes)
    inferred = Graph()
    for t in infer(union):
        inferred.add(t)
    same_as_rdflib(inferred, prefixes)


def test_every_resource_page(source_graphs):
    from nlsc.site import cbd
    from nlsc.site.model import in_id_space

    union = source_graphs["union"]
    subjects = sorted({s for s in union.subjects() if in_id_space(s)}, key=str)
    assert len(subjects) > 200
    for s in subjects:
        same_as_rdflib(cbd(union, s), PREFIXES)


def test_synthetic_landscape(tmp_path):
    union = synthetic_union(tmp_path / "x2", 2, seed=5)
    same_as_rdflib(union, prefixes_for(union))


def test_the_build_writes_through_it(dist, monkeypatch):
    """nlsc.ttl as built equals rdflib's serializer on the same graph, and the fast path
    is what the build took."""
    calls = []
    real = fast_turtle.write
    monkeypatch.setattr(fast_turtle, "write", lambda g, p: calls.append(len(g)) or real(g, p))
    text = (dist / "nlsc.ttl").read_bytes()
    union = Graph().parse(data=text, format="turtle")
    assert writers.turtle(union, prefixes_for(union)) == text
    assert calls == [len(union)]


# -- each branch of rdflib's serializer ----------------------------------------------

def test_nested_and_shared_blank_nodes():
    once, twice, top = BNode("b1"), BNode("b2"), BNode("b3")
    same_as_rdflib(_graph(
        (ex("a"), ex("p"), once), (once, RDFS.label, Literal("inner", lang="en")),
        (once, ex("q"), BNode("b4")), (BNode("b4"), ex("r"), Literal(1)),  # nested two deep
        (ex("a"), ex("p"), twice), (ex("c"), ex("p"), twice), (twice, ex("q"), Literal("x")),  # written apart
        (top, ex("q"), ex("a")),  # a blank node nobody refers to: "[] ..."
        (ex("a"), RDF.type, ex("T")), (ex("a"), RDF.type, ex("S")), (ex("a"), RDFS.label, Literal("A")),
    ))


def test_classes_first_and_subject_order():
    same_as_rdflib(_graph(
        (ex("z"), RDF.type, RDFS.Class), (ex("a"), RDF.type, OWL.Class), (ex("m"), RDF.type, RDFS.Class),
        (ex("b"), ex("p"), ex("a")), (ex("b"), ex("p"), ex("m")), (ex("c"), ex("p"), ex("b")),
    ))


def test_lists():
    g = Graph()
    head, empty_owner = BNode("l1"), ex("owner")
    Collection(g, head, [ex("x"), Literal("two"), BNode("l-item")])
    g.add((BNode("l-item"), ex("p"), Literal(3)))
    g.add((ex("a"), OWL.unionOf, head))
    g.add((empty_owner, ex("items"), RDF.nil))
    nested = BNode("n1")
    Collection(g, nested, [ex("y")])
    g.add((ex("a"), ex("nested"), BNode("n0")))
    Collection(g, BNode("n0"), [nested])
    not_a_list = BNode("bad")
    Collection(g, not_a_list, [ex("z")])
    g.add((not_a_list, ex("extra"), Literal("makes it a plain node")))
    g.add((ex("b"), ex("p"), not_a_list))
    shared = BNode("s1")
    Collection(g, shared, [ex("w")])
    g.add((ex("c"), ex("p"), shared))
    g.add((ex("d"), ex("p"), shared))
    text = same_as_rdflib(g).decode("utf-8")
    assert "( " in text and "()" in text


def test_literals_and_local_names():
    same_as_rdflib(_graph(
        (ex("a"), ex("p"), Literal("plain")), (ex("a"), ex("p"), Literal("nl", lang="nl")),
        (ex("a"), ex("p"), Literal("line\nbreak \"quoted\" \\")), (ex("a"), ex("p"), Literal("""a "long" text""")),
        (ex("a"), ex("n"), Literal(42)), (ex("a"), ex("n"), Literal(2.5)), (ex("a"), ex("n"), Literal(True)),
        (ex("a"), ex("n"), Literal("1.50", datatype=XSD.decimal)), (ex("a"), ex("d"), Literal("2024-01-01", datatype=XSD.date)),
        (ex("a"), ex("d"), Literal("x", datatype=URIRef("https://other.example/dt"))),
        (ex("a"), ex("d"), Literal("y", datatype=ex("myType"))),
        (ex("name.ending."), ex("p"), ex("with(parens)")), (ex("a"), ex("p"), ex("per%cent")),
        (ex("a"), ex("p"), ex("per%20cent")), (ex("a"), ex("p"), URIRef("https://no-prefix.example/thing")),
        (ex("a"), ex("p"), URIRef(EX)), (ex("a"), SKOS.note, Literal("ü € 𝄞")),
        (ex("a"), ex("p"), RDF.nil),
    ))


def test_what_it_hands_back_to_rdflib():
    handed_back(_graph((ex("a"), URIRef("https://no-prefix.example/p"), Literal(1))))  # rdflib invents ns1:
    handed_back(_graph((ex("a"), ex("n"), Literal("1", datatype=XSD.integer)),
                       (ex("a"), ex("n"), Literal("1.0", datatype=XSD.decimal))))  # equal in rdflib's sort
    # a list that runs into a cycle: rdflib's isValidList would loop for ever (so it is
    # not asked here); nlsc.turtle declines it
    head, loop = BNode("c1"), BNode("c2")
    g = _graph((ex("a"), ex("p"), head), (head, RDF.first, ex("x")), (head, RDF.rest, loop),
               (loop, RDF.first, ex("y")), (loop, RDF.rest, loop))
    assert fast_turtle.write(g, writers._prefixes_in(g, EXP)) is None


@pytest.mark.parametrize("prefixes", [PREFIXES, {"ex": EX}, {}])
def test_prefix_sets(prefixes):
    """Each prefix set has its own namespace manager: a prefix bound for one graph is
    not declared in another's."""
    g = _graph((ex("a"), RDFS.label, Literal("A")), (ex("a"), ex("p"), URIRef(str(OWL) + "Thing")))
    if "ex" not in prefixes:
        handed_back(g, prefixes)  # ex:p has no prefix there: rdflib would invent ns1
    else:
        text = same_as_rdflib(g, prefixes).decode("utf-8")
        assert "@prefix ex:" in text
