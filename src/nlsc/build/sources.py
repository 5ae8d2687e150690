"""Load the Turtle sources into one Oxigraph store, a named graph per concern.

    ontology/*.ttl                -> <https://w3id.org/nlsc/graph/ontology>
    data/**/*.ttl (not context/)  -> <https://w3id.org/nlsc/graph/data>
    data/context/**/*.ttl         -> <https://w3id.org/nlsc/graph/context>

The store is the build's model: the reasoner adds the graph .../graph/inferred to
it, and validation, the check queries, the writers, the tables and the site's
query pages read it. The code that walks graphs in Python reads rdflib terms of it,
converted by nlsc.build.terms: the semantic check as lists of triples
(`Sources.rdflib_triples`), the reasoner, the DCAT description and the site's index,
diagram and search as rdflib Graph views, each made once, here (`Sources.graph`,
`Sources.union`); the resource pages by lookups in the store (`terms.StoreLookups`).

Each file is admitted first (nlsc.admit: a regular file inside the source root,
bounded in size and nesting), then parsed once, by pyoxigraph, whose errors carry
a line and column (a syntax error reads `data/x.ttl:12:5: message`). Blank nodes
are labelled by graph, file and order of appearance: deterministic, and linear
(rdflib's canonical labelling, used before, grew exponentially on symmetric
blank-node structures: 200 blank nodes, minutes).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from ..admit import read_source

from ..errors import SourceError
from ..namespaces import ASSERTED_GRAPHS, BASE, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY, prefixes_for
from ..paths import SourceLayout
from .terms import RdflibTerms

_OX_POSITION = re.compile(r"^Parser error (?:between|at) line (\d+) column (\d+)(?: and line \d+ column \d+)?: ")
#: short tags that keep blank-node labels of different graphs apart
_GRAPH_TAG = {GRAPH_ONTOLOGY: "o", GRAPH_DATA: "d", GRAPH_CONTEXT: "c"}


@dataclass
class Sources:
    """What was loaded: the store, the files behind each named graph, and the rdflib views."""

    store: ox.Store
    files: dict = field(default_factory=dict)  # graph IRI -> [relative paths]
    root: Path | None = None
    _views: dict = field(default_factory=dict, repr=False)
    _terms: RdflibTerms = field(default_factory=RdflibTerms, repr=False)
    _prefixes: dict | None = field(default=None, repr=False)

    def quads(self, *graphs) -> list:
        """The quads of the named graphs `graphs`, in that order."""
        return [q for iri in graphs for q in self.store.quads_for_pattern(None, None, None, ox.NamedNode(str(iri)))]

    def triples(self, *iris) -> set:
        """The triples of the named graphs `iris`, each once."""
        return {q.triple for q in self.quads(*iris)}

    def rdflib_triples(self, iri) -> list:
        """The triples of the named graph `iri` in rdflib terms, in a list: for one pass over
        them, without the indexes of an rdflib Graph."""
        return self._terms.triples(self.quads(iri))

    def graph(self, *iris) -> Graph:
        """The named graphs `iris` as one rdflib Graph (made once; do not change it)."""
        key = tuple(map(str, iris))
        if key not in self._views:
            self._views[key] = self._terms.graph(self.triples(*iris) if len(iris) > 1 else self.quads(*iris))
        return self._views[key]

    def union(self) -> Graph:
        """ontology + data + context as one rdflib Graph (made once; do not change it)."""
        return self.graph(*ASSERTED_GRAPHS)

    def prefixes(self) -> dict[str, str]:
        """prefixes_for the union (computed once: the writers, the context and the site
        each need it, and at x100 a pass over the union view takes 1.8 s)."""
        if self._prefixes is None:
            self._prefixes = prefixes_for(self.union())
        return self._prefixes


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


class _Relabel:
    """Blank nodes labelled `{prefix}{n}`, n counting in order of appearance in the file
    (pyoxigraph keeps the file's own labels, which two files may share, and makes
    random ones for `[]`)."""

    def __init__(self, prefix: str):
        self.prefix, self.made = prefix, {}

    def __call__(self, term):
        if not isinstance(term, ox.BlankNode):
            return term
        made = self.made.get(term)
        if made is None:
            made = self.made[term] = ox.BlankNode(f"{self.prefix}{len(self.made) + 1}")
        return made


def parse_triples(path: Path, shown: str, root: Path | None = None, blank_prefix: str = "b") -> list:
    """Admit one Turtle file (nlsc.admit) and parse it with pyoxigraph (strict; its errors
    carry line and column) into triples; SourceError with file:line:col on failure."""
    text = read_source(path, root if root is not None else path.parent, shown)
    base = BASE  # fixed, so a stray relative IRI does not leak a local path
    label = _Relabel(blank_prefix)
    try:
        return [ox.Triple(label(q.subject), q.predicate, label(q.object))
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


def load(lay: SourceLayout) -> Sources:
    """Parse all sources into a store (default graph left empty)."""
    store = ox.Store()
    files = source_files(lay)
    shown_files = {}
    for iri, paths in files.items():
        graph = ox.NamedNode(str(iri))
        for number, path in enumerate(paths):
            triples = parse_triples(path, lay.relative(path), lay.root, f"{_GRAPH_TAG[iri]}{number}b")
            store.extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
        shown_files[iri] = [lay.relative(p) for p in paths]
    return Sources(store=store, files=shown_files, root=lay.root)
