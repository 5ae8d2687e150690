"""A read-only SPARQL 1.1 endpoint over the built dataset (`nlsc serve`).

`dist/nlsc.trig` is loaded into a fresh Oxigraph store in a temporary folder and
`oxigraph serve-read-only` (PyPI `oxigraph` 0.5) answers on it on a private
loopback port: the SPARQL Protocol (/query, /sparql) and Graph Store reads (/store).
Oxigraph itself refuses every write (403). The default graph is the union of the
asserted named graphs (ontology, data, context), copied into it after loading, so a
bundled query answers as in `nlsc query`; Oxigraph's --union-default-graph would
add the inferred graph and change four answers. / is our query page (nlsc.serve.page),
in place of Oxigraph's UI, which fetches from prefix.cc.

The public port belongs to a small proxy that adds what Oxigraph cannot do
(measured, docs/reliability.md): its `--timeout-s` does not stop every query plan
and, when it does, answers 200 with a cut-off body; it has no size or memory
limit; and it follows SERVICE to any host. So the proxy

- refuses SERVICE and LOAD (403) and SPARQL it cannot parse (400), decided on the parsed
  request (nlsc.sparql.policy, the rule of `nlsc query`);
- disconnects a client whose request is not in within --header-timeout, and keeps
  client resets out of the log;
- holds each answer until it is complete: an answer over `--max-result-bytes`, or
  not complete within `--query-timeout`, gets 503 and the Oxigraph process is
  killed, the only way to stop a running query (the store is read only; the main
  thread starts a new server in ~0.05 s, and requests wait for it);
- caps the server's address space (`--max-memory-mb`): a query over the cap
  aborts Oxigraph, which gets 503 and a restart.

Refusals (exit 2, no traceback): dist/nlsc.trig missing; dist stale (a file
under ontology/, data/ or shapes/ newer than dist/nlsc.trig; by time, since the
build records no source hash: pass --allow-stale); port in use; no `oxigraph`.
"""

from __future__ import annotations

import argparse
import errno
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from ..errors import NlscError
from ..namespaces import ASSERTED_GRAPHS, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY
from ..sparql.policy import PolicyError, check as check_policy
from .page import SECURITY, routes

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
TRIG = "nlsc.trig"
SOURCE_FOLDERS = ("ontology", "data", "shapes")
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_CONTEXT, GRAPH_INFERRED)
DEFAULT_GRAPH = "; ".join(f"ADD <{g}> TO DEFAULT" for g in ASSERTED_GRAPHS)  # the default graph of `nlsc query`
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
DEFAULT_QUERY_TIMEOUT = 10.0
DEFAULT_MAX_RESULT_BYTES = 50_000_000
DEFAULT_MAX_MEMORY_MB = 2048
DEFAULT_HEADER_TIMEOUT = 10.0
MAX_REQUEST_BYTES = 8 << 20
CHUNK = 1 << 16
FORWARDED = ("Accept", "Content-Type")  # all the SPARQL and Graph Store protocols read
DROPPED = {"connection", "keep-alive", "transfer-encoding", "content-length", "server", "date"}


class ServeError(NlscError):
    exit_code = 2


def find_oxigraph(explicit: str | None = None) -> str:
    if explicit:
        if Path(explicit).is_file() and os.access(explicit, os.X_OK):
            return explicit
        raise ServeError(f"--oxigraph {explicit}: not an executable file")
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        raise ServeError("the Oxigraph server is not installed: pip install 'oxigraph>=0.5,<0.6' "
                         "(it provides the `oxigraph` command)")
    return found


def dist_trig(dist: Path) -> Path:
    trig = dist / TRIG
    if not trig.is_file():
        raise ServeError(f"{trig} not found: run `nlsc build` first (or pass --dist DIR)")
    return trig


def check_fresh(trig: Path, root: Path) -> None:
    """Refuse if a source file was modified after `trig` was written."""
    built = trig.stat().st_mtime
    files = (p for folder in SOURCE_FOLDERS for p in (root / folder).rglob("*"))
    newer = sorted(p for p in files if p.is_file() and not p.name.startswith(".") and p.stat().st_mtime > built)
    if newer:
        shown = ", ".join(os.path.relpath(p, root) for p in newer[:5]) + (" ..." if len(newer) > 5 else "")
        raise ServeError(f"{trig} is stale: {len(newer)} source file(s) changed after it was built ({shown}); "
                         "run `nlsc build` (or pass --allow-stale)")


