"""Every published JSON-LD file is read offline, with no document loader of ours, by
four independent processors: rdflib, pyld (its default loader replaced by one that
refuses every URL), jsonld.js (tools/js/to-nquads.mjs, no documentLoader option) and
Apache Jena riot (JSON-LD 1.0 parser). Each must give the graph the file claims:

- nlsc.jsonld: the asserted dataset, nlsc.nt;
- nlsc-framed.jsonld: `framed_claim` of the graphs with inferences (every triple of
  each organisation, of each resource that points at one, and of each passage such
  a resource points at);
- each page file (site/doc/**.jsonld, site/def/nlsc.jsonld): its page's .nt.

jsonld.js and riot run in a network namespace of their own (`unshare -n`) where
that is possible (root): they could not fetch if they tried. rdflib and pyld run in
this process, under conftest's offline guard.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic
from rdflib.namespace import RDF

from conftest import IN_CI, REPO, need_tool
from nlsc.build.jsonld import ORGANISATION_CLASSES, PASSAGE_CLASSES
from nlsc.build.serialise import GRAPHS_WITH_INFERRED

DATASET_FILES = ("nlsc.jsonld", "nlsc-framed.jsonld")
READERS = ("rdflib", "pyld", "jsonld.js", "riot")
TO_NQUADS = REPO / "tools" / "js" / "to-nquads.mjs"
#: Debian's libapache-jena-java jars riot needs, with their dependencies
JENA_JARS = ("jena-arq", "jena-base", "jena-cmds", "jena-core", "jena-iri", "commons-cli", "commons-codec",
             "commons-compress", "commons-csv", "commons-io", "commons-lang3", "commons-logging",
             "dexx.collection", "gson", "guava", "httpclient", "httpclient-cache", "httpcore",
             "jackson-annotations", "jackson-core", "jackson-databind", "jakarta.json-api", "jsonld-java",
             "protobuf", "slf4j-api", "slf4j-nop", "thrift", "titanium-json-ld")
JAVA_LIB = Path("/usr/share/java")
REMOTE_CONTEXT = {"@context": "https://w3id.org/nlsc/context.jsonld",
                  "@id": "https://w3id.org/nlsc/id/x", "label": "x"}


def framed_claim(everything: Graph) -> Graph:
    """What nlsc-framed.jsonld says it holds (see nlsc.build.jsonld.framed)."""
    orgs = {s for c in ORGANISATION_CLASSES for s in everything.subjects(RDF.type, c)}
    passages = {s for c in PASSAGE_CLASSES for s in everything.subjects(RDF.type, c)}
    nested = {s for s, p, o in everything if o in orgs and s not in orgs and p != RDF.type}
    quoted = {o for s in nested for o in everything.objects(s) if o in passages}
    claim = Graph()
    for s in orgs | nested | quoted:
        for t in everything.triples((s, None, None)):
            claim.add(t)
    return claim


@pytest.fixture(scope="module")
def expected(dist) -> dict[str, Graph]:
    ds = Dataset()
    ds.parse(dist / "nlsc.nq", format="nquads")
    everything = Graph()
    for iri in GRAPHS_WITH_INFERRED:
        everything += ds.graph(iri)
    return {"nlsc.jsonld": Graph().parse(dist / "nlsc.nt", format="nt"),
            "nlsc-framed.jsonld": framed_claim(everything)}


@pytest.fixture(scope="module")
def pages(dist) -> list[Path]:
    site = dist / "site"
    found = sorted((site / "doc").rglob("*.jsonld")) + [site / "def" / "nlsc.jsonld"]
    assert len(found) > 200
    return found


def _isolated() -> list[str]:
    """A command prefix that runs a process without network, when this user may."""
    ok = shutil.which("unshare") is not None and \
        subprocess.run(["unshare", "-n", "true"], capture_output=True).returncode == 0
    if not ok and IN_CI:
        pytest.fail("unshare -n (a network namespace) is required in CI but not available")
    return ["unshare", "-n"] if ok else []


def _run(cmd: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run(_isolated() + cmd, capture_output=True, text=True, timeout=600)


# --- the readers: paths -> graphs ---------------------------------------------------

def refuse(url, options=None):
    raise RuntimeError(f"document loader called for {url}")


def read_rdflib(paths: list[Path]) -> list[Graph]:
    return [Graph().parse(p, format="json-ld") for p in paths]


def read_pyld(paths: list[Path]) -> list[Graph]:
    from pyld import jsonld

    out = []
    for p in paths:
        nq = jsonld.to_rdf(json.loads(p.read_text("utf-8")),
                           {"format": "application/n-quads", "documentLoader": refuse})
        out.append(Graph().parse(data=nq, format="nt"))
    return out


def read_jsonld_js(paths: list[Path]) -> list[Graph]:
    ok = shutil.which("node") is not None and (TO_NQUADS.parent / "node_modules" / "jsonld").is_dir()
    need_tool(ok, "node + tools/js/node_modules (npm ci in tools/js)")
    res = _run(["node", str(TO_NQUADS), *map(str, paths)])
    assert res.returncode == 0, res.stderr
    if len(paths) == 1:
        return [Graph().parse(data=res.stdout, format="nt")]
    sections = res.stdout.split("# FILE ")[1:]
    assert [s.split("\n", 1)[0] for s in sections] == list(map(str, paths))
    return [Graph().parse(data=s.split("\n", 1)[1], format="nt") for s in sections]


@pytest.fixture(scope="session")
def riot_classpath(tmp_path_factory) -> str:
    """Debian's Jena jars, plus a jar with xerces' message files where Jena 4.5's
    shaded xerces looks for them (as shipped it stops at start-up without them)."""
    jars = [JAVA_LIB / f"{name}.jar" for name in JENA_JARS]
    need_tool(shutil.which("java") is not None and all(j.is_file() for j in jars),
              "java + Apache Jena (apt-get install libapache-jena-java)")
    messages = tmp_path_factory.mktemp("jena") / "xerces-messages.jar"
    prefix = "org/apache/jena/ext/xerces/"
    with zipfile.ZipFile(JAVA_LIB / "jena-core.jar") as core, zipfile.ZipFile(messages, "w") as out:
        for name in core.namelist():
            if name.startswith(prefix) and name.endswith(".properties"):
                out.writestr("xerces/" + name[len(prefix):], core.read(name))
    return os.pathsep.join(map(str, [messages, *jars]))


def read_riot(classpath: str, paths: list[Path]) -> Graph:
    """All `paths` read by one riot run (a JVM start costs seconds): one graph, in
    which each file's blank nodes stay its own."""
    res = _run(["java", "-cp", classpath, "riotcmd.riot", "--syntax=JSONLD10", "--output=nt",
                *map(str, paths)])
    assert res.returncode == 0 and not res.stderr.strip(), res.stderr
    return Graph().parse(data=res.stdout, format="nt")


