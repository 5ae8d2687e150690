"""JSON-LD: the context, the compacted document and the framed view.

The context is generated from the ontology and the terms the data uses:
one term per IRI (its local name; a CURIE where two IRIs share a local
name), `@type: @id` on properties whose values are all IRIs, a datatype
where all values share one, and `@language` maps for the label-like
properties whose values are all language-tagged. No blanket coercion.

Every document the build writes embeds its context as an object, so any
JSON-LD processor reads it offline, with no document loader of its own; the
context is also published on its own (context.jsonld) for reuse. pyld does the
compaction, with a document loader that refuses every URL: nothing is fetched.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import orjson
import pyoxigraph as ox
from pyld import jsonld
from rdflib.namespace import DCTERMS, RDF, RDFS, SKOS, XSD

from ..namespaces import CV, OA, ORG, PREFIXES
from ..workers import spread

_RDF_LANGSTRING = str(RDF.langString)
_TYPE, _XSD_STRING = str(RDF.type), str(XSD.string)
LANGUAGE_MAP_PROPERTIES = {str(p) for p in (
    SKOS.prefLabel, SKOS.altLabel, SKOS.definition, SKOS.scopeNote,
    RDFS.label, RDFS.comment, DCTERMS.title, DCTERMS.description,
)}
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


def _datatype(o: ox.Literal) -> str | None:
    """A literal's datatype, None for a plain or language-tagged string."""
    return None if o.language or o.datatype.value == _XSD_STRING else o.datatype.value


def build_context(triples, prefixes: dict | None = None) -> dict:
    """The JSON-LD context for `triples` (pyoxigraph triples: their properties and classes)."""
    objects: dict[str, list] = defaultdict(list)  # property -> its values
    classes = set()
    for t in triples:
        if t.predicate.value == _TYPE:
            if isinstance(t.object, ox.NamedNode):
                classes.add(t.object.value)
        else:
            objects[t.predicate.value].append(t.object)
    props, classes = sorted(objects), sorted(classes)
    prefixes = prefixes or PREFIXES
    by_local: dict[str, list[str]] = defaultdict(list)
    for iri in {*props, *classes}:
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
        name = names.get(p)
        if name is None:
            continue
        values = objects[p]
        definition: dict = {"@id": p}
        if all(isinstance(o, (ox.NamedNode, ox.BlankNode)) for o in values):
            definition["@type"] = "@id"
        elif all(isinstance(o, ox.Literal) for o in values):
            dtypes = {_datatype(o) for o in values}
            if p in LANGUAGE_MAP_PROPERTIES and all(o.language for o in values):
                definition["@container"] = "@language"
            elif len(dtypes) == 1 and None not in dtypes:
                definition["@type"] = next(iter(dtypes))
        ctx[name] = definition
    for c in classes:
        name = names.get(c)
        if name is not None:
            ctx[name] = {"@id": c}
    return {"@context": ctx}


def refuse_remote(url, options=None):
    """pyld's document loader for the build: every document is refused (our
    contexts are embedded, so pyld never needs to load one)."""
    raise jsonld.JsonLdError(f"refusing to load remote document {url!r} (offline build)",
                             "jsonld.LoadDocumentError", code="loading document failed")


def _rdf_term(term) -> dict:
    """A pyoxigraph term as a term of pyld's RDF dataset."""
    if isinstance(term, ox.BlankNode):
        return {"type": "blank node", "value": f"_:{term.value}"}
    if isinstance(term, ox.Literal):
        if term.language:
            return {"type": "literal", "value": term.value, "datatype": _RDF_LANGSTRING, "language": term.language}
        return {"type": "literal", "value": term.value, "datatype": term.datatype.value}
    return {"type": "IRI", "value": term.value}


def _sort_key(triple: tuple) -> tuple:
    return tuple((t["value"], t.get("datatype", ""), t.get("language", "")) for t in triple)


def _rdf_dataset(triples) -> dict:
    """`triples` (pyoxigraph triples, no duplicates) as pyld's RDF dataset, sorted (so pyld
    orders the values the same every run). Built directly rather than handed over as
    N-Quads text: pyld's N-Quads parser drops duplicates by a linear scan per triple,
    quadratic in the graph (50 s of a 54 s compaction at x10)."""
    rows = sorted(((_rdf_term(t.subject), _rdf_term(t.predicate), _rdf_term(t.object)) for t in triples),
                  key=_sort_key)
    return {"@default": [{"subject": s, "predicate": p, "object": o} for s, p, o in rows]}


