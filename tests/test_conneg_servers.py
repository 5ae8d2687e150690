"""Content negotiation on real web servers: Debian's Apache httpd (with the
generated `.htaccess`) and nginx (with the generated `nginx.conf`) serve the
built site on loopback ports; every row of conneg_table.csv is requested from
both over HTTP. The answers go to test-artifacts/conneg.md.

Locally a missing server skips; with CI set it fails (conftest.need_tool)."""

from __future__ import annotations

import csv
import grp
import http.client
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from string import Template
from urllib.parse import urljoin, urlsplit

import pytest
from rdflib import Graph, URIRef

from conftest import REPO, need_tool
from nlsc.namespaces import ID
from nlsc.site import conneg

HERE = Path(__file__).resolve().parent
CONFS = HERE / "fixtures" / "conneg"
BASE = "https://w3id.org/nlsc/"
ARTIFACT = REPO / "test-artifacts" / "conneg.md"
APACHE_MODULES = Path("/usr/lib/apache2/modules")
STARTUP = 30  # seconds a server may take to listen (not a speed check: a hang guard)


def _rows() -> list[dict]:
    with (HERE / "conneg_table.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


ROWS = _rows()


def _row_id(row: dict) -> str:
    return f"{row['iri'][len(BASE):]} [{row['accept'][:30]}]"


def _path(iri: str) -> str:
    """The request path of an IRI below https://w3id.org/nlsc/ (no fragment)."""
    assert iri.startswith(BASE), iri
    return "/" + urlsplit(iri).path[len(urlsplit(BASE).path):]


def _binary(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    proc: subprocess.Popen
    port: int
    log: Path
    prefix: str  # the URL path of the site root: "/" or the --base-path

    @property
    def base(self) -> str:
        """What https://w3id.org/nlsc/ maps to."""
        return f"http://127.0.0.1:{self.port}{self.prefix}"

    def errors(self) -> str:
        return self.log.read_text("utf-8", "replace")[-3000:] if self.log.is_file() else "(no error log)"

    def wait_listening(self) -> None:
        deadline = time.monotonic() + STARTUP
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = (self.log.parent / "stdout.log").read_text("utf-8", "replace")
                pytest.fail(f"{self.name} exited with {self.proc.returncode}:\n{out}\n{self.errors()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        pytest.fail(f"{self.name} did not listen on port {self.port}:\n{self.errors()}")

    def stop(self) -> None:
        self.proc.terminate()  # our own child, by its PID
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _start(name: str, argv, conf_template: str, work: Path, www: Path, prefix: str) -> Server:
    """Write the server's config from tests/fixtures/conneg/ and start it in the foreground
    (`argv(conf, work)` is its command line); `www` is its document root, the site is at `www/prefix`."""
    work.mkdir()
    port = _free_port()
    nobody = pwd.getpwnam("nobody")
    conf = work / conf_template
    conf.write_text(Template((CONFS / conf_template).read_text("utf-8")).substitute(
        dir=work, port=port, root=www, snippet=www / prefix.strip("/") / "nginx.conf", modules=APACHE_MODULES,
        user=nobody.pw_name, group=grp.getgrgid(nobody.pw_gid).gr_name), "utf-8")
    with (work / "stdout.log").open("wb") as out:
        proc = subprocess.Popen(argv(conf, work), stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    server = Server(name, proc, port, work / "error.log", prefix)
    server.wait_listening()
    return server


@pytest.fixture(scope="module")
def site(dist) -> Path:
    site = dist / "site"
    assert (site / ".htaccess").is_file() and (site / "nginx.conf").is_file()
    return site


@pytest.fixture(scope="module", params=["/", "/nlsc/"], ids=["root", "base-path"])
def servers(request, site):
    """Apache and nginx, each serving a copy of the built site on a free loopback port,
    at the root of the server or, as `nlsc site --base-path /nlsc/` builds it, below /nlsc/.

    The copy lives in a world-readable temporary folder: started as root, both
    servers hand requests to workers running as `nobody`, which cannot enter
    pytest's private temporary folders. The bodies are compared with `site`."""
    prefix = request.param
    apache, nginx = _binary("apache2"), _binary("nginx")
    need_tool(apache is not None and (APACHE_MODULES / "mod_rewrite.so").is_file(),
              "Apache httpd (Debian apache2)")
    need_tool(nginx is not None, "nginx (Debian nginx)")
    top = Path(tempfile.mkdtemp(prefix="nlsc-conneg-"))
    started: list[Server] = []
    try:
        top.chmod(0o755)
        www = top / "www"
        shutil.copytree(site, www / prefix.strip("/"))
        if prefix != "/":  # what --base-path changes: only these two files depend on it
            (www / prefix.strip("/") / ".htaccess").write_text(conneg.htaccess(prefix), "utf-8")
            (www / prefix.strip("/") / "nginx.conf").write_text(conneg.nginx(prefix), "utf-8")
        started.append(_start("Apache", lambda conf, work: [apache, "-f", conf, "-DFOREGROUND"],
                              "apache2.conf", top / "apache", www, prefix))
        started.append(_start("nginx", lambda conf, work: [nginx, "-p", work, "-e", work / "error.log",
                                                             "-c", conf, "-g", "daemon off;"],
                              "nginx.conf", top / "nginx", www, prefix))
        yield {s.name: s for s in started}
    finally:
        for s in started:
            s.stop()
        shutil.rmtree(top, ignore_errors=True)


@dataclass(frozen=True)
class Answer:
    status: int
    location: str  # the Location's path ("" if none)
    vary: tuple  # the Vary header's tokens, lower case
    final: int  # status of the document answered (after following a redirect)
    content_type: str  # of that document
    body: bytes  # of that document


def _get(server: Server, path: str, accept: str) -> http.client.HTTPResponse:
    """GET `path` (below the site root, leading slash) without following redirects."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.request("GET", server.prefix + path[1:], headers={"Accept": accept} if accept else {})
    resp = conn.getresponse()
    resp.body = resp.read()
    conn.close()
    return resp


def request(server: Server, path: str, accept: str) -> Answer:
    """GET `path` with `accept`; follow one redirect (with the same Accept) as a client would."""
    first = _get(server, path, accept)
    location = first.getheader("Location") or ""
    vary = tuple(v.strip().lower() for v in (first.getheader("Vary") or "").split(",") if v.strip())
    final = first
    if location:
        absolute = urljoin(server.base + path.lstrip("/"), location)
        assert absolute.startswith(server.base), f"{server.name}: {path} -> {location} leaves the site"
        location = "/" + absolute[len(server.base):]
        final = _get(server, location, accept)
    return Answer(first.status, location, vary, final.status, final.getheader("Content-Type") or "", final.body)


@pytest.fixture(scope="module")
def served(servers) -> dict:
    """Every table row requested from every server: {(row index, server name): Answer};
    written to test-artifacts/conneg.md."""
    got = {(i, name): request(s, _path(row["iri"]), row["accept"])
           for i, row in enumerate(ROWS) for name, s in servers.items()}
    _write_report(next(iter(servers.values())).prefix, got, list(servers))
    return got


def _cell(a: Answer) -> str:
    out = f"{a.status}"
    if a.location:
        out += f" → `{a.location}` → {a.final}"
    return out + (" · Vary: Accept" if "accept" in a.vary else "")


REPORT: dict[str, list[str]] = {}  # site prefix -> its section of test-artifacts/conneg.md


def _write_report(prefix: str, got: dict, names: list[str]) -> None:
    lines = [f"## The site at `{prefix}`", "",
             "| IRI (below `https://w3id.org/nlsc/`) | Accept | expected | " + " | ".join(names) + " |",
             "| --- | --- | --- | " + " | ".join("---" for _ in names) + " |"]
    for i, row in enumerate(ROWS):
        expected = row["status"] + (f" → `{row['target']}` → {row['final']}" if row["target"] else "")
        lines.append(f"| `{row['iri'][len(BASE):] or '/'}` | `{row['accept'] or '(none)'}` | {expected} | "
                     + " | ".join(_cell(got[i, n]) for n in names) + " |")
    REPORT[prefix] = lines + [""]
    ARTIFACT.parent.mkdir(parents=True, exist_ok=True)
    ARTIFACT.write_text("\n".join(
        ["# Content negotiation on real web servers", "",
         "Each row of `tests/conneg_table.csv` requested over HTTP (written by `tests/test_conneg_servers.py`):",
         "status → `Location` (below the site root) → status after following it.", ""]
        + [line for p in sorted(REPORT) for line in REPORT[p]]), "utf-8")


@pytest.mark.parametrize("server", ["Apache", "nginx"])
@pytest.mark.parametrize("index", range(len(ROWS)), ids=[_row_id(r) for r in ROWS])
def test_row(served, servers, site, index, server):
    """Status, Location, Vary and the final body as the table says."""
    row, a = ROWS[index], served[index, server]
    why = f"{server} answered {a}\n{servers[server].errors()}"
    assert a.status == int(row["status"]), why
    assert a.location == row["target"], why
    assert a.final == int(row["final"]), why
    negotiated = a.status == 303
    assert ("accept" in a.vary) == negotiated, f"Vary {a.vary} on a {'' if negotiated else 'non-'}negotiated answer"
    document = site / (row["target"] or _path(row["iri"])).lstrip("/")
    if a.final == 200:
        assert a.body == document.read_bytes(), f"{server}: the body is not {document}"
    else:
        assert not document.exists(), f"{document} exists but {server} answered {a.final}"


@pytest.mark.parametrize("index", range(len(ROWS)), ids=[_row_id(r) for r in ROWS])
def test_servers_agree(served, index):
    """Apache and nginx give the same status, Location, Vary: Accept, media type and body."""
    def seen(a: Answer):
        document = (a.content_type, a.body) if a.final == 200 else ()  # error pages are the servers' own
        return a.status, a.location, "accept" in a.vary, a.final, document

    assert seen(served[index, "Apache"]) == seen(served[index, "nginx"])


def test_every_rule_has_a_row():
    """Each rule and each format it offers is exercised by the table."""
    import re

    for rule in conneg.RULES:
        rows = [r for r in ROWS if r["status"] == "303" and re.search(rule.pattern, _path(r["iri"])[1:])]
        exts = {Path(r["target"]).suffix.lstrip(".") for r in rows}
        assert exts == set(rule.targets), (rule.comment, exts)


def test_media_types(servers, site):
    """One file of each extension in the site: both servers send the media type
    conneg.MEDIA_TYPES declares (with charset=utf-8 for the text formats)."""
    by_ext = {}
    for f in sorted(site.rglob("*")):
        if f.is_file() and f.suffix and f.name not in (".htaccess", "nginx.conf"):  # not the configs
            by_ext.setdefault(f.suffix.lstrip("."), f)
    assert set(by_ext) == {ext for ext, _ in conneg.MEDIA_TYPES}, "an extension without a declared type"
    for ext, f in by_ext.items():
        media = dict(conneg.MEDIA_TYPES)[ext] + ("; charset=utf-8" if ext in conneg.UTF8 else "")
        path = "/" + f.relative_to(site).as_posix()
        for s in servers.values():
            resp = _get(s, path, "")
            assert (resp.status, resp.getheader("Content-Type")) == (200, media), (s.name, path)


def test_every_thing_redirects_to_its_documents(servers, dist, site):
    """Every IRI of a thing in the dataset, in every format, to a document that exists."""
    graph = Graph().parse(dist / "nlsc.nt", format="nt")
    things = sorted({str(s) for s in graph.subjects() if isinstance(s, URIRef) and str(s).startswith(str(ID))})
    assert len(things) > 100
    formats = [(media[0].replace("\\", ""), ext) for ext, media, _ in conneg.FORMATS] + [("text/html", "html")]
    wrong = []
    for iri in things:
        path = _path(iri)
        target = "/doc/" + path[len("/id/"):]
        for accept, ext in formats:
            for s in servers.values():
                resp = _get(s, path, accept)
                loc = urljoin(s.base, resp.getheader("Location") or "")
                if resp.status != 303 or loc != f"{s.base}{target[1:]}.{ext}" \
                        or not (site / f"{target[1:]}.{ext}").is_file():
                    wrong.append(f"{s.name}: {path} [{accept}] -> {resp.status} {loc}")
    assert not wrong, "\n".join(wrong[:20])
