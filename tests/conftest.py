"""Shared fixtures: one build of the real sources per session, an offline guard."""

from __future__ import annotations

import ipaddress
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
MINI = FIXTURES / "mini"
IN_CI = bool(os.environ.get("CI"))


def need_tool(ok: bool, what: str) -> None:
    """Skip locally when a tool is missing; in CI a missing tool is a failure."""
    if ok:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI but missing")
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Any connection to a non-loopback address fails the test."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6):
            try:
                loopback = ipaddress.ip_address(str(host).split("%")[0]).is_loopback
            except ValueError:
                loopback = host == "localhost"
            if not loopback:
                raise OSError(f"network access to {host!r} attempted in an offline test")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "nlsc", *args], capture_output=True, text=True,
                          env=full_env, cwd=cwd or REPO, timeout=600)


@pytest.fixture(scope="session")
def dist(tmp_path_factory) -> Path:
    """dist/ built once from the repository's sources."""
    from nlsc.paths import layout
    from nlsc.build.pipeline import build

    out = tmp_path_factory.mktemp("build") / "dist"
    build(layout(REPO), out, quiet=True)
    return out


@pytest.fixture(scope="session")
def source_graphs():
    """The sources parsed directly with rdflib (independent of nlsc.build.sources):
    {'ontology': Graph, 'data': Graph, 'context': Graph, 'union': Graph}."""
    from rdflib import Graph

    graphs = {k: Graph() for k in ("ontology", "data", "context")}
    for f in sorted((REPO / "ontology").glob("*.ttl")):
        graphs["ontology"].parse(f, format="turtle")
    context_dir = REPO / "data" / "context"
    for f in sorted((REPO / "data").rglob("*.ttl")):
        graphs["context" if context_dir in f.parents else "data"].parse(f, format="turtle")
    union = Graph()
    for g in graphs.values():
        union += g
    graphs["union"] = union
    return graphs


@pytest.fixture
def mini_copy(tmp_path) -> Path:
    """A writable copy of the tiny fixture sources."""
    target = tmp_path / "src"
    shutil.copytree(MINI, target)
    return target


def synthetic_union(target: Path, scale: int, seed: int):
    """The asserted union of a bench/generate.py landscape written into `target`
    (with its own data/reference/identifiers.csv), loaded by nlsc.build.sources."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    gen.generate(REPO, target, scale, seed=seed, quiet=True)
    from nlsc.build.sources import load
    from nlsc.paths import layout

    return load(layout(target)).union()