def expanded(triples) -> list:
    return jsonld.from_rdf(_rdf_dataset(triples), {"useNativeTypes": False})


def compact_nodes(nodes: list, context_doc: dict) -> dict:
    """Expanded node objects compacted by pyld with `context_doc` ({"@context": {...}}),
    which the result embeds."""
    return jsonld.compact(nodes, context_doc, {"skipExpansion": True, "documentLoader": refuse_remote})


#: node objects from which the compaction is worth spreading over processes (x10 has 3,800)
COMPACT_IN_WORKERS = 2_000
_CONTEXT: dict = {}


def _use_context(context_doc: dict) -> None:
    _CONTEXT.clear()
    _CONTEXT.update(context_doc)


def _iris(value, found: set) -> set:
    """Every IRI an expanded JSON-LD value holds: property IRIs, @id, @type (classes and datatypes)."""
    if isinstance(value, list):
        for item in value:
            _iris(item, found)
    elif isinstance(value, dict):
        for key, item in value.items():
            if key in ("@id", "@type"):
                found.update(item if isinstance(item, list) else [item])
            elif key != "@value":
                if not key.startswith("@"):
                    found.add(key)
                _iris(item, found)
    return found


def covering(context: dict, iris: set) -> dict:
    """The entries of `context` that can take part in compacting `iris`: the aliases and
    prefixes (strings), the terms named as CURIEs, and the terms of those IRIs. JSON-LD's
    IRI compaction chooses among the terms of the IRI itself and the prefixes only, so
    the result is the whole context's; pyld's search for a CURIE goes through every term
    of the context for each IRI (at x10, a quarter of the build's time in the profiler)."""
    return {k: v for k, v in context.items()
            if isinstance(v, str) or ":" in k or (isinstance(v, dict) and v.get("@id") in iris)}


#: node objects pyld compacts at a time, each batch with the part of the context that covers
#: it (x10: batches of 35 took half the time of one compaction of all 2,271 nodes)
NODES_PER_BATCH = 40


def _compact_part(nodes: list) -> list:
    """The node objects of `nodes` compacted with the context set by _use_context, in batches."""
    out = []
    for start in range(0, len(nodes), NODES_PER_BATCH):
        batch = nodes[start:start + NODES_PER_BATCH]
        doc = compact_nodes(batch, {"@context": covering(_CONTEXT["@context"], _iris(batch, set()))})
        out.extend(doc["@graph"] if "@graph" in doc else [{k: v for k, v in doc.items() if k != "@context"}])
    return out


@dataclass(frozen=True)
class Compacted:
    """One pyld compaction of a graph, and the smaller documents cut from it.

    Compaction treats each node object on its own (the context alone decides a
    node's compact form), so the documents of the site's resource pages are the
    node objects of their subjects, taken from one compaction of the whole
    graph instead of a compaction per page (which was most of the site's time)."""

    context: dict  # the value of "@context"
    nodes: dict  # expanded @id (an IRI or "_:label") -> its compacted node object
    expanded: dict  # expanded @id -> its expanded node object
    position: dict  # expanded @id -> its place in the document

    @classmethod
    def of(cls, triples, context_doc: dict, known: "Compacted | None" = None) -> "Compacted":
        """pyld's compaction of `triples` (pyoxigraph triples, no duplicates), its node objects
        compacted in parts (in worker processes for a large graph, nlsc.workers): each part
        as pyld compacts it alone. A node object that `known` (compacted with the same
        context) already holds is taken from it: the framed view's graphs differ from
        nlsc.jsonld's only in the nodes that gained inferred triples (x10: 600 of 2,271)."""
        nodes = expanded(triples)
        if known is not None and known.context != context_doc["@context"]:
            raise ValueError("a compaction is reused only with the context it was made with")
        todo = [n for n in nodes if known is None or known.expanded.get(n["@id"]) != n]
        parts = spread(_compact_part, todo, setup=_use_context, state=context_doc, minimum=COMPACT_IN_WORKERS)
        fresh = [node for part in parts for node in part]
        if len(fresh) != len(todo):  # pyld drops no node object of from_rdf's; if it ever did, say so
            raise ValueError(f"pyld compacted {len(todo)} node objects into {len(fresh)}")
        compact = dict(zip((n["@id"] for n in todo), fresh))
        ids = [n["@id"] for n in nodes]
        return cls(context_doc["@context"], {i: compact[i] if i in compact else known.nodes[i] for i in ids},
                   dict(zip(ids, nodes)), {i: n for n, i in enumerate(ids)})

    def document(self) -> dict:
        """The whole document, as pyld writes the compaction of all the nodes at once."""
        return self.cut(self.nodes, self.context)

    def cut(self, ids, context: dict) -> dict:
        """The document of the nodes `ids` (the subjects of a description), in the
        whole document's order, with `context` (a part of the whole one that covers them)."""
        chosen = [self.nodes[i] for i in sorted(ids, key=self.position.__getitem__)]
        if not chosen:
            return {"@context": context}
        if len(chosen) == 1:  # as pyld writes a one-node document: the node at the top
            return {"@context": context, **chosen[0]}
        return {"@context": context, "@graph": chosen}


