"""Every subcommand with every documented option, on the real data, as a user runs it.

Each case is one `python -m nlsc ...` run: its exit code, and its output
parsed as the format it claims (table, CSV, TSV, JSON, Turtle, text). No
output contains a traceback unless `--debug` is given; with `--debug` an error
shows one. `serve` and `load` meet a real Oxigraph server on a loopback port.
The options are listed in README.md ("The `nlsc` command") and in each
`--help`; test_every_option_is_exercised checks that no `--help` option is
missing from the cases below.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from conftest import MINI, REPO, run_cli
from test_serve import _wait_banner, free_port
from test_store_load import oxigraph_server  # noqa: F401 - a fixture, used by the load cases

AIVD_ALT_EN = '<https://w3id.org/nlsc/id/organisatie/aivd> <http://www.w3.org/2004/02/skos/core#altLabel> "AIVD"@en .'


# --------------------------------------------------------------------------- output shapes


def table(out: str) -> None:
    lines = out.splitlines()
    assert lines[0].startswith("?") and set(lines[1]) <= {"-", " "}, out[:300]
    assert re.fullmatch(r"\((\d+) rows?\)", lines[-1]) and int(lines[-1][1:].split()[0]) == len(lines) - 3


def csv_rows(out: str, delimiter: str = ",") -> None:
    rows = list(csv.reader(io.StringIO(out), delimiter=delimiter))
    assert len(rows) >= 2 and all(len(r) == len(rows[0]) for r in rows), out[:300]


def tsv(out: str) -> None:
    assert out.startswith("?")
    csv_rows(out, "\t")


def json_doc(out: str) -> None:
    json.loads(out)


def conforming_report(out: str) -> None:
    """A JSON validation report of the real data: it conforms, no violation, no check fired."""
    report = json.loads(out)
    assert report["conforms"] is True and report["counts"]["Violation"] == 0 and report["checks"] == [], report


def sparql_json(out: str) -> None:
    doc = json.loads(out)
    assert "head" in doc and ("boolean" in doc or doc["results"]["bindings"]), out[:300]


def turtle(out: str) -> None:
    from rdflib import Graph

    assert len(Graph().parse(data=out, format="turtle")) > 0


def boolean(out: str) -> None:
    assert out in ("true\n", "false\n"), repr(out)


def lines_of(pattern: str):
    def check(out: str) -> None:
        assert re.search(pattern, out, re.M), out[:500]

    check.__name__ = f"matches {pattern!r}"
    return check


def quiet(out: str) -> None:
    assert out == "", out[:300]


# --------------------------------------------------------------------------- the cases
# (subcommand and options, expected exit code, check of stdout or stderr).
# {dist} is the session build; {repo} this checkout; {mini} the small fixture;
# {broken} sources with a syntax error; {tmp} a fresh folder; {ox} an Oxigraph
# server; {nowhere} a loopback port nobody listens on.

STDOUT, STDERR = "stdout", "stderr"

CASES = [
    # build: the real data, every option; and a located error
    ("build --dist {tmp}/d --source-root {repo} -q", 0, STDOUT, quiet),
    ("build --dist {tmp}/d --source-root {mini}", 0, STDERR, lines_of(r"^publish: ")),
    ("build --dist {tmp}/d --source-root {mini} --no-site", 0, STDERR, lines_of(r"^site: left out")),
    ("build --dist {tmp}/d --source-root {broken}", 2, STDERR, lines_of(r"^data/y\.ttl:\d+:\d+: ")),
    # validate
    ("validate", 0, STDOUT, lines_of(r"conforms|Conforms")),
    ("validate --lang nl --root {repo} --shapes {repo}/shapes", 0, STDOUT, lines_of(r"\S")),
    ("validate --format turtle", 0, STDOUT, turtle),
    ("validate --format json --lang en", 0, STDOUT, json_doc),
    ("validate --format text", 0, STDOUT, lines_of(r"\S")),
    ("validate --inference none", 0, STDOUT, lines_of(r"\S")),
    ("validate --inference rdfs", 0, STDOUT, lines_of(r"\S")),
    ("validate --inference owlrl --format json", 0, STDOUT, conforming_report),
    ("validate --root {broken} --shapes {repo}/shapes", 2, STDERR, lines_of(r"^nlsc validate: data/y\.ttl:\d+:\d+: ")),
    # query: every format on a SELECT, an ASK and a CONSTRUCT; the refusals
    ("query --list", 0, STDOUT, lines_of(r"^organisations +SELECT +Organisations")),
    ("query --list --lang nl", 0, STDOUT, lines_of(r"^organisations +SELECT +\S")),
    ("query organisations --dist {dist}", 0, STDOUT, table),
    ("query organisations --dist {dist} --format table --lang en", 0, STDOUT, table),
    ("query organisations --dist {dist} --format csv", 0, STDOUT, csv_rows),
    ("query organisations --dist {dist} --format tsv", 0, STDOUT, tsv),
    ("query organisations --dist {dist} --format json", 0, STDOUT, sparql_json),
    ("query {repo}/queries/organisations.rq --sources {repo} --format csv --lang nl", 0, STDOUT, csv_rows),
    ("query ask-om-ambtsbericht --dist {dist}", 0, STDOUT, boolean),
    ("query ask-om-ambtsbericht --dist {dist} --format csv", 0, STDOUT, boolean),
    ("query ask-om-ambtsbericht --dist {dist} --format tsv", 0, STDOUT, boolean),
    ("query ask-om-ambtsbericht --dist {dist} --format json", 0, STDOUT, sparql_json),
    ("query shortcut-graph --dist {dist} --format turtle", 0, STDOUT, turtle),
    ("query shortcut-graph --dist {dist} --format table", 0, STDOUT, table),
    ("query single-member-unsourced-violation --dist {dist} --format csv", 0, STDOUT, lines_of(r"^\w")),
    ("query organisations --dist {dist} --format turtle", 2, STDERR, lines_of(r"^nlsc query: .*--format")),
    ("query ask-om-ambtsbericht --dist {dist} --format turtle", 2, STDERR, lines_of(r"^nlsc query: .*--format|no Turtle")),
    ("query shortcut-graph --dist {dist} --format csv", 2, STDERR, lines_of(r"^nlsc query: .*--format turtle")),
    ("query {tmp}/service.rq --dist {dist}", 2, STDERR, lines_of(r"SERVICE.*--allow-remote")),
    ("query no-such-query", 2, STDERR, lines_of(r"no bundled query")),
    ("query", 2, STDERR, lines_of(r"--list")),
    # verify
    ("verify --dist {dist}", 0, STDOUT, lines_of(r"checksums and counts match")),
    ("verify --dist {dist} -q", 0, STDOUT, quiet),
    ("verify --dist {tampered}", 1, STDERR, lines_of(r"^  nlsc\.nt: SHA-256 differs")),
    ("verify --dist {tmp}/none", 2, STDERR, lines_of(r"not a folder")),
    # diff
    ("diff {dist} {dist}", 0, STDOUT, lines_of(r"^0 statements removed, 0 added, 0 subjects changed$")),
    ("diff {dist} {less}", 1, STDOUT, lines_of(r"^1 statement removed, 0 added, 1 subject changed$")),
    ("diff {less} {dist} --lang nl --format text", 1, STDOUT,
     lines_of(r"^organisatie:aivd  \(Algemene Inlichtingen- en Veiligheidsdienst\)\n  \+ skos:altLabel \"AIVD\"@en$")),
    ("diff {dist} {less} --format json --lang en", 1, STDOUT, json_doc),
    ("diff {tmp}/none.nt {dist}", 2, STDERR, lines_of(r"none\.nt: not found")),
    # site
    ("site --dist {tmp} --source-root {repo} --base-path /nlsc/ -q", 0, STDOUT, quiet),
    ("site --dist {tmp}", 0, STDERR, lines_of(r"^site: \d+ pages, \d+ files in ")),
    ("site --dist {tmp} --source-root {broken}", 2, STDERR, lines_of(r"y\.ttl:\d+")),
    # load (a real Oxigraph server)
    ("load --endpoint {ox}/query --dist {dist} --report {tmp}/report.json --check-queries", 0, STDOUT,
     lines_of(r"^nlsc load: 4/4 graphs as expected.*\n(.|\n)*queries \d+ passed, 0 failed$")),
    ("load --endpoint {ox}/query --graph-store {ox}/store --file {dist}/nlsc.nq --timeout 60 --check-queries "
     "--lenient-booleans --xfail organisations --user u --password-env NLSC_TEST_PASSWORD --auth basic", 0, STDOUT,
     lines_of(r"pass  organisations .*XPASS")),
    ("load --endpoint {ox}/query --dist {dist} --user u --password-env NLSC_TEST_PASSWORD --auth digest", 0, STDOUT,
     lines_of(r"4/4 graphs as expected")),
    ("load --endpoint {ox}/query --dist {dist} --auth auto", 0, STDOUT, lines_of(r"4/4 graphs as expected")),
    ("load --endpoint {nowhere}/query --dist {dist}", 2, STDERR, lines_of(r"^nlsc load: ")),
    ("load --endpoint {ox}/query --dist {dist} --user u", 2, STDERR, lines_of(r"--password-env")),
    ("load --endpoint ftp://127.0.0.1/x --dist {dist}", 2, STDERR, lines_of(r"not an http")),
    ("query {tmp}/service.rq --dist {dist} --allow-remote --format csv", 0, STDOUT, lines_of(r"^n\r?\n\d+\r?\n$")),
    # source check: the page the dataset quotes, a reworded copy, every option
    ("source check {page} --dist {dist}", 0, STDOUT, lines_of(r"^\d+ unchanged, 0 moved, 0 changed, 0 gone; ")),
    ("source check {reworded} --dist {dist} --format table --lang nl", 1, STDOUT,
     lines_of(r"^gewijzigd: passage:om-taak .*\n(.|\n)*^  verschil: .*\{\+ leidt de\+\}")),
    ("source check {page} --sources {repo} --format json --lang en --encoding utf-8", 0, STDOUT, json_doc),
    ("source check {tmp}/none.txt", 2, STDERR, lines_of(r"^nlsc source: .*none\.txt: cannot read")),
]

#: with --debug, an error shows its traceback (one case per subcommand)
DEBUG_CASES = [
    ("build --debug --dist {tmp}/d --source-root {broken}", 2),
    ("validate --debug --root {broken} --shapes {repo}/shapes", 2),
    ("query --debug no-such-query", 2),
    ("verify --debug --dist {tmp}/none", 2),
    ("diff --debug {tmp}/none.nt {dist}", 2),
    ("site --debug --dist {tmp} --source-root {broken}", 2),
    ("serve --debug --dist {tmp}/none --port {port}", 2),
    ("load --debug --endpoint {nowhere}/query --dist {dist}", 2),
    ("source check --debug {tmp}/none.txt", 2),
]

#: `nlsc serve` runs until stopped: test_serve starts it with each of these and stops it
SERVE_OPTIONS = [
    "--port {port} --host 127.0.0.1 --dist {dist} --source-root {repo} --oxigraph {oxigraph} "
    "--query-timeout 5 --max-result-bytes 1000000 --max-memory-mb 1024",
    "--port {port} --dist {dist} --allow-stale --timeout-s 5 --max-memory-mb 0 --allow-remote --header-timeout 5",
]

NEEDS_SERVER = ("load ", "query {tmp}/service.rq --dist {dist} --allow-remote")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def inputs(dist, tmp_path_factory) -> dict[str, str]:
    """The placeholders' values that do not change between cases."""
    base = tmp_path_factory.mktemp("cli")
    broken = base / "broken"
    shutil.copytree(MINI, broken)
    y = broken / "data" / "y.ttl"
    y.write_text(y.read_text("utf-8").replace("a org:Organization", "a <not an iri>", 1), encoding="utf-8")
    tampered = base / "tampered"
    shutil.copytree(dist, tampered, ignore=shutil.ignore_patterns("site"))
    with (tampered / "nlsc.nt").open("a", encoding="utf-8") as fh:
        fh.write("\n")
    nt = (dist / "nlsc.nt").read_text("utf-8").splitlines()
    assert AIVD_ALT_EN in nt
    less = base / "less.nt"
    less.write_text("\n".join(line for line in nt if line != AIVD_ALT_EN) + "\n", encoding="utf-8")
    page = REPO / "data" / "source" / "samenwerking-nationaal.txt"
    reworded = base / "reworded.txt"
    reworded.write_text(page.read_text("utf-8").replace("(OM) geeft leiding aan", "(OM) leidt de", 1), encoding="utf-8")
    return {"dist": str(dist), "repo": str(REPO), "mini": str(MINI), "broken": str(broken),
            "tampered": str(tampered), "less": str(less), "nowhere": f"http://127.0.0.1:{free_port()}",
            "page": str(page), "reworded": str(reworded)}


