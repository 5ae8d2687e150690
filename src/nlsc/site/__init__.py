"""The static website in dist/site/, generated from the RDF only.

    index.html                 what the dataset is, figures, downloads, queries, the diagram
    diagram.html               the network diagram with its legend (diagram.svg, also inlined in index.html)
    search.json                the search index: every resource and term with all its labels
    doc/index.html             every resource, grouped by the type in its IRI
    doc/{type}/{slug}.html     one page per /id/{type}/{slug} IRI, with beside it
    doc/{type}/{slug}.ttl      its concise bounded description in Turtle,
                .jsonld .rdf .nt   JSON-LD, RDF/XML and N-Triples
    def/index.html             the ontology documentation (ontology.py, our own template)
    def/nlsc.{ttl,jsonld,rdf,nt}  the ontology
    dist/                      copies of the downloads (so the site is one web root)
    queries/*.rq               the bundled SPARQL queries
    queries/*.html             a page per query with its answer (queries.py)
    static/site.css            the only style sheet; static/search.js the only script; no fonts or CDNs
    .htaccess, nginx.conf      content negotiation (see conneg.py)

Everything is sorted and carries no timestamp, so two builds are byte-identical.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections import defaultdict
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, OWL, RDF

from ..build.sources import Sources
from ..build.terms import StoreLookups
from ..namespaces import ASSERTED_GRAPHS, BASE, CV, GRAPH_ONTOLOGY, ID, NLSC, ONTOLOGY_IRI, ORG, SCHEMA, prefixes_for
from ..build.jsonld import Compacted, compact_nodes, dumps, expanded
from ..build.rdfwrite import N_TRIPLES, RDF_XML, TURTLE
from ..workers import spread
from ..build.serialise import jsonld_context, readable_turtle, small_graph
from . import conneg
from .diagram import diagram, inline, legend_items
from .model import Names, Text, doc_path, in_id_space, number, rel
from .ontology import ontology_page, term_anchors
from .search import search_index
from .pages import LANGS, PageBuilder
from .queries import open_store, page_path, tables, write_query_pages

__all__ = ["build_site", "SiteResult"]

SITE = "site"
RDF_FORMATS = {"ttl": TURTLE, "nt": N_TRIPLES, "rdf": RDF_XML}  # and .jsonld
_TYPE = str(RDF.type)
#: licence IRIs and the SPDX identifier shown for them
LICENCES = {"https://creativecommons.org/publicdomain/zero/1.0/": "CC0-1.0"}
DATASET_IRI = URIRef(BASE + "dataset")
SOURCE_PAGE = URIRef(str(ID) + "bron/samenwerking-nationaal")


@dataclass
class SiteResult:
    root: Path
    pages: list[str] = field(default_factory=list)  # site-relative paths of the HTML pages
    files: int = 0


# -- helpers -----------------------------------------------------------------

def _env():
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    env = Environment(loader=PackageLoader("nlsc.site", "templates"), autoescape=select_autoescape(["j2", "html"]),
                      undefined=StrictUndefined, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["rel"] = rel
    env.filters["filesize"] = _filesize
    env.filters["num"] = number
    return env


def _filesize(n: int, lang: str = "nl") -> str:
    if n < 1024:
        return f"{number(n, lang)} B"
    if n < 1024 * 1024:
        return f"{number(n / 1024, lang, 1)} KiB"
    return f"{number(n / 1024 / 1024, lang, 1)} MiB"


#: folders made during this site build (a page writes five files into one folder)
_MADE: set = set()


def _write(path: Path, data: bytes | str) -> None:
    if path.parent not in _MADE:
        path.parent.mkdir(parents=True, exist_ok=True)
        _MADE.add(path.parent)
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def _link_or_copy(source: Path, target: Path) -> None:
    """The site's copy of a download: a hard link where the file system allows it
    (the same bytes, not written twice; at x100 the downloads are 130 MB)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _context_for(full: dict, triples) -> dict:
    """The entries of the full context that `triples` use, plus all prefixes and aliases."""
    used = {t.predicate.value for t in triples} | {t.object.value for t in triples if t.predicate.value == _TYPE}
    out = {}
    for key, value in full.items():
        if isinstance(value, str) or (isinstance(value, dict) and value.get("@id") in used):
            out[key] = value
    return out


