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
    from nlsc.serve.server import ServeError, find_oxigraph

    try:
        find_oxigraph()
        return True
    except ServeError:
        return False


@pytest.fixture(autouse=True)
def _need_oxigraph():
    need_tool(_oxigraph_available(), "the oxigraph server (pip install oxigraph)")


def serve_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "nlsc", "serve", *args]


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
    from nlsc.build.pipeline import build

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
        assert f"Query page:      {base}/" in banner and "union" in banner
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

        # our query page is served, with the bundled queries as JSON
        with urllib.request.urlopen(base + "/", timeout=10) as resp:
            page = resp.read().decode()
            assert resp.status == 200 and "SPARQL-eindpunt" in page and "union of the named graphs" in page
            assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
        with urllib.request.urlopen(base + "/queries.json", timeout=10) as resp:
            listed = json.load(resp)
        from nlsc.sparql.query import bundled

        assert [q["name"] for q in listed] == [i.name for i in bundled()]
        assert all(q["title"]["nl"] and q["title"]["en"] and q["text"]["nl"] for q in listed)
        # the default graph is the union of the asserted graphs, without default-graph-uri
        _, body = _post(base + "/query", {"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
        asserted = sum(n for g, n in expected.items() if not g.endswith("/inferred"))
        assert int(json.loads(body)["results"]["bindings"][0]["n"]["value"]) == asserted
        # GET works on the path the page uses
        with urllib.request.urlopen(base + "/query?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"}),
                                    timeout=10) as resp:
            assert json.load(resp)["boolean"] is True

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


@pytest.fixture(scope="module")
def full_serve(dist, tmp_path_factory):
    """`nlsc serve` over dist/ of the real sources: base URL."""
    port = free_port()
    env = {**os.environ, "TMPDIR": str(tmp_path_factory.mktemp("serve-full"))}
    proc = subprocess.Popen(serve_cmd("--port", str(port), "--dist", str(dist), "--source-root", str(REPO)),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO)
    try:
        _wait_banner(proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)


def _answer_over_http(base: str, text: str, kind: str):
    """The endpoint's answer to `text`, pasted in as is (no default-graph-uri), engine-neutral."""
    from test_queries import from_json, to_rdflib_graph

    graph = kind in ("CONSTRUCT", "DESCRIBE")
    _, body = _post(base + "/query", {"query": text},
                    accept="application/n-triples" if graph else "application/sparql-results+json")
    return to_rdflib_graph(body) if graph else from_json(body)


def test_every_bundled_query_answers_as_nlsc_query(full_serve, dist):
    """The default graph is the union of the asserted graphs: every bundled query pasted into the
    endpoint gives the answer of `nlsc query` and the expected answer in queries/."""
    from nlsc.sparql.query import bundled, run_query, store_from_dist
    from test_queries import Table, assert_same, expected_for, from_ox

    store = store_from_dist(dist)
    infos = bundled()
    assert len(infos) >= 25
    for info in infos:
        text = info.path.read_text(encoding="utf-8")
        got = _answer_over_http(full_serve, text, info.kind)
        assert_same(got, from_ox(run_query(text, store)), text, f"{info.name} vs nlsc query")
        if info.kind == "check":
            assert_same(got, Table(got.variables, []), text, f"{info.name} (a check: no rows)")
        else:
            assert_same(got, expected_for(info.path), text, f"{info.name} vs {info.path.stem} expected")


def _errors(browser) -> list[dict]:
    return [e for e in browser.cdp.events if e.get("method") == "Runtime.exceptionThrown"
            or (e.get("method") == "Log.entryAdded" and e["params"]["entry"]["level"] == "error")
            or (e.get("method") == "Runtime.consoleAPICalled" and e["params"]["type"] == "error")]


def _requests(browser) -> list[str]:
    return [e["params"]["request"]["url"] for e in browser.cdp.events
            if e.get("method") == "Network.requestWillBeSent"]


def _press_run(browser) -> str:
    """Press Run and wait for the answer: the status's class, "ok" or "error"."""
    browser.evaluate("document.getElementById('go').click()")
    deadline = time.monotonic() + 30
    while browser.evaluate("document.getElementById('status').className") == "" and time.monotonic() < deadline:
        time.sleep(0.05)
    return browser.evaluate("document.getElementById('status').className")


def _run_on_page(browser, name: str, lang: str) -> list[list[str]]:
    """Pick bundled query `name` and label language `lang` on the page, press Run, read the table."""
    browser.evaluate(f"""(() => {{
        const pick = document.getElementById('pick'), labels = document.getElementById('labels');
        pick.value = {json.dumps(name)}; pick.dispatchEvent(new Event('change'));
        labels.value = {json.dumps(lang)}; labels.dispatchEvent(new Event('change'));
    }})()""")
    assert _press_run(browser) == "ok", browser.evaluate("document.body.innerText")
    return browser.evaluate("""[...document.querySelectorAll('#answer tbody tr')].map(tr => [...tr.cells].map(td =>
        td.querySelector('a') ? td.querySelector('a').title : (td.firstChild ? td.firstChild.textContent : '')))""")


def test_query_page_runs_bundled_queries_in_a_browser(full_serve, dist):
    """Headless Chromium opens our page at /, runs two bundled queries from it and shows their rows;
    the page asks nothing of any other host."""
    from nlsc.sparql.query import resolve, run_query, store_from_dist
    from test_browser import SHOTS, Browser

    store = store_from_dist(dist)
    browser = Browser()
    try:
        assert browser.open(full_serve + "/") == []
        assert browser.evaluate("document.title").startswith("nlsc")
        deadline = time.monotonic() + 10
        while browser.evaluate("document.body.dataset.ready") != "true" and time.monotonic() < deadline:
            time.sleep(0.05)
        for name, lang in (("organisations", "nl"), ("forward-posts", "en")):
            shown = _run_on_page(browser, name, lang)
            answer = run_query(resolve(name).read_text(encoding="utf-8"), store, lang=lang)
            expected = [[s[v].value if s[v] is not None else "" for v in answer.variables] for s in answer]
            assert expected and sorted(shown) == sorted(expected), (name, shown)
        assert "Royal Netherlands Marechaussee" in " ".join(map(" ".join, shown))  # the English labels
        browser.screenshot(SHOTS / "serve-query-page.png")
        problems = _errors(browser)  # before the refusal below, which the console logs
        # a refusal is shown, not swallowed
        browser.evaluate("document.getElementById('sparql').value = "
                         "'SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }'")
        assert _press_run(browser) == "error"
        assert "SERVICE" in browser.evaluate("document.getElementById('result').innerText")
        # a phone: nothing wider than the screen
        browser.cdp.send("Emulation.setDeviceMetricsOverride", width=375, height=800, deviceScaleFactor=1, mobile=True)
        widths = browser.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        browser.cdp.send("Emulation.clearDeviceMetricsOverride")
        assert widths[0] <= widths[1], widths
        requests = _requests(browser)
    finally:
        browser.quit()
    assert problems == []
    assert any(u.endswith("/query") for u in requests), requests
    outside = [u for u in requests if not u.startswith(full_serve + "/") and not u.startswith("data:")]
    assert outside == [], outside


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
    from nlsc.build.pipeline import build

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
    from nlsc.serve.server import ServeError, check_fresh

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
