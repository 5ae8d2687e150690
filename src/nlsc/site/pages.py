"""The content of one resource page, as sorted plain values."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, RDFS, SKOS, XSD

from ..build.describe import LINK_TARGETS
from ..namespaces import NLSC, OA
from .model import (EXTERNAL_LINK_PROPERTIES, TEXT_PROPERTIES, Names, Text, curie, doc_path, in_id_space,
                    number, rel, text)

#: languages in the order they are shown
LANGS = ("nl", "en")
#: literal datatypes shown as numbers, written the way each language writes them
NUMERIC = frozenset({XSD.integer, XSD.decimal, XSD.double, XSD.float, XSD.int, XSD.long,
                     XSD.nonNegativeInteger, XSD.positiveInteger})


def _lang_order(t: Text) -> tuple:
    return (LANGS.index(t.lang) if t.lang in LANGS else len(LANGS), t.value)


def link_target_name(iri) -> str | None:
    """The name of the external dataset an IRI belongs to (TOOI, ROO, Wikidata, ...)."""
    for title, _, prefixes in (LINK_TARGETS[k] for k in sorted(LINK_TARGETS)):
        if str(iri).startswith(prefixes):
            return title.split(":")[0]
    return None


class PageBuilder:
    def __init__(self, graph: Graph, names: Names, term_anchors: dict[str, str]):
        self.g = graph
        self.names = names
        self.term_anchors = term_anchors  # ontology term IRI -> anchor in def/index.html

    # -- single values ---------------------------------------------------
    def term(self, page: str, iri) -> dict:
        """A property or class: its names and, for our own terms, a link into the ontology docs."""
        nl, en = self.names.pair(iri)
        anchor = self.term_anchors.get(str(iri))
        href = rel(page, "def/index.html") + "#" + anchor if anchor else (
            str(iri) if not str(iri).startswith("https://w3id.org/nlsc/") else None)
        return {"nl": nl, "en": en, "curie": curie(iri), "iri": str(iri), "href": href}

    def value(self, page: str, o) -> dict:
        if isinstance(o, Literal):
            dt = curie(o.datatype) if o.datatype is not None else ""
            out = {"kind": "literal", "text": text(o), "datatype": dt, "number": None}
            n = o.toPython() if o.datatype in NUMERIC else None
            if isinstance(n, (int, float, Decimal)) and not isinstance(n, bool):  # not an ill-typed literal
                out["number"] = {lang: number(n, lang) for lang in LANGS}
            return out
        if isinstance(o, BNode):
            return {"kind": "bnode", "text": Text(f"_:{o}", "")}
        if in_id_space(o):
            nl, en = self.names.pair(o)
            return {"kind": "link", "href": rel(page, doc_path(o)), "nl": nl, "en": en, "iri": str(o)}
        if str(o).startswith("https://w3id.org/nlsc/"):
            return {"kind": "term", **self.term(page, o)}
        return {"kind": "external", "href": str(o), "text": Text(str(o), ""), "target": link_target_name(o)}

    def _sort_value(self, v: dict) -> tuple:
        if v["kind"] == "link":
            return (0, v["nl"].value.casefold(), v["iri"])
        if v["kind"] == "literal":
            return (1, *_lang_order(v["text"]), v["datatype"])
        if v["kind"] == "term":
            return (2, v["curie"], "")
        return (3, v["text"].value, "")

    # -- sections -------------------------------------------------------
    def texts(self, r, predicate) -> list[Text]:
        return sorted((text(o) for o in self.g.objects(r, predicate) if isinstance(o, Literal)), key=_lang_order)

    def quotes(self, page: str, r) -> list[dict]:
        passages = set(self.g.objects(r, PROV.wasDerivedFrom))
        if (r, OA.exact, None) in self.g:
            passages.add(r)
        out = []
        for p in passages:
            exact = self.texts(p, OA.exact)
            if not exact:
                continue
            source = sorted(self.g.objects(p, PROV.wasQuotedFrom))
            out.append({
                "href": rel(page, doc_path(p)) if in_id_space(p) else None,
                "name": self.names.pair(p),
                "section": self.texts(p, NLSC.section),
                "exact": exact,
                "translation": self.texts(p, NLSC.translation),
                "source": [self.value(page, s) for s in source],
            })
        return sorted(out, key=lambda q: (q["name"][0].value, q["href"] or ""))

    def relations(self, page: str, r, incoming: bool) -> list[dict]:
        groups: dict = defaultdict(list)
        if incoming:
            for s, p in self.g.subject_predicates(r):
                if isinstance(s, URIRef):
                    groups[p].append(self.value(page, s))
        else:
            for p, o in self.g.predicate_objects(r):
                if p in TEXT_PROPERTIES or p == RDF.type:
                    continue
                groups[p].append(self.value(page, o))
        rows = []
        for p, values in groups.items():
            rows.append({"property": self.term(page, p), "vals": sorted(values, key=self._sort_value)})
        return sorted(rows, key=lambda row: (row["property"]["nl"].value.casefold(), row["property"]["iri"]))

    def external_links(self, page: str, r) -> list[dict]:
        out = []
        for p in EXTERNAL_LINK_PROPERTIES:
            for o in self.g.objects(r, p):
                if isinstance(o, URIRef) and not str(o).startswith("https://w3id.org/nlsc/"):
                    out.append({"property": self.term(page, p), "href": str(o), "target": link_target_name(o)})
        return sorted(out, key=lambda x: (x["target"] or "~", x["href"], x["property"]["curie"]))

    def context_facts(self, page: str, r) -> list[dict]:
        """rdf:Statement nodes that give the source of a triple about `r`."""
        out = []
        for st in self.g.subjects(RDF.subject, r):
            out.append({
                "href": rel(page, doc_path(st)) if in_id_space(st) else None,
                "property": [self.term(page, p) for p in sorted(self.g.objects(st, RDF.predicate))],
                "object": [self.value(page, o) for o in sorted(self.g.objects(st, RDF.object))],
                "citation": self.texts(st, DCTERMS.bibliographicCitation),
                "source": [str(s) for s in sorted(self.g.objects(st, DCTERMS.source))],
                "confidence": self.texts(st, NLSC.confidence),
            })
        return sorted(out, key=lambda f: (f["href"] or ""))

    def page(self, r: URIRef, files: dict[str, str]) -> dict:
        page = doc_path(r)
        nl, en = self.names.pair(r)
        types = sorted((self.term(page, t) for t in self.g.objects(r, RDF.type)),
                       key=lambda t: (t["nl"].value.casefold(), t["iri"]))
        return {
            "path": page,
            "iri": str(r),
            "nl": nl,
            "en": en,
            "alt": self.texts(r, SKOS.altLabel),
            "types": types,
            "descriptions": self.texts(r, DCTERMS.description) + self.texts(r, SKOS.definition)
            + self.texts(r, RDFS.comment),
            "quotes": self.quotes(page, r),
            "external": self.external_links(page, r),
            "context_facts": self.context_facts(page, r),
            "outgoing": self.relations(page, r, incoming=False),
            "incoming": self.relations(page, r, incoming=True),
            "files": files,
        }