def _expanded_id(term) -> str:
    """A subject (a pyoxigraph term) as pyld's expanded @id."""
    return f"_:{term.value}" if isinstance(term, ox.BlankNode) else term.value


#: the concise bounded description of a resource (Oxigraph's DESCRIBE: the resource's
#: triples and, recursively, those of its blank nodes), with the reifications of its
#: statements, as rdflib's Graph.cbd gives it (tests/test_site.py compares the two)
DESCRIBE = ("DESCRIBE <{iri}> ?statement WHERE {{ OPTIONAL {{ ?statement "
            "<http://www.w3.org/1999/02/22-rdf-syntax-ns#subject> <{iri}> }} }}")


def read_queries(folder: Path | None) -> list[dict]:
    """Title, description, question and text of each queries/*.rq, from its header
    comments as `nlsc query --list` reads them."""
    from ..sparql.query import parse_header

    if folder is None or not folder.is_dir():
        return []
    out = []
    for path in sorted(folder.glob("*.rq")):
        body = path.read_text(encoding="utf-8")
        header = parse_header(body)

        def texts(name: str) -> list[Text]:
            keys = ((f"{name}@nl", "nl"), (f"{name}@en", "en"), (name, ""))
            return [Text(header[key], lang) for key, lang in keys if key in header]

        out.append({"name": path.name, "path": path, "title": texts("title") or [Text(path.stem, "")],
                    "description": texts("description"), "question": texts("question"),
                    "text": body})
    return out


def downloads(dist_dir: Path, described: Graph) -> list[dict]:
    """The files in dist/ (top level): size and SHA-256 from the files, title from dataset.ttl."""
    titles, media = {}, {}
    for d in described.subjects(RDF.type, DCAT.Distribution):
        for url in described.objects(d, DCAT.downloadURL):
            name = str(url).rsplit("/", 1)[-1]
            titles[name] = sorted(str(t) for t in described.objects(d, DCTERMS.title))
            media[name] = sorted(str(m).rsplit("/media-types/", 1)[-1] for m in described.objects(d, DCAT.mediaType))
    out = []
    for path in sorted(p for p in dist_dir.iterdir() if p.is_file() and not p.name.startswith(".")):
        out.append({"name": path.name, "size": path.stat().st_size, "sha256": _sha256(path),
                    "title": (titles.get(path.name) or [""])[0], "media": (media.get(path.name) or [""])[0]})
    return out


# -- the build ---------------------------------------------------------------

def build_site(sources: Sources, dist_dir, *, source_root: Path | str | None = None, base_path: str = "/",
               store=None, compacted: Compacted | None = None) -> SiteResult:
    """Write the site into `dist_dir`/site from the loaded `sources` (their rdflib views:
    nlsc.build.sources) and the files already in `dist_dir`. `store`: the store the query pages
    run on (default: dist_dir/nlsc.trig, else the sources' store), and `compacted`: the
    compaction of nlsc.jsonld, when the caller has them already."""
    site = _Site(sources, Path(dist_dir), source_root=source_root, base_path=base_path, store=store)
    site.compacted = compacted if compacted is not None else Compacted.of(
        sources.triples(*ASSERTED_GRAPHS), jsonld_context(sources))
    try:
        site.write_graph_pages()
        return site.finish()
    finally:
        if site.diagram is not None:
            site.diagram[1].close()  # dot stopped if the site failed before taking its SVG