def base_url(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


# -- the Oxigraph server ------------------------------------------------------------

def _child_setup(max_memory_bytes: int):
    """preexec_fn: the address-space cap, and SIGTERM when the thread that started it dies.

    PR_SET_PDEATHSIG belongs to the forking thread, so only the main thread starts servers.
    """
    import ctypes
    import resource

    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)  # Linux; resolved before the fork

    def setup() -> None:  # pragma: no cover - runs in the child
        if max_memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
        if prctl is not None:
            prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    return setup


def _post_query(url: str, query: str, timeout: float = 2) -> dict:
    req = urllib.request.Request(url + "/query", data=urllib.parse.urlencode({"query": query}).encode(),
                                 headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=timeout) as resp:
        return json.load(resp)


class Oxigraph:
    """`oxigraph serve-read-only` on a private loopback port; `current()` waits while it restarts."""

    def __init__(self, binary: str, store: Path, log: Path, max_memory_mb: int):
        self.cmd = [binary, "serve-read-only", "--location", str(store)]
        self.log, self.max_memory = log, max_memory_mb << 20
        self.changed = threading.Condition()
        self.proc: subprocess.Popen | None = None
        self.port = 0

    def start(self) -> None:
        """Main thread only (see _child_setup). A port taken in the meantime is retried."""
        for _ in range(3):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            with open(self.log, "ab") as log:
                proc = subprocess.Popen(  # noqa: PLW1509 - minimal preexec_fn, main thread only
                    [*self.cmd, "--bind", f"127.0.0.1:{port}"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                    stderr=log, env={**os.environ, "MALLOC_ARENA_MAX": "2"},  # fewer arenas: less address space
                    start_new_session=True, preexec_fn=_child_setup(self.max_memory))  # Ctrl-C reaches only us
            if self._ready(proc, f"http://127.0.0.1:{port}"):
                with self.changed:
                    self.proc, self.port = proc, port
                    self.changed.notify_all()
                return
            proc.kill()
            proc.wait()
        raise ServeError(f"the Oxigraph server did not start (see {self.log}):\n{self.log_tail()}")

    @staticmethod
    def _ready(proc: subprocess.Popen, url: str) -> bool:
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            try:
                return "boolean" in _post_query(url, "ASK {}")
            except OSError:
                time.sleep(0.02)
        return False

    def log_tail(self) -> str:
        lines = [x for x in self.log.read_text(errors="replace").splitlines() if x.strip()]
        return "\n".join(lines[-3:])

    def current(self, wait: float = 10):
        """(process, port) of the running server, or None if none runs within `wait` s."""
        with self.changed:
            if self.changed.wait_for(lambda: self.proc.poll() is None, timeout=wait):
                return self.proc, self.port
        return None

    def keep_running(self) -> None:
        """Main thread: start a new server if the current one stopped (killed for a limit or crashed)."""
        proc = self.proc
        if proc.poll() is not None:
            t0 = time.perf_counter()
            self.start()
            print(f"nlsc serve: the Oxigraph server stopped (exit {proc.returncode}); restarted in "
                  f"{time.perf_counter() - t0:.2f} s", file=sys.stderr, flush=True)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def counts(self) -> dict[str, int]:
        rows = _post_query(f"http://127.0.0.1:{self.port}", "SELECT ?g (COUNT(*) AS ?n) WHERE "
                           "{ GRAPH ?g { ?s ?p ?o } } GROUP BY ?g", timeout=60)["results"]["bindings"]
        return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


# -- the public proxy ------------------------------------------------------------------

def _kill(proc: subprocess.Popen) -> None:
    """The only way to stop a running query; the store is read only, nothing is lost."""
    proc.kill()
    proc.wait()


class Refusal(Exception):
    """An answer nlsc gives itself instead of Oxigraph's: (status, message)."""

    def __init__(self, status: int, message: str, retry: bool = False):
        super().__init__(message)
        self.status, self.message, self.retry = status, message, retry


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str, port: int, oxigraph: Oxigraph, args: argparse.Namespace):
        self.address_family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        self.oxigraph, self.query_timeout, self.max_bytes = oxigraph, args.query_timeout, args.max_result_bytes
        self.allow_remote, self.header_timeout = args.allow_remote, args.header_timeout
        self.pages = routes({"query_timeout": f"{args.query_timeout:g}", "max_result_bytes": args.max_result_bytes,
                             "allow_remote": args.allow_remote})
        super().__init__((host, port), Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that resets or drops its connection is no error of ours: no traceback in the log."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        print(f"nlsc serve: request from {client_address[0]} failed: {type(exc).__name__}: {exc}",
              file=sys.stderr, flush=True)


