"""`nlsc serve`: a read-only SPARQL 1.1 endpoint over the built dataset.

The dataset is `dist/nlsc.trig` (named graphs .../graph/ontology, /data,
/context, /inferred). It is loaded into a fresh Oxigraph store in a temporary
folder, and the Oxigraph server (the `oxigraph` binary of the PyPI package
`oxigraph` 0.5.x) answers on it in read-only mode, on a private loopback port.
The public port belongs to a small proxy in this module:

    query   GET/POST http://HOST:PORT/query        (SPARQL 1.1 Protocol)
    graphs  GET      http://HOST:PORT/store?graph=IRI  (Graph Store, read only)
    UI      http://HOST:PORT/                       (bundled, works offline)

The proxy forwards GET/HEAD (any path) and POST /query; every other POST, PUT,
DELETE and PATCH gets 403 (Oxigraph, read only, refuses updates on /query too).
It enforces what Oxigraph's own `--timeout-s` does not (docs/reliability.md):

- `--query-timeout S`: no complete answer within S s -> 503 "query exceeded
  the S s limit", and the Oxigraph server is killed and restarted (the store
  stays on disk; a restart takes ~0.05 s), which is the only way to stop a
  runaway query;
- `--max-result-bytes N`: answers up to 1 MB are held until complete, so an
  overrun gets 503 with a message; larger answers are streamed (chunked) and an
  overrun cuts the stream without its final chunk (the client sees an
  incomplete answer). The server is restarted if it keeps computing;
- `--max-memory-mb M`: RLIMIT_AS of the Oxigraph process; a query over the cap
  crashes it, which is answered with 503 and a restart.

Restarts are serialised (one at a time, done by the main thread); during a
restart new requests get 503 with Retry-After, requests in flight get 503.
The temporary store is removed when the server stops (Ctrl-C, SIGTERM).

Refusals (exit 2, no traceback): dist/nlsc.trig missing; dist stale; port in
use; `oxigraph` not installed.

Staleness rule: dist is stale when any file under ontology/, data/ or shapes/
of the source root has a modification time later than dist/nlsc.trig. It is
a cheap, conservative check (a `touch` is enough to trigger it; rebuild or
pass --allow-stale). No source hash is recorded by the build, so there is
nothing else to compare against.
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
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

try:
    import resource
except ImportError:  # pragma: no cover - not POSIX
    resource = None

from .errors import NlscError
from .namespaces import GRAPH_CONTEXT, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY

HELP = "serve the built dataset as a read-only SPARQL endpoint (Oxigraph server) on loopback, with query limits"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
TRIG = "nlsc.trig"
SOURCE_FOLDERS = ("ontology", "data", "shapes")
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_CONTEXT, GRAPH_INFERRED)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}
DEFAULT_QUERY_TIMEOUT = 10.0
DEFAULT_MAX_RESULT_BYTES = 50_000_000
DEFAULT_MAX_MEMORY_MB = 2048


class ServeError(NlscError):
    exit_code = 2


# -- command line ---------------------------------------------------------

def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"TCP port (default {DEFAULT_PORT})")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}, loopback only; "
                             "anything else exposes the endpoint to the network)")
    parser.add_argument("--dist", metavar="DIR", help="folder holding nlsc.trig (default: dist/ of the checkout, else ./dist)")
    parser.add_argument("--source-root", metavar="DIR",
                        help="folder holding ontology/ and data/, for the staleness check "
                             "(default: the checkout or the installed package)")
    parser.add_argument("--allow-stale", action="store_true",
                        help="serve dist/ even if a source file is newer than dist/nlsc.trig")
    parser.add_argument("--oxigraph", metavar="PATH",
                        help="the oxigraph binary (default: found next to this Python, else on PATH)")
    parser.add_argument("--query-timeout", "--timeout-s", dest="query_timeout", type=float,
                        default=DEFAULT_QUERY_TIMEOUT, metavar="SECONDS",
                        help=f"time limit per request in seconds (default {DEFAULT_QUERY_TIMEOUT:g}); on overrun "
                             "the client gets 503 and the Oxigraph server is restarted to stop the query")
    parser.add_argument("--max-result-bytes", type=int, default=DEFAULT_MAX_RESULT_BYTES, metavar="N",
                        help=f"size limit of one answer in bytes (default {DEFAULT_MAX_RESULT_BYTES}); "
                             "a larger answer is cut off with an error")
    parser.add_argument("--max-memory-mb", type=int, default=DEFAULT_MAX_MEMORY_MB, metavar="MB",
                        help=f"address-space cap of the Oxigraph server process (default {DEFAULT_MAX_MEMORY_MB}; "
                             "0: none); a query that needs more crashes the server, which is restarted")


# -- checks ----------------------------------------------------------------

def find_oxigraph(explicit: str | None = None) -> str:
    if explicit:
        if Path(explicit).is_file() and os.access(explicit, os.X_OK):
            return explicit
        raise ServeError(f"--oxigraph {explicit}: not an executable file")
    here = Path(sys.executable).parent / ("oxigraph.exe" if os.name == "nt" else "oxigraph")
    if here.is_file():
        return str(here)
    found = shutil.which("oxigraph")
    if found:
        return found
    raise ServeError("the Oxigraph server is not installed: pip install 'oxigraph>=0.5,<0.6' "
                     "(it provides the `oxigraph` command)")


def dist_trig(dist: Path) -> Path:
    trig = dist / TRIG
    if not trig.is_file():
        raise ServeError(f"{trig} not found: run `nlsc build` first (or pass --dist DIR)")
    return trig


def newer_sources(trig: Path, root: Path) -> list[Path]:
    """Source files modified after `trig` was written."""
    built = trig.stat().st_mtime
    newer = []
    for folder in SOURCE_FOLDERS:
        base = root / folder
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.is_file() and not path.name.startswith(".") and path.stat().st_mtime > built:
                newer.append(path)
    return sorted(newer)


def check_fresh(trig: Path, root: Path) -> None:
    newer = newer_sources(trig, root)
    if newer:
        shown = ", ".join(os.path.relpath(p, root) for p in newer[:5]) + (" ..." if len(newer) > 5 else "")
        raise ServeError(f"{trig} is stale: {len(newer)} source file(s) changed after it was built ({shown}); "
                         "run `nlsc build` (or pass --allow-stale)")


def check_port(host: str, port: int) -> None:
    """Refuse early, with a clear message, if host:port cannot be bound."""
    if not 0 < port < 65536:
        raise ServeError(f"--port {port}: not a TCP port number (1-65535)")
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"--host {host}: cannot resolve ({exc.strerror})") from None
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        # same option the server sets, so a TIME_WAIT leftover does not count as "taken"
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ServeError(f"port {port} on {host} is already in use; stop whatever listens there "
                                 "or choose another with --port") from None
            if exc.errno == errno.EACCES:
                raise ServeError(f"not allowed to listen on {host}:{port} (ports below 1024 need privileges); "
                                 "choose another with --port") from None
            raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def base_url(host: str, port: int) -> str:
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}"


# -- the internal Oxigraph server -------------------------------------------

def _libc():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True)
    except (ImportError, OSError):  # pragma: no cover
        return None


_LIBC = _libc() if sys.platform.startswith("linux") else None


def _child_setup(max_memory_bytes: int):
    """preexec_fn for the Oxigraph server: an address-space cap, and SIGTERM when we die.

    Kept minimal (it runs between fork and exec of a multi-threaded process): libc is
    resolved in the parent. PR_SET_PDEATHSIG is tied to the thread that forks, so the
    server is only ever started from the main thread (see Backend.supervise).
    """
    def setup() -> None:  # pragma: no cover - runs in the child
        if max_memory_bytes > 0 and resource is not None:
            resource.setrlimit(resource.RLIMIT_AS, (max_memory_bytes, max_memory_bytes))
        if _LIBC is not None:
            _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    return setup


def _free_loopback_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _count_graphs(url: str) -> dict[str, int]:
    query = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
    req = urllib.request.Request(
        url + "/query", data=urllib.parse.urlencode({"query": query}).encode(),
        headers={"Accept": "application/sparql-results+json",
                 "Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        rows = json.load(resp)["results"]["bindings"]
    return {r["g"]["value"]: int(r["n"]["value"]) for r in rows}


def _wait_ready(proc: subprocess.Popen, url: str, deadline: float) -> None:
    probe = url + "/query?" + urllib.parse.urlencode({"query": "ASK {}"})
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServeError(f"the Oxigraph server stopped at start (exit {proc.returncode})")
        try:
            with urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.02)
    raise ServeError(f"the Oxigraph server did not answer at {url} within the time limit")


def _stop(proc: subprocess.Popen, kill: bool = False, grace: float = 1) -> None:
    """SIGTERM (SIGKILL after `grace` s, or at once with `kill`): the store is read only."""
    if proc.poll() is None:
        if kill:
            proc.kill()
        else:
            proc.send_signal(signal.SIGTERM if os.name != "nt" else signal.CTRL_BREAK_EVENT)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of a process (Linux /proc), or None."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


class Backend:
    """`oxigraph serve-read-only` on a private loopback port, restartable.

    Handlers take a snapshot (generation, port, process) per request. A handler that
    needs a restart calls `restart()`, which wakes the main thread (the only one that
    starts servers) and waits for it. While a restart runs, `snapshot()` gives None
    and new requests get 503; requests in flight on the old server get 503 too.
    """

    def __init__(self, oxigraph: str, store: Path, log: Path, max_memory_mb: int):
        self.oxigraph, self.store, self.log = oxigraph, store, log
        self.max_memory = max_memory_mb * 1024 * 1024
        self.cond = threading.Condition()
        self.proc: subprocess.Popen | None = None
        self.port = 0
        self.generation = 0
        self.restarting = False
        self.pending: str | None = None
        self.closed = False
        self.failure: str | None = None
        self.killed: set[int] = set()  # generations stopped on purpose (a limit), not crashed

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server (main thread only); a port lost to a race is retried."""
        env = {**os.environ, "MALLOC_ARENA_MAX": "2"}  # fewer malloc arenas: less address space
        for attempt in range(3):
            self.port = _free_loopback_port()
            with open(self.log, "ab") as log:
                self.proc = subprocess.Popen(
                    [self.oxigraph, "serve-read-only", "--location", str(self.store),
                     "--bind", f"127.0.0.1:{self.port}"],
                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log, env=env,
                    start_new_session=True,  # Ctrl-C reaches only us; we stop the server in order
                    # minimal and from the main thread only (see _child_setup)
                    preexec_fn=_child_setup(self.max_memory) if os.name == "posix" else None)  # noqa: PLW1509
            try:
                _wait_ready(self.proc, self.url, time.monotonic() + 30)
                return
            except ServeError:
                _stop(self.proc, kill=True)
                if attempt == 2:
                    raise ServeError(f"the Oxigraph server did not start (see {self.log}):\n{self.log_tail()}")

    def log_tail(self) -> str:
        try:
            lines = [x for x in self.log.read_text(errors="replace").splitlines() if x.strip()]
        except OSError:
            return ""
        return "\n".join(lines[-3:])

    def snapshot(self):
        with self.cond:
            if self.restarting or self.closed or self.proc is None:
                return None
            return self.generation, self.port, self.proc

    def restart(self, generation: int, reason: str) -> None:
        """Ask the main thread to restart the server started as `generation`; wait for it."""
        with self.cond:
            if generation != self.generation or self.closed:
                return  # already restarted (or stopping)
            self.restarting = True
            self.pending = self.pending or reason
            self.cond.notify_all()
            self.cond.wait_for(lambda: self.generation != generation or self.closed or self.failure, timeout=60)

    def supervise(self, wait: float) -> None:
        """Main thread: wait up to `wait` s for a restart request; restart a dead server too."""
        with self.cond:
            self.cond.wait_for(lambda: self.pending is not None or self.closed, timeout=wait)
            if self.closed:
                return
            reason = self.pending
            if reason is None and self.proc.poll() is not None:
                reason = f"the Oxigraph server stopped (exit {self.proc.returncode})"
            if reason is None:
                return
            self.restarting = True
            if self.pending is not None:
                self.killed.add(self.generation)
            old = self.proc
        t0 = time.perf_counter()
        _stop(old, kill=True)  # the store is read only: nothing to lose
        try:
            self.start()
        except ServeError as exc:
            with self.cond:
                self.failure = str(exc)
                self.cond.notify_all()
            raise
        seconds = time.perf_counter() - t0
        with self.cond:
            self.generation += 1
            self.pending = None
            self.restarting = False
            self.cond.notify_all()
        print(f"nlsc serve: {reason}; Oxigraph server restarted in {seconds:.2f} s", file=sys.stderr, flush=True)

    def was_killed(self, generation: int) -> bool:
        """True if the server of `generation` was (or is being) stopped because a query broke a limit."""
        with self.cond:
            return generation in self.killed or (generation == self.generation and self.pending is not None)

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
            proc = self.proc
        if proc is not None:
            _stop(proc)


