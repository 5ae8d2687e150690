"""The build as a user meets it: CLI, errors, determinism, versions, packaging."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
import venv
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL

from conftest import REPO, run_cli


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under `folder` (the site included), by relative path."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_help_and_version():
    import nlsc

    res = run_cli("--help")
    assert res.returncode == 0 and "build" in res.stdout
    res = run_cli("--version")
    assert res.returncode == 0 and res.stdout.strip() == f"nlsc {nlsc.__version__}"


def test_the_command_line_imports_no_engine_it_does_not_run():
    """The parser of every subcommand is made without the build's engines: `nlsc query`
    and `nlsc --help` do not pay for pyld, pyshacl, the pipeline or rdflib's SPARQL parser."""
    code = ("import sys, nlsc.commands as c; c.parser(); "
            "print(' '.join(m for m in ('pyld', 'pyshacl', 'pyshacl_turbo', 'nlsc.build.pipeline', "
            "'rdflib.plugins.sparql.parser') if m in sys.modules))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0 and res.stdout.strip() == "", res.stdout + res.stderr


def test_build_of_fixture(mini_copy, tmp_path):
    res = run_cli("build", "--source-root", str(mini_copy), "--dist", str(tmp_path / "dist"), "--quiet")
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "dist" / "nlsc.ttl").is_file()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.")], "staging folders left behind"


def test_inferred_triples_in_fixture(mini_copy, tmp_path):
    from rdflib import Dataset

    from nlsc.namespaces import GRAPH_INFERRED, NLSC

    assert run_cli("build", "--source-root", str(mini_copy), "--dist", str(tmp_path / "d"), "-q").returncode == 0
    ds = Dataset()
    ds.parse(tmp_path / "d" / "nlsc.nq", format="nquads")
    aivd, om = (URIRef(f"https://w3id.org/nlsc/id/organisatie/{k}") for k in ("aivd", "om"))
    assert (aivd, NLSC.providesInformationTo, om) in ds.graph(GRAPH_INFERRED)


def test_syntax_error_is_located_and_dist_kept(mini_copy, tmp_path):
    dist = tmp_path / "dist"
    assert run_cli("build", "--source-root", str(mini_copy), "--dist", str(dist), "-q").returncode == 0
    before = _snapshot(dist)
    bad = mini_copy / "data" / "y.ttl"
    lines = bad.read_text("utf-8").splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("organisatie:aivd"))
    lines[n] = lines[n].replace("a org:Organization", "a <not an iri>")  # spaces in an IRI
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    res = run_cli("build", "--source-root", str(mini_copy), "--dist", str(dist))
    assert res.returncode == 2, res.stderr
    assert re.search(rf"^data/y\.ttl:{n + 1}:\d+: \S", res.stderr, re.M), res.stderr
    assert "Traceback" not in res.stderr
    assert _snapshot(dist) == before


def test_debug_shows_traceback(mini_copy, tmp_path):
    (mini_copy / "data" / "y.ttl").write_text("@prefix x: <http://e/> .\nx:a x:b .\n", encoding="utf-8")
    res = run_cli("build", "--source-root", str(mini_copy), "--dist", str(tmp_path / "d"), "--debug")
    assert res.returncode == 2 and "Traceback" in res.stderr and "data/y.ttl:2:" in res.stderr


def test_missing_ontology_is_unusable_input(tmp_path):
    (tmp_path / "data").mkdir()
    res = run_cli("build", "--source-root", str(tmp_path), "--dist", str(tmp_path / "d"))
    assert res.returncode == 2 and "ontology" in res.stderr and "Traceback" not in res.stderr


def test_builds_are_byte_identical(dist, tmp_path):
    """`nlsc build` under another hash seed, its JSON-LD compaction and resource pages spread
    over two worker processes (nlsc.workers), writes the bytes of the session's build (which
    does that work in one process: the real data is below the workers' thresholds)."""
    seed = str(int(os.environ.get("PYTHONHASHSEED", "0").replace("random", "0")) + 1)  # not this process's seed
    res = run_cli("build", "--dist", str(tmp_path / "d"), "-q", env={"PYTHONHASHSEED": seed, "NLSC_WORKERS": "2"})
    assert res.returncode == 0, res.stderr
    snap_a, snap_b = _snapshot(dist), _snapshot(tmp_path / "d")
    assert snap_a.keys() == snap_b.keys()
    differing = [name for name in snap_a if snap_a[name] != snap_b[name]]
    assert not differing


