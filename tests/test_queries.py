"""The bundled SPARQL queries (queries/*.rq) and checks (queries/checks/*-violation.rq).

Each query is run on three engines and compared, as RDF terms, with the
expected result beside it (NAME.tsv / NAME.srj / NAME.ttl), which was written
by hand from the page (see queries/README.md):

* pyoxigraph, on the store `nlsc query` uses, read from a fresh dist/;
* rdflib, on the Turtle sources loaded into a Dataset with a union default graph;
* Comunica (node, tools/js/comunica-check.mjs), on the asserted graphs of dist/nlsc.nq.

Rows are compared as multisets, or as lists when the query has ORDER BY.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from conftest import REPO, need_tool, run_cli

sys.path.insert(0, str(REPO / "src"))
from nlsc.sparql import query as nq  # noqa: E402
from nlsc.namespaces import ASSERTED_GRAPHS, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY  # noqa: E402

QUERIES = REPO / "queries"
CHECKS = QUERIES / "checks"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
JS_DIR = Path(os.environ.get("NLSC_JS_DIR", REPO / "tools" / "js"))

QUERY_FILES = sorted(QUERIES.glob("*.rq"))
CHECK_FILES = sorted(CHECKS.glob("*-violation.rq"))
HEADER_FIELDS = ("title@nl", "title@en", "description@nl", "description@en", "question", "answer")


def ids(paths):
    return [p.stem for p in paths]


# ---------------------------------------------------------------------------
# terms and results, engine-neutral
# ---------------------------------------------------------------------------


def ox_term(t):
    if t is None:
        return None
    if isinstance(t, ox.NamedNode):
        return ("iri", t.value)
    if isinstance(t, ox.BlankNode):
        return ("bnode",)
    if t.language:
        return ("lit", t.value, t.language.lower(), RDF_LANGSTRING)
    return ("lit", t.value, "", t.datatype.value)


def rdflib_term(t):
    if t is None:
        return None
    if isinstance(t, URIRef):
        return ("iri", str(t))
    if isinstance(t, BNode):
        return ("bnode",)
    assert isinstance(t, Literal)
    if t.language:
        return ("lit", str(t), t.language.lower(), RDF_LANGSTRING)
    return ("lit", str(t), "", str(t.datatype) if t.datatype else XSD_STRING)


def json_term(b):
    if b is None:
        return None
    if b["type"] == "uri":
        return ("iri", b["value"])
    if b["type"] == "bnode":
        return ("bnode",)
    if b.get("xml:lang"):
        return ("lit", b["value"], b["xml:lang"].lower(), RDF_LANGSTRING)
    return ("lit", b["value"], "", b.get("datatype", XSD_STRING))


class Table:
    """Variables and rows (tuples of neutral terms), or a boolean."""

    def __init__(self, variables=None, rows=None, boolean=None):
        self.variables, self.rows, self.boolean = variables, rows, boolean

    def __repr__(self):  # pragma: no cover - shown on failure
        if self.boolean is not None:
            return f"ASK {self.boolean}"
        return "\n".join([" | ".join(self.variables)] + [" | ".join(_show(t) for t in r) for r in self.rows])


def _show(t):
    if t is None:
        return "-"
    if t[0] == "iri":
        return f"<{t[1]}>"
    if t[0] == "bnode":
        return "_:b"
    return f'"{t[1]}"' + (f"@{t[2]}" if t[2] else ("" if t[3] == XSD_STRING else f"^^<{t[3]}>"))


def from_ox(result) -> Table | Graph:
    if isinstance(result, ox.QueryBoolean):
        return Table(boolean=bool(result))
    if isinstance(result, ox.QueryTriples):
        return to_rdflib_graph(ox.serialize(list(result), format=ox.RdfFormat.N_TRIPLES))
    variables = [v.value for v in result.variables]
    return Table(variables, [tuple(ox_term(s[v]) for v in variables) for s in result])


def from_rdflib(result) -> Table | Graph:
    if result.type == "ASK":
        return Table(boolean=bool(result.askAnswer))
    if result.type in ("CONSTRUCT", "DESCRIBE"):
        g = Graph()
        for t in result:
            g.add(t)
        return g
    variables = [str(v) for v in result.vars]
    return Table(variables, [tuple(rdflib_term(row[v]) for v in result.vars) for row in result])


def from_json(data: bytes) -> Table:
    doc = json.loads(data)
    if "boolean" in doc:
        return Table(boolean=bool(doc["boolean"]))
    variables = doc["head"]["vars"]
    rows = [tuple(json_term(b.get(v)) for v in variables) for b in doc["results"]["bindings"]]
    return Table(variables, rows)


def to_rdflib_graph(ntriples: bytes | str) -> Graph:
    return Graph().parse(data=ntriples if isinstance(ntriples, str) else ntriples.decode("utf-8"), format="nt")


def expected_for(path: Path) -> Table | Graph:
    for suffix in (".tsv", ".srj", ".csv", ".ttl"):
        exp = path.with_suffix(suffix)
        if exp.is_file():
            break
    else:
        pytest.fail(f"{path.name} has no expected result beside it")
    if suffix == ".ttl":
        return Graph().parse(exp, format="turtle")
    if suffix == ".srj":
        return from_json(exp.read_bytes())
    fmt = ox.QueryResultsFormat.TSV if suffix == ".tsv" else ox.QueryResultsFormat.CSV
    return from_ox(ox.parse_query_results(exp.read_bytes(), format=fmt))


def ordered(text: str) -> bool:
    return bool(re.search(r"\bORDER\s+BY\b", nq.strip_comments_and_strings(text), re.IGNORECASE))


def assert_same(actual, expected, text: str, engine: str):
    if isinstance(expected, Graph):
        assert isinstance(actual, Graph), f"{engine}: expected triples"
        missing = set(expected) - set(actual)
        extra = set(actual) - set(expected)
        assert isomorphic(actual, expected), f"{engine}: missing {sorted(missing)}; unexpected {sorted(extra)}"
        return
    if expected.boolean is not None:
        assert actual.boolean == expected.boolean, f"{engine}: ASK gave {actual.boolean}"
        return
    assert actual.variables == expected.variables, f"{engine}: variables {actual.variables}"
    if ordered(text):
        assert actual.rows == expected.rows, f"{engine}: rows or their order differ:\n{actual}\n--- expected:\n{expected}"
    else:
        missing = Counter(expected.rows) - Counter(actual.rows)
        extra = Counter(actual.rows) - Counter(expected.rows)
        assert not missing and not extra, (
            f"{engine}: missing rows {[tuple(map(_show, r)) for r in missing]}; "
            f"unexpected rows {[tuple(map(_show, r)) for r in extra]}")


# ---------------------------------------------------------------------------
# the engines
# ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def ox_store(dist):
    store = nq.store_from_dist(dist)
    assert store is not None, "dist/ has neither nlsc.trig nor nlsc.nq"
    return store


@pytest.fixture(scope="session")
def source_store():
    return nq.store_from_sources(REPO)


@pytest.fixture(scope="session")
def rdflib_dataset():
    """The sources in an rdflib Dataset: three named graphs, union as default graph."""
    ds = Dataset(default_union=True)
    context_dir = REPO / "data" / "context"
    for f in sorted((REPO / "ontology").glob("*.ttl")):
        ds.graph(GRAPH_ONTOLOGY).parse(f, format="turtle")
    for f in sorted((REPO / "data").rglob("*.ttl")):
        ds.graph(GRAPH_CONTEXT if context_dir in f.parents else GRAPH_DATA).parse(f, format="turtle")
    return ds


@pytest.fixture(scope="session")
def asserted_nq(dist, tmp_path_factory) -> Path:
    """dist/nlsc.nq without the inferred graph: what the queries' default graph is."""
    keep = tuple(f"<{g}> .\n" for g in ASSERTED_GRAPHS)
    lines = (dist / "nlsc.nq").read_text(encoding="utf-8").splitlines(keepends=True)
    out = tmp_path_factory.mktemp("comunica") / "asserted.nq"
    out.write_text("".join(line for line in lines if line.endswith(keep)), encoding="utf-8")
    return out


