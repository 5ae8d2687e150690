"""What the dataset says about the page: its passages, and what cites each of them.

Both come from the graph, as `nlsc query` reads it (dist/nlsc.trig when built,
else the Turtle sources); the passages' order comes from the page text the
dataset quotes (data/source/samenwerking-nationaal.txt of the sources).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import pyoxigraph as ox

from ..sparql.query import open_store, run_query, short
from .align import Passage
from .page import Page, PageError, normalise, read_page

_PREFIXES = """PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX nlsc: <https://w3id.org/nlsc/def#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""

# the passages quoted from the page (bron:samenwerking-nationaal)
PASSAGES = _PREFIXES + """SELECT ?passage (MIN(?e) AS ?exact) (MIN(?s) AS ?section) (MIN(?l) AS ?label) WHERE {
  VALUES ?lang { "en" }
  ?passage a oa:TextQuoteSelector ; oa:exact ?e ;
           prov:wasQuotedFrom <https://w3id.org/nlsc/id/bron/samenwerking-nationaal> .
  OPTIONAL { ?passage nlsc:section ?s }
  OPTIONAL { ?passage skos:prefLabel ?l FILTER(lang(?l) = ?lang) }
} GROUP BY ?passage ORDER BY ?passage"""

# every resource or statement node that cites a passage, with its label and types
CITERS = _PREFIXES + """SELECT ?passage ?cited (MIN(?l) AS ?label)
       (GROUP_CONCAT(DISTINCT STR(?t); separator=" ") AS ?types) WHERE {
  VALUES ?lang { "en" }
  ?cited prov:wasDerivedFrom ?passage . ?passage a oa:TextQuoteSelector .
  OPTIONAL { ?cited skos:prefLabel ?l FILTER(lang(?l) = ?lang) }
  OPTIONAL { ?cited a ?t }
} GROUP BY ?passage ?cited ORDER BY ?passage ?cited"""


@dataclass(frozen=True)
class Citer:
    iri: str
    label: str
    types: tuple[str, ...]  # prefixed names


def _value(term) -> str:
    return term.value if term is not None else ""


def _old_positions(page: Page | None) -> dict[tuple[str, str], int]:
    if page is None:
        return {}
    positions: dict[tuple[str, str], int] = {}
    for unit in page.units:
        positions.setdefault((unit.kind, unit.norm), unit.position)
    return positions


def quoted_page(sources: Path | None) -> Page | None:
    """The page as the dataset quotes it, or None when the sources do not hold it."""
    from ..paths import layout

    path = layout(sources).page_text
    try:
        return read_page(path)
    except PageError:
        return None


def read_dataset(dist: Path | None, sources: Path | None, lang: str):
    """(passages, {passage IRI: [Citer]}, whether the quoted page gave the passages' order)."""
    store = open_store(dist, sources)
    old = quoted_page(sources)
    positions = _old_positions(old)
    passages = []
    for row in run_query(PASSAGES, store, lang=lang):
        p = Passage(row["passage"].value, _value(row["label"]), _value(row["exact"]), _value(row["section"]), None)
        passages.append(replace(p, old_position=positions.get((p.kind, normalise(p.exact)))))
    citers: dict[str, list[Citer]] = {}
    for row in run_query(CITERS, store, lang=lang):
        types = tuple(sorted(short(ox.NamedNode(t)) for t in _value(row["types"]).split()))
        citers.setdefault(row["passage"].value, []).append(Citer(row["cited"].value, _value(row["label"]), types))
    return passages, citers, old is not None

