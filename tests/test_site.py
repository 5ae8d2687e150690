"""The website in dist/site/: pages, RDF beside them, diagram, ontology docs,
content negotiation, determinism, no network. (Browser checks: test_browser.py.)"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from rdflib import Graph, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

pytest.importorskip("jinja2")

from nlsc.build.sources import load  # noqa: E402
from nlsc.namespaces import CV, ID, NLSC, ORG  # noqa: E402
from nlsc.paths import layout  # noqa: E402
from nlsc.site import build_site  # noqa: E402
from nlsc.site.model import doc_path  # noqa: E402

BASE = "https://w3id.org/nlsc/"


@pytest.fixture(scope="module")
def site(dist) -> Path:
    return dist / "site"


@pytest.fixture(scope="module")
def union() -> Graph:
    return load(layout()).union()


class Links(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.ids: set[str] = set()
        self.langs: list[str] = []
        self.html_lang = None
        self.scripts: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.html_lang = a.get("lang")
        if "lang" in a:
            self.langs.append(a["lang"])
        if "id" in a:
            self.ids.add(a["id"])
        if tag == "a" and "name" in a:
            self.ids.add(a["name"])
        if tag == "script":
            self.scripts.append(a)
        for key in ("href", "src", "xlink:href"):
            if a.get(key):
                self.links.append((tag, a[key]))


def parse(path: Path) -> Links:
    p = Links()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def html_pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


# -- structure ---------------------------------------------------------------

def test_one_page_per_resource_with_rdf_beside_it(site, union):
    subjects = sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    assert len(subjects) > 100
    for s in subjects:
        stem = site / doc_path(s, "")
        for ext in ("html", "ttl", "jsonld", "rdf", "nt"):
            assert stem.with_name(stem.name + "." + ext).is_file(), f"{s}: no .{ext}"
    assert (site / "doc/organisatie/aivd.html").is_file()


def test_resource_rdf_files_are_its_concise_bounded_description(site, union):
    for key in ("organisatie/aivd", "informatieverstrekking/aivd-openbaar-ministerie", "passage/om-ambtsbericht",
                "samenwerkingsverband/versterking-samenwerking-cyber"):
        iri = URIRef(str(ID) + key)
        expected = Graph()
        union.cbd(iri, target_graph=expected)
        stem = site / "doc" / key
        for ext, fmt in (("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml")):
            g = Graph().parse(stem.with_name(stem.name + "." + ext), format=fmt)
            assert isomorphic(g, expected), f"{key}.{ext}"
        doc = json.loads(stem.with_name(stem.name + ".jsonld").read_text("utf-8"))
        assert isinstance(doc["@context"], dict), "JSON-LD must embed its context (never a remote one)"
        g = Graph().parse(data=json.dumps(doc), format="json-ld")
        assert isomorphic(g, expected), f"{key}.jsonld"


def test_every_resource_page_is_its_description_by_rdflib_and_pyld(dist, site, union):
    """Each page's description is Oxigraph's DESCRIBE and its JSON-LD is cut from the one
    compaction of nlsc.jsonld; for every page, rdflib's Graph.cbd gives the triples of its
    .nt, and pyld compacting them with the page's own context gives its .jsonld's bytes."""
    from nlsc.build import jsonld as jl
    from nlsc.build.terms import Quads

    subjects = sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    published = json.loads((dist / "context.jsonld").read_text("utf-8"))["@context"]
    differing = []
    for s in subjects:
        path = site / (doc_path(s, "") + ".jsonld")
        page = json.loads(path.read_text("utf-8"))
        assert all(published[k] == v for k, v in page["@context"].items()), f"{path}: not the published context"
        description = Graph()
        union.cbd(s, target_graph=description)
        page_nt = Graph().parse(path.with_suffix(".nt"), format="nt")
        if not isomorphic(page_nt, description):
            differing.append(f"{s} (.nt)")
        triples = [q.triple for q in Quads().of(description)]
        reference = jl.dumps(jl.compact_nodes(jl.expanded(triples), {"@context": page["@context"]}))
        if reference != path.read_bytes():
            differing.append(str(s))
    assert len(subjects) > 100 and not differing, differing[:10]


def test_page_content_from_the_store_is_the_content_from_an_rdflib_graph():
    """The resource pages read the store through nlsc.build.terms.StoreLookups; for every
    resource that gives the page content an rdflib Graph of the same triples gives, and each
    lookup the same triples (a triple in two named graphs once)."""
    import pyoxigraph as ox

    from nlsc.build.terms import StoreLookups
    from nlsc.namespaces import ASSERTED_GRAPHS, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY
    from nlsc.site.model import Names
    from nlsc.site.ontology import term_anchors
    from nlsc.site.pages import PageBuilder

    sources = load(layout())
    union, lookups = sources.union(), StoreLookups(sources.store, ASSERTED_GRAPHS)
    aivd = URIRef(str(ID) + "organisatie/aivd")
    # after the union view is made: a triple of the data graph also in the context graph
    # (one triple of the union), and one outside the asserted graphs (not in it)
    stated = next(sources.store.quads_for_pattern(ox.NamedNode(str(aivd)), None, None, ox.NamedNode(str(GRAPH_DATA))))
    sources.store.extend([ox.Quad(*stated.triple, ox.NamedNode(str(GRAPH_CONTEXT))),
                          ox.Quad(stated.subject, ox.NamedNode(str(RDF.type)), ox.NamedNode(str(NLSC.Liaison)),
                                  ox.NamedNode(str(GRAPH_INFERRED)))])
    anchors = term_anchors(sources.graph(GRAPH_ONTOLOGY))
    files = {ext: {"href": f"x.{ext}", "size": 1} for ext in ("ttl", "jsonld", "rdf", "nt")}
    from_graph, from_store = PageBuilder(union, Names(union), anchors), PageBuilder(lookups, Names(lookups), anchors)
    subjects = sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    differing = [str(s) for s in subjects if from_graph.page(s, files) != from_store.page(s, files)]
    assert len(subjects) > 100 and not differing, differing[:10]
    for got, want in ((lookups.predicate_objects(aivd), union.predicate_objects(aivd)),
                      (lookups.subject_predicates(aivd), union.subject_predicates(aivd)),
                      (lookups.subjects(RDF.type, CV.PublicOrganisation), union.subjects(RDF.type, CV.PublicOrganisation))):
        got = list(got)
        assert got and len(got) == len(set(got)) and set(got) == set(want)
    assert (aivd, RDF.type, CV.PublicOrganisation) in lookups and (aivd, RDF.type, NLSC.Liaison) not in lookups


def test_every_resource_rdf_reads_back_as_its_ntriples(site, union):
    """The build writes the per-resource RDF/XML without parsing it back (the main
    RDF/XML distribution is); here every page's .rdf and .ttl must give its .nt."""
    subjects = sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    for s in subjects:
        stem = site / doc_path(s, "")
        expected = Graph().parse(stem.with_name(stem.name + ".nt"), format="nt")
        assert len(expected) > 0, s
        for ext, fmt in (("rdf", "xml"), ("ttl", "turtle")):
            assert isomorphic(Graph().parse(stem.with_name(stem.name + "." + ext), format=fmt), expected), f"{s}.{ext}"