def _argv(template: str, values: dict[str, str]) -> list[str]:
    return [part.format(**values) for part in template.split()]


def _run(template: str, values: dict[str, str], tmp: Path) -> subprocess.CompletedProcess:
    # stdin closed: `load --user` without --password-env must not wait for a password
    return subprocess.run([sys.executable, "-m", "nlsc", *_argv(template, values)], capture_output=True,
                          text=True, stdin=subprocess.DEVNULL, cwd=tmp, timeout=600,
                          env={**os.environ, "NLSC_TEST_PASSWORD": "secret"})


def _values(inputs, tmp_path, request, template: str) -> dict[str, str]:
    values = {**inputs, "tmp": str(tmp_path), "port": str(free_port())}
    if template.startswith(NEEDS_SERVER):
        values["ox"] = request.getfixturevalue("oxigraph_server")
        count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
        (tmp_path / "service.rq").write_text(f"SELECT ?n WHERE {{ SERVICE <{values['ox']}/query> {{ {count} }} }}\n")
    else:
        (tmp_path / "service.rq").write_text("SELECT * WHERE { SERVICE <http://192.0.2.1/sparql> { ?s ?p ?o } }\n")
    return values


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("template, code, stream, check", CASES, ids=[c[0].split(" {")[0] for c in CASES])
def test_option(template, code, stream, check, inputs, tmp_path, request):
    values = _values(inputs, tmp_path, request, template)
    res = _run(template, values, tmp_path)
    assert res.returncode == code, f"exit {res.returncode}\n{res.stdout[-2000:]}\n{res.stderr[-2000:]}"
    assert "Traceback" not in res.stdout + res.stderr, res.stderr[-2000:]
    check(getattr(res, stream))
    if stream == STDOUT and code == 0 and res.stdout:
        assert res.stdout.endswith("\n"), repr(res.stdout[-80:])
    if template.startswith("build --dist {tmp}/d --source-root {repo}"):
        # the CLI build equals the session build, byte for byte
        assert (tmp_path / "d" / "SHA256SUMS").read_bytes() == (Path(inputs["dist"]) / "SHA256SUMS").read_bytes()
    if "--no-site" in template:  # the distributions, checked by nlsc verify; no website
        assert (tmp_path / "d" / "nlsc.nq").is_file() and not (tmp_path / "d" / "site").exists()
        assert run_cli("verify", "--dist", str(tmp_path / "d")).returncode == 0
    if "--report" in template:
        report = json.loads((tmp_path / "report.json").read_text())
        assert all(g["expected"] == g["found"] for g in report["graphs"].values()) and len(report["graphs"]) == 4
    if "--base-path /nlsc/" in template:
        assert "RewriteBase /nlsc/" in (tmp_path / "site" / ".htaccess").read_text()