def test_worker_processes_keep_blank_nodes(mini_copy, tmp_path):
    """A page whose description holds a blank node is the same from a worker process: the
    worker's store keeps the blank-node labels the compaction is keyed by (Store.load renamed
    them, and the page lost the node's JSON-LD)."""
    with (mini_copy / "data" / "y.ttl").open("a", encoding="utf-8") as f:
        f.write('organisatie:om org:hasSite [ a org:Site ; skos:prefLabel "Den Haag"@nl ] .\n')
    snaps = []
    for workers in ("1", "2"):
        dist = tmp_path / f"d{workers}"
        res = run_cli("build", "--source-root", str(mini_copy), "--dist", str(dist), "-q",
                      env={"NLSC_WORKERS": workers})
        assert res.returncode == 0, res.stderr
        snaps.append({k: v for k, v in _snapshot(dist).items() if k != "BUILD.txt"})
    assert b'"Den Haag"' in snaps[0]["site/doc/organisatie/om.jsonld"]
    assert [k for k in snaps[0] if snaps[0][k] != snaps[1].get(k)] == []


@pytest.mark.parametrize("value", ["0", "two", "-1"])
def test_a_bad_worker_count_is_refused_before_any_work(tmp_path, value):
    res = run_cli("build", "--dist", str(tmp_path / "d"), env={"NLSC_WORKERS": value})
    assert res.returncode == 2 and f"NLSC_WORKERS={value!r}" in res.stderr, res.stderr
    assert "Traceback" not in res.stderr and "load:" not in res.stderr and not (tmp_path / "d").exists()


def test_the_pipeline_times_its_stages_and_writes_the_same_bytes(dist, tmp_path):
    """A build in this process: its stage timings, and the same bytes as the session's dist/."""
    from nlsc.paths import layout
    from nlsc.build.pipeline import build

    result = build(layout(REPO), tmp_path / "dist", quiet=True)
    # the pipeline times its own stages, in the order they ran
    assert list(result.stages) == ["load", "check", "reason", "validate", "serialise", "tables", "describe", "site",
                                   "publish"]
    assert all(s >= 0 for s in result.stages.values()) and sum(result.stages.values()) <= result.seconds
    a, b = _snapshot(dist), _snapshot(tmp_path / "dist")
    assert a.keys() == b.keys()
    assert [name for name in a if a[name] != b[name]] == []


def _sources_with(tmp_path, name: str, edit) -> Path:
    """A copy of the repository's sources in tmp_path/src, the file `name` passed through `edit`."""
    import shutil

    root = tmp_path / "src"
    for folder in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(REPO / folder, root / folder)
    path = root / name
    text = path.read_text("utf-8")
    edited = edit(text)
    assert edited != text, f"the edit left {name} unchanged"
    path.write_text(edited, "utf-8")
    return root


def _with_violation(tmp_path) -> Path:
    """The sources with a second Dutch prefLabel on the AIVD: a SHACL violation
    (sh:uniqueLang) that the semantic check does not catch."""
    old = 'skos:prefLabel "Algemene Inlichtingen- en Veiligheidsdienst"@nl ;'
    return _sources_with(tmp_path, "data/organisations.ttl",
                         lambda text: text.replace(old, old[:-2] + ' , "Tweede naam"@nl ;', 1))


def test_violation_fails_the_build_and_keeps_dist(tmp_path):
    root, dist = _with_violation(tmp_path), tmp_path / "dist"
    res = run_cli("build", "--source-root", str(root), "--dist", str(dist))
    assert res.returncode == 1, res.stderr
    assert "LabelShape_prefLabel_uniqueLang" in res.stderr and "Traceback" not in res.stderr
    assert not dist.exists() and not list(tmp_path.glob(".dist*"))


def test_a_failing_graphviz_is_a_clear_error_and_keeps_dist(mini_copy, tmp_path):
    """dot runs beside the resource pages (nlsc.site.diagram.Rendering): its failure still
    fails the build with dot's own message, the previous dist/ kept, nothing staged."""
    dist = tmp_path / "dist"
    assert run_cli("build", "--source-root", str(mini_copy), "--dist", str(dist), "-q").returncode == 0
    before = _snapshot(dist)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "dot").write_text("#!/bin/sh\necho 'syntax error in line 7' >&2\nexit 3\n")
    (bin_dir / "dot").chmod(0o755)
    res = run_cli("build", "--source-root", str(mini_copy), "--dist", str(dist), "-q",
                  env={"PATH": f"{bin_dir}:{os.environ['PATH']}"})
    assert res.returncode != 0
    assert "dot failed: syntax error in line 7" in res.stderr and "Traceback" not in res.stderr
    assert _snapshot(dist) == before and not list(tmp_path.glob(".dist*"))


