"""nlsc.compact gives pyld's compaction byte for byte, on every document the build
compacts, and hands anything outside its subset of JSON-LD back to pyld."""

from __future__ import annotations

import pytest
from pyld import jsonld as pyld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, RDFS, SKOS, XSD

from nlsc import jsonld as jl
from nlsc.compact import Compactor, Unsupported, compact
from nlsc.namespaces import prefixes_for
from nlsc.reason import infer

EX = "https://example.org/"


def by_pyld(nodes: list, context: dict) -> bytes:
    doc = {"@context": context}
    return jl.dumps(pyld.compact(nodes, doc, {"documentLoader": jl.local_loader(doc)}))


def by_nlsc(nodes: list, context: dict) -> bytes:
    doc = compact(nodes, context)
    assert doc is not None, "nlsc.compact fell back to pyld"
    return jl.dumps(doc)


@pytest.fixture(scope="module")
def union(source_graphs):
    return source_graphs["union"]


@pytest.fixture(scope="module")
def context(union):
    return jl.build_context(union, prefixes_for(union))["@context"]


def test_whole_dataset_matches_pyld(union, context):
    nodes = jl.expanded(union)
    assert len(nodes) > 200
    assert by_nlsc(nodes, context) == by_pyld(nodes, context)


def test_framed_view_matches_pyld(union, context, monkeypatch):
    """The framed tree (nested statements and passages under @reverse), with the
    inferred triples whose values need not fit the context's term definitions."""
    with_inferred = Graph()
    with_inferred += union
    with_inferred += infer(union)
    fast = jl.dumps(jl.framed(with_inferred, {"@context": context}))
    monkeypatch.setattr(jl, "compact", lambda *a, **k: None)  # force pyld
    assert fast == jl.dumps(jl.framed(with_inferred, {"@context": context}))


def test_fast_path_serves_the_framed_view(union, context, monkeypatch):
    seen = []
    real = jl.compact

    def spy(*args, **kwargs):
        seen.append(real(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(jl, "compact", spy)
    jl.framed(union, {"@context": context})
    assert seen and all(doc is not None for doc in seen)


def test_every_resource_page_matches_pyld(union):
    from nlsc.site import _context_for, cbd, jsonld_context
    from nlsc.site.model import in_id_space

    full = jsonld_context(union)
    subjects = sorted({s for s in union.subjects() if in_id_space(s)}, key=str)
    assert len(subjects) > 200
    for r in subjects:
        description = cbd(union, r)
        ctx = _context_for(full, description)
        nodes = jl.expanded(description)
        assert by_nlsc(nodes, ctx) == by_pyld(nodes, ctx), r


def _odd_graph() -> Graph:
    """Values that do not fit their term: what inferred triples can bring."""
    g = Graph()
    a, b = URIRef(EX + "a"), URIRef(EX + "b")
    g.add((a, RDF.type, URIRef(EX + "Thing")))
    g.add((a, RDF.type, URIRef(EX + "Other")))
    g.add((a, SKOS.prefLabel, Literal("een", lang="nl")))
    g.add((a, SKOS.prefLabel, Literal("one", lang="en")))
    g.add((a, SKOS.prefLabel, Literal("uno", lang="en")))
    g.add((a, URIRef(EX + "link"), b))
    g.add((a, URIRef(EX + "date"), Literal("2020-01-01", datatype=XSD.date)))
    g.add((a, RDFS.label, Literal("plain")))
    g.add((a, RDFS.comment, Literal("x", lang="nl")))
    g.add((b, URIRef(EX + "link"), a))
    chain = BNode("chain")
    Collection(g, chain, [a, b])
    g.add((a, URIRef(EX + "chain"), chain))
    return g


ODD_CONTEXT = {
    "id": "@id", "type": "@type", "ex": EX, "skos": str(SKOS), "rdfs": str(RDFS), "xsd": str(XSD),
    "Thing": {"@id": EX + "Thing"},
    "prefLabel": {"@id": str(SKOS.prefLabel), "@container": "@language"},
    "label": {"@id": str(RDFS.label), "@container": "@language"},  # a plain value in a language map
    "link": {"@id": EX + "link", "@type": "@id"},
    "date": {"@id": EX + "date", "@type": "@id"},  # a literal where the term wants IRIs
    "chain": {"@id": EX + "chain", "@type": "@id"},
    "rdfs:comment": {"@id": str(RDFS.comment), "@type": str(XSD.date)},  # a CURIE that is a term
}


def test_values_that_do_not_fit_their_terms_match_pyld():
    nodes = jl.expanded(_odd_graph())
    assert by_nlsc(nodes, ODD_CONTEXT) == by_pyld(nodes, ODD_CONTEXT)


def test_reverse_and_embedded_nodes_match_pyld():
    nodes = jl.expanded(_odd_graph())
    index = {n["@id"]: n for n in nodes}
    a = dict(index[EX + "a"])
    a["@reverse"] = {EX + "link": [index[EX + "b"]], EX + "unnamed": [{"@id": EX + "c"}]}
    assert by_nlsc([a], ODD_CONTEXT) == by_pyld([a], ODD_CONTEXT)


@pytest.mark.parametrize("context", [
    {"@vocab": EX},
    {"x": {"@id": EX + "x", "@container": "@set"}},
    {"x": {"@reverse": EX + "link"}},
    {"x": {"@id": EX + "x"}, "y": {"@id": EX + "x"}},
    {"v": "@value"},
])
def test_other_contexts_are_left_to_pyld(context):
    with pytest.raises(Unsupported):
        Compactor(context)
    nodes = jl.expanded(_odd_graph())
    assert compact(nodes, context) is None
    assert jl.dumps(jl.compact_nodes(nodes, {"@context": context})) == by_pyld(nodes, context)
