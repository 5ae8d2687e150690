"""`nlsc serve`: a read-only SPARQL 1.1 endpoint over the built dataset.

The dataset is `dist/nlsc.trig` (named graphs .../graph/ontology, /data,
/context, /inferred). It is loaded into a fresh Oxigraph store in a temporary
folder, and the Oxigraph server (the `oxigraph` binary of the PyPI package
`oxigraph` 0.5.x) answers on it in read-only mode:

    query   GET/POST http://HOST:PORT/query        (SPARQL 1.1 Protocol)
    graphs  GET      http://HOST:PORT/store?graph=IRI  (Graph Store, read only)
    UI      http://HOST:PORT/                       (bundled, works offline)

SPARQL Update and Graph Store writes are refused by the server (HTTP 403).
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
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from .errors import NlscError
from .namespaces import GRAPH_CONTEXT, GRAPH_DATA, GRAPH_INFERRED, GRAPH_ONTOLOGY

HELP = "serve the built dataset as a read-only SPARQL endpoint (Oxigraph server) on loopback"

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878
TRIG = "nlsc.trig"
SOURCE_FOLDERS = ("ontology", "data", "shapes")
GRAPHS = (GRAPH_ONTOLOGY, GRAPH_DATA, GRAPH_CONTEXT, GRAPH_INFERRED)
LOOPBACK = {"127.0.0.1", "::1", "localhost"}


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
    parser.add_argument("--timeout-s", type=int, default=60, metavar="S",
                        help="per-query time limit in seconds (default 60)")


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register `serve` on an argparse subparsers object."""
    p = subparsers.add_parser("serve", help=HELP, description=HELP)
    if not any("--debug" in a.option_strings for a in p._actions):
        p.add_argument("--debug", action="store_true", help="show a traceback on errors")
    add_arguments(p)
    p.set_defaults(func=run, _run=run)
    return p


def run(args: argparse.Namespace) -> int:
    try:
        return serve(args)
    except NlscError as exc:
        if getattr(args, "debug", False):
            traceback.print_exc()
        print(f"nlsc serve: {exc}", file=sys.stderr)
        return exc.exit_code


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


# -- the server -----------------------------------------------------------

def _die_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: have the kernel send SIGTERM to the server if `nlsc serve` dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:
        pass


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
            raise ServeError(f"the Oxigraph server stopped at start (exit {proc.returncode}); see its messages above")
        try:
            with urllib.request.urlopen(probe, timeout=2) as resp:
                if resp.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise ServeError(f"the Oxigraph server did not answer at {url} within the time limit")


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM if os.name != "nt" else signal.CTRL_BREAK_EVENT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def serve(args: argparse.Namespace) -> int:
    from .paths import dist_dir, source_root

    host, port = args.host, args.port
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
    proc = None
    try:
        store = tmp / "store"
        t0 = time.perf_counter()
        res = subprocess.run([oxigraph, "load", "--location", str(store), "--file", str(trig)],
                             capture_output=True, text=True)
        if stop["signal"] is not None:
            return 0
        if res.returncode != 0:
            raise ServeError(f"loading {trig} into Oxigraph failed:\n{(res.stderr or res.stdout).strip()}")
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        cmd = [oxigraph, "serve-read-only", "--location", str(store), "--bind", bind,
               "--timeout-s", str(args.timeout_s)]
        # own session: Ctrl-C reaches only us, and we stop the server in order
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                start_new_session=True,
                                preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        url = base_url(host, port)
        _wait_ready(proc, url, time.monotonic() + 30)
        counts = _count_graphs(url)
        seconds = time.perf_counter() - t0

        out = sys.stdout
        print(f"nlsc serve: {trig} loaded in {seconds:.1f} s, read-only", file=out)
        for g in GRAPHS:
            print(f"  {counts.get(str(g), 0):>7} triples  <{g}>", file=out)
        for g in sorted(set(counts) - {str(x) for x in GRAPHS}):
            print(f"  {counts[g]:>7} triples  <{g}>", file=out)
        print(f"SPARQL endpoint: {url}/query", file=out)
        print(f"Query UI:        {url}/", file=out)
        print(f"Graph Store:     {url}/store?graph=IRI (read only)", file=out)
        if host not in LOOPBACK:
            print(f"warning: listening on {host}, not loopback: the endpoint is reachable from the network",
                  file=sys.stderr)
        print("Press Ctrl-C to stop.", file=out, flush=True)

        while stop["signal"] is None:
            try:
                proc.wait(timeout=0.5)
            except subprocess.TimeoutExpired:
                continue
            if stop["signal"] is None:
                raise NlscError(f"the Oxigraph server stopped unexpectedly (exit {proc.returncode})")
        _stop(proc)
        print("nlsc serve: stopped", file=sys.stderr, flush=True)
        return 0
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)
        for s, h in old.items():
            signal.signal(s, h)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="nlsc serve", description=HELP)
    p.add_argument("--debug", action="store_true", help="show a traceback on errors")
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
