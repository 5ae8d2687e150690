"""Read a saved copy of the source page into headings and sentences.

A copy is plain text (paragraphs separated by blank lines, as
data/source/samenwerking-nationaal.txt) or HTML as a browser saves it. HTML is
parsed with BeautifulSoup over lxml; only the visible text of the main content
counts: `<main>` (else `[role=main]`, `<article>`, `<body>`), without scripts,
styles, navigation, headers, footers, asides, forms and hidden elements.

Encoding, in this order: `--encoding`; a byte-order mark (UTF-8, UTF-16,
UTF-32); for HTML the declared charset (`<meta charset>`, an XML declaration);
else UTF-8. Bytes that do not decode are unusable input (exit 2) naming the
line and column: a text file without a BOM carries no declaration, and a guess
would silently mangle the very words being compared.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction
from bs4.dammit import EncodingDetector

from ..errors import NlscError

#: a saved copy of the page is far smaller (the page has 52 headings and sentences); more is a
#: wrong file, and aligning it would take long
MAX_BYTES = 5 * 1024 * 1024
MAX_UNITS = 2000

HTML_SUFFIXES = (".html", ".htm", ".xhtml", ".shtml")
_HTML_START = r"^\s*(<!--.*?-->\s*)*<(!doctype\s+html|html|head|body|\?xml)"
_HTML_BYTES, _HTML_TEXT = re.compile(_HTML_START.encode(), re.I | re.S), re.compile(_HTML_START, re.I | re.S)
# WHATWG Encoding Standard: browsers read these labels as windows-1252
_AS_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1", "us-ascii", "ascii", "cp819"}

DROPPED_TAGS = {"script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "nav", "footer",
                "aside", "form", "button", "select", "dialog"}
DROPPED_ROLES = {"navigation", "banner", "contentinfo", "search", "complementary"}
BLOCKS = {"address", "article", "blockquote", "body", "dd", "details", "div", "dl", "dt", "fieldset",
          "figcaption", "figure", "header", "hgroup", "li", "main", "ol", "p", "pre", "section", "summary",
          "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul", "caption"}
HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_NOT_TEXT = (Comment, Declaration, Doctype, ProcessingInstruction)

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "‹": "'", "›": "'",
                         "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"'})
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_HTML_SPACE = re.compile(r"[ \t\n\r\f]+")  # what a browser collapses (not the no-break space)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_SENTENCE_END = re.compile(r"[.!?…][\"'’”»)\]]*(?=\s)")


class PageError(NlscError):
    """The copy of the page cannot be used (exit 2)."""

    exit_code = 2


@dataclass(frozen=True)
class Unit:
    """A heading or a sentence of the page, in reading order."""

    kind: str        # "heading" or "sentence"
    text: str        # as shown on the page (runs of spaces collapsed, no-break spaces kept)
    section: str     # the nearest heading before it (a heading is its own section)
    position: int    # index in Page.units
    paragraph: int   # index of the block it stands in

    @cached_property
    def norm(self) -> str:
        return normalise(self.text)


@dataclass(frozen=True)
class Page:
    path: str
    kind: str        # "html" or "text"
    encoding: str
    units: tuple[Unit, ...]

    def of_kind(self, kind: str) -> list[Unit]:
        return [u for u in self.units if u.kind == kind]


def normalise(text: str) -> str:
    """The text as compared: NFC, typographic quotes made straight, invisible characters dropped,
    every run of whitespace (no-break spaces too) one space. Nothing else: any other change is a change."""
    text = unicodedata.normalize("NFC", text).translate(_QUOTES).translate(_INVISIBLE)
    return " ".join(text.split())


def sentences(text: str) -> list[str]:
    """Split a paragraph after . ! ? … (and a closing quote or bracket) when the next word
    does not start in lower case (so `o.a. de` stays whole)."""
    out, start = [], 0
    for m in _SENTENCE_END.finditer(text):
        rest = text[m.end():].lstrip()
        if rest and not rest[0].islower():
            out.append(text[start:m.end()].strip())
            start = m.end()
    tail = text[start:].strip()
    return out + ([tail] if tail else [])


# --------------------------------------------------------------------------- bytes to text


def _where(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    column = offset - (data.rfind(b"\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"


def _encoding(data: bytes, is_html: bool, forced: str | None) -> tuple[bytes, str]:
    if forced:
        try:
            return data, codecs.lookup(forced).name
        except LookupError:
            raise PageError(f"unknown encoding {forced!r} (give a name such as utf-8 or windows-1252)") from None
    stripped, bom = EncodingDetector.strip_byte_order_mark(data)
    if bom:
        return stripped, codecs.lookup(bom).name
    declared = EncodingDetector.find_declared_encoding(data, is_html=is_html) if is_html else None
    if declared:
        declared = "windows-1252" if declared.lower() in _AS_WINDOWS_1252 else declared
        try:
            return data, codecs.lookup(declared).name
        except LookupError:
            raise PageError(f"the page declares an unknown encoding {declared!r} (give --encoding)") from None
    return data, "utf-8"


def decode(data: bytes, name: str, forced: str | None = None) -> tuple[str, str, str]:
    """(text, "html" or "text", encoding) of a saved page, or PageError."""
    if not data:
        raise PageError(f"{name}: the file is empty")
    if len(data) > MAX_BYTES:
        raise PageError(f"{name}: {len(data)} bytes, too large for a saved page (at most {MAX_BYTES})")
    is_html = name.lower().endswith(HTML_SUFFIXES) or bool(_HTML_BYTES.match(data[:4096]))
    body, encoding = _encoding(data, is_html, forced)
    if encoding == "utf-8" and b"\x00" in body:
        raise PageError(f"{name}: binary data (a NUL byte at {_where(body, body.index(0))}), "
                        "not a saved text or HTML page")
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as exc:
        how = "as declared" if encoding != "utf-8" or forced else "no encoding is declared, and it is not UTF-8"
        raise PageError(f"{name}: cannot decode as {encoding} ({how}): byte 0x{body[exc.start]:02x} at "
                        f"{_where(body, exc.start)}; save the page as UTF-8 or give --encoding") from None
    bad = _CONTROL.search(text)
    if bad:
        line = text.count("\n", 0, bad.start()) + 1
        raise PageError(f"{name}: binary data (control character U+{ord(bad.group()):04X} on line {line}), "
                        "not a saved text or HTML page")
    return text, ("html" if is_html or _HTML_TEXT.match(text[:4096]) else "text"), encoding


# --------------------------------------------------------------------------- text to blocks


def text_blocks(text: str) -> list[tuple[str, str]]:
    """(kind, text) blocks of a plain-text copy: paragraphs are separated by blank lines; a
    one-line paragraph of at most 150 characters not ending as a sentence does is a heading."""
    out = []
    for block in re.split(r"\n[ \t\f\v]*\n", text.replace("\r\n", "\n").replace("\r", "\n")):
        lines = [line.strip() for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        joined = _HTML_SPACE.sub(" ", " ".join(lines))
        heading = len(lines) == 1 and len(joined) <= 150 and not re.search(r"[.!?:;,…][\"'’”)]*$", joined)
        out.append(("heading" if heading else "paragraph", joined))
    return out


def _dropped(tag) -> bool:
    """Not the visible text of the main content (one pass in Python: CSS selectors are slow here)."""
    return (tag.name in DROPPED_TAGS or tag.has_attr("hidden") or tag.get("aria-hidden") == "true"
            or tag.get("role") in DROPPED_ROLES
            or (tag.name == "header" and tag.parent is not None and tag.parent.name == "body"))


def _main_content(soup: BeautifulSoup):
    for tag in soup.find_all(_dropped):
        if not tag.decomposed:
            tag.decompose()
    return soup.find("main") or soup.find(attrs={"role": "main"}) or soup.find("article") or soup.body or soup


def _block_of(node, root) -> tuple[object, str]:
    for parent in node.parents:
        if parent.name in HEADINGS:
            return parent, "heading"
        if parent.name in BLOCKS or parent is root:
            return parent, "paragraph"
    return root, "paragraph"


def html_blocks(text: str) -> list[tuple[str, str]]:
    """(kind, text) blocks of an HTML copy: the text of each heading and of each run of text
    under one block element (a `<br>` counts as a space)."""
    soup = BeautifulSoup(text, "lxml")
    root = _main_content(soup)
    for br in root.find_all("br"):
        br.replace_with(" ")
    out: list[tuple[str, list[str]]] = []
    current = None
    for node in root.find_all(string=True):
        if isinstance(node, _NOT_TEXT):
            continue
        block, kind = _block_of(node, root)
        if block is current:
            out[-1][1].append(str(node))
        else:
            out.append((kind, [str(node)]))
            current = block
    return [(kind, shown) for kind, parts in out if (shown := _HTML_SPACE.sub(" ", "".join(parts)).strip())]


# --------------------------------------------------------------------------- blocks to units


def units_of(blocks: list[tuple[str, str]]) -> tuple[Unit, ...]:
    units: list[Unit] = []
    section = ""
    for paragraph, (kind, text) in enumerate(blocks):
        if kind == "heading":
            section = text
            units.append(Unit("heading", text, section, len(units), paragraph))
            continue
        for sentence in sentences(text):
            units.append(Unit("sentence", sentence, section, len(units), paragraph))
    return tuple(units)


def read_page(path: str | Path, encoding: str | None = None) -> Page:
    """The headings and sentences of a saved copy of the page, or PageError (exit 2)."""
    name = str(path)
    try:
        if Path(path).is_dir():
            raise PageError(f"{name}: a folder, not a saved page")
        if Path(path).exists() and not Path(path).is_file():  # /dev/zero would be read until memory runs out
            raise PageError(f"{name}: not a regular file (a device, FIFO or socket), not a saved page")
        with open(path, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)  # decode() refuses a larger file by its length
    except OSError as exc:
        raise PageError(f"{name}: cannot read: {exc.strerror or exc}") from None
    text, kind, used = decode(data, name, encoding)
    units = units_of(html_blocks(text) if kind == "html" else text_blocks(text))
    if not units:
        where = "in its main content" if kind == "html" else "in it"
        raise PageError(f"{name}: no text {where} (an empty page?)")
    if len(units) > MAX_UNITS:
        raise PageError(f"{name}: {len(units)} headings and sentences, far more than a copy of the page "
                        f"(at most {MAX_UNITS})")
    return Page(name, kind, used, units)
