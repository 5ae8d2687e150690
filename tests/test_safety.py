"""Safety: verifiable outputs, no network, no remote fetches, a guarded endpoint.

Byte-identical builds across PYTHONHASHSEED are tested in test_build.py
(test_builds_are_byte_identical) and not repeated here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO, need_tool, run_cli


def verify_cli(*args: str) -> subprocess.CompletedProcess:
    return run_cli("verify", *args)


@pytest.fixture
def dist_copy(dist, tmp_path) -> Path:
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    return target


# --- nlsc verify ---------------------------------------------------------------------


def test_verify_passes_on_a_fresh_build(dist_copy):
    from nlsc.commands.verify import verify

    assert verify(dist_copy) == []
    res = verify_cli("--dist", str(dist_copy))
    assert res.returncode == 0, res.stderr
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize("name", ["nlsc.nt", "dataset.ttl", "nlsc-framed.jsonld"])
def test_verify_fails_after_one_byte_changes(dist_copy, name):
    path = dist_copy / name
    data = bytearray(path.read_bytes())
    at = len(data) // 2
    data[at] = ord("#") if data[at] != ord("#") else ord("%")
    path.write_bytes(bytes(data))
    res = verify_cli("--dist", str(dist_copy))
    assert res.returncode == 1, res.stdout + res.stderr
    assert f"{name}: SHA-256 differs" in res.stderr
    assert "Traceback" not in res.stderr


def test_verify_checks_the_void_counts_against_the_nquads(dist_copy):
    """A dataset missing one triple, with checksums made to match, still fails."""
    from nlsc.build.publish import write_checksums
    from nlsc.commands.verify import verify

    nq = dist_copy / "nlsc.nq"
    lines = nq.read_text(encoding="utf-8").splitlines(keepends=True)
    data_graph = "<https://w3id.org/nlsc/graph/data> .\n"
    drop = next(i for i, line in enumerate(lines) if line.endswith(data_graph))
    nq.write_text("".join(lines[:drop] + lines[drop + 1:]), encoding="utf-8")
    write_checksums(dist_copy)
    problems = verify(dist_copy)
    assert any("void:triples says" in p for p in problems), problems
    assert not any("SHA256SUMS" in p for p in problems), problems


def test_verify_reports_missing_and_unlisted_files(dist_copy):
    from nlsc.commands.verify import verify

    (dist_copy / "nlsc.trig").unlink()
    (dist_copy / "extra.txt").write_text("x", encoding="utf-8")
    problems = verify(dist_copy)
    assert "nlsc.trig: listed in SHA256SUMS but missing" in problems
    assert "extra.txt: not listed in SHA256SUMS" in problems


def test_verify_of_a_missing_folder_is_unusable_input(tmp_path):
    res = verify_cli("--dist", str(tmp_path / "nothing"))
    assert res.returncode == 2
    assert "not a folder" in res.stderr and "Traceback" not in res.stderr


# --- the offline guard (tests/conftest.py) ---------------------------------------------


def test_offline_guard_refuses_a_non_loopback_connection():
    # 192.0.2.1 is TEST-NET-1 (RFC 5737): never routed, so nothing is reached either way
    with pytest.raises(OSError, match="offline test"):
        socket.create_connection(("192.0.2.1", 80), timeout=2)


def test_offline_guard_lets_loopback_through():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.create_connection(server.getsockname(), timeout=2):
            pass


# --- JSON-LD never fetches --------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "https://schema.org/",
    "http://example.org/context.jsonld",
    "https://w3id.org/nlsc/context.jsonld",
])
def test_jsonld_loader_refuses_every_document(url):
    from pyld import jsonld

    from nlsc.build.jsonld import refuse_remote

    with pytest.raises(jsonld.JsonLdError):
        refuse_remote(url, {})


def test_jsonld_compaction_with_a_remote_context_fails_without_fetching():
    from pyld import jsonld

    from nlsc.build.jsonld import compact_nodes

    nodes = [{"@id": "https://w3id.org/nlsc/id/x", "https://schema.org/name": [{"@value": "x"}]}]
    with pytest.raises(jsonld.JsonLdError):
        compact_nodes(nodes, {"@context": "https://schema.org/"})


# --- the query runner refuses remote access --------------------------------------------


@pytest.mark.parametrize("text", [
    "SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p ?o . SERVICE SILENT <https://192.0.2.1/sparql> { ?s ?q ?x } }",
    "LOAD <http://192.0.2.1/data.ttl>",
    "LOAD SILENT <http://192.0.2.1/data.ttl> INTO GRAPH <urn:x:g>",
])
def test_query_runner_refuses_service_and_load(text, tmp_path):
    q = tmp_path / "remote.rq"
    q.write_text(text + "\n", encoding="utf-8")
    res = run_cli("query", str(q))
    assert res.returncode == 2, res.stdout + res.stderr
    assert "allow-remote" in res.stderr
    assert "Traceback" not in res.stderr


# --- the SPARQL endpoint ----------------------------------------------------------------


def _oxigraph_available() -> bool:
    try:
        from nlsc.serve.server import ServeError, find_oxigraph
    except ModuleNotFoundError:
        return False
    try:
        find_oxigraph()
        return True
    except ServeError:
        return False


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a socket listening on `port` (from /proc/net/tcp{,6})."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state = fields[1], fields[3]
            addr, _, hexport = local.partition(":")
            if state == "0A" and int(hexport, 16) == port:  # 0A = LISTEN
                if len(addr) == 8:
                    found.add(socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1]))
                else:
                    raw = b"".join(bytes.fromhex(addr[i:i + 8])[::-1] for i in range(0, 32, 8))
                    found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


QUERY_TIMEOUT = 2  # seconds, for the endpoint under test


@contextlib.contextmanager
def _serve(dist: Path, tmp_path: Path, *extra: str):
    """`nlsc serve` with default host over `dist`, extra options; yields the port."""
    need_tool(_oxigraph_available(), "the oxigraph server (pip install oxigraph)")
    port = _free_port()
    cmd = ["serve", "--port", str(port), "--dist", str(dist), "--allow-stale", *extra]
    proc = subprocess.Popen([sys.executable, "-m", "nlsc", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
                            env={**os.environ, "TMPDIR": str(tmp_path)})
    deadline, lines = time.monotonic() + 120, []
    try:
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line and proc.poll() is not None:
                pytest.fail(f"nlsc serve exited {proc.returncode}: {''.join(lines)} {proc.stderr.read()}")
            lines.append(line)
            if "Ctrl-C" in line:
                break
        else:
            pytest.fail("nlsc serve did not start in time: " + "".join(lines))
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def endpoint(dist, tmp_path):
    """`nlsc serve` with default host, over the real dist/, with a 2 s query limit."""
    with _serve(dist, tmp_path, "--query-timeout", str(QUERY_TIMEOUT)) as port:
        yield port


def _post(url: str, fields: dict, timeout: float = 60):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(),
                                 headers={"Accept": "application/sparql-results+json",
                                          "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return resp.status, resp.read()


def test_serve_binds_loopback_by_default():
    try:
        from nlsc.commands import serve
    except ModuleNotFoundError:
        pytest.fail("nlsc.commands.serve is missing")
    import argparse

    p = argparse.ArgumentParser()
    serve.add_arguments(p)
    assert p.parse_args([]).host == "127.0.0.1"


def test_endpoint_listens_on_loopback_and_refuses_updates(endpoint):
    port = endpoint
    assert _listening_addresses(port) <= {"127.0.0.1", "::1"}, _listening_addresses(port)
    assert _listening_addresses(port), "nothing listens on the port"
    base = f"http://127.0.0.1:{port}"

    status, body = _post(base + "/query", {"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
    assert status == 200 and b"true" in body

    for url, fields in ((base + "/update", {"update": "INSERT DATA { <urn:x:s> <urn:x:p> <urn:x:o> }"}),
                        (base + "/update", {"update": "DROP ALL"}),
                        (base + "/query", {"update": "CLEAR DEFAULT"})):
        with pytest.raises(urllib.error.HTTPError) as err:
            _post(url, fields)
        assert 400 <= err.value.code < 500, (url, err.value.code)
    req = urllib.request.Request(base + "/store?graph=urn:x:g", data=b"<urn:x:s> <urn:x:p> <urn:x:o> .",
                                 method="PUT", headers={"Content-Type": "application/n-triples"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=10)
    assert 400 <= err.value.code < 500
    status, body = _post(base + "/query", {"query": "ASK { GRAPH ?g { <urn:x:s> ?p ?o } }"})
    assert b"false" in body



# Oxigraph 0.5's own --timeout-s does not stop every plan (this 4-way cross join with COUNT
# burns a core for minutes, a 4-way ORDER BY grew past 5.7 GB), so `nlsc serve` answers through
# a proxy that enforces the deadline itself: 503, then the read-only server is restarted.
EXPENSIVE = ("SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } "
             "GRAPH ?g3 { ?g ?h ?i } GRAPH ?g4 { ?j ?k ?l } FILTER (STR(?c) != STR(?l)) }")
HUNGRY = ("SELECT * WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } GRAPH ?g3 { ?g ?h ?i } "
          "GRAPH ?g4 { ?j ?k ?l } } ORDER BY ?c ?f ?i ?l")
LARGE = "SELECT * WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } }"  # about 7 million rows
ASK = "ASK { GRAPH ?g { ?s ?p ?o } }"


def _error(url: str, fields: dict, timeout: float = 30):
    """(status, body, seconds) of a request that must fail with an HTTP error status."""
    t0 = time.monotonic()
    try:
        status, body = _post(url, fields, timeout=timeout)
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
        pytest.fail(f"no answer within {timeout} s ({type(exc).__name__}): the query was not stopped")
    return status, body, time.monotonic() - t0


def _works_again(base: str) -> None:
    status, body = _post(base + "/query", {"query": ASK}, timeout=10)
    assert status == 200 and b"true" in body


def test_endpoint_stops_an_expensive_query(endpoint):
    base = f"http://127.0.0.1:{endpoint}"
    status, body, seconds = _error(base + "/query", {"query": EXPENSIVE}, timeout=20)
    assert seconds < QUERY_TIMEOUT + 3, f"the expensive query ran {seconds:.1f} s"
    assert status == 503, (status, body[:200])
    assert f"exceeded the {QUERY_TIMEOUT} s limit".encode() in body
    _works_again(base)  # the server was restarted, not left burning a core


def test_endpoint_answers_503_to_queries_in_flight_during_a_restart(endpoint):
    """A restart stops every running query: the others get 503 'retry', not a hang."""
    import concurrent.futures

    base = f"http://127.0.0.1:{endpoint}"
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        first = pool.submit(_error, base + "/query", {"query": EXPENSIVE}, 20)
        time.sleep(QUERY_TIMEOUT / 2)
        second = pool.submit(_error, base + "/query", {"query": EXPENSIVE.replace("?l))", "?i))")}, 20)
        (s1, b1, t1), (s2, b2, t2) = first.result(), second.result()
    assert s1 == 503 and b"exceeded" in b1 and t1 < QUERY_TIMEOUT + 3, (s1, b1, t1)
    assert s2 == 503 and b"retry" in b2, (s2, b2)
    assert t2 < QUERY_TIMEOUT, f"the second query waited {t2:.1f} s instead of failing with the restart"
    _works_again(base)


def test_endpoint_cuts_off_a_result_over_the_size_limit(dist, tmp_path):
    with _serve(dist, tmp_path, "--max-result-bytes", "2000") as port:
        base = f"http://127.0.0.1:{port}"
        _works_again(base)  # a small answer passes
        status, body, seconds = _error(base + "/query", {"query": LARGE})
        assert status == 503, (status, body[:200])
        assert b"exceeded the 2000 byte limit" in body
        assert seconds < 10
        _works_again(base)


def test_endpoint_holds_large_answers_whole_within_the_size_limit(dist, tmp_path):
    """An answer of many reads from Oxigraph passes whole under the limit; past it, 503 (not a cut-off 200)."""
    with _serve(dist, tmp_path, "--max-result-bytes", "3000000") as port:
        base = f"http://127.0.0.1:{port}"
        status, body = _post(base + "/query", {"query": LARGE + " LIMIT 5000"})
        assert status == 200 and 1_000_000 < len(body) <= 3_000_000
        assert len(json.loads(body)["results"]["bindings"]) == 5000
        status, body, _ = _error(base + "/query", {"query": LARGE})
        assert status == 503 and b"exceeded the 3000000 byte limit" in body, (status, body[:200])
        _works_again(base)


def test_endpoint_survives_a_query_over_the_memory_cap(dist, tmp_path):
    with _serve(dist, tmp_path, "--max-memory-mb", "512", "--query-timeout", "60") as port:
        base = f"http://127.0.0.1:{port}"
        status, body, _ = _error(base + "/query", {"query": HUNGRY}, timeout=60)
        assert status == 503, (status, body[:200])
        assert b"--max-memory-mb" in body
        _works_again(base)


def test_sha256sums_matches_hashlib(dist):
    """SHA256SUMS uses the plain `sha256sum` format verify expects."""
    for line in (dist / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest


# --- the attack pass of issue 18: each finding, reproduced -----------------------------------
# (docs/reliability.md, "Attacks": the table these tests keep true)

HIDDEN_SERVICE = [  # each reaches out on Oxigraph unless refused; a text scan missed the first two
    'SELECT * WHERE {{\n # """\n SERVICE <{url}> {{ ?s ?p ?o }}\n # """\n}}\n',
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ ?x ?y ?z FILTER EXISTS {{ service silent <{url}> {{ ?s ?p ?o }} }} }}",
    "SELECT * WHERE {{ {{ SELECT ?s WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }} }} }}",
]