class _Site:
    """One site build: write_graph_pages (from the graphs), then finish (the pages that
    also read the other files of dist/: downloads, index, query answers)."""

    def __init__(self, sources: Sources, dist_dir: Path, *, source_root, base_path: str, store):
        self.dist_dir, self.base_path = dist_dir, base_path
        self.diagram = None  # (DOT text, its Rendering), from write_graph_pages
        self.store = store if store is not None else open_store(dist_dir, sources.store)
        self.out = out = dist_dir / SITE
        if out.exists():
            shutil.rmtree(out)
        out.mkdir(parents=True)
        _MADE.clear()
        self.sources, self.union = sources, sources.union()
        self.ontology = sources.graph(GRAPH_ONTOLOGY)
        self.names = Names(self.union)
        self.env = _env()
        self.result = SiteResult(root=out)
        if source_root is None:
            from ..paths import source_root as default_root

            source_root = default_root()
        self.query_dir = Path(source_root) / "queries"
        self.queries = read_queries(self.query_dir)
        self.subjects = sorted({s for s in self.union.subjects() if in_id_space(s)}, key=str)

    def write_graph_pages(self) -> None:
        out, union, ontology = self.out, self.union, self.ontology
        for q in self.queries:
            _write(out / "queries" / q["name"], q["path"].read_bytes())

        # ontology serialisations and documentation
        full_context = self.compacted.context
        ontology_triples = self.sources.triples(GRAPH_ONTOLOGY)
        rdfxml, ntriples = small_graph(ontology_triples, (RDF_XML, N_TRIPLES), prefixes_for(ontology))
        texts = {"ttl": readable_turtle(ontology),  # the same bytes as dist/nlsc-ontology.ttl
                 "jsonld": dumps(compact_nodes(expanded(ontology_triples), {
                     "@context": _context_for(full_context, ontology_triples)})),
                 "rdf": rdfxml, "nt": ntriples}
        files = {}
        for ext, data in texts.items():
            _write(out / "def" / f"nlsc.{ext}", data)
            files[ext] = {"href": f"nlsc.{ext}", "size": len(data)}
        anchors = term_anchors(ontology)
        _write(out / "def" / "index.html", ontology_page(ontology, self.names, anchors, files, self.env,
                                                         _site_links("def/index.html")))
        self.builder = PageBuilder(union, self.names, anchors)
        _write(out / "search.json", search_index(union, self.names, self.subjects, anchors))

        # static files
        static = resources.files("nlsc.site") / "static"
        for item in sorted(static.iterdir(), key=lambda t: t.name):
            if item.is_file():
                _write(out / "static" / item.name, item.read_bytes())
        _write(out / "favicon.ico", favicon_png())

        # the diagram's layout runs in dot meanwhile; finish() takes its SVG
        self.diagram = diagram(union, self.names)

        # resource pages
        with tempfile.TemporaryDirectory() as tmp:
            store_file = Path(tmp) / "store.nq"  # what a worker loads the asserted graphs from
            ox.serialize(self.sources.quads(*ASSERTED_GRAPHS), store_file, ox.RdfFormat.N_QUADS)
            inputs = PageInputs(self.sources.store, store_file, self.compacted, anchors, self.sources.prefixes(), out)
            for paths in spread(_write_pages, self.subjects, setup=_setup_pages, state=inputs,
                                minimum=PAGES_IN_WORKERS):
                self.result.pages.extend(paths)

    def finish(self) -> SiteResult:
        out, union, names, builder, env = self.out, self.union, self.names, self.builder, self.env
        # the dataset description written by the build, if it is there
        described = Graph()
        if (self.dist_dir / "dataset.ttl").is_file():
            described.parse(self.dist_dir / "dataset.ttl", format="turtle")
        files = downloads(self.dist_dir, described)
        for f in files:
            _link_or_copy(self.dist_dir / f["name"], out / "dist" / f["name"])

        # a page per bundled query, with its answer
        self.result.pages.extend(write_query_pages(
            self.queries, self.store,
            env.get_template("query.html.j2"),
            lambda path, text: _write(out / path, text), _site_links))

        # the list of all resources
        groups = defaultdict(list)
        for r in self.subjects:
            groups[doc_path(r, "")[4:].split("/", 1)[0]].append(r)
        listing = []
        for key in sorted(groups):
            members = sorted(groups[key], key=names.sort_key)
            classes = sorted({t for m in members for t in union.objects(m, RDF.type)}, key=str)
            listing.append({
                "key": key,
                "classes": [builder.term("doc/index.html", c) for c in classes],
                "members": [{"href": rel("doc/index.html", doc_path(m)), "nl": names.pair(m)[0],
                           "en": names.pair(m)[1]} for m in members],
            })
        _write(out / "doc" / "index.html", env.get_template("list.html.j2").render(
            groups=listing, here="doc/index.html", site=_site_links("doc/index.html")))

        # diagram, its page and the index
        dot_text, rendering = self.diagram
        svg = rendering.svg()
        _write(out / "diagram.svg", svg)
        _write(out / "diagram.dot", dot_text)
        _write(out / "diagram.html", env.get_template("diagram.html.j2").render(
            diagram=inline(svg), legend=legend_items(), here="diagram.html", site=_site_links("diagram.html")))
        index = _index_context(union, self.ontology, described, names, builder, files, self.queries)
        index["diagram"] = inline(svg)
        index["tables"] = tables(self.query_dir, self.dist_dir)
        _write(out / "index.html", env.get_template("index.html.j2").render(
            **index, here="index.html", site=_site_links("index.html")))

        # content negotiation
        _write(out / ".htaccess", conneg.htaccess(self.base_path))
        _write(out / "nginx.conf", conneg.nginx(self.base_path))
        result = self.result
        result.pages.extend(["doc/index.html", "index.html", "def/index.html", "diagram.html"])
        result.pages.sort()
        # os.walk: at x100, pathlib's rglob over the 10^5 files took 4 s
        result.files = sum(len(names) for _, _, names in os.walk(out))
        return result


