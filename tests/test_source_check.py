"""`nlsc source check PAGE` on fabricated copies of the source page.

Each copy is made here from data/source/samenwerking-nationaal.txt with one
edit (a reworded sentence, a removed paragraph, an added paragraph, a sentence
moved to another section, whitespace and quotes only), as HTML with a site
around it, in other encodings, or as unusable input. Each runs the command
in-process (`nlsc.commands.main`) on the session build; the statuses are read from
`--format json`, the table is checked for the lines a maintainer reads, and
what cites a changed or gone passage is compared with rdflib's own reading
of the sources.
"""

from __future__ import annotations

import html
import json

import pytest
from rdflib import URIRef
from rdflib.namespace import PROV

from conftest import REPO
from nlsc.commands import main
from nlsc.source.page import sentences

PAGE = (REPO / "data" / "source" / "samenwerking-nationaal.txt").read_text(encoding="utf-8")
PASSAGE = "https://w3id.org/nlsc/id/passage/"

OM = "Het Openbaar Ministerie (OM) geeft leiding aan (strafrechtelijke) opsporing en vervolging."
OM_NEW = "Het Openbaar Ministerie (OM) leidt de opsporing en vervolging van strafbare feiten."
OM_PARAGRAPH = ("Wij brengen het OM via een ambtsbericht op de hoogte van een bedreiging voor de nationale veiligheid. "
                "Op basis daarvan kan het maatregelen nemen tegen de persoon of organisatie die in het ambtsbericht "
                "wordt genoemd.\n\n")
NCSC_HEADING = "Nationaal Cyber Security Centrum (NCSC)\n\n"
ADDED = "Rijksrecherche\n\nDe AIVD deelt ook informatie met de Rijksrecherche. Dat gebeurt via een ambtsbericht.\n\n"
CARIBBEAN = " Ook is er een gezamenlijk team voor het Caraïbisch gebied."


def edited(*pairs: tuple[str, str]) -> str:
    text = PAGE
    for old, new in pairs:
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def typography_only() -> str:
    """Straight quotes, plain spaces for no-break ones, doubled spaces, CRLF, a line broken mid-sentence."""
    text = PAGE.replace("’", "'").replace("\u00a0", " ").replace(", ", ",  ")
    text = text.replace("(OM) geeft leiding", "(OM)\ngeeft   leiding", 1).replace("de CSR.", "de  CSR.  ")
    return text.replace("\n", "\r\n")


def as_html(text: str, charset: str = "utf-8") -> str:
    """The page as a browser saves it: a site header, navigation, an aside, a footer and scripts
    around the main content (first heading h1, the others h2, each paragraph a p)."""
    from nlsc.source.page import text_blocks

    body = "".join(f"<{'p' if kind == 'paragraph' else ('h1' if n == 0 else 'h2')}>"
                   f"{html.escape(block, quote=False).replace('’', '&rsquo;')}"
                   f"</{'p' if kind == 'paragraph' else ('h1' if n == 0 else 'h2')}>\n"
                   for n, (kind, block) in enumerate(text_blocks(text)))
    return f"""<!DOCTYPE html>
<html lang="nl"><head><meta charset="{charset}"><title>Samenwerking op nationaal niveau | AIVD</title>
<style>p {{ color: #333 }}</style><script>var s = "Navigatiescript draait.";</script></head>
<body><header><a href="/">AIVD</a><nav><ul><li><a href="/onderwerpen">Onderwerpen</a></li><li>Publicaties</li></ul>
</nav></header><nav aria-label="kruimelpad"><a href="/">Home</a> &gt; Samenwerking nationaal</nav>
<main><article>{body}</article><aside><h2>Meer over dit onderwerp</h2><p>Lees ook het jaarverslag.</p></aside></main>
<footer><p>De AIVD is onderdeel van het ministerie van BZK.</p><p>Privacy. Cookies.</p></footer>
<div hidden>Verborgen tekst.</div><script>console.log("Een script.")</script></body></html>
"""


COPIES = {
    "reworded.txt": lambda: edited((OM, OM_NEW)).encode("utf-8"),
    "removed.txt": lambda: edited((OM_PARAGRAPH, "")).encode("utf-8"),
    "added.txt": lambda: edited((NCSC_HEADING, ADDED + NCSC_HEADING)).encode("utf-8"),
    "moved.txt": lambda: edited((CARIBBEAN, ""),
                                ("de financiële sector.", "de financiële sector." + CARIBBEAN)).encode("utf-8"),
    "typography.txt": lambda: typography_only().encode("utf-8"),
    "page.html": lambda: as_html(PAGE).encode("utf-8"),
    "windows-1252.html": lambda: as_html(PAGE, "windows-1252").encode("windows-1252"),
    "utf-16.txt": lambda: PAGE.encode("utf-16"),
    "windows-1252.txt": lambda: PAGE.encode("windows-1252"),
    "empty.txt": lambda: b"",
    "binary.png": lambda: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    "empty.html": lambda: b"<!DOCTYPE html><html><body><nav>Menu. Zoeken.</nav><main> </main></body></html>",
}