@contextlib.contextmanager
def _listener():
    """A loopback socket that counts the connections it is offered (none must come)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(8)
        server.settimeout(0.5)
        yield f"http://127.0.0.1:{server.getsockname()[1]}/sparql", server


def _contacted(server: socket.socket) -> bool:
    try:
        conn, _ = server.accept()
    except (TimeoutError, socket.timeout):
        return False
    conn.close()
    return True


def _cli(*argv: str) -> tuple[int, str]:
    """`nlsc ARGV` in-process: (exit code, stderr)."""
    import io
    from contextlib import redirect_stderr, redirect_stdout

    from nlsc.commands import main

    err = io.StringIO()
    with redirect_stderr(err), redirect_stdout(io.TextIOWrapper(io.BytesIO())):  # query writes bytes
        try:
            code = main(list(argv))
        except SystemExit as exc:  # the argument parser
            code = exc.code
    return code, err.getvalue()


def _one_clear_line(code: int, err: str, *needles: str) -> None:
    assert code == 2, (code, err)
    assert "Traceback" not in err and "internal error" not in err, err
    assert len(err.strip().splitlines()) == 1, err
    for needle in needles:
        assert needle in err, err


@pytest.mark.parametrize("template", HIDDEN_SERVICE, ids=["comment-quotes", "u-escape", "filter-exists", "subquery"])
def test_query_refuses_service_a_text_scan_missed(template, tmp_path, dist):
    """Finding 2: the refusal is decided on the parsed query; nothing connects out."""
    with _listener() as (url, server):
        q = tmp_path / "hidden.rq"
        q.write_text(template.format(url=url), encoding="utf-8")
        code, err = _cli("query", str(q), "--dist", str(dist))
        assert not _contacted(server), "the query reached the remote endpoint"
    _one_clear_line(code, err, "SERVICE", "--allow-remote")


@pytest.mark.parametrize("text, needle", [
    ("CLEAR DEFAULT ; LOAD <http://192.0.2.1/x.ttl>", "LOAD"),
    ("SELECT * WHERE { ?s ?p }", "SPARQL syntax error: error at 1:25"),  # Oxigraph's message: no SERVICE to look for
])
def test_query_refuses_load_in_an_update_and_unparseable_text(text, needle, tmp_path, dist):
    q = tmp_path / "q.rq"
    q.write_text(text, encoding="utf-8")
    _one_clear_line(*_cli("query", str(q), "--dist", str(dist)), needle)


@pytest.mark.parametrize("text, parsed", [
    ("SELECT * WHERE { ?s ?p ?o }", False),
    ("select * { SeRvIcE <http://x/> { ?s ?p ?o } }", True),
    ("LOAD <http://x/>", True),
    ("SELECT * { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * { \\U00000053ERVICE <http://x/> { ?s ?p ?o } }", True),
    ("SELECT * { \u017fERVICE <http://x/> { ?s ?p ?o } }", True),  # LATIN SMALL LETTER LONG S folds to s
    ("SELECT ?u { ?d <http://www.w3.org/ns/dcat#downloadURL> ?u }", True),
])
def test_only_a_text_that_may_hold_service_or_load_is_parsed(text, parsed):
    from nlsc.sparql.policy import may_reach_out

    assert may_reach_out(text) is parsed


def test_every_bundled_query_passes_the_policy():
    """rdflib's parser reads every bundled query and check (else the policy would refuse it)."""
    from nlsc.sparql.query import bundled
    from nlsc.sparql.policy import parse, remote_operations

    infos = bundled(REPO / "queries")
    assert len(infos) > 20
    for info in infos:
        assert remote_operations(parse(info.path.read_text(encoding="utf-8"))) == [], info.name


