"""`nlsc load`: the SPARQL 1.1 Graph Store protocol into a real Oxigraph server."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from conftest import REPO, need_tool


def _oxigraph() -> str | None:
    from nlsc.serve.server import ServeError, find_oxigraph

    try:
        return find_oxigraph()
    except ServeError:
        return None


def load_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "nlsc", "load", *args]


def nlsc_load(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    return subprocess.run(load_cmd(*args), capture_output=True, text=True, timeout=300, cwd=REPO,
                          env={**os.environ, **(env or {})})


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def oxigraph_server(tmp_path):
    """A writable Oxigraph server on a loopback port; yields its base URL."""
    binary = _oxigraph()
    need_tool(binary is not None, "the oxigraph server (pip install oxigraph)")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("oxigraph server did not start: " + proc.stderr.read().decode())
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=20)


def distinct_per_graph(nq: Path) -> dict[str, int]:
    """Independent count with rdflib: distinct triples per named graph."""
    from rdflib import Dataset

    ds = Dataset()
    ds.parse(nq, format="nquads")
    return {str(g.identifier): len(g) for g in ds.graphs() if len(g)}


def store_counts(base: str) -> dict[str, int]:
    q = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    req = urllib.request.Request(base + "/query", data=urllib.parse.urlencode({"query": q}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        rows = json.load(resp)["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def test_load_twice_counts_match_dataset(dist, oxigraph_server, tmp_path):
    expected = distinct_per_graph(dist / "nlsc.nq")
    assert set(expected) == {f"https://w3id.org/nlsc/graph/{g}" for g in ("ontology", "data", "context", "inferred")}
    reports = []
    for i in (1, 2):
        report = tmp_path / f"report{i}.json"
        res = nlsc_load("--endpoint", oxigraph_server + "/query", "--dist", str(dist), "--report", str(report),
                        *(["--check-queries"] if i == 2 else []))
        assert res.returncode == 0, res.stdout + res.stderr
        data = json.loads(report.read_text())
        assert data["graph_store"] == oxigraph_server + "/store"
        reports.append({g: (v["expected"], v["found"]) for g, v in data["graphs"].items()})
        assert store_counts(oxigraph_server) == expected  # nothing duplicated, nothing else in the store
        for g in expected:
            assert f"<{g}>" in res.stdout
    assert reports[0] == reports[1] == {g: (n, n) for g, n in expected.items()}
    assert "queries" in res.stdout and " 0 failed" in res.stdout


def test_unreachable_endpoint(dist):
    port = free_port()
    res = nlsc_load("--endpoint", f"http://127.0.0.1:{port}/query", "--dist", str(dist))
    assert res.returncode == 2
    assert "cannot reach" in res.stderr and "Traceback" not in res.stderr


def test_wrong_endpoint_path(dist, oxigraph_server):
    res = nlsc_load("--endpoint", oxigraph_server + "/nothere", "--graph-store", oxigraph_server + "/nothere",
                    "--dist", str(dist))
    assert res.returncode == 2
    assert "HTTP 404" in res.stderr and "Traceback" not in res.stderr
    res = nlsc_load("--endpoint", oxigraph_server + "/nothere", "--dist", str(dist))
    assert res.returncode == 2 and "--graph-store" in res.stderr


def test_missing_dist(tmp_path):
    res = nlsc_load("--endpoint", "http://127.0.0.1:9/query", "--dist", str(tmp_path))
    assert res.returncode == 2 and "nlsc build" in res.stderr and "Traceback" not in res.stderr


class _AlwaysUnauthorized(BaseHTTPRequestHandler):
    scheme = "Basic"

    def _deny(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.send_response(401)
        if self.scheme == "Digest":
            self.send_header("WWW-Authenticate", 'Digest realm="t", nonce="abc", qop="auth", algorithm="MD5"')
        else:
            self.send_header("WWW-Authenticate", 'Basic realm="t"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_PUT = do_POST = _deny

    def log_message(self, *args):  # quiet
        pass


@pytest.mark.parametrize("scheme", ["Basic", "Digest"])
def test_authentication_failure_is_clear(dist, scheme):
    handler = type("H", (_AlwaysUnauthorized,), {"scheme": scheme})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        res = nlsc_load("--endpoint", base + "/sparql", "--dist", str(dist), "--user", "dba",
                        "--password-env", "NLSC_TEST_PW", env={"NLSC_TEST_PW": "wrong"})
    finally:
        server.shutdown()
        server.server_close()
    assert res.returncode == 2
    assert "authentication failed" in res.stderr and "Traceback" not in res.stderr


def test_password_variable_must_exist(dist):
    res = nlsc_load("--endpoint", "http://127.0.0.1:9/sparql", "--dist", str(dist), "--user", "dba",
                    "--password-env", "NLSC_SURELY_UNSET_VARIABLE")
    assert res.returncode == 2 and "NLSC_SURELY_UNSET_VARIABLE" in res.stderr


@pytest.mark.parametrize("endpoint, user, graph_store", [
    ("http://h:7878/query", False, "http://h:7878/store"),
    ("http://h:8890/sparql", True, "http://h:8890/sparql-graph-crud-auth"),
    ("http://h:8890/sparql", False, "http://h:8890/sparql-graph-crud"),
    ("http://h:3030/ds/sparql", False, "http://h:3030/ds/data"),
    ("http://h:3030/ds/query", False, "http://h:3030/ds/data"),
    ("http://h:7200/repositories/nlsc", True, "http://h:7200/repositories/nlsc/rdf-graphs/service"),
])
def test_graph_store_url_is_derived(endpoint, user, graph_store):
    from nlsc.sparql.remote_store import graph_store_for

    assert graph_store_for(endpoint, authenticated=user) == graph_store


def test_virtuoso_booleans_and_typed_literals():
    from nlsc.sparql.remote_store import _rows_key, protocol_rows

    oxi = {"head": {"vars": ["x", "b"]}, "results": {"bindings": [
        {"x": {"type": "literal", "value": "a"},
         "b": {"type": "literal", "datatype": "http://www.w3.org/2001/XMLSchema#boolean", "value": "true"}}]}}
    virt = {"head": {"vars": ["x", "b"]}, "results": {"bindings": [
        {"x": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#string", "value": "a"},
         "b": {"type": "typed-literal", "datatype": "http://www.w3.org/2001/XMLSchema#integer", "value": "1"}}]}}
    (_, a), (_, b) = protocol_rows(oxi), protocol_rows(virt)
    assert _rows_key(a) != _rows_key(b)
    assert _rows_key(a, True) == _rows_key(b, True)