def sparql_texts(path: str, body: bytes, content_type: str) -> list[str]:
    """Each SPARQL text of a request: query= and update= of the URL and of a form body,
    and any other body (except on /store, whose bodies are RDF, and which Oxigraph
    refuses to write): checked one by one, so each is parsed as Oxigraph will parse it."""
    url = urllib.parse.urlsplit(path)
    fields = urllib.parse.parse_qs(url.query)
    text = body.decode("utf-8", "replace")
    if content_type.lower().startswith("application/x-www-form-urlencoded"):
        for key, values in urllib.parse.parse_qs(text).items():
            fields.setdefault(key, []).extend(values)
        text = ""
    if url.path == "/store":
        text = ""
    return [*fields.get("query", []), *fields.get("update", []), *([text] if text.strip() else [])]


class Handler(BaseHTTPRequestHandler):
    """Every method goes to Oxigraph (which refuses writes); the answer is held until complete."""

    protocol_version = "HTTP/1.1"
    server_version = "nlsc-serve"
    timeout = 120  # an idle client connection is closed after this many seconds
    server: Proxy

    def log_message(self, format, *args):  # no access log
        pass

    def handle_one_request(self):
        """The request (line, headers, body) must arrive within --header-timeout seconds: a
        per-read socket timeout alone lets an idle or trickling client hold a thread."""
        self.deadline = threading.Timer(self.server.header_timeout, self._hang_up)
        self.deadline.daemon = True
        self.deadline.start()
        try:
            super().handle_one_request()
        finally:
            self.deadline.cancel()

    def _hang_up(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def do_GET(self):
        page = self.server.pages.get(urllib.parse.urlsplit(self.path).path) if self.command in ("GET", "HEAD") else None
        if page is not None:
            return self._send(200, [("Content-Type", page[0]), *SECURITY], page[1])
        try:
            body = self._request_body()
            self.deadline.cancel()  # the request is in: the query limits apply from here
            for text in sparql_texts(self.path, body, self.headers.get("Content-Type", "")):
                check_policy(text, self.server.allow_remote)  # SERVICE, LOAD, unparseable: refused
            status, headers, data = self._ask_oxigraph(body)
        except Refusal as exc:
            return self._send(exc.status, [("Content-Type", "text/plain; charset=utf-8")] +
                              ([("Retry-After", "1")] if exc.retry else []), exc.message.encode() + b"\n")
        except PolicyError as exc:
            return self._send(exc.status, [("Content-Type", "text/plain; charset=utf-8")], f"{exc}\n".encode())
        self._send(status, headers, data)

    do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _request_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            raise Refusal(411, "send the request with a Content-Length")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_REQUEST_BYTES:
            self.close_connection = True
            raise Refusal(413, f"request body larger than {MAX_REQUEST_BYTES} bytes (or unreadable length)")
        return self.rfile.read(length)

    def _ask_oxigraph(self, body: bytes):
        """(status, headers, body) from Oxigraph, within the time and size limits."""
        srv = self.server
        current = srv.oxigraph.current()
        if current is None:
            raise Refusal(503, "the query server is restarting; retry in a moment", retry=True)
        proc, port = current
        expired = threading.Event()
        timer = threading.Timer(srv.query_timeout, lambda: (expired.set(), proc.kill()))
        timer.daemon = True
        timer.start()
        conn = http.client.HTTPConnection("127.0.0.1", port)
        try:
            conn.request(self.command, self.path, body=body or None,
                         headers={k: self.headers[k] for k in FORWARDED if k in self.headers})
            resp = conn.getresponse()
            data, size = [], 0
            while chunk := resp.read(CHUNK):
                size += len(chunk)
                if size > srv.max_bytes:
                    _kill(proc)  # stop the query; the main thread starts a new server
                    raise Refusal(503, f"query result exceeded the {srv.max_bytes} byte limit "
                                       "(--max-result-bytes); add a LIMIT or narrow the query")
                data.append(chunk)
        except (OSError, http.client.HTTPException):
            raise self._lost(proc, expired) from None
        finally:
            timer.cancel()
            conn.close()
        if expired.is_set():
            raise self._lost(proc, expired)
        headers = [(k, v) for k, v in resp.getheaders() if k.lower() not in DROPPED]
        return resp.status, headers, b"".join(data)

    def _lost(self, proc: subprocess.Popen, expired: threading.Event) -> Refusal:
        """Why the answer broke off: our deadline, another request's limit, or a crash."""
        if expired.is_set():
            _kill(proc)  # (the timer did; wait until it is gone, so the next request waits for the new one)
            return Refusal(503, f"query exceeded the {self.server.query_timeout:g} s limit (--query-timeout); "
                                "it was stopped")
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return Refusal(502, "no valid answer from the query server")
        if proc.returncode == -signal.SIGKILL:
            return Refusal(503, "the query server was restarted because another query broke a limit; retry",
                           retry=True)
        return Refusal(503, f"the query server stopped while answering (exit {proc.returncode}; a query "
                            "probably hit the --max-memory-mb limit); it is restarted")

    def _send(self, status: int, headers: list, data: bytes) -> None:
        try:
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except OSError:
            self.close_connection = True


# -- serving ----------------------------------------------------------------------------

def bind(host: str, port: int, oxigraph: Oxigraph, args) -> Proxy:
    """The public socket, bound before anything is loaded so a taken port is refused at once."""
    try:
        return Proxy(host, port, oxigraph, args)
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: cannot resolve ({exc.strerror})") from None
    except PermissionError:
        raise ServeError(f"not allowed to listen on {host}:{port} (ports below 1024 need privileges); "
                         "choose another with --port") from None
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; stop whatever listens there "
                             "or choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def banner(trig: Path, seconds: float, counts: dict[str, int], args) -> None:
    url = base_url(args.host, args.port)
    print(f"nlsc serve: {trig} loaded in {seconds:.1f} s, read-only")
    for g in [*map(str, GRAPHS), *sorted(set(counts) - set(map(str, GRAPHS)))]:
        print(f"  {counts.get(g, 0):>7} triples  <{g}>")
    print(f"SPARQL endpoint: {url}/query")
    print(f"Query page:      {url}/  (default graph: the union of ontology, data and context)")
    print(f"Graph Store:     {url}/store?graph=IRI (read only)")
    memory = f"{args.max_memory_mb} MB" if args.max_memory_mb > 0 else "none"
    print(f"Limits:          {args.query_timeout:g} s per query, {args.max_result_bytes} bytes per answer, "
          f"server memory {memory}; SERVICE and LOAD refused")
    if args.host not in LOOPBACK:
        print(f"warning: listening on {args.host}, not loopback: the endpoint is reachable from the network",
              file=sys.stderr)
    print("Press Ctrl-C to stop.", flush=True)


def serve(trig: Path, binary: str, args: argparse.Namespace) -> int:
    """Serve `trig` with the oxigraph `binary` until Ctrl-C or SIGTERM, with the limits of `args`
    (nlsc.commands.serve's options); refusals raise ServeError, reported by nlsc.commands."""
    stop: list[int] = []  # a plain flag: a lock taken in a signal handler could deadlock
    old = {s: signal.signal(s, lambda signum, _: stop.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)}
    tmp = Path(tempfile.mkdtemp(prefix="nlsc-serve-"))
    oxigraph = Oxigraph(binary, tmp / "store", tmp / "oxigraph.log", args.max_memory_mb)
    proxy = thread = None
    try:
        proxy = bind(args.host, args.port, oxigraph, args)
        t0 = time.perf_counter()
        res = subprocess.run([binary, "load", "--location", str(tmp / "store"), "--file", str(trig)],
                             capture_output=True, text=True, check=False)
        if res.returncode == 0 and not stop:
            res = subprocess.run([binary, "update", "--location", str(tmp / "store"), "--update", DEFAULT_GRAPH],
                                 capture_output=True, text=True, check=False)
        if res.returncode != 0 and not stop:
            raise ServeError(f"loading {trig} into Oxigraph failed:\n{(res.stderr or res.stdout).strip()}")
        if stop:
            return 0
        oxigraph.start()
        thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True)
        thread.start()
        banner(trig, time.perf_counter() - t0, oxigraph.counts(), args)
        while not stop:
            time.sleep(0.05)
            oxigraph.keep_running()
        print("nlsc serve: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        if thread is not None:
            proxy.shutdown()
        if proxy is not None:
            proxy.server_close()
        oxigraph.stop()
        shutil.rmtree(tmp, ignore_errors=True)
        for s, h in old.items():
            signal.signal(s, h)
