"""From the RDF to plain, sorted Python values the templates render.

Every fact on the site comes from the graph; the only text kept here is
presentation: the names of the sections; the names of reused vocabulary terms
(W3C ORG, SKOS, PROV, ...) that the ontology does not label itself are data, in
reused-terms.ttl.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from importlib.resources import files

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, OWL, RDFS, SKOS

from ..namespaces import ID, NLSC, PREFIXES, SCHEMA

#: properties shown in their own section rather than in the relation table
TEXT_PROPERTIES = (SKOS.prefLabel, SKOS.altLabel, RDFS.label, DCTERMS.description, SKOS.definition)
#: properties whose IRI values are links to the outside world
EXTERNAL_LINK_PROPERTIES = (SCHEMA.sameAs, OWL.sameAs, RDFS.seeAlso, SKOS.closeMatch, FOAF.homepage, SCHEMA.url,
                            DCTERMS.source)
#: the statement node classes (n-ary relations) and their edges in the diagram
STATEMENT_CLASSES = (NLSC.InformationProvision, NLSC.ForwardPostRelation, NLSC.Liaison,
                     NLSC.Cooperation, NLSC.Task)


def in_id_space(term) -> bool:
    return isinstance(term, URIRef) and str(term).startswith(str(ID))


def doc_path(iri: URIRef, suffix: str = ".html") -> str:
    """Site-relative path of the page (or file) of a /id/ IRI: doc/{type}/{slug}.html."""
    return "doc/" + str(iri)[len(str(ID)):] + suffix


def rel(from_page: str, to_path: str) -> str:
    """A relative URL from the page at `from_page` to `to_path` (both site-relative):
    posixpath.relpath, without the working directory it looks up on every call (at
    x100, 670,000 getcwd calls)."""
    start = [x for x in posixpath.dirname(from_page).split("/") if x]
    path = [x for x in to_path.split("/") if x]
    if not path or from_page.startswith("/") or to_path.startswith("/") or {".", ".."} & {*start, *path}:
        return posixpath.relpath(to_path, posixpath.dirname(from_page) or ".")
    i = 0
    while i < len(start) and i < len(path) and start[i] == path[i]:
        i += 1
    return "/".join([".."] * (len(start) - i) + path[i:]) or "."


def curie(iri) -> str:
    s = str(iri)
    best = None
    for prefix, ns in PREFIXES.items():
        if s.startswith(ns) and len(s) > len(ns) and (best is None or len(ns) > len(best[1])):
            best = (prefix, ns)
    if best and best[0] != "nlscid":
        return f"{best[0]}:{s[len(best[1]):]}"
    if s.startswith(str(ID)):
        return s[len(str(ID)):].replace("/", ":", 1)
    return s


#: thousands separator and decimal sign per language: 2.500,5 in Dutch, 2,500.5 in English
_NUMBER_SIGNS = {"nl": str.maketrans(",.", ".,")}


def number(n: int | float, lang: str, decimals: int | None = None) -> str:
    """`n` written as `lang` writes numbers (nl: 2.500; en and anything else: 2,500)."""
    s = f"{n:,.{decimals}f}" if decimals is not None else f"{n:,}"
    return s.translate(_NUMBER_SIGNS[lang]) if lang in _NUMBER_SIGNS else s


@dataclass(frozen=True)
class Text:
    """A literal as the template needs it: the text and its BCP 47 tag."""
    value: str
    lang: str  # "" for no language


def text(lit: Literal) -> Text:
    return Text(str(lit), lit.language or "")


def _pick(values, lang):
    matching = sorted(str(v) for v in values if isinstance(v, Literal) and (v.language or "") == lang)
    return matching[0] if matching else None


def _reused_terms() -> dict[URIRef, tuple[str, str]]:
    """Names of reused terms the ontology refers to but does not label: (nl, en), from reused-terms.ttl."""
    g = Graph().parse(source=str(files("nlsc.site") / "reused-terms.ttl"), format="turtle")
    return {term: (_pick(g.objects(term, RDFS.label), "nl"), _pick(g.objects(term, RDFS.label), "en"))
            for term in sorted(set(g.subjects(RDFS.label, None)))}


REUSED_TERMS = _reused_terms()


@dataclass
class Names:
    """Bilingual names of anything: our resources, our terms, reused terms."""

    graph: Graph
    cache: dict = field(default_factory=dict)

    def pair(self, term) -> tuple[Text, Text]:
        """(Dutch name, English name); a missing language falls back to the other, tagged as such."""
        if term in self.cache:
            return self.cache[term]
        g = self.graph
        labels = list(g.objects(term, SKOS.prefLabel)) or list(g.objects(term, RDFS.label))
        nl, en = _pick(labels, "nl"), _pick(labels, "en")
        if (nl is None or en is None) and term in REUSED_TERMS:
            nl, en = nl or REUSED_TERMS[term][0], en or REUSED_TERMS[term][1]
        if nl is None and en is None:
            untagged = _pick(labels, "")
            if untagged:
                out = (Text(untagged, ""), Text(untagged, ""))
            else:
                c = curie(term)
                out = (Text(c, ""), Text(c, ""))
        else:
            out = (Text(nl, "nl") if nl else Text(en, "en"), Text(en, "en") if en else Text(nl, "nl"))
        self.cache[term] = out
        return out

    def short(self, term) -> str:
        """A short Dutch name for the diagram: the abbreviation if there is one."""
        alts = sorted(str(a) for a in self.graph.objects(term, SKOS.altLabel)
                      if isinstance(a, Literal) and a.language == "nl")
        if alts:
            return min(alts, key=lambda a: (len(a), a))
        return self.pair(term)[0].value

    def sort_key(self, term) -> tuple:
        nl, en = self.pair(term)
        return (nl.value.casefold(), en.value.casefold(), str(term))


def is_blank(term) -> bool:
    return isinstance(term, BNode)