@pytest.fixture(scope="session")
def comunica(asserted_nq, tmp_path_factory):
    """A callable giving one query file's Comunica result, or a skip (a failure in CI).
    Every query and check is answered by one Comunica process (node and the engine start
    once); the tests that use it share one xdist group, so that happens once per run."""
    node = shutil.which("node")
    need_tool(node is not None, "node")
    need_tool((JS_DIR / "node_modules" / "@comunica" / "query-sparql-file").is_dir(),
              f"@comunica/query-sparql-file in {JS_DIR}/node_modules (run `npm ci` in tools/js)")
    script = JS_DIR / "comunica-check.mjs"
    if not script.is_file():  # NLSC_JS_DIR points at another install: use our script there
        shutil.copy(REPO / "tools" / "js" / "comunica-check.mjs", script)
    batch = tmp_path_factory.mktemp("comunica-batch") / "queries.json"
    batch.write_text(json.dumps([str(p) for p in QUERY_FILES + CHECK_FILES]), encoding="utf-8")
    proc = subprocess.run([node, str(script), "--batch", str(batch), str(asserted_nq)], capture_output=True, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    answers = json.loads(proc.stdout)

    def run(query_path: Path, data: Path):
        assert data == asserted_nq, "the batch ran on the asserted graphs only"
        answer = answers[str(query_path)]
        assert "error" not in answer, f"comunica: {answer.get('error')}"
        out = answer["result"].encode("utf-8")
        if nq.query_kind(query_path.read_text(encoding="utf-8")) in ("CONSTRUCT", "DESCRIBE"):
            return to_rdflib_graph(out)
        return from_json(out)

    return run


# ---------------------------------------------------------------------------
# the catalogue
# ---------------------------------------------------------------------------


def test_enough_queries_of_each_kind():
    kinds = Counter(nq.query_kind(p.read_text(encoding="utf-8")) for p in QUERY_FILES)
    assert len(QUERY_FILES) >= 20, kinds
    assert kinds["CONSTRUCT"] >= 2 and kinds["ASK"] >= 1 and kinds["SELECT"] >= 15, kinds
    assert len(CHECK_FILES) >= 3  # rules across resources; the others are shapes (shapes/README.md)
    assert not set(CHECKS.glob("*.rq")) - set(CHECK_FILES), "every check is named *-violation.rq"


def test_some_query_uses_property_paths_and_aggregation():
    texts = [nq.strip_comments_and_strings(p.read_text(encoding="utf-8")) for p in QUERY_FILES]
    assert any(re.search(r"\w[*+](\s|\))", t) or "^" in t for t in texts), "no property path"
    assert any(re.search(r"\b(COUNT|SUM|MIN|MAX|AVG)\s*\(", t) and "GROUP BY" in t for t in texts), "no aggregation"


@pytest.mark.parametrize("path", QUERY_FILES + CHECK_FILES, ids=ids(QUERY_FILES + CHECK_FILES))
def test_header(path):
    header = nq.parse_header(path.read_text(encoding="utf-8"))
    missing = [f for f in HEADER_FIELDS if not header.get(f)]
    assert not missing, f"{path.name}: header lacks {missing}"


@pytest.mark.parametrize("path", QUERY_FILES + CHECK_FILES, ids=ids(QUERY_FILES + CHECK_FILES))
def test_plain_sparql_without_remote_or_engine_features(path):
    text = path.read_text(encoding="utf-8")
    body = nq.strip_comments_and_strings(text)
    assert not re.search(r"\b(SERVICE|LOAD|GROUP_CONCAT)\b", body, re.IGNORECASE), path.name
    # every prefix used is declared in the query itself (no engine defaults)
    declared = set(re.findall(r"PREFIX\s+([\w-]*):", body, re.IGNORECASE))
    used = set(re.findall(r"(?<![\w<?$])([A-Za-z][\w-]*):[A-Za-z_]", body)) - {"http", "https"}
    assert used <= declared, f"{path.name}: undeclared prefixes {used - declared}"


# ---------------------------------------------------------------------------
# expected results, on every engine
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", QUERY_FILES, ids=ids(QUERY_FILES))
def test_pyoxigraph_on_dist(path, ox_store):
    text = path.read_text(encoding="utf-8")
    assert_same(from_ox(nq.run_query(text, ox_store)), expected_for(path), text, "pyoxigraph/dist")


@pytest.mark.parametrize("path", QUERY_FILES, ids=ids(QUERY_FILES))
def test_pyoxigraph_on_sources(path, source_store):
    text = path.read_text(encoding="utf-8")
    assert_same(from_ox(nq.run_query(text, source_store)), expected_for(path), text, "pyoxigraph/sources")


@pytest.mark.parametrize("path", QUERY_FILES, ids=ids(QUERY_FILES))
def test_rdflib(path, rdflib_dataset):
    text = path.read_text(encoding="utf-8")
    assert_same(from_rdflib(rdflib_dataset.query(text)), expected_for(path), text, "rdflib")


@pytest.mark.xdist_group("comunica")
@pytest.mark.parametrize("path", QUERY_FILES, ids=ids(QUERY_FILES))
def test_comunica(path, comunica, asserted_nq):
    text = path.read_text(encoding="utf-8")
    assert_same(comunica(path, asserted_nq), expected_for(path), text, "comunica")


@pytest.mark.parametrize("path", [p for p in QUERY_FILES if nq.has_lang_parameter(p.read_text(encoding="utf-8"))],
                         ids=ids([p for p in QUERY_FILES if nq.has_lang_parameter(p.read_text(encoding="utf-8"))]))
def test_english_gives_the_same_rows(path, source_store):
    """--lang en: same resources, labels in English (every resource has both)."""
    text = path.read_text(encoding="utf-8")
    nl = from_ox(nq.run_query(text, source_store, lang="nl"))
    en = from_ox(nq.run_query(text, source_store, lang="en"))
    assert len(en.rows) == len(nl.rows)
    iris = lambda t: sorted(tuple(x for x in r if x is not None and x[0] == "iri") for r in t.rows)  # noqa: E731
    assert iris(en) == iris(nl)
    langs = {x[2] for r in en.rows for x in r if x and x[0] == "lit" and x[2]}
    assert langs <= {"en"}, langs


# ---------------------------------------------------------------------------
# checks: none fire on the data, each fires on broken data
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", CHECK_FILES, ids=ids(CHECK_FILES))
def test_check_passes(path, ox_store, rdflib_dataset):
    text = path.read_text(encoding="utf-8")
    rows = from_ox(nq.run_query(text, ox_store)).rows
    assert rows == [], f"{path.name} (pyoxigraph): {rows}"
    rows = from_rdflib(rdflib_dataset.query(text)).rows
    assert rows == [], f"{path.name} (rdflib): {rows}"


@pytest.mark.xdist_group("comunica")
@pytest.mark.parametrize("path", CHECK_FILES, ids=ids(CHECK_FILES))
def test_check_passes_on_comunica(path, comunica, asserted_nq):
    assert comunica(path, asserted_nq).rows == []


_ID = "https://w3id.org/nlsc/id/"
_BREAKS = {
    "single-member-unsourced-violation": (f"<{_ID}samenwerkingsverband/x> a org:OrganizationalCollaboration ; "
                                          f"org:hasMember <{_ID}organisatie/ind> ."),
    "shortcut-mismatch-violation": f"<{_ID}organisatie/aivd> nlsc:providesInformationTo <{_ID}organisatie/kabinet> .",
    "inverse-mismatch-violation": f"<{_ID}organisatie/aivd> org:hasUnit <{_ID}eenheid/x> .",
    "value-list-mismatch-violation": f"<{_ID}begrippenkader/x> skos:hasTopConcept <{_ID}organisatie/aivd> .",
}
_UPDATE_PREFIXES = """
PREFIX nlsc: <https://w3id.org/nlsc/def#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX oa: <http://www.w3.org/ns/oa#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX dct: <http://purl.org/dc/terms/>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
"""


def test_every_check_has_a_breaking_fixture():
    assert {p.stem for p in CHECK_FILES} == set(_BREAKS)


@pytest.mark.parametrize("path", CHECK_FILES, ids=ids(CHECK_FILES))
def test_check_can_fail(path):
    store = nq.store_from_sources(REPO)
    store.update(_UPDATE_PREFIXES + f"INSERT DATA {{ GRAPH <{GRAPH_DATA}> {{ {_BREAKS[path.stem]} }} }}")
    rows = from_ox(nq.run_query(path.read_text(encoding="utf-8"), store)).rows
    assert rows, f"{path.name} did not fire on broken data"


# ---------------------------------------------------------------------------
# the library and the command line
# ---------------------------------------------------------------------------


def test_named_graphs_are_addressable(source_store):
    for g in ASSERTED_GRAPHS:
        r = nq.run_query(f"ASK {{ GRAPH <{g}> {{ ?s ?p ?o }} }}", source_store)
        assert bool(r), g
    r = nq.run_query(f"ASK {{ GRAPH <{GRAPH_CONTEXT}> {{ ?s a <http://www.w3.org/ns/oa#TextQuoteSelector> }} }}",
                     source_store)
    assert not bool(r), "passages belong to the data graph, not the context graph"


def test_inferred_graph_stays_out_of_the_default_graph(ox_store):
    """dist/ holds the OWL RL closure, but the queries see only the asserted graphs."""
    r = nq.run_query("PREFIX nlsc: <https://w3id.org/nlsc/def#> ASK { <https://w3id.org/nlsc/id/organisatie/mivd> "
                     "nlsc:cooperatesWith <https://w3id.org/nlsc/id/organisatie/aivd> }", ox_store)
    assert not bool(r)


def test_header_parsing():
    h = nq.parse_header("# Title (nl): Een\n# Title (en): One\n#    more\n# Question: Why?\nSELECT * {}\n# Title (en): x\n")
    assert h == {"title@nl": "Een", "title@en": "One more", "question": "Why?"}


def test_set_lang_rewrites_only_the_values_clause():
    text = 'SELECT * { VALUES ?lang { "nl" } ?s ?p "nl" }'
    assert nq.set_lang(text, "en") == 'SELECT * { VALUES ?lang { "en" } ?s ?p "nl" }'
    with pytest.raises(nq.QueryError):
        nq.set_lang(text, "de")


@pytest.mark.parametrize("text", [
    "SELECT * { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "LOAD <http://example.org/data.ttl>",
])
def test_remote_is_refused(text, source_store):
    with pytest.raises(nq.QueryError, match="allow-remote"):
        nq.run_query(text, source_store)


def test_service_in_a_comment_or_string_is_fine(source_store):
    r = nq.run_query('# SERVICE\nASK { FILTER ("SERVICE" != "LOAD") }', source_store)
    assert bool(r)


def test_cli_list():
    proc = run_cli("query", "--list")
    assert proc.returncode == 0, proc.stderr
    for p in QUERY_FILES + CHECK_FILES:
        assert p.stem in proc.stdout
    assert "Recipients of AIVD information" in proc.stdout


def test_cli_table_csv_json_and_lang(tmp_path):
    proc = run_cli("query", "om-contact", "--sources", str(REPO))
    assert proc.returncode == 0, proc.stderr
    assert "Landelijke Officieren van Justitie Terrorismebestrijding" in proc.stdout
    assert "functie:landelijke-officieren-van-justitie-terrorismebestrijding" in proc.stdout
    proc = run_cli("query", "om-contact", "--sources", str(REPO), "--lang", "en", "--format", "csv")
    assert proc.returncode == 0, proc.stderr
    assert "National Public Prosecutors for Counter-Terrorism" in proc.stdout
    proc = run_cli("query", str(QUERIES / "ask-om-ambtsbericht.rq"), "--sources", str(REPO), "--format", "json")
    assert json.loads(proc.stdout) == {"head": {}, "boolean": True}
    proc = run_cli("query", "shortcut-graph", "--sources", str(REPO), "--format", "turtle")
    assert proc.returncode == 0, proc.stderr
    assert len(Graph().parse(data=proc.stdout, format="turtle")) == 33


def test_cli_refuses_service(tmp_path):
    q = tmp_path / "remote.rq"
    q.write_text("SELECT * { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }", encoding="utf-8")
    proc = run_cli("query", str(q), "--sources", str(REPO))
    assert proc.returncode == 2 and "allow-remote" in proc.stderr


def test_cli_unknown_query():
    proc = run_cli("query", "no-such-query", "--sources", str(REPO))
    assert proc.returncode == 2 and "no bundled query" in proc.stderr