def test_violation_raises_in_process(tmp_path):
    from nlsc.errors import ValidationFailure
    from nlsc.paths import layout
    from nlsc.build.pipeline import build

    root, dist = _with_violation(tmp_path), tmp_path / "dist"
    with pytest.raises(ValidationFailure, match="LabelShape_prefLabel_uniqueLang"):
        build(layout(root), dist, quiet=True)
    assert not dist.exists() and not list(tmp_path.glob(".dist*"))


def test_one_version_number(dist):
    import nlsc
    from nlsc.namespaces import ONTOLOGY_IRI

    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))["project"]["version"]
    onto = Graph().parse(dist / "nlsc-ontology.ttl")
    owl_version = {str(v) for v in onto.objects(ONTOLOGY_IRI, OWL.versionInfo)}
    described = Graph().parse(dist / "dataset.ttl")
    dcat_version = {str(v) for v in described.objects(None, URIRef("http://www.w3.org/ns/dcat#version"))}
    changelog = re.findall(r"^## \[(\d+\.\d+\.\d+)\] - \d{4}-\d\d-\d\d", (REPO / "CHANGELOG.md").read_text("utf-8"), re.M)
    assert owl_version == {pyproject}
    assert dcat_version == {pyproject}
    assert changelog and changelog[0] == pyproject
    assert nlsc.__version__ == pyproject
    assert f"nlsc {pyproject}" in (dist / "BUILD.txt").read_text("utf-8")


def test_files_from_installed_wheel(tmp_path):
    wheels = tmp_path / "wheels"
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(wheels), str(REPO)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    (wheel,) = wheels.glob("nlsc-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr
    probe = ("import nlsc, pathlib; r = nlsc.files(); "
             "assert '_resources' in str(r), r; "
             "assert (r / 'ontology').is_dir() and (r / 'data').is_dir(); "
             "print(len(list(pathlib.Path(str(r)).rglob('*.ttl'))))")
    res = subprocess.run([str(py), "-c", probe], capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 0, res.stderr
    shipped = int(res.stdout.strip())
    in_repo = sum(1 for d in ("ontology", "data", "shapes", "queries") for _ in (REPO / d).rglob("*.ttl"))
    assert shipped == in_repo


def test_semantic_error_fails_the_build(tmp_path):
    """The semantic check's error names the file and line; dist/ is not touched."""
    from nlsc.build.check import SemanticError
    from nlsc.paths import layout
    from nlsc.build.pipeline import build

    root = _sources_with(tmp_path, "data/organisations.ttl",
                         lambda text: text + "\norganisatie:aivd org:hasUnit eenheid:bestaat-niet .\n")
    dist, path = tmp_path / "dist", root / "data" / "organisations.ttl"
    with pytest.raises(SemanticError) as caught:
        build(layout(root), dist, quiet=True)
    problems = caught.value.problems
    assert [(p.file, p.kind) for p in problems] == [("data/organisations.ttl", "undescribed IRI")], problems
    assert problems[0].line == path.read_text("utf-8").count("\n")
    assert not dist.exists() and not list(tmp_path.glob(".dist*"))


def test_check_query_row_fails_the_build(tmp_path):
    """A check query (queries/checks/) that returns a row is a build gate: the message
    names the check and the resources; dist/ is not touched."""
    from nlsc.errors import ValidationFailure
    from nlsc.paths import layout
    from nlsc.build.pipeline import build

    root = _sources_with(tmp_path, "data/organisations.ttl",
                         lambda text: text + "\norganisatie:aivd org:hasUnit eenheid:id-belastingdienst .\n")
    dist = tmp_path / "dist"
    with pytest.raises(ValidationFailure) as caught:
        build(layout(root), dist, quiet=True)
    message = str(caught.value)
    assert "check inverse-mismatch-violation" in message
    assert "<https://w3id.org/nlsc/id/organisatie/aivd>" in message and "org#unitOf>" in message
    assert not dist.exists() and not list(tmp_path.glob(".dist*"))


def test_a_shape_the_engine_cannot_run_names_its_file(tmp_path):
    """A misspelt SHACL term parses as Turtle but the engine refuses it: exit 2, the file named."""
    root = _sources_with(tmp_path, "shapes/recommended.ttl", lambda text: text.replace("sh:property", "sh:Zroperty", 1))
    for command in (["build", "--source-root", str(root), "--dist", str(tmp_path / "dist"), "-q"],
                    ["validate", "--root", str(root)]):
        r = run_cli(*command)
        assert r.returncode == 2, r.stderr
        assert "shapes/recommended.ttl: SHACL validation could not run: " in r.stderr, r.stderr
        assert "Traceback" not in r.stderr
    assert not (tmp_path / "dist").exists()
