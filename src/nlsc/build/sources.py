"""Load the Turtle sources into an rdflib Dataset with one named graph per concern.

    ontology/*.ttl                -> <https://w3id.org/nlsc/graph/ontology>
    data/**/*.ttl (not context/)  -> <https://w3id.org/nlsc/graph/data>
    data/context/**/*.ttl         -> <https://w3id.org/nlsc/graph/context>

Each file is admitted first (nlsc.admit: a regular file inside the source root,
bounded in size and nesting), then parsed once, by pyoxigraph, whose errors carry
a line and column (a syntax error reads `data/x.ttl:12:5: message`), and its
triples are made rdflib terms directly (rdflib's own Turtle parser took half the
load time). Blank nodes are labelled by graph, file and order of appearance:
deterministic, and linear (rdflib's canonical labelling, used before, grew
exponentially on symmetric blank-node structures: 200 blank nodes, minutes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.compare import to_canonical_graph

from ..admit import read_source

from ..errors import SourceError
from ..namespaces import ASSERTED_GRAPHS, BASE, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY, bind_prefixes
from ..paths import SourceLayout

_OX_POSITION = re.compile(r"^Parser error (?:between|at) line (\d+) column (\d+)(?: and line \d+ column \d+)?: ")
#: short tags that keep blank-node labels of different graphs apart
_GRAPH_TAG = {GRAPH_ONTOLOGY: "o", GRAPH_DATA: "d", GRAPH_CONTEXT: "c"}


@dataclass
class Sources:
    """What was loaded: the dataset and the files behind each named graph."""

    dataset: Dataset
    files: dict = field(default_factory=dict)  # graph IRI -> [relative paths]
    root: Path | None = None
    _union: Graph | None = field(default=None, repr=False)

    def graph(self, iri) -> Graph:
        return self.dataset.graph(iri)

    def union(self) -> Graph:
        """ontology + data + context as one plain Graph (made once; do not change it)."""
        if self._union is None:
            g = bind_prefixes(Graph())
            for iri in ASSERTED_GRAPHS:
                g.addN((s, p, o, g) for s, p, o in self.dataset.graph(iri))
            self._union = g
        return self._union


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


class _Terms:
    """pyoxigraph terms as rdflib terms, each distinct term made once. Blank nodes get
    the label `{prefix}{n}`, n counting in order of appearance in the file (pyoxigraph
    keeps the file's own labels, which two files may share, and makes random ones for `[]`)."""

    def __init__(self, prefix: str = "b"):
        self.made: dict = {}
        self.prefix, self.blanks = prefix, 0

    def __call__(self, term):
        made = self.made.get(term)
        if made is None:
            if isinstance(term, ox.NamedNode):
                made = URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                self.blanks += 1
                made = BNode(f"{self.prefix}{self.blanks}")
            elif term.language:
                made = Literal(term.value, lang=term.language)
            elif term.datatype == _XSD_STRING:
                made = Literal(term.value)  # a plain string, as rdflib's own parser gives it
            else:
                made = Literal(term.value, datatype=self(term.datatype))
            self.made[term] = made
        return made


_XSD_STRING = ox.NamedNode(str(XSD.string))


def parse_triples(path: Path, shown: str, root: Path | None = None, blank_prefix: str = "b") -> list:
    """Admit one Turtle file (nlsc.admit) and parse it with pyoxigraph (strict; its errors
    carry line and column) into rdflib triples; SourceError with file:line:col on failure."""
    text = read_source(path, root if root is not None else path.parent, shown)
    base = BASE  # fixed, so a stray relative IRI does not leak a local path
    term = _Terms(blank_prefix)
    try:
        return [(term(q.subject), term(q.predicate), term(q.object))
                for q in ox.parse(text, format=ox.RdfFormat.TURTLE, base_iri=base)]
    except SyntaxError as exc:
        msg = str(exc.msg if exc.msg else exc)
        line, col = exc.lineno, exc.offset
        m = _OX_POSITION.match(msg)
        if m:
            line, col, msg = int(m.group(1)), int(m.group(2)), msg[m.end():]
        raise SourceError(shown, msg, line, col) from exc
    except MemoryError as exc:  # pyoxigraph: "Reached the buffer maximal size of 16777216"
        raise SourceError(shown, f"a literal or IRI too long to parse ({exc})") from None


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
        triples = set()
        for number, path in enumerate(paths):
            triples.update(parse_triples(path, lay.relative(path), lay.root, f"{_GRAPH_TAG[iri]}{number}b"))
        target = ds.graph(iri)
        target.addN((s, p, o, target) for s, p, o in triples)
        shown_files[iri] = [lay.relative(p) for p in paths]
    return Sources(dataset=ds, files=shown_files, root=lay.root)
