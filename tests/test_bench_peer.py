"""bench/peer.py, the peer pipeline of the benchmark, runs and writes what it says.

Not a timed test; the timing is bench/run.py's.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from conftest import FIXTURES, MINI, REPO

PEER = REPO / "bench" / "peer.py"
NLSC = "https://w3id.org/nlsc/"
FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld", ".rdf": "xml", ".nq": "nquads", ".trig": "trig"}


def _root(tmp_path: Path, shapes: str) -> Path:
    root = tmp_path / "src"
    shutil.copytree(MINI, root)
    (root / "shapes").mkdir()
    shutil.copy(FIXTURES / "peer-shapes" / shapes, root / "shapes" / shapes)
    return root


def _peer(root: Path, dist: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(PEER), "--source-root", str(root), "--dist", str(dist)],
                          capture_output=True, text=True, timeout=300)


def _sources(root: Path) -> Graph:
    g = Graph()
    for path in sorted(root.rglob("*.ttl")):
        if "shapes" not in path.parts:
            g.parse(path, format="turtle")
    return g


def test_peer_writes_every_file_it_lists(tmp_path):
    root, dist = _root(tmp_path, "conforms.ttl"), tmp_path / "dist"
    run = _peer(root, dist)
    assert run.returncode == 0, run.stderr
    listed = sorted(Path(line).name for line in run.stdout.splitlines())
    assert listed == sorted(p.name for p in dist.iterdir())
    assert {".ttl", ".nt", ".jsonld", ".rdf", ".nq", ".trig"} <= {Path(n).suffix for n in listed}
    asserted = _sources(root)
    for name in listed:
        path = dist / name
        if path.suffix in (".nq", ".trig"):
            ds = Dataset()
            ds.parse(path, format=FORMATS[path.suffix])
            graphs = {str(g.identifier): g for g in ds.graphs() if len(g)}
            assert set(graphs) == {f"{NLSC}graph/{n}" for n in ("ontology", "data", "context", "inferred")}, name
            # the ontology's property chain, inferred by owlrl: AIVD informs the OM
            chain = (URIRef(NLSC + "id/organisatie/aivd"), URIRef(NLSC + "def#providesInformationTo"),
                     URIRef(NLSC + "id/organisatie/om"))
            assert chain in graphs[f"{NLSC}graph/inferred"], name
        elif not name.startswith("nlsc-ontology"):
            assert len(Graph().parse(path, format=FORMATS[path.suffix])) == len(asserted), name


def test_peer_fails_on_a_violation_and_writes_nothing(tmp_path):
    root, dist = _root(tmp_path, "violated.ttl"), tmp_path / "dist"
    run = _peer(root, dist)
    assert run.returncode == 1
    assert "Conforms: False" in run.stderr
    assert not dist.exists()
