"""`nlsc serve`: a real Oxigraph server over dist/, queried over HTTP."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import MINI, REPO, need_tool

GRAPHS = [f"https://w3id.org/nlsc/graph/{g}" for g in ("ontology", "data", "context", "inferred")]


def _oxigraph_available() -> bool:
    from nlsc.serve import ServeError, find_oxigraph

    try:
        find_oxigraph()
        return True
    except ServeError:
        return False


@pytest.fixture(autouse=True)
def _need_oxigraph():
    need_tool(_oxigraph_available(), "the oxigraph server (pip install oxigraph)")


def serve_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "nlsc.cli", "serve", *args]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def graph_counts_in_nq(nq: Path) -> dict[str, int]:
    import pyoxigraph as ox

    seen: dict[str, set] = {}
    for quad in ox.parse(path=str(nq), format=ox.RdfFormat.N_QUADS):
        seen.setdefault(quad.graph_name.value, set()).add(quad.triple)
    return {g: len(t) for g, t in seen.items()}


@pytest.fixture(scope="module")
def mini_dist(tmp_path_factory) -> Path:
    """dist/ of the small fixture sources (fast to build)."""
    from nlsc.paths import layout
    from nlsc.pipeline import build

    out = tmp_path_factory.mktemp("serve") / "dist"
    build(layout(MINI), out, quiet=True)
    return out


def _post(url: str, fields: dict, accept: str = "application/sparql-results+json"):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                 headers={"Accept": accept, "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=10) as resp:
        return resp.status, resp.read()


def _start(dist: Path, port: int, tmp: Path) -> subprocess.Popen:
    env = {**os.environ, "TMPDIR": str(tmp)}
    return subprocess.Popen(serve_cmd("--port", str(port), "--dist", str(dist), "--source-root", str(MINI)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)


def _wait_banner(proc: subprocess.Popen, limit: float = 60) -> str:
    lines, deadline = [], time.monotonic() + limit
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                pytest.fail(f"nlsc serve exited {proc.returncode}: {''.join(lines)} {proc.stderr.read()}")
            continue
        lines.append(line)
        if "Ctrl-C" in line:
            return "".join(lines)
    proc.kill()
    pytest.fail("nlsc serve did not print its banner in time: " + "".join(lines))


def test_serve_query_refuse_update_and_stop(mini_dist, tmp_path):
    port = free_port()
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    proc = _start(mini_dist, port, tmp)
    try:
        banner = _wait_banner(proc)
        base = f"http://127.0.0.1:{port}"
        assert f"SPARQL endpoint: {base}/query" in banner
        assert f"Query UI:        {base}/" in banner
        assert any(p.name.startswith("nlsc-serve-") for p in tmp.iterdir()), "store not in the temp dir"

        # a SELECT: triples per named graph, as in dist/nlsc.nq
        status, body = _post(base + "/query", {"query": "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"})
        assert status == 200
        rows = json.loads(body)["results"]["bindings"]
        found = {r["g"]["value"]: int(r["n"]["value"]) for r in rows}
        expected = graph_counts_in_nq(mini_dist / "nlsc.nq")
        assert found == expected
        assert set(found) <= set(GRAPHS) and GRAPHS[0] in found

        # one count per graph, the way `nlsc load` verifies it
        for g, n in expected.items():
            _, body = _post(base + "/query", {"query": f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{g}> {{ ?s ?p ?o }} }}"})
            assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == n

        # the query UI is served
        with urllib.request.urlopen(base + "/", timeout=10) as resp:
            assert resp.status == 200 and b"<html" in resp.read().lower()

        # SPARQL Update is refused, on /update and disguised on /query
        update = "INSERT DATA { GRAPH <urn:x:g> { <urn:x:s> <urn:x:p> <urn:x:o> } }"
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(base + "/update", {"update": update})
        assert err.value.code in (403, 405)
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(base + "/query", {"update": update})
        assert 400 <= err.value.code < 500
        # ... and so are Graph Store writes
        req = urllib.request.Request(base + "/store?graph=urn:x:g", data=b"<urn:x:s> <urn:x:p> <urn:x:o> .",
                                     method="PUT", headers={"Content-Type": "text/turtle"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code in (403, 405)
        _, body = _post(base + "/query", {"query": "ASK { GRAPH <urn:x:g> { ?s ?p ?o } }"})
        assert json.loads(body)["boolean"] is False

        # the UI's endpoint (/sparql) answers too, and HEAD gets the headers
        status, body = _post(base + "/sparql", {"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
        assert status == 200 and json.loads(body)["boolean"] is True
        with urllib.request.urlopen(urllib.request.Request(base + "/", method="HEAD"), timeout=10) as resp:
            assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/html")
        _refuses_service(base)
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            rc = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    err_text = proc.stderr.read()
    assert rc == 0, err_text
    assert "Traceback" not in err_text
    assert list(tmp.iterdir()) == [], "temporary store left behind"
    # the port is free again
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("127.0.0.1", port))


def _refuses_service(base: str) -> None:
    """Oxigraph alone follows SERVICE to any host; the endpoint refuses it and nothing connects out."""
    with socket.socket() as remote:
        remote.bind(("127.0.0.1", 0))
        remote.listen()
        remote.settimeout(0.5)
        query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{remote.getsockname()[1]}/sparql> {{ ?s ?p ?o }} }}"
        for fields in ({"query": query}, {"query": query.replace("SERVICE", "service")}):
            with pytest.raises(urllib.error.HTTPError) as err:
                _post(base + "/query", fields)
            assert err.value.code == 403 and b"SERVICE" in err.value.read()
        req = urllib.request.Request(base + "/query", data=query.encode(), headers={"Content-Type": "application/sparql-query"})
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=10)
        assert err.value.code == 403
        with pytest.raises(TimeoutError):
            remote.accept()
    # the word inside a literal is no SERVICE clause
    status, _ = _post(base + "/query", {"query": 'ASK { FILTER(CONTAINS("Security Service", "Service")) }'})
    assert status == 200


def test_allow_remote_lets_service_through(mini_dist, tmp_path):
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.Popen(serve_cmd("--port", str(port), "--dist", str(mini_dist), "--source-root", str(MINI),
                                      "--allow-remote"), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, cwd=REPO)
    try:
        _wait_banner(proc)
        with socket.socket() as remote:
            remote.bind(("127.0.0.1", 0))
            remote.listen()
            remote.settimeout(10)
            query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{remote.getsockname()[1]}/sparql> {{ ?s ?p ?o }} }}"
            req = urllib.request.Request(f"http://127.0.0.1:{port}/query", data=query.encode(),
                                         headers={"Content-Type": "application/sparql-query"})
            opener = threading.Thread(target=lambda: _read_quietly(req), daemon=True)
            opener.start()
            conn, _ = remote.accept()  # Oxigraph calls the SERVICE endpoint
            with conn:
                assert conn.recv(200).startswith(b"POST /sparql")
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def _read_quietly(req) -> None:
    try:
        urllib.request.urlopen(req, timeout=20).read()
    except (urllib.error.URLError, OSError):
        pass


def test_query_ui_runs_a_query_in_a_browser(mini_dist, tmp_path):
    """Oxigraph's bundled UI (Yasgui) in headless Chromium sends its query through the proxy."""
    from test_browser import Browser

    port = free_port()
    proc = _start(mini_dist, port, tmp_path)
    try:
        _wait_banner(proc)
        browser = Browser()
        try:
            problems = browser.open(f"http://127.0.0.1:{port}/")
            # Yasgui asks prefix.cc for prefixes to complete; offline that fails, harmlessly
            assert [p for p in problems if "prefix.cc" not in p and "ERR_NAME_NOT_RESOLVED" not in p] == []
            query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
            browser.evaluate(f"document.querySelector('.CodeMirror').CodeMirror.setValue({json.dumps(query)})")
            browser.evaluate("document.querySelector('.yasqe_queryButton').click()")
            deadline, text = time.monotonic() + 30, ""
            while GRAPHS[1] not in text and time.monotonic() < deadline:
                time.sleep(0.2)
                text = browser.evaluate("(document.querySelector('.yasr_results') || {}).innerText || ''")
        finally:
            browser.quit()
        for g, n in graph_counts_in_nq(mini_dist / "nlsc.nq").items():
            assert g in text and f'"{n}"' in text, text[:500]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def test_sigterm_stops_cleanly(mini_dist, tmp_path):
    proc = _start(mini_dist, free_port(), tmp_path)
    _wait_banner(proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    assert list(tmp_path.iterdir()) == []


def test_missing_dist_is_refused(tmp_path):
    res = subprocess.run(serve_cmd("--dist", str(tmp_path / "nowhere"), "--port", str(free_port())),
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "nlsc.trig not found" in res.stderr and "nlsc build" in res.stderr
    assert "Traceback" not in res.stderr


def test_port_taken_is_refused(mini_dist):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        res = subprocess.run(serve_cmd("--dist", str(mini_dist), "--source-root", str(MINI), "--port", str(port)),
                             capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert f"port {port}" in res.stderr and "already in use" in res.stderr
    assert "Traceback" not in res.stderr


def test_stale_dist_is_refused(tmp_path):
    from nlsc.paths import layout
    from nlsc.pipeline import build

    src = tmp_path / "src"
    shutil.copytree(MINI, src)
    dist = tmp_path / "dist"
    build(layout(src), dist, quiet=True)
    later = time.time() + 5
    edited = next((src / "data").glob("*.ttl"))
    os.utime(edited, (later, later))
    res = subprocess.run(serve_cmd("--dist", str(dist), "--source-root", str(src), "--port", str(free_port())),
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "stale" in res.stderr and edited.name in res.stderr and "nlsc build" in res.stderr


def test_stale_check_unit(tmp_path):
    from nlsc.serve import ServeError, check_fresh

    (tmp_path / "data").mkdir()
    f = tmp_path / "data" / "a.ttl"
    f.write_text("")
    trig = tmp_path / "nlsc.trig"
    trig.write_text("")
    os.utime(f, (1000, 1000))
    check_fresh(trig, tmp_path)  # older source: fine
    os.utime(f, (time.time() + 10, time.time() + 10))
    with pytest.raises(ServeError, match="stale"):
        check_fresh(trig, tmp_path)
