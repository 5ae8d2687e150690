"""dataset.ttl: the DCAT-AP-NL 3.0 description of the dataset, with VoID statistics.

The description is data: `templates/dataset.ttl.j2`. This module computes what
the template leaves open, from the sources and the written files (counts, sizes,
checksums, dates of the ontology header or CHANGELOG.md), never from the clock,
so it is reproducible.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from ..namespaces import BASE, ID, ONTOLOGY_IRI, bind_prefixes

DOWNLOAD = BASE + "dist/"
EU = "http://publications.europa.eu/resource/authority/"
IANA = "http://www.iana.org/assignments/media-types/"
#: EU file types of the RDF dumps (void:dataDump); the CSV tables and their JSON description are not
RDF_FILE_TYPES = {"RDF_TURTLE", "RDF_N_TRIPLES", "RDF_N_QUADS", "RDF_TRIG", "JSON_LD", "RDF_XML"}

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
    for candidate in ([root] if root else []) + [Path(__file__).resolve().parents[3]]:
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


def _vocabularies(union: Graph) -> list[URIRef]:
    """The namespaces of the predicates used (the part up to the last # or /)."""
    return [URIRef(v) for v in sorted({str(p).rsplit("#", 1)[0] + "#" if "#" in str(p) else str(p).rsplit("/", 1)[0] + "/"
                                       for p in union.predicates()})]


def _linksets(union: Graph) -> list[dict]:
    return [{"iri": URIRef(f"{BASE}dataset/linkset/{key}"), "target": URIRef(LINK_TARGETS[key][1]),
             "title": Literal(LINK_TARGETS[key][0]), "uri_space": Literal(LINK_TARGETS[key][2][0]),
             "triples": Literal(sum(counts.values()), datatype=XSD.integer), "predicates": sorted(counts)}
            for key, counts in sorted(linksets(union).items())]


def _distributions(written: dict[str, Path], catalogue: dict) -> list[dict]:
    found = []
    for name in sorted(set(written) & set(catalogue)):
        media, filetype, title = catalogue[name]
        path = written[name]
        found.append({"iri": URIRef(f"{BASE}dataset/distribution/{name}"), "url": URIRef(DOWNLOAD + name),
                      "title": Literal(title, lang="en"), "media": URIRef(IANA + media),
                      "format": URIRef(EU + "file-type/" + filetype), "ontology": name.startswith("nlsc-ontology"),
                      "rdf": filetype in RDF_FILE_TYPES,
                      "size": Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger),
                      "sha256": Literal(sha256(path), datatype=XSD.hexBinary)})
    return found


def describe(union: Graph, ontology: Graph, written: dict[str, Path], version: str, root: Path | None,
             catalogue: dict) -> Graph:
    """templates/dataset.ttl.j2 filled in with the numbers of `union` and the `written` files;
    `catalogue`: name -> (media type, EU file-type code, title) of the files that are
    distributions (serialise.DISTRIBUTIONS and the tables')."""
    issued = _first(ontology, ONTOLOGY_IRI, DCTERMS.issued)
    if issued is None and (fallback := _changelog_date(root, version)):
        issued = Literal(fallback, datatype=XSD.date)
    modified = _first(ontology, ONTOLOGY_IRI, DCTERMS.modified) or issued
    env = Environment(loader=PackageLoader("nlsc.build", "templates"), undefined=StrictUndefined, autoescape=False,
                      keep_trailing_newline=True)
    text = env.get_template("dataset.ttl.j2").render(
        version=Literal(version), issued=issued, modified=modified,
        statistics={k: Literal(v, datatype=XSD.integer) for k, v in statistics(union).items()},
        vocabularies=_vocabularies(union), linksets=_linksets(union), distributions=_distributions(written, catalogue))
    g = bind_prefixes(Graph())
    return g.parse(data=text, format="turtle")