@pytest.mark.parametrize("template, code", DEBUG_CASES, ids=[c[0].split(" ")[0] for c in DEBUG_CASES])
def test_debug_shows_the_traceback(template, code, inputs, tmp_path, request):
    res = _run(template, _values(inputs, tmp_path, request, template), tmp_path)
    assert res.returncode == code, res.stderr[-2000:]
    assert "Traceback (most recent call last)" in res.stderr, res.stderr[-2000:]


def test_query_lang_and_sources_change_what_they_say(inputs, tmp_path):
    """--lang picks the label language; --sources (the Turtle files) answers as --dist does."""
    def rows(*options: str) -> list[list[str]]:
        res = run_cli("query", "organisations", "--format", "csv", *options)
        assert res.returncode == 0, res.stderr
        return list(csv.reader(io.StringIO(res.stdout)))

    nl, en = rows("--dist", inputs["dist"], "--lang", "nl"), rows("--dist", inputs["dist"], "--lang", "en")
    assert len(nl) == len(en) and nl != en
    assert ["https://w3id.org/nlsc/id/organisatie/aivd", "General Intelligence and Security Service", "AIVD"] in en
    assert sorted(rows("--sources", inputs["repo"], "--lang", "nl")) == sorted(nl)


@pytest.mark.parametrize("options", SERVE_OPTIONS, ids=["limits", "aliases"])
def test_serve(options, inputs, tmp_path, request):
    from nlsc.serve.server import find_oxigraph

    port = free_port()
    values = {**inputs, "port": str(port), "oxigraph": find_oxigraph()}
    proc = subprocess.Popen([sys.executable, "-m", "nlsc", "serve", *_argv(options, values)], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        banner = _wait_banner(proc)
        assert re.search(r"^ +\d+ triples  <https://w3id.org/nlsc/graph/data>$", banner, re.M), banner
        if "--query-timeout 5" in options:
            assert "Limits:          5 s per query, 1000000 bytes per answer, server memory 1024 MB" in banner
        query = urllib.parse.urlencode({"query": "ASK { GRAPH ?g { ?s ?p ?o } }"})
        req = urllib.request.Request(f"http://127.0.0.1:{port}/query?{query}",
                                     headers={"Accept": "application/sparql-results+json"})
        with urllib.request.urlopen(req, timeout=20) as resp:
            assert json.load(resp)["boolean"] is True
    finally:
        proc.send_signal(signal.SIGINT)
        rc = proc.wait(timeout=30)
    err = proc.stderr.read()
    assert rc == 0, err
    assert "Traceback" not in err


def _help_options(command: str) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """The options of `nlsc COMMAND --help`: (alternative spellings, choices if any)."""
    from nlsc.commands import parser

    text = io.StringIO()
    with contextlib.redirect_stdout(text), pytest.raises(SystemExit):
        parser().parse_args([*command.split(), "--help"])
    found = []
    for line in text.getvalue().splitlines():
        m = re.match(r"^  (-\S.*?)(?:\s{2,}|$)", line)
        if m:
            spellings = tuple(re.findall(r"(?<![\w-])-{1,2}[a-z][\w-]*", m.group(1)))
            choices = re.search(r"\{([^}]*)\}", m.group(1))
            found.append((spellings, tuple(choices.group(1).split(",")) if choices else ()))
    return [(spellings, choices) for spellings, choices in found if "--help" not in spellings]


@pytest.mark.parametrize("command", ["build", "validate", "query", "verify", "diff", "serve", "load", "site",
                                     "source", "source check"])
def test_every_option_is_exercised(command):
    """Each option of the subcommand's --help appears in one of the cases above."""
    from nlsc.commands import SUBCOMMANDS

    words = command.split()
    assert words[0] in SUBCOMMANDS
    used = [c[0] for c in CASES + DEBUG_CASES if [w for w in c[0].split() if w != "--debug"][:len(words)] == words]
    used += SERVE_OPTIONS if command == "serve" else []
    words = {word for template in used for word in template.split()}
    pairs = {pair for template in used for pair in zip(template.split(), template.split()[1:])}
    options = _help_options(command)
    assert options, f"no options found in nlsc {command} --help"
    missing = ["/".join(o) for o, _ in options if not words & set(o)]
    missing += [f"{'/'.join(o)} {c}" for o, choices in options for c in choices
                if not any((spelling, c) in pairs for spelling in o)]
    assert not missing, f"nlsc {command}: options no case exercises: {missing}"