def _serve_logged(dist: Path, tmp_path: Path, *extra: str):
    """`nlsc serve` over `dist` with its stderr in a file: (process, port, log path)."""
    need_tool(_oxigraph_available(), "the oxigraph server (pip install oxigraph)")
    port, log = _free_port(), tmp_path / "serve.log"
    proc = subprocess.Popen([sys.executable, "-m", "nlsc", "serve", "--port", str(port), "--dist", str(dist),
                             "--allow-stale", *extra], stdout=subprocess.PIPE, stderr=log.open("w"), text=True,
                            cwd=REPO, env={**os.environ, "TMPDIR": str(tmp_path)})
    for line in proc.stdout:
        if "Ctrl-C" in line:
            return proc, port, log
    pytest.fail(f"nlsc serve did not start: {log.read_text()}")


def test_endpoint_refuses_hidden_service_resets_quietly_and_drops_idle_clients(dist, tmp_path):
    """Findings 1 and 9: SERVICE hidden from a text scan gets 403 on every way in, unparseable
    SPARQL 400, and nothing connects out; a reset connection leaves no traceback in the log;
    a client that sends no request is disconnected after --header-timeout (1 s here)."""
    proc, port, log = _serve_logged(dist, tmp_path, "--header-timeout", "1")
    base = f"http://127.0.0.1:{port}"
    try:
        with _listener() as (url, server):
            for template in HIDDEN_SERVICE:
                query = template.format(url=url)
                for req in (urllib.request.Request(base + "/query?" + urllib.parse.urlencode({"query": query})),
                            urllib.request.Request(base + "/query", data=urllib.parse.urlencode({"query": query}).encode(),
                                                   headers={"Content-Type": "application/x-www-form-urlencoded"}),
                            urllib.request.Request(base + "/sparql", data=query.encode(),
                                                   headers={"Content-Type": "application/sparql-query"})):
                    with pytest.raises(urllib.error.HTTPError) as err:
                        urllib.request.urlopen(req, timeout=30)
                    assert err.value.code == 403 and b"SERVICE" in err.value.read(), (template, req.full_url)
            assert not _contacted(server), "the endpoint reached the remote host"
        status, body, _ = _error(base + "/query", {"query": "SELECT * WHERE { ?s ?p }"})
        assert status == 400 and b"error at 1:25" in body  # Oxigraph's own answer: no SERVICE to look for
        status, body, _ = _error(base + "/query", {"query": "SELECT * WHERE { SERVICE ?s ?p }"})
        assert status == 400 and b"syntax error" in body  # the policy's: a text that may hold SERVICE is parsed
        for _ in range(3):  # connections reset by the client, before and after a request line
            for data in (b"", b"GET /query?query=ASK%7B%7D HTTP/1.1\r\n"):
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                s.sendall(data)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                s.close()  # SO_LINGER 0: an RST, not a FIN
        with socket.create_connection(("127.0.0.1", port), timeout=30) as idle:
            assert idle.recv(1) == b"", "an idle client was not disconnected"
        _works_again(base)
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert "Traceback" not in log.read_text(), log.read_text()[-2000:]


