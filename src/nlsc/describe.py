"""dataset.ttl: the DCAT-AP-NL 3.0 description of the dataset, with VoID statistics.

Everything in it comes from the sources and the written files (sizes,
checksums), never from the clock, so it is reproducible.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, VOID, XSD

from .namespaces import ADMS, BASE, ID, ONTOLOGY_IRI, SPDX, VCARD, bind_prefixes
from .serialise import DISTRIBUTIONS

DATASET = URIRef(BASE + "dataset")
PROJECT = URIRef(BASE)
CONTACT = URIRef(BASE + "dataset#contact")
DOWNLOAD = BASE + "dist/"
SOURCE_PAGE = URIRef("https://www.aivd.nl/onderwerpen/samenwerking-nationaal")
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
CC0 = URIRef("https://creativecommons.org/publicdomain/zero/1.0/")

#: external datasets we link to: key -> (title, dataset IRI, IRI prefixes of its resources)
LINK_TARGETS = {
    "tooi": ("TOOI: Thesauri en Ontologieën voor Overheidsinformatie", "https://identifier.overheid.nl/tooi/",
             ("https://identifier.overheid.nl/tooi/", "http://identifier.overheid.nl/tooi/")),
    "roo": ("Register van Overheidsorganisaties", "https://organisaties.overheid.nl/",
            ("https://organisaties.overheid.nl/", "http://organisaties.overheid.nl/")),
    "wikidata": ("Wikidata", "https://www.wikidata.org/",
                 ("http://www.wikidata.org/entity/", "https://www.wikidata.org/wiki/", "https://www.wikidata.org/entity/")),
    "wetten": ("wetten.overheid.nl", "https://wetten.overheid.nl/",
               ("https://wetten.overheid.nl/", "http://wetten.overheid.nl/")),
}


def _first(graph: Graph, s, p):
    values = sorted(graph.objects(s, p))
    return values[0] if values else None


def _changelog_date(root: Path | None, version: str) -> str | None:
    for candidate in ([root] if root else []) + [Path(__file__).resolve().parents[2]]:
        log = candidate / "CHANGELOG.md"
        if log.is_file():
            m = re.search(rf"^## \[{re.escape(version)}\] - (\d{{4}}-\d\d-\d\d)", log.read_text("utf-8"), re.M)
            if m:
                return m.group(1)
    return None


def statistics(union: Graph) -> dict:
    subjects = {s for s in union.subjects() if isinstance(s, URIRef)}
    return {
        "triples": len(union),
        "entities": len({s for s in subjects if str(s).startswith(str(ID))}),
        "classes": len({o for o in union.objects(None, RDF.type)}),
        "properties": len(set(union.predicates())),
        "distinctSubjects": len(set(union.subjects())),
        "distinctObjects": len(set(union.objects())),
    }


def linksets(union: Graph) -> dict:
    """key -> Counter(predicate -> number of links)."""
    found: dict[str, Counter] = {}
    for s, p, o in union:
        if not isinstance(o, URIRef):
            continue
        for key, (_, _, prefixes) in LINK_TARGETS.items():
            if str(o).startswith(prefixes):
                found.setdefault(key, Counter())[p] += 1
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def describe(union: Graph, ontology: Graph, written: dict[str, Path], version: str, root: Path | None) -> Graph:
    g = bind_prefixes(Graph())
    g.bind("spdx", SPDX)
    g.bind("vcard", VCARD)
    issued = _first(ontology, ONTOLOGY_IRI, DCTERMS.issued)
    modified = _first(ontology, ONTOLOGY_IRI, DCTERMS.modified)
    fallback = _changelog_date(root, version)
    if issued is None and fallback:
        issued = Literal(fallback, datatype=XSD.date)
    if modified is None:
        modified = issued

    d = DATASET
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, DCTERMS.identifier, Literal(str(DATASET))))
    g.add((d, DCTERMS.title, Literal("Samenwerking op nationaal niveau: het samenwerkingslandschap van de AIVD", lang="nl")))
    g.add((d, DCTERMS.title, Literal("National cooperation: the AIVD's cooperation landscape", lang="en")))
    g.add((d, DCTERMS.description, Literal(
        "Met wie de AIVD in Nederland samenwerkt, welke informatie hij aan wie verstrekt en via welke posten, "
        "als Linked Open Data; elke bewering verwijst naar de passage van de AIVD-pagina "
        "'Samenwerking op nationaal niveau' waarop zij berust.", lang="nl")))
    g.add((d, DCTERMS.description, Literal(
        "Whom the Dutch General Intelligence and Security Service (AIVD) cooperates with inside the Netherlands, "
        "which information it provides to whom and through which posts, as Linked Open Data; every statement "
        "points to the passage of the AIVD page 'Samenwerking op nationaal niveau' it rests on.", lang="en")))
    g.add((d, URIRef(str(DCAT) + "version"), Literal(version)))  # DCAT 3, not in rdflib's closed DCAT
    g.add((d, OWL.versionInfo, Literal(version)))
    if issued is not None:
        g.add((d, DCTERMS.issued, issued))
    if modified is not None:
        g.add((d, DCTERMS.modified, modified))
    g.add((d, DCTERMS.publisher, PROJECT))
    g.add((d, DCTERMS.creator, PROJECT))
    g.add((d, DCAT.contactPoint, CONTACT))
    g.add((d, DCTERMS.license, CC0))
    g.add((d, DCTERMS.accessRights, URIRef(EU + "access-right/PUBLIC")))
    g.add((d, DCAT.theme, URIRef(EU + "data-theme/GOVE")))
    g.add((d, DCAT.theme, URIRef(EU + "data-theme/JUST")))
    for kw_nl in ("AIVD", "nationale veiligheid", "samenwerking", "inlichtingendiensten"):
        g.add((d, DCAT.keyword, Literal(kw_nl, lang="nl")))
    for kw_en in ("national security", "cooperation", "intelligence services"):
        g.add((d, DCAT.keyword, Literal(kw_en, lang="en")))
    g.add((d, DCTERMS.language, URIRef(EU + "language/NLD")))
    g.add((d, DCTERMS.language, URIRef(EU + "language/ENG")))
    g.add((d, DCTERMS.spatial, URIRef(EU + "country/NLD")))
    g.add((d, DCTERMS.source, SOURCE_PAGE))
    g.add((d, DCTERMS.conformsTo, ONTOLOGY_IRI))
    g.add((d, DCAT.landingPage, PROJECT))
    g.add((d, ADMS.status, URIRef(EU + "dataset-status/COMPLETED")))
    g.add((d, DCTERMS.accrualPeriodicity, URIRef(EU + "frequency/IRREG")))
    if modified is not None:
        period = URIRef(BASE + "dataset#temporal")
        g.add((d, DCTERMS.temporal, period))
        g.add((period, RDF.type, DCTERMS.PeriodOfTime))
        g.add((period, DCAT.startDate, modified))

    g.add((PROJECT, RDF.type, FOAF.Agent))
    g.add((PROJECT, FOAF.name, Literal("nlsc project", lang="en")))
    g.add((PROJECT, FOAF.name, Literal("nlsc-project", lang="nl")))
    g.add((CONTACT, RDF.type, VCARD.Organization))
    g.add((CONTACT, VCARD.fn, Literal("nlsc project")))
    g.add((CONTACT, VCARD.hasURL, PROJECT))

    # VoID
    stats = statistics(union)
    for key, value in stats.items():
        g.add((d, VOID[key], Literal(value, datatype=XSD.integer)))
    g.add((d, VOID.uriSpace, Literal(str(ID))))
    for vocab in sorted({str(p).rsplit("#", 1)[0] + "#" if "#" in str(p) else str(p).rsplit("/", 1)[0] + "/"
                         for p in union.predicates()}):
        g.add((d, VOID.vocabulary, URIRef(vocab)))
    for key, counts in sorted(linksets(union).items()):
        title, target_iri, prefixes = LINK_TARGETS[key]
        target = URIRef(target_iri)
        ls = URIRef(f"{BASE}dataset/linkset/{key}")
        g.add((d, VOID.subset, ls))
        g.add((ls, RDF.type, VOID.Linkset))
        g.add((ls, VOID.subjectsTarget, d))
        g.add((ls, VOID.objectsTarget, target))
        g.add((ls, VOID.triples, Literal(sum(counts.values()), datatype=XSD.integer)))
        for pred in sorted(counts):
            g.add((ls, VOID.linkPredicate, pred))
        g.add((target, RDF.type, VOID.Dataset))
        g.add((target, DCTERMS.title, Literal(title)))
        g.add((target, VOID.uriSpace, Literal(prefixes[0])))

    # distributions
    for name in sorted(written):
        if name not in DISTRIBUTIONS:
            continue
        media, filetype, title = DISTRIBUTIONS[name]
        path = written[name]
        dist = URIRef(f"{BASE}dataset/distribution/{name}")
        url = URIRef(DOWNLOAD + name)
        checksum = URIRef(f"{dist}#sha256")
        g.add((d, DCAT.distribution, dist))
        g.add((d, VOID.dataDump, url))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(title, lang="en")))
        g.add((dist, DCAT.downloadURL, url))
        g.add((dist, DCAT.accessURL, url))
        g.add((dist, DCAT.mediaType, URIRef(IANA + media)))
        g.add((dist, DCTERMS.format, URIRef(EU + "file-type/" + filetype)))
        g.add((dist, DCAT.byteSize, Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        g.add((dist, DCTERMS.license, CC0))
        g.add((dist, SPDX.checksum, checksum))
        g.add((checksum, RDF.type, SPDX.Checksum))
        g.add((checksum, SPDX.algorithm, SPDX.checksumAlgorithm_sha256))
        g.add((checksum, SPDX.checksumValue, Literal(sha256(path), datatype=XSD.hexBinary)))
        if name.startswith("nlsc-ontology"):
            g.add((dist, DCTERMS.conformsTo, URIRef("http://www.w3.org/2002/07/owl")))
    return g