def framed(triples, context_doc: dict, known: Compacted | None = None) -> dict:
    """One object per organisation, with what points at it (memberships,
    provisions, forward posts, context facts, ...) nested under @reverse and the
    passages of those statements nested in them; everything else by reference.

    The same tree a JSON-LD frame would give, without pyld.frame's recursive search:
    assembled from the node objects of one compaction of `triples` (a node's compact
    form does not depend on where it is nested), the reverse properties named by
    their terms in the context. `known`: a compaction of part of `triples` to reuse."""
    triples = list(triples)
    org_classes, passage_classes = set(map(str, ORGANISATION_CLASSES)), set(map(str, PASSAGE_CLASSES))
    typed = [(t.subject, t.object.value) for t in triples if t.predicate.value == _TYPE]
    orgs = {_rdf_term(s)["value"] for s, c in typed if c in org_classes}
    passages = {_rdf_term(s)["value"] for s, c in typed if c in passage_classes}
    whole = Compacted.of(triples, context_doc, known)
    terms = {d["@id"]: t for t, d in context_doc["@context"].items() if isinstance(d, dict) and "@id" in d}

    def term(prop: str) -> str:
        if prop not in terms:
            raise ValueError(f"the JSON-LD context has no term for <{prop}>, which the framed view needs")
        return terms[prop]

    def with_passages(node_id: str) -> dict:
        """The compacted node, its references to passages replaced by the passages."""
        out = dict(whole.nodes[node_id])
        for prop, values in whole.expanded[node_id].items():
            cited = {v["@id"] for v in values if isinstance(v, dict) and v.get("@id") in passages} \
                if isinstance(values, list) else ()
            if cited:
                by_id = {whole.nodes[p]["id"]: whole.nodes[p] for p in cited}
                value = out[term(prop)]
                swap = lambda v: by_id.get(v if isinstance(v, str) else v.get("id"), v)  # noqa: E731
                out[term(prop)] = [swap(v) for v in value] if isinstance(value, list) else swap(value)
        return out

    pointing: dict = defaultdict(lambda: defaultdict(list))  # org -> property -> [statement]
    for node_id, node in whole.expanded.items():
        if node_id in orgs:
            continue
        for prop, values in sorted(node.items()):
            if not prop.startswith("@") and any(isinstance(v, dict) and v.get("@id") in orgs for v in values):
                statement = with_passages(node_id)
                for target in {v["@id"] for v in values if isinstance(v, dict) and v.get("@id") in orgs}:
                    pointing[target][prop].append(statement)
    tree = []
    for org in sorted(orgs):
        obj = dict(whole.nodes[org])
        if pointing[org]:
            obj["@reverse"] = {term(prop): nodes[0] if len(nodes) == 1 else nodes
                               for prop, nodes in sorted(pointing[org].items())}
        tree.append(obj)
    return {"@context": whole.context, "@graph": tree}


#: two-space indents, sorted keys, UTF-8 and a final newline: the bytes of
#: json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n", whose indenting
#: encoder is pure Python (1.2 s against 0.06 s for the x100 framed view)
_ORJSON = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_APPEND_NEWLINE


def dumps(doc) -> bytes:
    return orjson.dumps(doc, option=_ORJSON)