def _mini_with(tmp_path: Path, text: str = "", name: str = "y.ttl") -> Path:
    src = tmp_path / "src"
    shutil.copytree(REPO / "tests" / "fixtures" / "mini", src)
    if text:
        with (src / "data" / name).open("a", encoding="utf-8") as fh:
            fh.write("\n" + text + "\n")
    return src


def _build(src: Path, dist: Path) -> subprocess.CompletedProcess:
    # a timeout, not a hang: on the old main these cases ran > 120 s or until OOM
    return subprocess.run([sys.executable, "-m", "nlsc", "build", "--source-root", str(src), "--dist", str(dist),
                           "-q"], capture_output=True, text=True, timeout=120, cwd=REPO)


@pytest.mark.parametrize("opening, closing", [("[ <urn:p> ", " ]"), ("( ", " )")], ids=["brackets", "collections"])
def test_deeply_nested_turtle_is_refused_with_its_line(opening, closing, tmp_path):
    """Finding 3: 10,000 levels of [ ] or ( ) are refused at once, naming file, line and column."""
    src = _mini_with(tmp_path, "<urn:s> <urn:p> " + opening * 10000 + "<urn:x>" + closing * 10000 + " .")
    res = _build(src, tmp_path / "dist")
    _one_clear_line(res.returncode, res.stderr, "data/y.ttl:", "nested deeper than 32")
    assert not (tmp_path / "dist").exists()