def read_each(reader: str, paths: list[Path], request) -> list[Graph]:
    if reader == "riot":
        return [read_riot(request.getfixturevalue("riot_classpath"), [p]) for p in paths]
    return {"rdflib": read_rdflib, "pyld": read_pyld, "jsonld.js": read_jsonld_js}[reader](paths)


# --- the tests ----------------------------------------------------------------------

def _contexts(value):
    if isinstance(value, dict):
        for key, v in value.items():
            if key == "@context":
                yield v
            yield from _contexts(v)
    elif isinstance(value, list):
        for v in value:
            yield from _contexts(v)


def test_every_context_is_embedded(dist, pages):
    for path in [dist / name for name in (*DATASET_FILES, "context.jsonld")] + pages:
        contexts = list(_contexts(json.loads(path.read_text("utf-8"))))
        assert contexts and all(isinstance(c, dict) for c in contexts), path


def test_the_published_context_is_the_datasets(dist):
    published = json.loads((dist / "context.jsonld").read_text("utf-8"))
    for name in DATASET_FILES:
        assert json.loads((dist / name).read_text("utf-8"))["@context"] == published["@context"], name


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", DATASET_FILES)
def test_dataset_file(dist, expected, name, reader, request):
    [graph] = read_each(reader, [dist / name], request)
    assert len(graph) == len(expected[name])
    assert isomorphic(graph, expected[name])


@pytest.mark.parametrize("reader", ["rdflib", "pyld", "jsonld.js"])
def test_each_page_file(pages, reader, request):
    graphs = read_each(reader, pages, request)
    for path, graph in zip(pages, graphs, strict=True):
        nt = Graph().parse(path.with_suffix(".nt"), format="nt")
        assert len(nt) > 0 and isomorphic(graph, nt), path


def test_page_files_riot(pages, riot_classpath):
    """riot reads all pages in one run; the result must be all the pages' .nt."""
    expected = Graph()
    for path in pages:
        expected.parse(path.with_suffix(".nt"), format="nt")  # blank nodes per file, as riot's
    assert isomorphic(read_riot(riot_classpath, pages), expected)


@pytest.mark.parametrize("reader", READERS)
def test_a_remote_context_is_not_fetched(tmp_path, reader, request):
    """The control: the same readers, same setup, on a document that points at the
    remote context, fail (nothing is fetched), so the tests above can fail."""
    path = tmp_path / "remote.jsonld"
    path.write_text(json.dumps(REMOTE_CONTEXT), "utf-8")
    with pytest.raises(Exception):
        graphs = read_each(reader, [path], request)
        assert graphs[0], "read nothing"  # riot may warn and give no triples
