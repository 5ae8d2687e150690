"""The CSV tables (queries/tables/*.rq -> dist/nlsc-*.csv, dist/datapackage.json) and the
page per bundled query (dist/site/queries/NAME.html)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import frictionless
import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCAT, RDF

from conftest import REPO
from nlsc.errors import SourceError
from nlsc.sparql.query import parse_header
from nlsc.build.tables import PACKAGE, answer, read_tables

ORG = "http://www.w3.org/ns/org#"
NLSC = "https://w3id.org/nlsc/def#"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
IANA = "http://www.iana.org/assignments/media-types/"


def _rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _package(dist: Path) -> dict:
    return json.loads((dist / PACKAGE).read_text("utf-8"))


# -- the tables -------------------------------------------------------------------

def test_frictionless_validates_the_package(dist):
    report = frictionless.validate(str(dist / PACKAGE))
    assert report.valid, report.flatten(["resourcePath", "rowNumber", "fieldName", "type", "note"])
    assert [t.name for t in report.tasks] == [p.stem for p in sorted((REPO / "queries/tables").glob("*.rq"))]


def test_frictionless_sees_a_changed_file(dist, tmp_path):
    """The package pins each file's bytes and hash: an edited CSV no longer validates."""
    for f in [PACKAGE, *(r["path"] for r in _package(dist)["resources"])]:
        shutil.copyfile(dist / f, tmp_path / f)
    target = tmp_path / "nlsc-organisations.csv"
    target.write_bytes(target.read_bytes().replace(b"AIVD", b"AIVX", 1))
    assert not frictionless.validate(str(tmp_path / PACKAGE)).valid


def test_every_table_is_utf8_with_the_header_of_its_schema(dist):
    for resource in _package(dist)["resources"]:
        data = (dist / resource["path"]).read_bytes()
        text = data.decode("utf-8")  # fails on anything but UTF-8
        header = next(csv.reader(io.StringIO(text)))
        assert header == [f["name"] for f in resource["schema"]["fields"]], resource["name"]
        assert all(f["description"] for f in resource["schema"]["fields"]), resource["name"]
        assert resource["bytes"] == len(data)


def test_tables_hold_what_the_graph_holds(dist, source_graphs):
    """Counted with rdflib over the sources, independently of the queries."""
    g = source_graphs["union"]

    def things(cls: str) -> set[str]:
        return {str(s) for s in g.subjects(RDF.type, URIRef(cls))}

    assert {r["organisation"] for r in _rows(dist / "nlsc-organisations.csv")} == things(
        "http://data.europa.eu/m8g/PublicOrganisation")
    assert {r["membership"] for r in _rows(dist / "nlsc-memberships.csv")} == things(ORG + "Membership")
    flows = _rows(dist / "nlsc-information-flows.csv")
    assert {r["provision"] for r in flows} == things(NLSC + "InformationProvision")
    for r in flows:
        assert (URIRef(r["provision"]), URIRef(NLSC + "recipient"), URIRef(r["recipient"])) in g
    assert {r["relation"] for r in _rows(dist / "nlsc-forward-posts.csv")} == things(NLSC + "ForwardPostRelation")
    passages = _rows(dist / "nlsc-passages.csv")
    derived = {(str(p), str(s)) for s, p in g.subject_objects(URIRef(PROV + "wasDerivedFrom"))
               if (p, RDF.type, URIRef(OA + "TextQuoteSelector")) in g}
    assert {(r["passage"], r["supports"]) for r in passages if r["supports"]} == derived
    for r in passages:
        assert (URIRef(r["passage"]), URIRef(OA + "exact"), None) in g
        assert r["exact"] in {str(o) for o in g.objects(URIRef(r["passage"]), URIRef(OA + "exact"))}


