"""search.json, the index behind the search box (static/search.js): one row per
resource page and per ontology term, with every label it has in any language.

A row is [path, Dutch name, English name, kind, [labels]]: the path relative to
the site root, the kind the type segment of its IRI ("def" for a term). Matching
(case and accents folded) is done by search.js, so the rule lives in one place.
One file for the whole site, written once: nothing is added to the pages.
"""

from __future__ import annotations

import json

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDFS, SKOS

from .model import Names, doc_path

#: the properties whose values a visitor may type to find a resource
LABELS = (SKOS.prefLabel, SKOS.altLabel, RDFS.label, SKOS.hiddenLabel)


def labels(g: Graph, r) -> list[str]:
    return sorted({str(o) for p in LABELS for o in g.objects(r, p) if isinstance(o, Literal)})


def search_index(g: Graph, names: Names, subjects: list, anchors: dict[str, str]) -> str:
    """The JSON text of search.json; `anchors`: ontology term IRI -> its id in def/index.html."""
    rows = []
    for r in subjects:
        nl, en = names.pair(r)
        path = doc_path(r)
        rows.append([path, nl.value, en.value, path.split("/")[1], labels(g, r)])
    for iri, anchor in sorted(anchors.items()):
        nl, en = names.pair(URIRef(iri))
        rows.append([f"def/index.html#{anchor}", nl.value, en.value, "def", labels(g, URIRef(iri))])
    return json.dumps(rows, ensure_ascii=False, separators=(",", ":")) + "\n"
