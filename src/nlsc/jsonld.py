"""JSON-LD: the context, the compacted document and the framed view.

The context is generated from the ontology and the terms the data uses:
one term per IRI (its local name; a CURIE where two IRIs share a local
name), `@type: @id` on properties whose values are all IRIs, a datatype
where all values share one, and `@language` maps for the label-like
properties whose values are all language-tagged. No blanket coercion.

All JSON-LD processing uses a document loader that serves only our own
context and refuses every other URL: nothing is ever fetched.
"""

from __future__ import annotations

import json
from collections import defaultdict

from pyld import jsonld
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from .namespaces import CONTEXT_IRI, CV, OA, ORG, PREFIXES

LANGUAGE_MAP_PROPERTIES = {
    SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.scopeNote,
    RDFS.label, RDFS.comment, DCTERMS.title, DCTERMS.description,
}
#: JSON-LD keyword aliases; their names are not available as terms
ALIASES = {"id": "@id", "type": "@type"}
#: classes of the passages nested under the statements that rest on them
PASSAGE_CLASSES = (OA.TextQuoteSelector,)
#: classes whose instances are the top-level objects of the framed view
ORGANISATION_CLASSES = (ORG.Organization, ORG.FormalOrganization, ORG.OrganizationalUnit,
                        ORG.OrganizationalCollaboration, CV.PublicOrganisation)


def _split(iri: str) -> tuple[str, str]:
    for sep in ("#", "/"):
        if sep in iri:
            ns, local = iri.rsplit(sep, 1)
            if local:
                return ns + sep, local
    return iri, ""


def _curie(iri: str, prefixes: dict = PREFIXES) -> str | None:
    ns, local = _split(iri)
    for prefix, uri in prefixes.items():
        if uri == ns and local:
            return f"{prefix}:{local}"
    return None


def _valid_term(name: str, prefixes: dict = PREFIXES) -> bool:
    return bool(name) and not name.startswith("@") and ":" not in name and "/" not in name \
        and name not in ALIASES and name not in prefixes


def build_context(graph: Graph, prefixes: dict | None = None) -> dict:
    """The JSON-LD context for `graph` (its used properties and classes)."""
    props = sorted({p for p in graph.predicates() if p != RDF.type})
    classes = sorted({o for o in graph.objects(None, RDF.type) if isinstance(o, URIRef)})
    prefixes = prefixes or PREFIXES
    by_local: dict[str, list[str]] = defaultdict(list)
    for iri in {*map(str, props), *map(str, classes)}:
        by_local[_split(iri)[1]].append(iri)
    names: dict[str, str] = {}
    nlsc_ns = PREFIXES["nlsc"]
    for local, iris in sorted(by_local.items()):
        iris.sort()
        if len(iris) == 1 and _valid_term(local, prefixes):
            names[iris[0]] = local
            continue
        # a collision: our own term keeps the short name, the others get a CURIE
        own = [i for i in iris if i.startswith(nlsc_ns)]
        for iri in iris:
            if own and iri == own[0] and _valid_term(local, prefixes):
                names[iri] = local
            elif _curie(iri, prefixes):
                names[iri] = _curie(iri, prefixes)
            # else: no term; the IRI stays in full

    ctx: dict = {**ALIASES, **prefixes}
    for p in props:
        name = names.get(str(p))
        if name is None:
            continue
        objects = list(graph.objects(None, p))
        definition: dict = {"@id": str(p)}
        if objects and all(isinstance(o, (URIRef, BNode)) for o in objects):
            definition["@type"] = "@id"
        elif objects and all(isinstance(o, Literal) for o in objects):
            langs = {o.language for o in objects}
            dtypes = {o.datatype for o in objects}
            if p in LANGUAGE_MAP_PROPERTIES and None not in langs:
                definition["@container"] = "@language"
            elif len(dtypes) == 1 and None not in dtypes and dtypes != {XSD.string}:
                definition["@type"] = str(next(iter(dtypes)))
        ctx[name] = definition
    for c in classes:
        name = names.get(str(c))
        if name is not None:
            ctx[name] = {"@id": str(c)}
    return {"@context": ctx}


def local_loader(context_doc: dict):
    """A pyld document loader serving our context only; any other URL is refused."""

    def load(url, options=None):
        if url == CONTEXT_IRI:
            return {"contextUrl": None, "documentUrl": url, "document": context_doc,
                    "contentType": "application/ld+json"}
        raise jsonld.JsonLdError(f"refusing to load remote document {url!r} (offline build)",
                                 "jsonld.LoadDocumentError", code="loading document failed")

    return load


def _nquads(graph: Graph) -> str:
    """Sorted N-Triples, so that pyld sees (and orders values) the same every run."""
    lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
    return "".join(sorted(f"{line}\n" for line in lines if line.strip()))


def expanded(graph: Graph) -> list:
    return jsonld.from_rdf(_nquads(graph), {"format": "application/n-quads", "useNativeTypes": False})


def compacted(graph: Graph, context_doc: dict) -> dict:
    opts = {"documentLoader": local_loader(context_doc)}
    doc = jsonld.compact(expanded(graph), context_doc, opts)
    doc["@context"] = CONTEXT_IRI
    return doc


def _node_valued(graph: Graph) -> set:
    return {p for p in set(graph.predicates())
            if p != RDF.type and all(isinstance(o, (URIRef, BNode)) for o in graph.objects(None, p))}


def _subframe(graph: Graph, nodes: set, node_valued: set, passages: set, depth: int) -> dict:
    """Embed `nodes` in full; their links are references, except links to passages."""
    sub: dict = {"@embed": "@always"}
    props = sorted({p for n in nodes for p in graph.predicates(n) if p in node_valued})
    for p in props:
        values = {o for n in nodes for o in graph.objects(n, p)}
        if depth > 0 and values and values <= passages:
            sub[str(p)] = _subframe(graph, values, node_valued, passages, depth - 1)
        else:
            sub[str(p)] = {"@embed": "@never"}
    return sub


def _frame(graph: Graph, context_doc: dict) -> dict:
    """One object per organisation; what points at it (memberships, provisions, ...)
    nested under @reverse with its passages; everything else by reference."""
    orgs = {s for c in ORGANISATION_CLASSES for s in graph.subjects(RDF.type, c)}
    passages = {s for c in PASSAGE_CLASSES for s in graph.subjects(RDF.type, c)}
    node_valued = _node_valued(graph)
    pointing: dict = defaultdict(set)  # property -> statements pointing at an organisation
    for s, p, o in graph:
        if o in orgs and s not in orgs and p in node_valued:
            pointing[p].add(s)
    top = _subframe(graph, orgs, node_valued, passages, 0)
    top.pop("@embed")
    used = sorted({str(c) for c in ORGANISATION_CLASSES if (None, RDF.type, c) in graph})
    frame = {"@context": context_doc["@context"], "@type": used or [str(ORG.Organization)], **top}
    if pointing:
        frame["@reverse"] = {str(p): _subframe(graph, pointing[p], node_valued, passages, 1)
                             for p in sorted(pointing)}
    return frame


def framed(graph: Graph, context_doc: dict) -> dict:
    opts = {"documentLoader": local_loader(context_doc), "embed": "@once", "omitGraph": False,
            "omitDefault": True, "requireAll": False}
    doc = jsonld.frame(expanded(graph), _frame(graph, context_doc), opts)
    doc["@context"] = CONTEXT_IRI
    return doc


def dumps(doc) -> bytes:
    return (json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