# -- the public proxy --------------------------------------------------------

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
              "trailers", "transfer-encoding", "upgrade", "host", "content-length", "accept-encoding"}
SPOOL_BYTES = 1 << 20       # answers up to this size are checked whole before the first byte is sent
MAX_REQUEST_BYTES = 8 << 20  # a query (or form) larger than this is refused with 413
CHUNK = 64 * 1024


class Overrun(Exception):
    """The answer broke a limit; `message` is for the client."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ClientGone(Exception):
    pass


class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address, backend: Backend, timeout: float, max_bytes: int, family=socket.AF_INET):
        self.address_family = family
        self.backend, self.query_timeout, self.max_bytes = backend, timeout, max_bytes
        super().__init__(address, ProxyHandler)


class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards reads to the internal Oxigraph server under a deadline and a size limit."""

    protocol_version = "HTTP/1.1"
    server_version = "nlsc-serve"
    timeout = 120  # an idle client connection is closed after this many seconds
    server: Proxy

    def log_message(self, format, *args):  # quiet: no access log
        pass

    # -- methods

    def do_GET(self):
        self._forward()

    def do_HEAD(self):
        self._forward()

    def do_POST(self):
        if urllib.parse.urlsplit(self.path).path != "/query":
            return self._refuse()
        self._forward()

    def _refuse(self):
        self._drain()
        self._reply(403, "read-only endpoint: SPARQL Update and Graph Store writes are refused\n")

    do_PUT = do_DELETE = do_PATCH = _refuse

    # -- helpers

    def _length(self) -> int:
        try:
            return max(0, int(self.headers.get("Content-Length") or 0))
        except ValueError:
            return MAX_REQUEST_BYTES + 1  # unreadable: refused as too large, connection closed

    def _drain(self) -> None:
        length = self._length()
        if 0 < length <= MAX_REQUEST_BYTES:
            self.rfile.read(length)
        elif length or self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _reply(self, status: int, message: str, retry: bool = False) -> None:
        body = message.encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            if retry:
                self.send_header("Retry-After", "1")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)
        except OSError:
            self.close_connection = True

    def _write(self, data: bytes) -> None:
        try:
            self.wfile.write(data)
        except OSError as exc:
            raise ClientGone() from exc

    def _forward(self) -> None:
        srv = self.server
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return self._reply(411, "send the request with a Content-Length\n")
        length = self._length()
        if length > MAX_REQUEST_BYTES:
            self.close_connection = True
            return self._reply(413, f"request larger than {MAX_REQUEST_BYTES} bytes\n")
        body = self.rfile.read(length) if length else None
        snap = srv.backend.snapshot()
        if snap is None:
            return self._reply(503, "the query server is restarting; retry in a moment\n", retry=True)
        generation, port, proc = snap
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=srv.query_timeout + 30)
        expired = threading.Event()

        def expire():  # the deadline: unblock the reading thread
            expired.set()
            try:
                if upstream.sock is not None:
                    upstream.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

        timer = threading.Timer(srv.query_timeout, expire)
        timer.daemon = True
        timer.start()
        streaming = False  # headers sent to the client, body chunked
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            resp = upstream.getresponse()
            held, size = [], 0
            while True:
                data = resp.read1(CHUNK) if self.command != "HEAD" else b""
                if expired.is_set():
                    raise TimeoutError
                if not data:
                    break
                size += len(data)
                if size > srv.max_bytes:
                    raise Overrun(f"query result exceeded the {srv.max_bytes} byte limit (--max-result-bytes); "
                                  "add a LIMIT or narrow the query\n")
                if streaming:
                    self._write(b"%x\r\n%s\r\n" % (len(data), data))
                    continue
                held.append(data)
                if size > SPOOL_BYTES:  # large answer: start streaming
                    self._send_head(resp, None)
                    streaming = True
                    for part in held:
                        self._write(b"%x\r\n%s\r\n" % (len(part), part))
                    held = []
            timer.cancel()
            if expired.is_set():
                raise TimeoutError
            if streaming:
                self._write(b"0\r\n\r\n")
            else:
                whole = b"".join(held)
                self._send_head(resp, len(whole))
                if self.command != "HEAD":
                    self._write(whole)
        except ClientGone:
            self.close_connection = True
        except Overrun as exc:
            upstream.close()  # Oxigraph stops an answer it cannot write
            self._fail(streaming, 503, exc.message)
            self._stop_if_busy(generation, proc, "a query result exceeded the size limit and the server kept computing")
        except (OSError, http.client.HTTPException):
            if expired.is_set():
                msg = f"query exceeded the {srv.query_timeout:g} s limit (--query-timeout); it was stopped\n"
                srv.backend.restart(generation, f"a query exceeded the {srv.query_timeout:g} s limit")
                self._fail(streaming, 503, msg)
            elif srv.backend.closed:
                self._fail(streaming, 503, "the endpoint is shutting down\n")
            elif srv.backend.was_killed(generation):
                self._fail(streaming, 503, "the query server was restarted because another query broke a limit; "
                                           "retry\n", retry=True)
            elif self._died(proc):
                srv.backend.restart(generation, f"the Oxigraph server stopped while answering (exit {proc.returncode}"
                                                "; over the memory cap?)")
                self._fail(streaming, 503, "the query server stopped while answering (a query probably hit the "
                                           "--max-memory-mb limit); it has been restarted\n")
            else:
                self._fail(streaming, 502, "no valid answer from the query server\n")
        finally:
            timer.cancel()
            upstream.close()

    def _send_head(self, resp: http.client.HTTPResponse, length: int | None) -> None:
        try:
            self.send_response(resp.status, resp.reason)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP and k.lower() not in ("server", "date"):
                    self.send_header(k, v)
            if length is None:
                self.send_header("Transfer-Encoding", "chunked")
            else:
                self.send_header("Content-Length", str(length))
            self.end_headers()
        except OSError as exc:
            raise ClientGone() from exc

    def _fail(self, streaming: bool, status: int, message: str, retry: bool = False) -> None:
        """An error answer; after the headers went out, the only signal left is a cut-off body."""
        if not streaming:
            return self._reply(status, message, retry)
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)  # no final chunk: the client sees an incomplete answer
        except OSError:
            pass

    @staticmethod
    def _died(proc: subprocess.Popen) -> bool:
        try:
            proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return False
        return True

    def _stop_if_busy(self, generation: int, proc: subprocess.Popen, reason: str) -> None:
        """After an aborted answer: restart the server if it keeps a core busy for the next 0.5 s."""
        before = _cpu_seconds(proc.pid)
        time.sleep(0.5)
        after = _cpu_seconds(proc.pid)
        if before is None or after is None or after - before > 0.25:
            self.server.backend.restart(generation, reason)


