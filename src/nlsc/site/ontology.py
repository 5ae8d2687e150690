"""The ontology documentation, def/index.html: the ontology graph rendered with the
site's own template (ontology.html.j2), so it has the site's look and menu and keeps
the Dutch and English texts in elements of their own, each with its `lang`.

Each term of the nlsc namespace gets a section whose id is its local name (the
anchor every resource page links to); its axioms are listed as property -> values,
both directions, with property chains and inverse expressions written out.
"""

from __future__ import annotations

from rdflib import BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from ..namespaces import NLSC, ONTOLOGY_IRI
from .model import Names, curie
from .pages import LANGS, PageBuilder

PAGE = "def/index.html"

#: the sections of the page: (id, class, Dutch heading, English heading)
SECTIONS = (
    ("klassen", OWL.Class, "Klassen", "Classes"),
    ("objecteigenschappen", OWL.ObjectProperty, "Objecteigenschappen", "Object properties"),
    ("datatype-eigenschappen", OWL.DatatypeProperty, "Datatype-eigenschappen", "Datatype properties"),
    ("annotatie-eigenschappen", OWL.AnnotationProperty, "Annotatie-eigenschappen", "Annotation properties"),
)
#: shown as a term's name and texts, not in its table of axioms
TEXTS = (SKOS.definition, RDFS.comment, SKOS.scopeNote, SKOS.example)
NOT_IN_TABLE = {RDF.type, RDFS.label, SKOS.prefLabel, RDFS.isDefinedBy, *TEXTS}
#: shown in the heading of the page rather than in the ontology's own table
HEADER = {DCTERMS.title, DCTERMS.description, RDFS.label, RDF.type}


def own_terms(ontology: Graph) -> list[URIRef]:
    ns = str(NLSC)
    return sorted({s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(ns)
                   and len(str(s)) > len(ns)}, key=str)


def term_anchors(ontology: Graph) -> dict[str, str]:
    """Ontology term IRI -> element id in def/index.html (its local name)."""
    return {str(t): str(t)[len(str(NLSC)):] for t in own_terms(ontology)}


class _Axioms:
    """A term's statements as rows of property -> values; blank nodes written out."""

    def __init__(self, ontology: Graph, builder: PageBuilder):
        self.g, self.builder = ontology, builder

    def parts(self, o) -> list[dict]:
        """`o` as a flat list of values and text pieces (a property chain, an inverse)."""
        if not isinstance(o, BNode):
            v = self.builder.value(PAGE, o)
            if v["kind"] == "external" and curie(o) != str(o):  # a reused term (foaf:Agent): by its name
                v = {"kind": "term", **self.builder.term(PAGE, o)}
            return [v]
        if (o, RDF.first, None) in self.g:
            out = []
            for i, item in enumerate(Collection(self.g, o)):
                out += ([{"kind": "text", "text": " ∘ "}] if i else []) + self.parts(item)
            return out
        inverse = self.g.value(o, OWL.inverseOf)
        if inverse is not None:
            return [{"kind": "text", "text": "inverse("}, *self.parts(inverse), {"kind": "text", "text": ")"}]
        return [{"kind": "text", "text": "[…]"}]

    def rows(self, term, skip, incoming: bool = False) -> list[dict]:
        pairs = (self.g.subject_predicates(term) if incoming
                 else ((p, o) for p, o in self.g.predicate_objects(term)))
        groups: dict = {}
        for a, b in pairs:
            p, o = (b, a) if incoming else (a, b)
            if p in skip or (incoming and not isinstance(o, URIRef)):
                continue
            groups.setdefault(p, []).append(self.parts(o))
        rows = [{"property": self.builder.term(PAGE, p),
                 "vals": sorted(vals, key=lambda parts: [str(sorted(x.items())) for x in parts])}
                for p, vals in groups.items()]
        return sorted(rows, key=lambda r: (r["property"]["curie"], r["property"]["iri"]))


def _term(ontology: Graph, names: Names, builder: PageBuilder, axioms: _Axioms, t: URIRef) -> dict:
    nl, en = names.pair(t)
    return {
        "anchor": str(t)[len(str(NLSC)):], "iri": str(t), "curie": curie(t), "nl": nl, "en": en,
        "types": [builder.term(PAGE, c) for c in sorted(ontology.objects(t, RDF.type))],
        "texts": [x for p in TEXTS for x in builder.texts(t, p)],
        "outgoing": axioms.rows(t, NOT_IN_TABLE),
        "incoming": axioms.rows(t, {RDFS.isDefinedBy}, incoming=True),
    }


def ontology_context(ontology: Graph, names: Names, anchors: dict[str, str], files: dict) -> dict:
    """What ontology.html.j2 renders: the header, the sections of our terms, the reused terms."""
    builder = PageBuilder(ontology, names, anchors)
    axioms = _Axioms(ontology, builder)
    own = own_terms(ontology)
    sections = []
    for key, cls, nl, en in SECTIONS:
        terms = sorted((t for t in own if (t, RDF.type, cls) in ontology), key=names.sort_key)
        if terms:
            sections.append({"id": key, "nl": nl, "en": en,
                             "terms": [_term(ontology, names, builder, axioms, t) for t in terms]})
    declared = {s for _, cls, _, _ in SECTIONS for s in ontology.subjects(RDF.type, cls)}
    reused = sorted((s for s in declared if isinstance(s, URIRef) and s not in set(own)), key=curie)
    return {
        "iri": str(ONTOLOGY_IRI),
        "title": builder.texts(ONTOLOGY_IRI, DCTERMS.title),
        "description": builder.texts(ONTOLOGY_IRI, DCTERMS.description),
        "about": axioms.rows(ONTOLOGY_IRI, HEADER),
        "sections": sections,
        "reused": [builder.term(PAGE, s) for s in reused],
        "files": files,
        "langs": LANGS,
    }


def ontology_page(ontology: Graph, names: Names, anchors: dict[str, str], files: dict, env, site: dict) -> str:
    page = ontology_context(ontology, names, anchors, files)
    return env.get_template("ontology.html.j2").render(page=page, here=PAGE, site=site)