def test_symmetric_blank_nodes_build_in_linear_time(tmp_path):
    """Finding 3 (the cause): rdflib's canonical labelling took minutes on 200 alike blank
    nodes; they are now labelled in order of appearance, and the build finishes."""
    src = _mini_with(tmp_path, "\n".join("<urn:s> <urn:p> [ <urn:q> [ <urn:r> 1 ] ] ." for _ in range(100)))
    res = _build(src, tmp_path / "dist")
    assert res.returncode == 0, res.stderr[-2000:]


def _device_link(src: Path) -> str:
    (src / "data" / "zero.ttl").symlink_to("/dev/zero")
    return "data/zero.ttl: a link to /dev/zero, outside the source root"


def _outside_link(src: Path) -> str:
    (src / "data" / "out.ttl").symlink_to(REPO / "data" / "organisations.ttl")
    return "data/out.ttl: a link to"


def _fifo(src: Path) -> str:
    os.mkfifo(src / "data" / "pipe.ttl")
    return "data/pipe.ttl: not a regular file"


def _huge(src: Path) -> str:
    with (src / "data" / "huge.ttl").open("wb") as fh:
        fh.truncate((64 << 20) + 1)  # sparse: no 64 MB written
    return "data/huge.ttl: 67,108,865 bytes, more than the 67,108,864"