@dataclass
class PageInputs:
    """What writing resource pages needs, in a worker process too (nlsc.workers)."""

    store: ox.Store | None  # this process's; a worker loads its own from store_file
    store_file: Path  # the asserted graphs' N-Quads, their blank-node labels kept
    compacted: Compacted
    anchors: dict  # ontology term IRI -> anchor in def/index.html
    prefixes: dict
    out: Path

    def __getstate__(self) -> dict:
        # small, so that starting a worker does not wait for it to unpickle the data (at x100
        # the store and an rdflib graph of it took 7 s a worker, one worker after the other)
        return {**self.__dict__, "store": None, "compacted": replace(self.compacted, expanded={})}

    def loaded(self) -> ox.Store:
        if self.store is None:
            self.store = ox.Store()  # parsed, not Store.load: that renames blank nodes, the compaction's keys
            self.store.extend(ox.parse(path=self.store_file, format=ox.RdfFormat.N_QUADS))
        return self.store


#: resource pages from which writing them is worth spreading over processes (x10 has 2,117)
PAGES_IN_WORKERS = 1_000
_PAGES: list = []  # this process's page writer, made by _setup_pages


def _setup_pages(inputs: PageInputs) -> None:
    _PAGES[:] = [_ResourcePages(inputs)]


def _write_pages(subjects: list) -> list[str]:
    return [_PAGES[0].write(r) for r in subjects]


class _ResourcePages:
    """One HTML page and four RDF files per resource: its concise bounded description
    in Turtle, N-Triples and RDF/XML (pyoxigraph's writers) and JSON-LD (its node
    objects, cut from the compaction of the whole dataset)."""

    def __init__(self, inputs: PageInputs):
        self.store, self.out = inputs.loaded(), inputs.out
        self.compacted, self.prefixes = inputs.compacted, inputs.prefixes
        self.graphs = [ox.NamedNode(str(g)) for g in ASSERTED_GRAPHS]
        graph = StoreLookups(self.store, ASSERTED_GRAPHS)  # the union's triples, without an rdflib copy of them
        self.builder = PageBuilder(graph, Names(graph), inputs.anchors)
        self.template = _env().get_template("resource.html.j2")

    def write(self, r) -> str:
        description = set(self.store.query(DESCRIBE.format(iri=r), default_graph=self.graphs))
        stem = doc_path(r, "")
        slug = stem.rsplit("/", 1)[-1]
        texts = dict(zip(RDF_FORMATS, small_graph(description, tuple(RDF_FORMATS.values()), self.prefixes)))
        # blank nodes of RDF lists are inside their list's value, not nodes of their own
        ids = [i for i in {_expanded_id(t.subject) for t in description} if i in self.compacted.nodes]
        texts["jsonld"] = dumps(self.compacted.cut(ids, _context_for(self.compacted.context, description)))
        written = {}
        for ext in ("ttl", "jsonld", "rdf", "nt"):
            _write(self.out / f"{stem}.{ext}", texts[ext])
            written[ext] = {"href": f"{slug}.{ext}", "size": len(texts[ext])}
        ctx = self.builder.page(r, written)
        ctx["turtle"] = texts["ttl"].decode("utf-8")
        _write(self.out / ctx["path"], self.template.render(page=ctx, here=ctx["path"], site=_site_links(ctx["path"])))
        return ctx["path"]


