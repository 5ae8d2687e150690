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
    from nlsc.verify import verify

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
    from nlsc.publish import write_checksums
    from nlsc.verify import verify

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
    from nlsc.verify import verify

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

    from nlsc.jsonld import refuse_remote

    with pytest.raises(jsonld.JsonLdError):
        refuse_remote(url, {})


def test_jsonld_compaction_with_a_remote_context_fails_without_fetching():
    from pyld import jsonld

    from nlsc.jsonld import compact_nodes

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
        from nlsc.serve import ServeError, find_oxigraph
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
    proc = subprocess.Popen([sys.executable, "-m", "nlsc.cli", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
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
        from nlsc import serve
    except ModuleNotFoundError:
        pytest.fail("nlsc.serve is missing")
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
