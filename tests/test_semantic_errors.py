"""Semantic errors are caught before release: one injected mistake per kind.

Each case copies the sources to a temporary folder, makes one small text edit,
runs `nlsc build --source-root TMP --dist DIST` and expects: exit code 1 (invalid
input, as for a SHACL failure), a message naming the kind of error and the
`file:line` of the edit, no traceback, and the previous dist/ left byte for byte
as it was.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import IN_CI, REPO, run_cli

SOURCE_FOLDERS = ("ontology", "data", "shapes", "queries")


@dataclass(frozen=True)
class Case:
    id: str
    file: str
    old: str  # replaced once (first occurrence); "" appends `new` to the file
    new: str
    kind: str  # the kind named in the message
    also: str = ""  # another text the message must contain


CASES = [
    Case("undescribed-iri", "data/arrangements.ttl",
         "org:hasMember organisatie:aivd , organisatie:mivd ;", "org:hasMember organisatie:aivd , organisatie:mivdd ;",
         "undescribed IRI", "organisatie:mivdd"),
    Case("undescribed-term", "data/information-flows.ttl", "nlsc:recipient ", "nlsc:recipeint ",
         "undescribed IRI", "nlsc:recipeint"),
    Case("duplicate-slug-across-kinds", "data/units-and-posts.ttl", "",
         '\neenheid:aivd a org:OrganizationalUnit ;\n    skos:prefLabel "AIVD"@nl , "AIVD"@en .\n',
         "duplicate slug", "eenheid:aivd and organisatie:aivd"),
    Case("duplicate-slug-case", "data/organisations.ttl", "",
         '\norganisatie:AIVD a cv:PublicOrganisation ;\n    skos:prefLabel "AIVD"@nl , "AIVD"@en .\n',
         "duplicate slug", "differ only in case"),
    Case("unknown-type", "data/organisations.ttl", "a cv:PublicOrganisation ;", "a cv:PublicOrganization ;",
         "unknown type", "cv:PublicOrganization"),
    Case("quote-not-in-source", "data/source/passages.ttl",
         "werken wij ook regelmatig samen.", "werken wij ook vaak samen.", "quote not in source", "vaak samen"),
    Case("identifier-iri-not-in-reference", "data/context/reference-facts.ttl",
         "<https://organisaties.overheid.nl/9633/aivd>", "<https://organisaties.overheid.nl/9634/aivd>",
         "unknown identifier", "9634"),
    Case("identifier-literal-not-in-reference", "data/context/reference-facts.ttl",
         '"00000004000000034000"', '"00000004000000034001"', "unknown identifier", "00000004000000034001"),
    Case("label-without-language", "data/organisations.ttl",
         '"Algemene Inlichtingen- en Veiligheidsdienst"@nl ;', '"Algemene Inlichtingen- en Veiligheidsdienst" ;',
         "missing language tag", "skos:prefLabel"),
    Case("other-language-tag", "data/organisations.ttl", '"AIVD"@en', '"AIVD"@de', "unknown language tag", "@de"),
    Case("founding-date-wrong-datatype", "data/context/reference-facts.ttl",
         'schema:foundingDate "2002"^^xsd:gYear', 'schema:foundingDate "2002"^^xsd:string',
         "wrong datatype", "schema:foundingDate"),
    Case("ill-typed-literal", "data/context/reference-facts.ttl",
         '"2013-01-01"^^xsd:date', '"abc"^^xsd:date', "ill-typed literal", '"abc"'),
]


def copy_sources(target: Path) -> Path:
    for name in SOURCE_FOLDERS:
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, target / name)
    return target


def inject(root: Path, case: Case) -> int:
    """Apply the edit; return the (1-based) line it is on."""
    path = root / case.file
    text = path.read_text(encoding="utf-8")
    if case.old == "":
        if not text.endswith("\n"):
            text += "\n"
        line = text.count("\n") + case.new.count("\n", 0, len(case.new) - len(case.new.lstrip("\n"))) + 1
        path.write_text(text + case.new, encoding="utf-8")
        return line
    at = text.find(case.old)
    assert at >= 0, f"{case.id}: {case.old!r} not in {case.file} any more; update the case"
    path.write_text(text[:at] + case.new + text[at + len(case.old):], encoding="utf-8")
    return text.count("\n", 0, at) + 1


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def previous_dist(dist, tmp_path) -> Path:
    """A copy of a good build, standing in for the dist/ of the last release."""
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    return target


def test_the_real_sources_have_no_semantic_errors():
    from nlsc.check import problems
    from nlsc.load import load
    from nlsc.paths import layout

    lay = layout(REPO)
    assert [str(p) for p in problems(load(lay), lay)] == []


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_semantic_error_is_caught(case, tmp_path, previous_dist):
    root = copy_sources(tmp_path / "src")
    line = inject(root, case)
    before = snapshot(previous_dist)
    res = run_cli("build", "--source-root", str(root), "--dist", str(previous_dist), "-q")
    assert res.returncode == 1, res.stderr
    assert f"{case.file}:{line}: " in res.stderr, res.stderr
    assert case.kind in res.stderr, res.stderr
    located = [ln for ln in res.stderr.splitlines() if f"{case.file}:{line}" in ln]
    assert any(case.kind in ln or "also at" in ln for ln in located), res.stderr
    assert case.also in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert snapshot(previous_dist) == before
    leftovers = [p.name for p in previous_dist.parent.iterdir() if p.name.startswith(".dist.")]
    assert leftovers == []


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    root = copy_sources(tmp_path / "src")
    lines = [inject(root, c) for c in (CASES[0], CASES[4], CASES[5])]
    res = run_cli("build", "--source-root", str(root), "--dist", str(tmp_path / "dist"), "-q")
    assert res.returncode == 1
    assert "3 semantic errors" in res.stderr, res.stderr
    for case, line in zip((CASES[0], CASES[4], CASES[5]), lines):
        assert f"{case.file}:{line}: {case.kind}" in res.stderr
    assert not (tmp_path / "dist").exists()


def test_debug_shows_the_traceback(tmp_path):
    root = copy_sources(tmp_path / "src")
    inject(root, CASES[0])
    res = run_cli("build", "--debug", "--source-root", str(root), "--dist", str(tmp_path / "dist"), "-q")
    assert res.returncode == 1
    assert "Traceback" in res.stderr and "SemanticError" in res.stderr


def test_reference_table_is_present_in_ci():
    from nlsc.check import reference_table, reference_table_candidates
    from nlsc.paths import layout

    lay = layout(REPO)
    if reference_table(lay) is None:
        where = ", ".join(map(str, reference_table_candidates(lay)))
        if IN_CI:
            pytest.fail(f"the reference table must be present in CI (looked for {where}; set NLSC_SHARED)")
        pytest.skip(f"reference table not found ({where})")


def test_absent_reference_table_skips_the_identifier_check_with_a_note(tmp_path, capsys, monkeypatch):
    from nlsc.check import problems
    from nlsc.load import load
    from nlsc.paths import layout

    root = copy_sources(tmp_path / "src")
    inject(root, CASES[6])  # an identifier that is not in the table
    monkeypatch.setenv("NLSC_SHARED", str(tmp_path / "nowhere"))
    lay = layout(root)
    found = problems(load(lay), lay)
    assert found == []
    assert "identifiers not checked" in capsys.readouterr().err


def test_nlsc_shared_points_at_the_table(tmp_path, monkeypatch):
    from nlsc.check import problems, reference_table_candidates
    from nlsc.load import load
    from nlsc.paths import layout

    table = REPO.parent / "shared" / "reference" / "identifiers.csv"
    if os.environ.get("NLSC_SHARED"):
        table = Path(os.environ["NLSC_SHARED"]) / "reference" / "identifiers.csv"
    if not table.is_file():
        pytest.skip("reference table not available")
    shared = tmp_path / "elsewhere"
    (shared / "reference").mkdir(parents=True)
    shutil.copy(table, shared / "reference" / "identifiers.csv")
    monkeypatch.setenv("NLSC_SHARED", str(shared))
    root = copy_sources(tmp_path / "src")
    inject(root, CASES[6])
    lay = layout(root)
    assert reference_table_candidates(lay) == [shared / "reference" / "identifiers.csv"]
    assert [p.kind for p in problems(load(lay), lay)] == ["unknown identifier"]