@pytest.mark.parametrize("make", [_device_link, _outside_link, _fifo, _huge], ids=["dev-zero", "outside", "fifo", "huge"])
def test_sources_must_be_regular_files_inside_the_root(make, tmp_path):
    """Finding 4: a link to /dev/zero was read until the build was OOM-killed."""
    src = _mini_with(tmp_path)
    needle = make(src)
    res = _build(src, tmp_path / "dist")
    _one_clear_line(res.returncode, res.stderr, needle)


def test_a_literal_over_the_parser_buffer_is_a_clear_error(tmp_path):
    """Finding 5: a 17 MB literal (over pyoxigraph's 16 MiB token buffer) gave a MemoryError traceback."""
    src = _mini_with(tmp_path, '<urn:s> <urn:p> "' + "a" * (17 << 20) + '" .')
    res = _build(src, tmp_path / "dist")
    _one_clear_line(res.returncode, res.stderr, "data/y.ttl: a literal or IRI too long")


def test_a_cyclic_list_in_the_shapes_is_a_clear_error(tmp_path):
    """Finding 5: a cyclic rdf:rest (here in sh:path) raised a ValueError in the SHACL engine."""
    shapes = tmp_path / "shapes"
    shapes.mkdir()
    (shapes / "cyclic.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .\n"
        "<urn:x:S> a sh:NodeShape ; sh:targetClass <http://www.w3.org/ns/org#Organization> ;\n"
        "  sh:property [ sh:path _:l ; sh:minCount 1 ] .\n_:l rdf:first <urn:x:p> ; rdf:rest _:l .\n", encoding="utf-8")
    code, err = _cli("validate", "--root", str(REPO / "tests" / "fixtures" / "mini"), "--shapes", str(shapes))
    _one_clear_line(code, err, "cyclic.ttl: an RDF list whose rdf:rest leads back to itself")