def test_tables_are_distributions_in_dataset_ttl(dist):
    g = Graph().parse(dist / "dataset.ttl")
    described = {}
    for d in g.subjects(RDF.type, DCAT.Distribution):
        name = str(g.value(d, DCAT.downloadURL)).rsplit("/", 1)[-1]
        described[name] = (str(g.value(d, DCAT.mediaType)), int(g.value(d, DCAT.byteSize)))
    for resource in _package(dist)["resources"]:
        name = resource["path"]
        assert described.get(name) == (IANA + "text/csv", (dist / name).stat().st_size), name
    assert described[PACKAGE] == (IANA + "application/json", (dist / PACKAGE).stat().st_size)
    dumps = {str(o).rsplit("/", 1)[-1] for o in g.objects(None, URIRef("http://rdfs.org/ns/void#dataDump"))}
    assert "nlsc.nq" in dumps and not {n for n in dumps if n.endswith((".csv", ".json"))}


def _table_copy(tmp_path: Path, edit) -> Path:
    queries = tmp_path / "queries"
    shutil.copytree(REPO / "queries" / "tables", queries / "tables")
    path = queries / "tables" / "forward-posts.rq"
    path.write_text(edit(path.read_text("utf-8")), encoding="utf-8")
    return queries


def test_a_column_the_select_does_not_give_is_a_located_error(tmp_path):
    queries = _table_copy(tmp_path, lambda t: t.replace("?served_service_en\nWHERE", "\nWHERE"))
    table = next(t for t in read_tables(queries, tmp_path) if t.name == "forward-posts")
    with pytest.raises(SourceError, match=r"^queries/tables/forward-posts.rq: the SELECT gives columns .* "
                                          r"the header describes .*served_service_en$"):
        answer(table, ox.Store(), tmp_path)


def test_an_unknown_column_type_names_its_line(tmp_path):
    queries = _table_copy(tmp_path, lambda t: t.replace("# Column unit (iri)", "# Column unit (url)"))
    with pytest.raises(SourceError, match=r"^queries/tables/forward-posts.rq:\d+: column unit: unknown type 'url'"):
        read_tables(queries, tmp_path)


# -- a page per bundled query -----------------------------------------------------

class _Answer(HTMLParser):
    """The rows of table.results and every href of the page."""

    def __init__(self):
        super().__init__()
        self.rows, self.hrefs, self.in_results, self.in_body = 0, [], False, False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.hrefs.append(a.get("href"))
        self.in_results |= tag == "table" and "results" in (a.get("class") or "")
        self.in_body |= self.in_results and tag == "tbody"
        self.rows += self.in_body and tag == "tr"

    def handle_endtag(self, tag):
        if tag == "table":
            self.in_results = self.in_body = False


def _expected_rows(rq: Path) -> int | bool:
    """From the hand-written expected answer beside the query (queries/README.md)."""
    for ext in ("tsv", "srj", "ttl"):
        path = rq.with_suffix(f".{ext}")
        if path.is_file():
            break
    if ext == "tsv":
        return len(path.read_text("utf-8").splitlines()) - 1
    if ext == "srj":
        return json.loads(path.read_text("utf-8"))["boolean"]
    return len(Graph().parse(path))


@pytest.mark.parametrize("rq", sorted((REPO / "queries").glob("*.rq")), ids=lambda p: p.stem)
def test_query_page_shows_the_expected_answer(dist, rq):
    html = (dist / "site" / "queries" / f"{rq.stem}.html").read_text("utf-8")
    page = _Answer()
    page.feed(html)
    expected = _expected_rows(rq)
    if isinstance(expected, bool):
        assert f"<code>{'true' if expected else 'false'}</code>" in html
    else:
        assert page.rows == expected
    assert f"{rq.stem}.rq" in page.hrefs
    header = parse_header(rq.read_text("utf-8"))
    for key, lang in (("question@nl", "nl"), ("question", "en"), ("title@nl", "nl"), ("title@en", "en")):
        assert re.search(f'lang="{lang}"[^>]*>{re.escape(header[key])}<', unescape(html)), (rq.stem, key)


def test_index_links_every_query_page_and_table(dist):
    index = (dist / "site" / "index.html").read_text("utf-8")
    for rq in sorted((REPO / "queries").glob("*.rq")):
        assert f'href="queries/{rq.stem}.html"' in index, rq.stem
    for resource in _package(dist)["resources"]:
        assert f'href="dist/{resource["path"]}"' in index
        assert (dist / "site" / "dist" / resource["path"]).read_bytes() == (dist / resource["path"]).read_bytes()
    assert f'href="dist/{PACKAGE}"' in index
