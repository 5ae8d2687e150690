"""Load the Turtle sources into an rdflib Dataset with one named graph per concern.

    ontology/*.ttl                -> <https://w3id.org/nlsc/graph/ontology>
    data/**/*.ttl (not context/)  -> <https://w3id.org/nlsc/graph/data>
    data/context/**/*.ttl         -> <https://w3id.org/nlsc/graph/context>

Each file is first parsed by pyoxigraph, whose errors carry a line and column,
so a syntax error reads `data/x.ttl:12:5: message`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph
from rdflib.compare import to_canonical_graph

from .errors import SourceError
from .namespaces import ASSERTED_GRAPHS, BASE, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY, bind_prefixes
from .paths import SourceLayout

_OX_POSITION = re.compile(r"^Parser error (?:between|at) line (\d+) column (\d+)(?: and line \d+ column \d+)?: ")
_RDFLIB_LINE = re.compile(r"at line (\d+)")
#: short tags that keep blank-node labels of different graphs apart
_GRAPH_TAG = {GRAPH_ONTOLOGY: "o", GRAPH_DATA: "d", GRAPH_CONTEXT: "c"}


@dataclass
class Sources:
    """What was loaded: the dataset and the files behind each named graph."""

    dataset: Dataset
    files: dict = field(default_factory=dict)  # graph IRI -> [relative paths]
    root: Path | None = None

    def graph(self, iri) -> Graph:
        return self.dataset.graph(iri)

    def union(self) -> Graph:
        """ontology + data + context as one plain Graph."""
        g = bind_prefixes(Graph())
        for iri in ASSERTED_GRAPHS:
            for t in self.dataset.graph(iri):
                g.add(t)
        return g


def source_files(lay: SourceLayout) -> dict:
    """graph IRI -> sorted list of files."""
    if not lay.ontology.is_dir():
        raise SourceError(lay.relative(lay.ontology), "ontology folder not found")
    if not lay.data.is_dir():
        raise SourceError(lay.relative(lay.data), "data folder not found")
    ontology = sorted(lay.ontology.glob("*.ttl"))
    context = sorted(lay.context.rglob("*.ttl")) if lay.context.is_dir() else []
    data = sorted(p for p in lay.data.rglob("*.ttl") if lay.context not in p.parents)
    if not ontology:
        raise SourceError(lay.relative(lay.ontology), "no *.ttl file")
    return {GRAPH_ONTOLOGY: ontology, GRAPH_DATA: data, GRAPH_CONTEXT: context}


def parse_turtle(path: Path, shown: str) -> Graph:
    """Parse one Turtle file; raise SourceError with file:line:col on failure."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise SourceError(shown, f"cannot read: {exc.strerror}") from exc
    base = BASE  # fixed, so a stray relative IRI does not leak a local path
    try:
        # pyoxigraph: strict, and its errors carry positions
        for _ in ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base):
            pass
    except SyntaxError as exc:
        msg = str(exc.msg if exc.msg else exc)
        line, col = exc.lineno, exc.offset
        m = _OX_POSITION.match(msg)
        if m:
            line, col, msg = int(m.group(1)), int(m.group(2)), msg[m.end():]
        raise SourceError(shown, msg, line, col) from exc
    g = Graph()
    try:
        g.parse(data=text, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises several types; report them alike
        text_msg = " ".join(str(exc).split())
        m = _RDFLIB_LINE.search(text_msg)
        raise SourceError(shown, text_msg, int(m.group(1)) if m else None) from exc
    return g


def stable_bnodes(graph: Graph, tag: str) -> Graph:
    """Give blank nodes stable labels (canonical hash), so outputs are reproducible."""
    if not any(isinstance(x, BNode) for t in graph for x in t):
        return graph
    out = Graph()
    for s, p, o in to_canonical_graph(graph):
        s = BNode(f"{tag}{s}"[:24]) if isinstance(s, BNode) else s
        o = BNode(f"{tag}{o}"[:24]) if isinstance(o, BNode) else o
        out.add((s, p, o))
    return out


def load(lay: SourceLayout) -> Sources:
    """Parse all sources into a Dataset (default graph left empty)."""
    ds = Dataset()
    bind_prefixes(ds)
    files = source_files(lay)
    shown_files = {}
    for iri, paths in files.items():
        merged = Graph()
        for path in paths:
            shown = lay.relative(path)
            merged += parse_turtle(path, shown)
        target = ds.graph(iri)
        for t in stable_bnodes(merged, _GRAPH_TAG[iri]):
            target.add(t)
        shown_files[iri] = [lay.relative(p) for p in paths]
    return Sources(dataset=ds, files=shown_files, root=lay.root)