def test_pages_are_bilingual_with_lang_attributes(site):
    for page in ("index.html", "doc/organisatie/aivd.html", "doc/samenwerkingsverband/jscu.html", "doc/index.html"):
        p = parse(site / page)
        assert p.html_lang == "nl"
        assert "en" in p.langs and "nl" in p.langs, page
    aivd = (site / "doc/organisatie/aivd.html").read_text("utf-8")
    assert '<h1 lang="nl">Algemene Inlichtingen- en Veiligheidsdienst</h1>' in aivd
    assert 'lang="en">General Intelligence and Security Service<' in aivd


def test_statement_page_shows_quotes_with_translation_and_both_directions(site, union):
    page = (site / "doc/informatieverstrekking/aivd-openbaar-ministerie.html").read_text("utf-8")
    for passage in union.objects(URIRef(str(ID) + "informatieverstrekking/aivd-openbaar-ministerie"),
                                 URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")):
        for exact in union.objects(passage, URIRef("http://www.w3.org/ns/oa#exact")):
            assert f'<blockquote lang="nl">{exact}</blockquote>' in page
        for tr in union.objects(passage, NLSC.translation):
            assert f'lang="en">{tr}</blockquote>' in page
    assert 'href="../organisatie/aivd.html"' in page and 'href="../organisatie/openbaar-ministerie.html"' in page
    # incoming: the OM page links back to the statement
    om = (site / "doc/organisatie/openbaar-ministerie.html").read_text("utf-8")
    assert 'href="../informatieverstrekking/aivd-openbaar-ministerie.html"' in om


def test_external_links(site, union):
    """Every TOOI / ROO / Wikidata / website link of an organisation is a link on its page."""
    from nlsc.site.model import EXTERNAL_LINK_PROPERTIES

    checked = 0
    for org in sorted(union.subjects(RDF.type, CV.PublicOrganisation)):
        page = (site / doc_path(org)).read_text("utf-8")
        for p in EXTERNAL_LINK_PROPERTIES:
            for o in union.objects(org, p):
                if isinstance(o, URIRef) and not str(o).startswith(BASE):
                    assert f'href="{o}"' in page, (org, p, o)
                    checked += 1
    assert checked >= 10
    om = (site / "doc/organisatie/openbaar-ministerie.html").read_text("utf-8")
    assert 'href="https://identifier.overheid.nl/tooi/id/oorg/oorg12371"' in om


# -- index -------------------------------------------------------------------

def test_index_figures_downloads_and_licence(site, dist, union):
    index = (site / "index.html").read_text("utf-8")
    orgs = len({s for s in union.subjects(RDF.type, CV.PublicOrganisation)})
    arrs = len({s for s in union.subjects(RDF.type, ORG.OrganizationalCollaboration)})
    flows = len({s for s in union.subjects(RDF.type, NLSC.InformationProvision)})
    for n in (orgs, arrs, flows, len(union)):
        assert f'<span class="n" lang="nl">{n:,}</span>'.replace(",", ".") in index, n
    # numbers as each language writes them: 1.397 in Dutch, 1,397 in English
    assert len(union) >= 1000
    assert f'<span class="en" lang="en">{len(union):,} triples</span>' in index
    assert "CC0-1.0" in index and "creativecommons.org/publicdomain/zero/1.0/" in index
    assert 'href="def/index.html"' in index
    import hashlib

    for name in ("nlsc.ttl", "nlsc.jsonld", "nlsc.trig", "dataset.ttl"):
        f = dist / name
        assert f.is_file()
        assert hashlib.sha256(f.read_bytes()).hexdigest() in index, name
        assert f'href="dist/{name}"' in index
        assert (site / "dist" / name).read_bytes() == f.read_bytes()
        size = f.stat().st_size
        assert size >= 1000, name
        nl, en = f"{size:,}".replace(",", "."), f"{size:,}"
        assert f'<span lang="nl">{nl}</span> <span class="en" lang="en">/ {en}</span> bytes' in index, name


def test_index_lists_the_bundled_queries(site):
    queries = sorted((Path(str(layout().root)) / "queries").glob("*.rq"))
    index = (site / "index.html").read_text("utf-8")
    for q in queries:
        assert f'href="queries/{q.name}"' in index
        assert (site / "queries" / q.name).is_file()


# -- diagram -----------------------------------------------------------------

def test_diagram_has_every_organisation_and_typed_edges(site, union):
    svg = (site / "diagram.svg").read_text("utf-8")
    for org in union.subjects(RDF.type, CV.PublicOrganisation):
        assert f'xlink:href="{doc_path(org)}"' in svg, org
    for kind in ("edge_provision", "edge_membership", "edge_forwardpost"):
        assert f"class=\"edge {kind}\"" in svg
    assert "Legend" in svg
    # the same SVG is inlined in the index page
    index = (site / "index.html").read_text("utf-8")
    assert svg[svg.index("<svg"):].strip() in index


# -- ontology documentation ---------------------------------------------------

def test_ontology_documentation(site):
    doc = (site / "def/index.html").read_text("utf-8")
    assert "https://w3id.org/nlsc/def#InformationProvision" in doc
    assert 'id="InformationProvision"' in doc and 'name="viewport"' in doc
    for ext, fmt in (("ttl", "turtle"), ("nt", "nt"), ("rdf", "xml"), ("jsonld", "json-ld")):
        g = Graph().parse(site / "def" / f"nlsc.{ext}", format=fmt)
        assert (URIRef(BASE + "def"), RDF.type, URIRef("http://www.w3.org/2002/07/owl#Ontology")) in g


def _text(html: str) -> str:
    """The text of an HTML page as a reader sees it: block elements on lines of their own,
    inline tags dropped (so "<span>a</span><span>b</span>" reads "ab")."""
    blocks = re.sub(r"</?(?:p|li|h[1-6]|td|th|tr|div|dt|dd|section|ul|table|nav|header|title)\b[^>]*>", "\n", html)
    return re.sub(r"<[^>]+>", "", blocks)


def test_ontology_page_keeps_dutch_and_english_apart(site, union):
    """Each term of ours has a section with its id, its Dutch and English names each in
    an element of its own language, never run together; its definitions likewise."""
    from markupsafe import escape
    from rdflib import Literal
    from rdflib.namespace import RDFS, SKOS

    doc = (site / "def/index.html").read_text("utf-8")
    text = _text(doc)
    terms = sorted({s for s in union.subjects(RDFS.label, None) if str(s).startswith(str(NLSC))})
    assert len(terms) > 30
    for term in terms:
        local = str(term)[len(str(NLSC)):]
        labels = {o.language: str(o) for o in union.objects(term, RDFS.label) if isinstance(o, Literal)}
        assert f'id="{local}"' in doc, term
        assert f'<span lang="nl">{labels["nl"]}</span>' in doc, term
        if labels["en"] != labels["nl"]:
            assert f'lang="en">/ {labels["en"]}</span>' in doc, term
            assert labels["nl"] + labels["en"] not in text and labels["en"] + labels["nl"] not in text, term
        for d in union.objects(term, SKOS.definition):
            assert f'<p lang="{d.language}">{escape(str(d))}</p>' in doc, (term, d.language)
    titles = [str(o) for o in union.objects(URIRef(BASE + "def"), URIRef("http://purl.org/dc/terms/title"))]
    assert len(titles) == 2 and titles[0] + titles[1] not in text and titles[1] + titles[0] not in text


def test_every_page_has_the_menu_and_the_search_box(site):
    for page in html_pages(site):
        here = page.relative_to(site).as_posix()
        html = page.read_text("utf-8")
        assert '<nav class="menu"' in html and 'id="site-search-q"' in html, here
        p = parse(page)
        targets = {(page.parent / url).resolve() for tag, url in p.links if tag == "a"}
        for goal in ("index.html", "doc/index.html", "diagram.html", "def/index.html"):
            assert (site / goal).resolve() in targets, (here, goal)


def test_search_index_has_every_resource_and_label(site, union):
    from rdflib import Literal
    from rdflib.namespace import SKOS

    rows = json.loads((site / "search.json").read_text("utf-8"))
    by_path = {r[0]: r for r in rows}
    subjects = sorted({s for s in union.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    for s in subjects:
        row = by_path[doc_path(s)]
        for p in (SKOS.prefLabel, SKOS.altLabel):
            for o in union.objects(s, p):
                if isinstance(o, Literal):
                    assert str(o) in row[4], (s, o)
    for path in by_path:
        assert (site / path.split("#")[0]).is_file(), path
    om = by_path["doc/organisatie/openbaar-ministerie.html"][4]
    assert "Openbaar Ministerie" in om and "Public Prosecution Service" in om


def test_resource_page_shows_facts_before_its_rdf(site):
    """The Turtle is one click away (a closed <details>) after the relations; links to
    the four RDF files are at the top."""
    page = (site / "doc/organisatie/aivd.html").read_text("utf-8")
    assert page.index('href="aivd.ttl"') < page.index("<h2>")
    rdf = page.index('<pre class="code"')
    assert page.index('id="rdf"') > page.index("Relaties") and rdf > page.index("Relaties")
    opening = page.rfind("<details", 0, rdf)
    assert opening > 0 and page[opening:page.index(">", opening)] == "<details"  # closed
    assert "<aside" not in page


def test_numbers_are_written_per_language():
    from rdflib import Literal
    from rdflib.namespace import XSD

    from nlsc.site.model import Names, number
    from nlsc.site.pages import PageBuilder

    assert (number(2500, "nl"), number(2500, "en")) == ("2.500", "2,500")
    assert (number(1234.56, "nl", 1), number(1234.56, "en", 1)) == ("1.234,6", "1,234.6")
    v = PageBuilder(Graph(), Names(Graph()), {}).value("doc/x/y.html", Literal(2500, datatype=XSD.integer))
    assert v["number"] == {"nl": "2.500", "en": "2,500"}


def test_diagram_draws_every_relation_between_its_nodes(site, union):
    """Every triple between two things drawn in diagram.dot is an edge there (either
    direction), whatever its property: the CSR's nlsc:advises included."""
    dot = (site / "diagram.dot").read_text("utf-8")
    node_of = {m.group(2): m.group(1) for m in re.finditer(r'^  (n\d+) \[.*?href="([^"]+)"', dot, re.M)}
    pairs = {frozenset(m.groups()) for m in re.finditer(r"^  (n\d+) -> (n\d+) ", dot, re.M)}
    assert len(node_of) > 20
    missing, checked = [], 0
    for s, p, o in union:
        if isinstance(s, URIRef) and isinstance(o, URIRef) and s != o \
                and str(s).startswith(str(ID)) and str(o).startswith(str(ID)):
            a, b = node_of.get(doc_path(s)), node_of.get(doc_path(o))
            if a and b:
                checked += 1
                if frozenset((a, b)) not in pairs:
                    missing.append((str(s), str(p), str(o)))
    assert checked > 40 and not missing, missing
    csr, cabinet = node_of["doc/organisatie/cyber-security-raad.html"], node_of["doc/organisatie/kabinet.html"]
    assert re.search(rf"^  {csr} -> {cabinet} \[.*label=", dot, re.M)
    page = (site / "diagram.html").read_text("utf-8")
    svg = (site / "diagram.svg").read_text("utf-8")
    assert svg[svg.index("<svg"):].strip() in page and 'class="legend"' in page


# -- no network ---------------------------------------------------------------

def test_no_external_resources(site):
    """Links to the outside are fine; nothing may be *loaded* from it (CSS, scripts, images, fonts)."""
    for page in html_pages(site):
        p = parse(page)
        for tag, url in p.links:
            if tag in ("script", "img", "link", "iframe", "source", "image", "use"):
                if tag == "link" and url.startswith("data:"):
                    continue
                assert not urlsplit(url).scheme and not url.startswith("//"), f"{page}: {tag} loads {url}"
        for s in p.scripts:  # the one script is the site's own search box
            assert s.get("src", "").endswith("static/search.js"), f"{page}: script {s}"
    assert "://" not in (site / "static/search.js").read_text("utf-8")
    css = (site / "static/site.css").read_text("utf-8")
    assert "@import" not in css and "url(" not in css and "@font-face" not in css


def test_every_internal_link_resolves(site):
    broken = []
    ids_cache: dict[Path, set] = {}
    for page in html_pages(site):
        p = parse(page)
        ids_cache[page] = p.ids
        for _, url in p.links:
            parts = urlsplit(url)
            if parts.scheme or url.startswith("//") or url.startswith("mailto:"):
                continue
            target = (page.parent / parts.path).resolve() if parts.path else page
            if not target.is_file():
                broken.append(f"{page.relative_to(site)} -> {url}")
                continue
            if parts.fragment and target.suffix == ".html":
                ids = ids_cache.get(target) or parse(target).ids
                ids_cache[target] = ids
                if parts.fragment not in ids:
                    broken.append(f"{page.relative_to(site)} -> {url} (no #{parts.fragment})")
    assert not broken, "\n".join(broken[:50])


# -- content negotiation: served by real Apache and nginx in test_conneg_servers.py --

# -- determinism ---------------------------------------------------------------

def test_site_is_byte_identical_across_runs(dist, tmp_path):
    again = tmp_path / "dist"
    again.mkdir()
    for f in dist.iterdir():
        if f.is_file():
            (again / f.name).write_bytes(f.read_bytes())
    build_site(load(layout()), again)
    a = {p.relative_to(dist / "site"): p.read_bytes() for p in (dist / "site").rglob("*") if p.is_file()}
    b = {p.relative_to(again / "site"): p.read_bytes() for p in (again / "site").rglob("*") if p.is_file()}
    assert sorted(a) == sorted(b)
    differing = [str(k) for k in sorted(a) if a[k] != b[k]]
    assert not differing, differing[:20]


def test_no_timestamps(site):
    for name in ("index.html", "doc/organisatie/aivd.html", "diagram.svg"):
        text = (site / name).read_text("utf-8")
        assert not re.search(r"\b20\d\d-\d\d-\d\dT\d\d:\d\d", text), name


def test_rel_is_relpath():
    """model.rel computes posixpath.relpath without the working directory."""
    import itertools
    import posixpath

    from nlsc.site.model import rel

    paths = ["index.html", "doc/index.html", "doc/a/b.html", "doc/a/c.html", "doc/b/x.html", "def/index.html",
             "doc/", "doc/a/", "static/site.css", "a", "doc/a/b/c.html", "doc", "../x", "./doc/a.html", "doc/ab/c"]
    for here, there in itertools.product(paths, paths):
        assert rel(here, there) == posixpath.relpath(there, posixpath.dirname(here) or "."), (here, there)
