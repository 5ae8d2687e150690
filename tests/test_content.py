"""The dataset says what the source page says, and says where each fact comes from.

Issue 2's guarantees: verbatim quotes, provenance on every entity and statement,
labels in Dutch and English, reused terms that really exist, external
identifiers that match the checked reference table, shortcuts that agree with
their statement nodes.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, VANN, XSD

from nlsc.build.sources import load
from nlsc.namespaces import CV, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY, NLSC, OA
from nlsc.paths import layout

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/nlsc/id/"
PAGE_TEXT = (ROOT / "data" / "source" / "samenwerking-nationaal.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def sources():
    return load(layout(ROOT))


@pytest.fixture(scope="module")
def data(sources) -> Graph:
    return sources.graph(GRAPH_DATA)


@pytest.fixture(scope="module")
def context(sources) -> Graph:
    return sources.graph(GRAPH_CONTEXT)


@pytest.fixture(scope="module")
def ontology(sources) -> Graph:
    return sources.graph(GRAPH_ONTOLOGY)


@pytest.fixture(scope="module")
def union(sources) -> Graph:
    return sources.union()


def things(graph: Graph) -> set[URIRef]:
    return {s for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(ID)}


# --- quotes -----------------------------------------------------------------


def test_every_quote_occurs_verbatim_in_the_page(data):
    quotes = list(data.objects(None, OA.exact))
    assert len(quotes) >= 38
    missing = [str(q) for q in quotes if str(q) not in PAGE_TEXT]
    assert missing == []


def test_every_passage_has_a_translation_and_belongs_to_the_described_source(data):
    source = URIRef(ID + "bron/samenwerking-nationaal")
    assert (source, SDO.url, URIRef("https://www.aivd.nl/onderwerpen/samenwerking-nationaal")) in data
    for passage in data.subjects(RDF.type, OA.TextQuoteSelector):
        exact = data.value(passage, OA.exact)
        assert exact is not None and exact.language == "nl" and str(exact).strip(), passage
        translation = data.value(passage, NLSC.translation)
        assert translation is not None and translation.language == "en", passage
        assert data.value(passage, PROV.wasQuotedFrom) == source, passage


def page_sentences() -> list[str]:
    """The page's content sentences: paragraphs (lines ending in a full stop) split
    after a full stop that a capital follows. Headings have no full stop."""
    sentences = []
    for line in PAGE_TEXT.splitlines():
        line = line.strip()
        if line.endswith(".") and not line.startswith("Ga terug"):  # last line: navigation
            sentences += re.split(r"(?<=\.)\s+(?=[A-Z])", line)
    return sentences


def test_every_sentence_of_the_page_is_a_passage(data):
    quotes = {str(q) for q in data.objects(None, OA.exact)}
    sentences = page_sentences()
    assert len(sentences) == 38
    assert [s for s in sentences if s not in quotes] == []


def test_every_passage_supports_something(data):
    """No sentence of the page is quoted without being modelled."""
    passages = set(data.subjects(RDF.type, OA.TextQuoteSelector))
    assert passages - set(data.objects(None, PROV.wasDerivedFrom)) == set()


# --- provenance ---------------------------------------------------------------

UNSOURCED_KINDS = ("/passage/", "/bron/", "/begrippenkader/", "/contextfeit/")


def test_every_entity_and_statement_of_the_page_points_to_a_passage(data):
    passages = set(data.subjects(RDF.type, OA.TextQuoteSelector))
    lacking = []
    for thing in sorted(things(data)):
        if any(kind in str(thing) for kind in UNSOURCED_KINDS):
            continue
        derived = set(data.objects(thing, PROV.wasDerivedFrom))
        if not derived or not derived <= passages:
            lacking.append(str(thing))
    assert lacking == []


def test_statement_nodes_exist_for_every_kind(data):
    for cls, at_least in [
        (NLSC.InformationProvision, 8),
        (NLSC.ForwardPostRelation, 3),
        (NLSC.Liaison, 1),
        (NLSC.Cooperation, 2),
        (NLSC.Task, 5),
        (ORG.Membership, 19),
    ]:
        assert len(set(data.subjects(RDF.type, cls))) >= at_least, cls


def test_every_added_fact_carries_its_own_source(data, context):
    """Context triples about the page's resources are reified with a source;
    resources the context introduces carry their source themselves."""
    described_by_page = things(data)
    reified = {
        (context.value(st, RDF.subject), context.value(st, RDF.predicate), context.value(st, RDF.object))
        for st in context.subjects(RDF.type, RDF.Statement)
        if context.value(st, DCTERMS.bibliographicCitation) is not None
    }
    introduced = things(context) - described_by_page
    unsourced = []
    for s, p, o in context:
        if s in introduced and "/contextfeit/" not in str(s):
            if context.value(s, DCTERMS.bibliographicCitation) is None and (s, None, None) not in data:
                unsourced.append((s, p, o))
        elif s in described_by_page and o not in introduced and (s, p, o) not in reified:
            # (a link to a resource the context introduces is sourced by that resource)
            unsourced.append((s, p, o))
    assert unsourced == []
    assert len(reified) >= 70


def test_the_page_data_holds_no_external_identifiers(data):
    """Identifiers come from the reference table, so they live in data/context/ only."""
    for p in (SDO.sameAs, NLSC.oin, FOAF.homepage, SDO.legislationIdentifier, SDO.foundingDate):
        assert list(data.triples((None, p, None))) == [], p
    for p in (RDFS.seeAlso, SKOS.closeMatch):
        assert [o for o in data.objects(None, p)] == [], p


# --- labels -----------------------------------------------------------------


def test_every_resource_has_one_label_in_dutch_and_one_in_english(union):
    problems = []
    for thing in sorted(things(union)):
        labels = list(union.objects(thing, SKOS.prefLabel))
        langs = sorted(lbl.language for lbl in labels)
        if langs != ["en", "nl"]:
            problems.append((str(thing), langs))
    assert problems == []


# Names that are the same in Dutch and English; every other English label is a translation.
# (skos:altLabel holds abbreviations, the same in both languages by design, so it is not checked.)
SAME_IN_BOTH_LANGUAGES = {
    ID + "samenwerkingsverband/jscu": "Joint Sigint Cyber Unit, an English name on the Dutch page",
    ID + "eenheid/team-high-tech-crime": "Team High Tech Crime, an English name on the Dutch page",
    ID + "dreiging/cybercrime": "cybercrime, the same word in both languages",
    ID + "sector/water": "water, the same word in both languages",
    str(NLSC.instrument): "instrument, the same word in both languages",
    str(NLSC.partner): "partner, the same word in both languages",
    str(NLSC.sector): "sector, the same word in both languages",
    str(NLSC.oin): "OIN, an abbreviation",
}


def same_label_in_both_languages(graph: Graph) -> set[str]:
    """Subjects with an @en label (skos:prefLabel, rdfs:label, dct:title) equal to their @nl one."""
    same = set()
    for prop in (SKOS.prefLabel, RDFS.label, DCTERMS.title):
        for subject in set(graph.subjects(prop, None)):
            values = list(graph.objects(subject, prop))
            dutch = {str(v) for v in values if getattr(v, "language", None) == "nl"}
            english = {str(v) for v in values if getattr(v, "language", None) == "en"}
            if dutch & english:
                same.add(str(subject))
    return same


def test_every_english_label_is_a_translation_unless_listed(union):
    assert same_label_in_both_languages(union) == set(SAME_IN_BOTH_LANGUAGES)


def test_an_untranslated_english_label_is_caught():
    g = Graph()
    g.add((URIRef(ID + "passage/x"), SKOS.prefLabel, Literal("Passage 01: Samenwerking", lang="nl")))
    g.add((URIRef(ID + "passage/x"), SKOS.prefLabel, Literal("Passage 01: Samenwerking", lang="en")))
    g.add((URIRef(ID + "passage/y"), SKOS.prefLabel, Literal("Passage 02: Samenwerking", lang="nl")))
    g.add((URIRef(ID + "passage/y"), SKOS.prefLabel, Literal("Passage 02: Cooperation", lang="en")))
    assert same_label_in_both_languages(g) == {ID + "passage/x"}


def test_every_ontology_term_has_bilingual_label_definition_and_is_defined_by(ontology):
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(NLSC))}
    assert len(terms) >= 30
    for term in terms:
        for prop in (RDFS.label, SKOS.definition):
            langs = sorted(v.language for v in ontology.objects(term, prop))
            assert langs == ["en", "nl"], (term, prop, langs)
        assert (term, RDFS.isDefinedBy, URIRef("https://w3id.org/nlsc/def")) in ontology, term


def test_ontology_header_metadata(ontology):
    onto = URIRef("https://w3id.org/nlsc/def")
    for prop in (DCTERMS.title, DCTERMS.description, DCTERMS.license, DCTERMS.creator, DCTERMS.issued,
                 DCTERMS.modified, DCTERMS.bibliographicCitation, OWL.versionInfo, OWL.versionIRI,
                 VANN.preferredNamespacePrefix, VANN.preferredNamespaceUri):
        assert ontology.value(onto, prop) is not None, prop
    version = str(ontology.value(onto, OWL.versionInfo))
    assert ontology.value(onto, OWL.versionIRI) == URIRef(f"https://w3id.org/nlsc/def/{version}")
    assert str(ontology.value(onto, VANN.preferredNamespaceUri)) == str(NLSC)


def test_term_naming_conventions(ontology):
    for term in set(ontology.subjects(RDF.type, OWL.Class)):
        if str(term).startswith(str(NLSC)):
            assert re.fullmatch(r"[A-Z][A-Za-z]+", term.fragment), term
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty):
        for term in set(ontology.subjects(RDF.type, kind)):
            if str(term).startswith(str(NLSC)):
                assert re.fullmatch(r"[a-z][A-Za-z]+", term.fragment), term


def test_thing_iris_follow_one_scheme(union):
    for thing in things(union):
        assert re.fullmatch(r"https://w3id\.org/nlsc/id/[a-z-]+/[a-z0-9]+(-[a-z0-9]+)*", str(thing)), thing


# --- reused vocabularies ---------------------------------------------------------

# rdflib's closed DefinedNamespaces list the terms of these vocabularies.
CLOSED = [ORG, PROV, SKOS, DCTERMS, SDO, FOAF, VANN, DCAT, OWL, RDF, RDFS, XSD]
# Vocabularies rdflib lacks: the terms we use, checked against their specifications.
OPEN_TERMS = {
    str(OA): {"TextQuoteSelector", "exact", "prefix", "suffix"},
    str(CV): {"PublicOrganisation"},
}


def undefined_terms(graph: Graph) -> list[str]:
    """IRIs in a reused namespace that the vocabulary does not define."""
    bad = set()
    for triple in graph:
        for term in triple:
            if not isinstance(term, URIRef):
                continue
            iri = str(term)
            for ns in CLOSED:
                base = str(ns._NS) if hasattr(ns, "_NS") else str(ns)
                if iri.startswith(base) and iri != base and "/" not in iri[len(base):]:
                    name = iri[len(base):]
                    try:
                        getattr(ns, name)
                    except AttributeError:
                        bad.add(iri)
            for base, names in OPEN_TERMS.items():
                if iri.startswith(base) and iri[len(base):] not in names:
                    bad.add(iri)
    return sorted(bad)


def test_every_reused_term_is_defined_by_its_vocabulary(union):
    assert undefined_terms(union) == []


def test_a_misspelt_reused_term_is_caught():
    g = Graph()
    g.add((URIRef(ID + "organisatie/x"), URIRef(str(ORG._NS) + "memberrOf"), URIRef(ID + "organisatie/y")))
    g.add((URIRef(ID + "passage/x"), URIRef(str(OA) + "exactt"), Literal("x")))
    assert undefined_terms(g) == [str(OA) + "exactt", str(ORG._NS) + "memberrOf"]


# --- identifiers against the reference table ---------------------------------------


def reference_rows() -> list[dict]:
    with layout(ROOT).reference_table.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def expected_object(scheme: str, value: str) -> str:
    """The lexical form the data must hold for a reference-table value."""
    if scheme == "wikidata":
        return f"http://www.wikidata.org/entity/{value}"
    return value


def test_identifiers_and_facts_match_the_reference_table(context):
    rows = {(r["entity"], r["scheme"]): r for r in reference_rows()}
    checked = 0
    for statement in sorted(context.subjects(RDF.type, RDF.Statement)):
        key, _, scheme = str(statement).rsplit("/", 1)[1].partition("-")
        # keys like "om-english-name": the entity key has no hyphen, the scheme may
        row = rows.get((key, scheme))
        assert row is not None, f"{statement}: no row ({key}, {scheme}) in identifiers.csv"
        obj = context.value(statement, RDF.object)
        citation = str(context.value(statement, DCTERMS.bibliographicCitation))
        assert citation == row["source"], statement
        assert str(context.value(statement, NLSC.confidence)) == row["confidence"], statement
        if scheme == "parent":
            assert str(obj).endswith("/organisatie/" + {
                "bzk": "ministerie-van-binnenlandse-zaken-en-koninkrijksrelaties",
                "defensie": "ministerie-van-defensie",
                "jenv": "ministerie-van-justitie-en-veiligheid",
                "financien": "ministerie-van-financien",
            }[row["value"]]), statement
        elif scheme == "legal-instrument":
            assert str(context.value(obj, DCTERMS.bibliographicCitation)) == row["value"]
        else:
            assert str(obj) == expected_object(scheme, row["value"]), statement
        # the reified triple is asserted too
        assert (context.value(statement, RDF.subject), context.value(statement, RDF.predicate), obj) in context
        checked += 1
    assert checked >= 70


def test_every_identifier_in_the_data_is_from_the_reference_table(union):
    values = {expected_object(r["scheme"], r["value"]) for r in reference_rows()}
    for p in (SDO.sameAs, NLSC.oin, SDO.legislationIdentifier, FOAF.homepage):
        for s, o in union.subject_objects(p):
            if not str(s).startswith(ID) or str(s).startswith(ID + "regeling/convenant"):
                continue  # the Staatscourant number is cited from the covenant itself
            assert str(o) in values, (s, p, o)
    for p in (RDFS.seeAlso, SKOS.closeMatch):
        for s, o in union.subject_objects(p):
            assert str(s).startswith(ID)
            assert str(o) in values, (s, p, o)


def test_legacy_owms_values_are_close_matches_not_the_same_resource(context):
    """The OWMS value list is a legacy list: its entries match our organisations, they are not them."""
    owms = {r["value"] for r in reference_rows() if r["scheme"] == "owms"}
    linked = {(p, str(o)) for _, p, o in context if str(o) in owms}
    assert linked and {p for p, _ in linked} == {SKOS.closeMatch, RDF.object}
    assert {o for _, o in linked} == owms


# --- shortcuts agree with their statement nodes -------------------------------------

SHORTCUTS = [
    (NLSC.providesInformationTo, NLSC.InformationProvision, NLSC.provider, NLSC.recipient),
    (NLSC.isForwardPostOf, NLSC.ForwardPostRelation, NLSC.intelligenceUnit, NLSC.servedService),
    (NLSC.keepsContactWith, NLSC.Liaison, NLSC.contactHolder, NLSC.contactPartner),
]


@pytest.mark.parametrize("shortcut,cls,source,target", SHORTCUTS, ids=lambda x: str(x).rsplit("#")[-1])
def test_shortcuts_equal_their_statement_nodes(data, shortcut, cls, source, target):
    from_nodes = {(data.value(n, source), data.value(n, target)) for n in data.subjects(RDF.type, cls)}
    asserted = set(data.subject_objects(shortcut))
    assert from_nodes and asserted == from_nodes


def test_membership_shortcuts_equal_memberships(data):
    from_nodes = {(data.value(m, ORG.organization), data.value(m, ORG.member))
                  for m in data.subjects(RDF.type, ORG.Membership)}
    assert set(data.subject_objects(ORG.hasMember)) == from_nodes
