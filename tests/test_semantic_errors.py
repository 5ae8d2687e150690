"""Semantic errors are caught before release: one injected mistake per kind.

Each case copies the sources to a temporary folder, makes one small text edit,
runs `nlsc build --source-root TMP --dist DIST` and expects: exit code 1 (invalid
input, as for a SHACL failure), a message naming the kind of error and the
`file:line` of the edit, no traceback, and the previous dist/ left byte for byte
as it was.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import REPO, run_cli

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
    from nlsc.build.check import problems
    from nlsc.build.sources import load
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


def test_the_repository_holds_the_reference_table():
    from nlsc.build.check import reference_table
    from nlsc.paths import layout

    values, citations = reference_table(layout(REPO))
    assert "00000004000000034000" in values  # the OM's OIN
    assert "http://www.wikidata.org/entity/Q2491421" in values  # a QID, as the data writes it
    assert any("Staatscourant 2020 nr. 30702" in c for c in citations)


@pytest.mark.parametrize("edit,message,line", [
    (None, "reference table not found", None),
    ("entity,label_nl,kind,identifier\nom,OM,oin,00000004000000034000\n", "no column scheme, value", 1),
    (b"entity,label_nl,scheme,value\nom,\xff,oin,1\n", "not valid UTF-8", 2),
], ids=["missing", "wrong-columns", "not-utf8"])
def test_an_unusable_reference_table_is_a_source_error(edit, message, line, tmp_path, previous_dist):
    root = copy_sources(tmp_path / "src")
    table = root / "data" / "reference" / "identifiers.csv"
    if edit is None:
        table.unlink()
    elif isinstance(edit, bytes):
        table.write_bytes(edit)
    else:
        table.write_text(edit, encoding="utf-8")
    before = snapshot(previous_dist)
    res = run_cli("build", "--source-root", str(root), "--dist", str(previous_dist), "-q")
    assert res.returncode == 2, res.stderr
    where = "data/reference/identifiers.csv" + (f":{line}" if line else "")
    assert f"{where}: " in res.stderr and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
    assert snapshot(previous_dist) == before


def test_the_table_of_the_source_root_is_the_one_read(tmp_path):
    from nlsc.build.check import problems
    from nlsc.build.sources import load
    from nlsc.paths import layout

    root = copy_sources(tmp_path / "src")
    inject(root, CASES[6])  # an ROO page that is not in the table
    lay = layout(root)
    assert [p.kind for p in problems(load(lay), lay)] == ["unknown identifier"]
    with (root / "data" / "reference" / "identifiers.csv").open("a", encoding="utf-8") as fh:
        fh.write("aivd,AIVD,roo,https://organisaties.overheid.nl/9634/aivd,a test,high\n")
    assert problems(load(lay), lay) == []
