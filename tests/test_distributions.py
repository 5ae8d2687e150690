"""Every distribution is the graph it claims to be, for several independent parsers."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.namespace import RDF
from rdflib.compare import isomorphic

from conftest import REPO, need_tool
from nlsc.namespaces import GRAPH_CONTEXT, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY

FORMATS = {"nlsc.ttl": "turtle", "nlsc.nt": "nt", "nlsc.jsonld": "json-ld"}
OX_FORMATS = {"nlsc.ttl": ox.RdfFormat.TURTLE, "nlsc.nt": ox.RdfFormat.N_TRIPLES,
              "nlsc-ontology.ttl": ox.RdfFormat.TURTLE, "nlsc-ontology.rdf": ox.RdfFormat.RDF_XML}


def _pyld_graph(path: Path) -> Graph:
    from pyld import jsonld

    nq = jsonld.to_rdf(json.loads(path.read_text("utf-8")), {"format": "application/n-quads"})
    return Graph().parse(data=nq, format="nt")


def _ox_graph(path: Path, fmt) -> Graph:
    nt = ox.serialize(ox.parse(path=str(path), format=fmt), format=ox.RdfFormat.N_TRIPLES)
    return Graph().parse(data=nt.decode("utf-8"), format="nt")


def test_all_files_present(dist):
    names = {p.name for p in dist.iterdir()}
    expected = {"nlsc.ttl", "nlsc.nt", "nlsc.nq", "nlsc.trig", "nlsc.jsonld", "nlsc-framed.jsonld",
                "context.jsonld", "nlsc-ontology.ttl", "nlsc-ontology.rdf", "dataset.ttl",
                "SHA256SUMS", "BUILD.txt"}
    assert expected <= names


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_rdflib_round_trip(dist, source_graphs, name):
    g = Graph().parse(dist / name, format=FORMATS[name]) if name != "nlsc.jsonld" else _pyld_graph(dist / name)
    assert isomorphic(g, source_graphs["union"])


@pytest.mark.parametrize("name", sorted(OX_FORMATS))
def test_pyoxigraph_round_trip(dist, source_graphs, name):
    expected = source_graphs["ontology" if "ontology" in name else "union"]
    assert isomorphic(_ox_graph(dist / name, OX_FORMATS[name]), expected)


def test_ontology_files(dist, source_graphs):
    assert isomorphic(Graph().parse(dist / "nlsc-ontology.ttl"), source_graphs["ontology"])
    assert isomorphic(Graph().parse(dist / "nlsc-ontology.rdf", format="xml"), source_graphs["ontology"])


@pytest.mark.parametrize("name,fmt", [("nlsc.nq", "nquads"), ("nlsc.trig", "trig")])
def test_named_graphs(dist, source_graphs, name, fmt):
    ds = Dataset()
    ds.parse(dist / name, format=fmt)
    for iri, key in ((GRAPH_ONTOLOGY, "ontology"), (GRAPH_DATA, "data"), (GRAPH_CONTEXT, "context")):
        assert isomorphic(ds.graph(iri), source_graphs[key]), iri
    inferred = ds.graph(GRAPH_INFERRED)
    assert not set(inferred) & set(source_graphs["union"]), "inferred graph repeats asserted triples"


def test_nquads_and_ntriples_sorted(dist):
    for name in ("nlsc.nt", "nlsc.nq"):
        lines = (dist / name).read_text("utf-8").splitlines()
        assert lines == sorted(lines), name


def test_inferred_graph_is_clean(dist):
    ds = Dataset()
    ds.parse(dist / "nlsc.nq", format="nquads")
    for s, p, o in ds.graph(GRAPH_INFERRED):
        assert isinstance(s, URIRef) and not (p.endswith("#sameAs") and s == o)


@pytest.mark.parametrize("name", ["nlsc.ttl", "nlsc.nt", "nlsc.nq", "nlsc.trig", "nlsc-ontology.ttl",
                                  "nlsc-ontology.rdf", "dataset.ttl", "validation.ttl"])
def test_rapper_parses_without_warnings(dist, name):
    need_tool(shutil.which("rapper") is not None, "rapper (apt-get install raptor2-utils)")
    syntax = {"nt": "ntriples", "nq": "nquads", "trig": "trig", "rdf": "rdfxml"}.get(name.rsplit(".", 1)[1], "turtle")
    res = subprocess.run(["rapper", "-i", syntax, "-c", str(dist / name)], capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    problems = [line for line in res.stderr.splitlines() if "Warning" in line or "Error" in line]
    assert not problems, problems


def _relabelled(graph: Graph) -> Graph:
    """`graph` with fresh blank-node labels, its triples added in reverse order."""
    fresh: dict = {}
    out = Graph()
    for triple in sorted(graph, reverse=True):
        out.add(tuple(fresh.setdefault(t, BNode()) if isinstance(t, BNode) else t for t in triple))
    return out


@pytest.mark.parametrize("writer", ["turtle", "ntriples", "rdfxml"])
def test_writers_ignore_blank_node_labels_and_order(source_graphs, writer):
    """The bytes depend on the graph alone: blank nodes are relabelled canonically
    and the triples sorted before pyoxigraph writes them."""
    from nlsc.build import serialise

    union = source_graphs["union"]
    assert any(isinstance(t, BNode) for triple in union for t in triple)
    write = getattr(serialise, writer)
    assert write(_relabelled(union)) == write(union)


def test_ontology_turtle_keeps_the_readable_layout(dist):
    """nlsc-ontology.ttl is rdflib's layout: property chains as lists, anonymous
    members nested, no blank-node labels."""
    text = (dist / "nlsc-ontology.ttl").read_text("utf-8")
    assert "owl:propertyChainAxiom ( [ owl:inverseOf " in text
    assert "_:" not in text
    assert (dist / "site" / "def" / "nlsc.ttl").read_bytes() == text.encode("utf-8")


def test_context_terms_are_full_iris(dist):
    ctx = json.loads((dist / "context.jsonld").read_text("utf-8"))["@context"]
    for term, definition in ctx.items():
        iri = definition if isinstance(definition, str) else definition["@id"]
        assert iri.startswith(("http://", "https://", "@")), (term, iri)


def test_jsonld_is_pyld_compacting_the_whole_dataset_with_the_whole_context(dist):
    """The build compacts in batches, each with the part of the context that covers it
    (nlsc.build.jsonld.covering); the document is the bytes pyld writes compacting all the
    asserted triples at once with the published context."""
    from nlsc.build import jsonld as jl
    from nlsc.build.sources import load
    from nlsc.namespaces import ASSERTED_GRAPHS
    from nlsc.paths import layout

    triples = load(layout(REPO)).triples(*ASSERTED_GRAPHS)  # with the sources' blank-node labels, as built
    context = json.loads((dist / "context.jsonld").read_text("utf-8"))
    assert jl.dumps(jl.compact_nodes(jl.expanded(triples), context)) == (dist / "nlsc.jsonld").read_bytes()


def test_jsonld_files_are_the_bytes_the_standard_library_writes(dist):
    """orjson writes the JSON-LD (nlsc.build.jsonld.dumps); every .jsonld of dist/ and a text
    with every control character are what json.dumps writes with the same settings."""
    from nlsc.build.jsonld import dumps

    def standard(doc) -> bytes:
        return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")

    files = sorted(dist.rglob("*.jsonld"))
    assert len(files) > 250
    differing = [f.relative_to(dist).as_posix() for f in files
                 if standard(json.loads(f.read_bytes())) != f.read_bytes()]
    assert not differing, differing[:10]
    awkward = {"b": ["".join(map(chr, range(128))) + "\u2028\u2029\U0001F600 é", {}, [], 10**15, True, None],
               "a": {"z": 1, "Z": 2, "é": 3}}
    assert dumps(awkward) == standard(awkward)


def test_framed_view(dist):
    from nlsc.build.jsonld import ORGANISATION_CLASSES

    doc = json.loads((dist / "nlsc-framed.jsonld").read_text("utf-8"))
    assert isinstance(doc["@context"], dict), "the context is embedded"
    ds = Dataset()
    ds.parse(dist / "nlsc.nq", format="nquads")
    everything = Graph()
    for iri in (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_CONTEXT, GRAPH_INFERRED):
        everything += ds.graph(iri)
    framed = _pyld_graph(dist / "nlsc-framed.jsonld")
    assert len(framed) > 0
    missing = [t for t in framed if not any(isinstance(x, BNode) for x in t) and t not in everything]
    assert not missing, missing[:5]
    orgs = {s for c in ORGANISATION_CLASSES for s in everything.subjects(RDF.type, c)}
    assert len(doc["@graph"]) == len(orgs)


def test_checksums(dist):
    for line in (dist / "SHA256SUMS").read_text("utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_dataset_description_conforms_to_dcat_ap_nl(dist):
    from pyshacl import validate

    shapes = REPO / "tests" / "external-shapes" / "dcat-ap-nl-SHACL.ttl"  # the official copy (README there)
    data = Graph().parse(dist / "dataset.ttl")
    conforms, _, text = validate(data, shacl_graph=Graph().parse(shapes), inference="none")
    assert conforms, text


def test_dataset_description_counts(dist, source_graphs):
    from rdflib.namespace import DCAT, VOID

    g = Graph().parse(dist / "dataset.ttl")
    triples = [int(o) for o in g.objects(URIRef("https://w3id.org/nlsc/dataset"), VOID.triples)]
    assert triples == [len(source_graphs["union"])]
    for dist_node in g.subjects(RDF.type, DCAT.Distribution):
        url = str(g.value(dist_node, DCAT.downloadURL))
        size = int(g.value(dist_node, DCAT.byteSize))
        assert (dist / url.rsplit("/", 1)[1]).stat().st_size == size