def test_query_of_a_non_utf8_file_and_a_closed_service_port_are_clear_errors(tmp_path, dist):
    """Finding 5: both were tracebacks."""
    bad = tmp_path / "q.rq"
    bad.write_bytes(b"SELECT * WHERE { ?s ?p ?o }\n\xff")
    _one_clear_line(*_cli("query", str(bad), "--dist", str(dist)), "q.rq:2: not valid UTF-8")
    closed = tmp_path / "closed.rq"
    closed.write_text(f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{_free_port()}/sparql> {{ ?s ?p ?o }} }}\n")
    _one_clear_line(*_cli("query", str(closed), "--dist", str(dist), "--allow-remote"),
                    "a SERVICE endpoint could not be used")


@pytest.mark.parametrize("argv, needle", [
    (["serve", "--max-memory-mb", "99999999999999"], "argument --max-memory-mb: 99999999999999 is out of range"),
    (["serve", "--max-memory-mb", "-1"], "argument --max-memory-mb: -1 is out of range"),
    (["serve", "--query-timeout", "nan"], "argument --query-timeout/--timeout-s: 'nan' is not a finite number"),
    (["serve", "--query-timeout", "inf"], "'inf' is not a finite number"),
    (["serve", "--max-result-bytes", "0"], "argument --max-result-bytes: 0 is out of range"),
    (["load", "--endpoint", "http://127.0.0.1:9/", "--timeout", "-5"], "argument --timeout: -5 is out of range"),
    (["build", "-q", "--dist", "/proc/nlscx", "--source-root", str(REPO / "tests" / "fixtures" / "mini")],
     "/proc/nlscx: cannot create a staging folder"),
])
def test_limits_and_targets_are_checked_before_anything_runs(argv, needle):
    """Findings 5 and 6: each started (and failed later, or meant 'no cap') or gave a traceback."""
    _one_clear_line(*_cli(*argv), needle)


def test_wrong_targets_are_refused(tmp_path, dist):
    """Finding 7: site into a missing folder, build over a regular file, query from an empty dist."""
    _one_clear_line(*_cli("site", "--dist", str(tmp_path / "nonexist")), "argument --dist", "not a folder")
    assert not (tmp_path / "nonexist").exists()
    afile = tmp_path / "afile"
    afile.write_text("keep me\n")
    _one_clear_line(*_cli("build", "--dist", str(afile)), "exists and is not a folder")
    assert afile.read_text() == "keep me\n"
    (tmp_path / "empty").mkdir()
    _one_clear_line(*_cli("query", "organisations", "--dist", str(tmp_path / "empty")), "no nlsc.trig or nlsc.nq")
    _one_clear_line(*_cli("query", "organisations", "--dist", str(tmp_path / "nonexist")), "no nlsc.trig or nlsc.nq")


def test_a_killed_builds_staging_folder_is_removed_by_the_next_build(tmp_path):
    """Finding 8: a build killed with SIGKILL leaves its staging folder; the next build removes
    it, and leaves alone one that a live build holds."""
    import fcntl

    from nlsc.paths import SourceLayout
    from nlsc.build.pipeline import build
    from nlsc.build.publish import staging_dir

    dist = tmp_path / "dist"
    killed = subprocess.run([sys.executable, "-c", "import os, sys; from pathlib import Path; "
                             "from nlsc.build.publish import staging_dir; staging_dir(Path(sys.argv[1])); "
                             "os.kill(os.getpid(), 9)", str(dist)], cwd=REPO, timeout=60)
    assert killed.returncode == -9
    stale = list(tmp_path.glob(".dist.tmp-*"))
    assert len(stale) == 1
    live = staging_dir(dist)  # held by this process, as by a build still running
    fd = os.open(live, os.O_RDONLY)
    with pytest.raises(BlockingIOError):  # the lock is real: no one else can take it
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    os.close(fd)
    build(SourceLayout(REPO / "tests" / "fixtures" / "mini"), dist, quiet=True)
    assert not stale[0].exists()
    assert live.is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dist", live.name])