def _site_links(here: str) -> dict:
    return {k: rel(here, v) for k, v in {
        "home": "index.html", "all": "doc/index.html", "ontology": "def/index.html",
        "css": "static/site.css", "icon": "static/favicon.svg", "script": "static/search.js",
        "search": "search.json", "diagram": "diagram.html", "svg": "diagram.svg"}.items()}


def favicon_png(size: int = 16) -> bytes:
    """A plain square PNG for /favicon.ico (browsers ask for it on pages without a <link rel=icon>)."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    row = b"\x00" + bytes((0x12, 0x26, 0x3A)) * size
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(row * size, 9)) + chunk(b"IEND", b""))


def _first(g: Graph, s, p):
    values = sorted(g.objects(s, p))
    return values[0] if values else None


def _texts(g: Graph, s, p) -> list[Text]:
    vals = [Text(str(o), o.language or "") for o in g.objects(s, p) if isinstance(o, Literal)]
    return sorted(vals, key=lambda t: (LANGS.index(t.lang) if t.lang in LANGS else 9, t.value))


def _index_context(union, ontology, described, names, builder, files, queries) -> dict:
    here = "index.html"
    # what the dataset is: the DCAT description if the build wrote one, else the ontology header
    about = described if (DATASET_IRI, RDF.type, DCAT.Dataset) in described else ontology
    subject = DATASET_IRI if about is described else ONTOLOGY_IRI
    licence = _first(about, subject, DCTERMS.license) or _first(ontology, ONTOLOGY_IRI, DCTERMS.license)
    version = _first(about, subject, OWL.versionInfo) or _first(ontology, ONTOLOGY_IRI, OWL.versionInfo)

    def listed(cls):
        return sorted((s for s in union.subjects(RDF.type, cls) if in_id_space(s)), key=names.sort_key)

    def items(nodes):
        return [{"href": rel(here, doc_path(n)), "nl": names.pair(n)[0], "en": names.pair(n)[1]} for n in nodes]

    organisations = listed(CV.PublicOrganisation)
    arrangements = listed(ORG.OrganizationalCollaboration)
    flows = listed(NLSC.InformationProvision)
    source_urls = sorted(str(u) for u in union.objects(SOURCE_PAGE, SCHEMA.url))
    return {
        "title": _texts(about, subject, DCTERMS.title),
        "description": _texts(about, subject, DCTERMS.description),
        "version": str(version) if version else "",
        "licence": {"href": str(licence), "spdx": LICENCES.get(str(licence), str(licence))} if licence else None,
        "citation": _texts(ontology, ONTOLOGY_IRI, DCTERMS.bibliographicCitation),
        "source": {"href": rel(here, doc_path(SOURCE_PAGE)), "nl": names.pair(SOURCE_PAGE)[0],
                   "en": names.pair(SOURCE_PAGE)[1], "urls": source_urls,
                   "rights": _texts(union, SOURCE_PAGE, DCTERMS.rights)} if (SOURCE_PAGE, None, None) in union else None,
        "figures": [
            ("organisaties", "organisations", len(organisations)),
            ("samenwerkingsverbanden", "arrangements", len(arrangements)),
            ("informatieverstrekkingen", "information flows", len(flows)),
            ("citaten van de bronpagina", "quoted passages", sum(1 for _ in union.subjects(RDF.type, URIRef(
                "http://www.w3.org/ns/oa#TextQuoteSelector")))),
            ("tripels", "triples", len(union)),
        ],
        "organisations": items(organisations),
        "arrangements": items(arrangements),
        "flows": items(flows),
        "downloads": files,
        "queries": [{**{k: v for k, v in q.items() if k != "path"}, "page": page_path(q)} for q in queries],
        "ontology_title": _texts(ontology, ONTOLOGY_IRI, DCTERMS.title),
        "ontology_iri": str(ONTOLOGY_IRI),
        "namespace": str(NLSC),
        "id_space": str(ID),
    }