# -- the command ---------------------------------------------------------------

def _bind_proxy(host: str, port: int, backend: Backend, args) -> Proxy:
    family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
    try:
        return Proxy((host, port), backend, args.query_timeout, args.max_result_bytes, family)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            raise ServeError(f"port {port} on {host} is already in use; stop whatever listens there "
                             "or choose another with --port") from None
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None


def run(args: argparse.Namespace) -> int:
    """Serve until Ctrl-C or SIGTERM; refusals raise NlscError, reported by nlsc.cli."""
    from .paths import dist_dir, source_root

    host, port = args.host, args.port
    if args.query_timeout <= 0:
        raise ServeError("--query-timeout must be more than 0 seconds")
    if args.max_result_bytes <= 0:
        raise ServeError("--max-result-bytes must be more than 0")
    trig = dist_trig(dist_dir(args.dist))
    if not args.allow_stale:
        check_fresh(trig, source_root(args.source_root))
    oxigraph = find_oxigraph(args.oxigraph)
    check_port(host, port)

    stop = {"signal": None}

    def on_signal(signum, _frame):
        stop["signal"] = signum

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    tmp = Path(tempfile.mkdtemp(prefix="nlsc-serve-"))
    backend = Backend(oxigraph, tmp / "store", tmp / "oxigraph.log", args.max_memory_mb)
    proxy = None
    thread = None
    try:
        t0 = time.perf_counter()
        res = subprocess.run([oxigraph, "load", "--location", str(backend.store), "--file", str(trig)],
                             capture_output=True, text=True, check=False)
        if stop["signal"] is not None:
            return 0
        if res.returncode != 0:
            raise ServeError(f"loading {trig} into Oxigraph failed:\n{(res.stderr or res.stdout).strip()}")
        backend.start()
        counts = _count_graphs(backend.url)
        proxy = _bind_proxy(host, port, backend, args)
        thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.2},
                                  name="nlsc-serve-proxy", daemon=True)
        thread.start()
        seconds = time.perf_counter() - t0

        url = base_url(host, port)
        out = sys.stdout
        print(f"nlsc serve: {trig} loaded in {seconds:.1f} s, read-only", file=out)
        for g in GRAPHS:
            print(f"  {counts.get(str(g), 0):>7} triples  <{g}>", file=out)
        for g in sorted(set(counts) - {str(x) for x in GRAPHS}):
            print(f"  {counts[g]:>7} triples  <{g}>", file=out)
        print(f"SPARQL endpoint: {url}/query", file=out)
        print(f"Query UI:        {url}/", file=out)
        print(f"Graph Store:     {url}/store?graph=IRI (read only)", file=out)
        memory = f"{args.max_memory_mb} MB" if args.max_memory_mb > 0 else "none"
        print(f"Limits:          {args.query_timeout:g} s per query, {args.max_result_bytes} bytes per answer, "
              f"server memory {memory}", file=out)
        if host not in LOOPBACK:
            print(f"warning: listening on {host}, not loopback: the endpoint is reachable from the network",
                  file=sys.stderr)
        print("Press Ctrl-C to stop.", file=out, flush=True)

        while stop["signal"] is None:
            backend.supervise(wait=0.2)
        print("nlsc serve: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        if thread is not None:
            proxy.shutdown()
        if proxy is not None:
            proxy.server_close()
        backend.close()
        shutil.rmtree(tmp, ignore_errors=True)
        for s, h in old.items():
            signal.signal(s, h)