@pytest.fixture(scope="module")
def copies(tmp_path_factory):
    folder = tmp_path_factory.mktemp("copies")
    for name, make in COPIES.items():
        (folder / name).write_bytes(make())
    return folder


def check(capsys, dist, path, *options: str) -> tuple[int, str, str]:
    code = main(["source", "check", str(path), "--dist", str(dist), *options])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def statuses(capsys, dist, path, *options: str) -> tuple[int, dict]:
    code, out, _ = check(capsys, dist, path, "--format", "json", *options)
    doc = json.loads(out)
    assert doc["exit_code"] == code
    return code, doc


def not_unchanged(doc: dict) -> dict[str, str]:
    return {p["passage"].removeprefix(PASSAGE): p["status"] for p in doc["passages"] if p["status"] != "unchanged"}


def citers(source_graphs, passage: str) -> set[str]:
    """What cites the passage, read with rdflib from the Turtle sources."""
    return {str(s) for s in source_graphs["union"].subjects(PROV.wasDerivedFrom, URIRef(PASSAGE + passage))}


# --------------------------------------------------------------------------- the page itself


def test_the_quoted_page_stands_whole(capsys, dist):
    """Every passage is a heading or a sentence of the page as the reader splits it."""
    code, doc = statuses(capsys, dist, REPO / "data" / "source" / "samenwerking-nationaal.txt")
    assert code == 0 and not_unchanged(doc) == {} and all(p["verbatim"] for p in doc["passages"])
    assert [u["text"] for u in doc["uncovered"]] == ["Ga terug naar het overzicht van alle onderwerpen."]
    assert sentences("Zie o.a. de CSR. Dat is (ID's). Klaar!") == ["Zie o.a. de CSR.", "Dat is (ID's).", "Klaar!"]


# --------------------------------------------------------------------------- one edit each


def test_reworded_sentence(capsys, dist, copies, source_graphs):
    code, doc = statuses(capsys, dist, copies / "reworded.txt")
    assert code == 1 and not_unchanged(doc) == {"om-taak": "changed"}
    (om,) = [p for p in doc["passages"] if p["status"] == "changed"]
    assert om["new_text"] == OM_NEW and 0.5 <= om["similarity"] < 1
    assert {"op": "insert", "old": "", "new": " van strafbare feiten"} in om["diff"]
    assert {c["iri"] for c in om["cited_by"]} == citers(source_graphs, "om-taak") != set()
    code, out, _ = check(capsys, dist, copies / "reworded.txt")
    assert code == 1
    assert "  diff: Het Openbaar Ministerie (OM)[- geeft leiding aan (strafrechtelijke)-]{+ leidt de+} opsporing en " \
           "vervolging{+ van strafbare feiten+}." in out
    assert "    Public Prosecution Service  <https://w3id.org/nlsc/id/organisatie/openbaar-ministerie>" in out


def test_removed_paragraph(capsys, dist, copies, source_graphs):
    code, doc = statuses(capsys, dist, copies / "removed.txt")
    assert code == 1 and not_unchanged(doc) == {"om-ambtsbericht": "gone", "om-maatregelen": "gone"}
    for p in doc["passages"]:
        if p["status"] == "gone":
            slug = p["passage"].removeprefix(PASSAGE)
            assert {c["iri"] for c in p["cited_by"]} == citers(source_graphs, slug) != set()
    code, out, _ = check(capsys, dist, copies / "removed.txt", "--lang", "nl")
    assert code == 1 and "verdwenen: passage:om-ambtsbericht  Passage 06: Openbaar Ministerie" in out
    assert "Ambtsbericht van de AIVD aan het Openbaar Ministerie  <https://w3id.org/nlsc/id/informatieverstrekking/" \
           "aivd-openbaar-ministerie>  [nlsc:InformationProvision]" in out


def test_added_paragraph(capsys, dist, copies):
    code, doc = statuses(capsys, dist, copies / "added.txt")
    assert code == 0 and not_unchanged(doc) == {}
    assert [(u["section"], u["text"]) for u in doc["uncovered"]][:2] == [
        ("Rijksrecherche", "De AIVD deelt ook informatie met de Rijksrecherche."),
        ("Rijksrecherche", "Dat gebeurt via een ambtsbericht.")]
    _, out, _ = check(capsys, dist, copies / "added.txt", "--format", "table")
    assert "  [Rijksrecherche] De AIVD deelt ook informatie met de Rijksrecherche." in out


