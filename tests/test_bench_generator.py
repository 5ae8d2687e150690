"""bench/generate.py: deterministic, and its x1 output passes the check stage and the shapes.

Not a timed test; the benchmark itself is bench/run.py.
"""

from __future__ import annotations

import hashlib
import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def _generator():
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _digest(root: Path) -> dict:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    gen = _generator()
    a = tmp_path_factory.mktemp("x1a")
    b = tmp_path_factory.mktemp("x1b")
    gen.generate(REPO, a / "src", 1, seed=9, quiet=True)
    gen.generate(REPO, b / "src", 1, seed=9, quiet=True)
    return a / "src", b / "src"


def test_deterministic(generated):
    a, b = generated
    assert _digest(a) == _digest(b)


def test_reference_table_where_either_build_reads_it(generated):
    root, _ = generated
    tables = [root / "data" / "reference" / "identifiers.csv", root / "shared" / "reference" / "identifiers.csv"]
    assert tables[0].read_bytes() == tables[1].read_bytes()
    assert len(tables[0].read_text(encoding="utf-8").splitlines()) > 1  # a header and rows


def test_seed_changes_output(tmp_path):
    gen = _generator()
    gen.generate(REPO, tmp_path / "s1", 1, seed=1, quiet=True)
    gen.generate(REPO, tmp_path / "s2", 1, seed=2, quiet=True)
    assert _digest(tmp_path / "s1") != _digest(tmp_path / "s2")


def test_x2_grows_and_keeps_shared_parts(tmp_path):
    from rdflib import Graph

    gen = _generator()
    c1 = gen.generate(REPO, tmp_path / "x1", 1, quiet=True)
    c2 = gen.generate(REPO, tmp_path / "x2", 2, quiet=True)
    assert c2["passages"] == 2 * c1["passages"]
    g = Graph().parse(tmp_path / "x2" / "data" / "organisations.ttl", format="turtle")
    assert (None, None, None) in g
    assert any(str(s).endswith("/organisatie/aivd-s1") for s in g.subjects())


def test_x1_passes_check_and_shapes(generated):
    from nlsc.build.sources import load
    from nlsc.paths import layout

    root, _ = generated
    lay = layout(root)
    src = load(lay)
    try:
        from nlsc.build.check import problems
    except ImportError:  # pragma: no cover - before the check stage existed
        problems = None
    if problems is not None:
        assert problems(src, lay, quiet=True) == []
    if not (root / "shapes").is_dir():
        pytest.skip("no shapes/ yet")
    from nlsc.build import validate as V

    result = V.validate(src, shapes=V.load_shapes(lay.shapes))
    assert result.conforms, result.report_text
    # the quotes are verbatim in the synthetic page
    page = (root / "data" / "source" / "samenwerking-nationaal.txt").read_text(encoding="utf-8")
    from rdflib import URIRef

    exact = URIRef("http://www.w3.org/ns/oa#exact")
    quotes = [str(o) for o in src.union().objects(None, exact)]
    assert quotes and all(q in page for q in quotes)
