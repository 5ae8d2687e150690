"""The ontology (alone, and with the data) is consistent under a real OWL 2 DL reasoner.

HermiT ships as a jar inside owlready2; it runs on Java. It reads Turtle when
given a file: IRI (`-k` checks consistency: exit 0 consistent, 1 not).
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from rdflib import Graph

from nlsc.build.sources import load
from nlsc.namespaces import GRAPH_DATA, GRAPH_ONTOLOGY
from nlsc.paths import layout

ROOT = Path(__file__).resolve().parents[1]

INCONSISTENT = """
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix ex: <http://example.org/> .
<http://example.org/o> a owl:Ontology .
ex:A a owl:Class ; owl:disjointWith ex:B .
ex:B a owl:Class .
ex:x a ex:A , ex:B .
"""


def hermit() -> list[str]:
    spec = importlib.util.find_spec("owlready2")
    java = shutil.which("java")
    if spec is None or java is None:
        message = "HermiT needs owlready2 (for its jar) and java"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    jar = Path(spec.submodule_search_locations[0]) / "hermit" / "HermiT.jar"
    assert jar.is_file(), jar
    return [java, "-jar", str(jar), "-k"]


def consistent(path: Path) -> bool:
    run = subprocess.run([*hermit(), path.resolve().as_uri()], capture_output=True, text=True, timeout=300)
    if run.returncode not in (0, 1):
        pytest.fail(f"HermiT failed on {path}: {run.stderr[-2000:]}")
    if run.returncode == 1:
        assert "Inconsistent" in run.stderr, run.stderr[-2000:]
    return run.returncode == 0


def test_hermit_detects_an_inconsistent_ontology(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text(INCONSISTENT, encoding="utf-8")
    assert not consistent(bad)


def test_ontology_is_consistent():
    assert consistent(ROOT / "ontology" / "nlsc.ttl")


def test_ontology_with_the_page_data_is_consistent(tmp_path):
    sources = load(layout(ROOT))
    merged = Graph()
    for iri in (GRAPH_ONTOLOGY, GRAPH_DATA):
        for triple in sources.graph(iri):
            merged.add(triple)
    path = tmp_path / "ontology-and-data.ttl"
    merged.serialize(path, format="turtle")
    assert consistent(path)