def test_sentence_moved_to_another_section(capsys, dist, copies):
    code, doc = statuses(capsys, dist, copies / "moved.txt")
    assert code == 0 and not_unchanged(doc) == {"mivd-caribisch-team": "moved"}
    (moved,) = [p for p in doc["passages"] if p["status"] == "moved"]
    assert moved["new_section"] == "Nationaal Cyber Security Centrum (NCSC)" and moved["verbatim"]
    _, out, _ = check(capsys, dist, copies / "moved.txt")
    assert "  section 'Militaire Inlichtingen- en Veiligheidsdienst (MIVD)' -> " \
           "'Nationaal Cyber Security Centrum (NCSC)'" in out


def test_sentences_swapped_within_a_section_are_moved(capsys, dist, tmp_path):
    first = "Daarnaast wordt er samengewerkt in de CT Infobox en de Unit Contraproliferatie."
    second = CARIBBEAN.strip()
    path = tmp_path / "swapped.txt"
    path.write_text(edited((f"{first} {second}", f"{second} {first}")), encoding="utf-8")
    code, doc = statuses(capsys, dist, path)
    assert code == 0 and len(not_unchanged(doc)) == 1 and set(not_unchanged(doc).values()) == {"moved"}


def test_whitespace_and_quotes_only_are_unchanged(capsys, dist, copies):
    code, doc = statuses(capsys, dist, copies / "typography.txt")
    assert code == 0 and not_unchanged(doc) == {}
    # the no-break spaces and the ’ are gone from the page: those passages are flagged, not failed
    flagged = {p["passage"].removeprefix(PASSAGE) for p in doc["passages"] if not p["verbatim"]}
    assert "csr-samenstelling" in flagged and "om-taak" not in flagged
    _, out, _ = check(capsys, dist, copies / "typography.txt")
    assert "* the same words; whitespace or quotes differ from oa:exact" in out


# --------------------------------------------------------------------------- HTML and encodings


@pytest.mark.parametrize("name, encoding", [("page.html", "utf-8"), ("windows-1252.html", "cp1252"),
                                            ("utf-16.txt", "utf-16-le")])
def test_html_and_other_encodings_read_as_the_page(capsys, dist, copies, name, encoding):
    code, doc = statuses(capsys, dist, copies / name)
    assert code == 0 and not_unchanged(doc) == {} and doc["encoding"] == encoding
    # nothing of the header, navigation, aside, footer, scripts or hidden text
    assert [u["text"] for u in doc["uncovered"]] == ["Ga terug naar het overzicht van alle onderwerpen."]


def test_undeclared_encoding_is_refused_unless_given(capsys, dist, copies):
    code, _, err = check(capsys, dist, copies / "windows-1252.txt")
    assert code == 2
    assert err.startswith(f"nlsc source: {copies / 'windows-1252.txt'}: cannot decode as utf-8 (no encoding is "
                          "declared, and it is not UTF-8): byte 0xf6 at line 13, column 13;")
    code, doc = statuses(capsys, dist, copies / "windows-1252.txt", "--encoding", "windows-1252")
    assert code == 0 and not_unchanged(doc) == {}


@pytest.mark.parametrize("name, message", [
    ("empty.txt", "the file is empty"),
    ("binary.png", "binary data (a NUL byte at line 3, column 1), not a saved text or HTML page"),
    ("empty.html", "no text in its main content (an empty page?)"),
    ("missing.txt", "cannot read: No such file or directory"),
])
def test_unusable_input(capsys, dist, copies, name, message):
    code, out, err = check(capsys, dist, copies / name)
    assert (code, out) == (2, "")
    assert err == f"nlsc source: {copies / name}: {message}\n"


@pytest.mark.parametrize("name", ["no-such-codec", "zlib"])  # zlib: a codec, but no text encoding
def test_unknown_encoding_name(capsys, dist, copies, name):
    with pytest.raises(SystemExit) as stop:
        main(["source", "check", str(copies / "page.html"), "--dist", str(dist), "--encoding", name])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and f"argument --encoding: '{name}' is not a known text encoding" in err


def test_a_device_is_refused_not_read(capsys, dist):
    code, out, err = check(capsys, dist, "/dev/zero")  # read whole, it once filled the memory
    assert (code, out) == (2, "")
    assert err == "nlsc source: /dev/zero: not a regular file (a device, FIFO or socket), not a saved page\n"
