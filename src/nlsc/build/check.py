"""The semantic check stage of the build: mistakes that parse fine but are wrong.

    load -> CHECK -> reason -> validate -> ...

`check(sources, layout)` looks at the loaded graphs and raises `SemanticError`
(exit code 1, like a SHACL failure) listing *every* problem found, each as
`file:line: kind: message`. The line is found by searching the source files
for the IRI (full or prefixed) or the literal text, so it points at the first
place the culprit is written. Checked:

* undescribed IRI   - an IRI under https://w3id.org/nlsc/id/ or .../def# that is
                      used but is the subject of no triple anywhere (a typo in a slug);
* duplicate slug    - two IRIs under .../id/ whose slugs differ only in case, or the
                      same slug for two things of the kinds in ENTITY_KINDS
                      (organisatie/aivd and eenheid/aivd);
* unknown type      - an rdf:type that is neither a class of the ontology nor a class
                      of a known reused vocabulary;
* quote not in source - an oa:exact that is not verbatim in data/source/samenwerking-nationaal.txt;
* unknown identifier - schema:sameAs, rdfs:seeAlso, skos:closeMatch, nlsc:oin, schema:legislationIdentifier or
                      foaf:homepage in data/context/ whose value is not in the reference table
                      (data/reference/identifiers.csv of the source root; a missing or
                      unreadable table is a SourceError, exit 2);
* missing language tag / unknown language tag / wrong datatype / ill-typed literal.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import (DCAT, DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD)

from ..admit import read_source
from ..errors import NlscError, SourceError
from ..namespaces import ASSERTED_GRAPHS, CV, GRAPH_CONTEXT, GRAPH_ONTOLOGY, ID, NLSC, OA, bind_prefixes

#: the columns of the reference table the check reads
REFERENCE_COLUMNS = ("scheme", "value")

#: vocabularies whose classes may be used as rdf:type (rdflib's closed namespaces)
KNOWN_VOCABULARIES = (ORG, PROV, SKOS, DCTERMS, SDO, FOAF, DCAT, OWL, RDF, RDFS)
#: classes of vocabularies rdflib does not list
KNOWN_CLASSES = {
    OA.Annotation, OA.SpecificResource, OA.TextQuoteSelector, OA.TextPositionSelector,
    OA.FragmentSelector, OA.CssSelector, OA.XPathSelector, OA.RangeSelector, OA.Selector,
    OA.TextualBody, OA.ResourceSelection,
    CV.PublicOrganisation, CV.PublicService, CV.BusinessEvent, CV.LifeEvent, CV.Channel,
    CV.ContactPoint, CV.Evidence, CV.Requirement, CV.Rule, CV.Jurisdiction,
}
#: kinds of things (`.../id/{kind}/{slug}`) whose slugs must be unique across the kinds;
#: statement nodes, passages and concepts may share a slug with the thing they are about
ENTITY_KINDS = {"organisatie", "eenheid", "groep", "functie", "samenwerkingsverband",
                "locatie", "gebied", "regeling", "bron"}
LANGUAGES = {"nl", "en"}
#: properties whose values must be language-tagged (and with which language, if fixed)
TAGGED = {
    SKOS.prefLabel: None, SKOS.altLabel: None, SKOS.definition: None, SKOS.scopeNote: None,
    RDFS.label: None, RDFS.comment: None, DCTERMS.title: None, DCTERMS.description: None,
    DCTERMS.rights: None, OA.exact: "nl", NLSC.section: "nl", NLSC.translation: "en",
    NLSC.contribution: None, NLSC.enables: None, NLSC.example: None, NLSC.subjectMatter: None,
}
#: properties whose values must have one of these datatypes
DATATYPES = {
    SDO.foundingDate: (XSD.date, XSD.gYear, XSD.gYearMonth),
    SDO.dissolutionDate: (XSD.date, XSD.gYear, XSD.gYearMonth),
    DCTERMS.issued: (XSD.date, XSD.dateTime),
    DCTERMS.modified: (XSD.date, XSD.dateTime),
}
#: properties holding external identifiers, checked against the reference table
IDENTIFIER_PROPERTIES = (SDO.sameAs, RDFS.seeAlso, SKOS.closeMatch, NLSC.oin, SDO.legislationIdentifier, FOAF.homepage)

_TZ = r"(Z|[+-](0\d|1[0-4]):[0-5]\d)?"
_LEXICAL = {
    XSD.date: re.compile(rf"-?\d{{4,}}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]){_TZ}"),
    XSD.gYear: re.compile(rf"-?\d{{4,}}{_TZ}"),
    XSD.gYearMonth: re.compile(rf"-?\d{{4,}}-(0[1-9]|1[0-2]){_TZ}"),
    XSD.dateTime: re.compile(rf"-?\d{{4,}}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?{_TZ}"),
    XSD.integer: re.compile(r"[+-]?\d+"),
    XSD.nonNegativeInteger: re.compile(r"\+?\d+|-0+"),
    XSD.positiveInteger: re.compile(r"\+?0*[1-9]\d*"),
    XSD.decimal: re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)"),
    XSD.boolean: re.compile(r"true|false|1|0"),
    XSD.hexBinary: re.compile(r"([0-9A-Fa-f]{2})*"),
}
_OTHER_DATATYPES = {RDF.langString, RDF.HTML, RDF.XMLLiteral, RDF.JSON}
#: looked up once: a namespace attribute is a function call, and the loops below run per triple
A, EXACT = RDF.type, OA.exact
_PREFIX_DECL = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE)
_LOCAL = re.compile(r"^[\w-]+(?:[\w.-]*[\w-])?$")


class SemanticError(NlscError):
    """The sources parse, but say something wrong; `problems` lists every one."""

    exit_code = 1

    def __init__(self, problems: list["Problem"]):
        self.problems = sorted(problems)
        super().__init__(str(self))

    def __reduce__(self):  # so that it crosses from a forked process intact
        return (SemanticError, (self.problems,))

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} semantic error{'s' if n != 1 else ''} in the sources:"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.kind}: {self.message}"


# --------------------------------------------------------------------------- finding lines


class Locator:
    """Finds where an IRI or a literal is written in the source files."""

    def __init__(self, root: Path, files: list[str]):
        self.files = files
        self.lines: dict[str, list[str]] = {}
        self.prefixes: dict[str, list[tuple[str, str]]] = {}
        for name in files:
            try:
                text = (root / name).read_bytes().decode("utf-8", errors="replace")
            except OSError:
                text = ""
            lines = text.splitlines()
            self.lines[name] = lines
            self.prefixes[name] = [(m.group(1) or "", m.group(2)) for m in map(_PREFIX_DECL.match, lines) if m]

    def _patterns(self, name: str, iri: str) -> list[re.Pattern]:
        pats = [re.compile(re.escape(f"<{iri}>"))]
        for prefix, ns in self.prefixes[name]:
            if ns and iri.startswith(ns):
                local = iri[len(ns):]
                if local == "" or _LOCAL.match(local):
                    pats.append(re.compile(rf"(?<![\w:.-]){re.escape(prefix)}:{re.escape(local)}(?![\w:-]|\.[\w-])"))
        return pats

    def iri(self, term, files: list[str] | None = None, limit: int = 1,
            as_subject: bool = False) -> list[tuple[str, int]]:
        """(file, line) of the first `limit` places `term` is written; with `as_subject`,
        the places where it starts a line (a subject) come first."""
        found, anywhere = [], []
        for name in files if files is not None else self.files:
            if name not in self.lines:
                continue
            pats = self._patterns(name, str(term))
            for i, line in enumerate(self.lines[name], 1):
                stripped = _strip_comment(line)
                hits = [m for p in pats for m in [p.search(stripped)] if m]
                if not hits:
                    continue
                if as_subject and not any(m.start() == 0 for m in hits):
                    anywhere.append((name, i))
                    continue
                found.append((name, i))
                if len(found) >= limit:
                    return found
        return (found + anywhere)[:limit]

    def definition(self, term, files: list[str] | None = None) -> tuple[str, int] | None:
        """Where `term` is described: a line starting with it and typing it (`x a C`),
        else the first line starting with it, else its first mention."""
        starts = []
        for name in files if files is not None else self.files:
            if name not in self.lines:
                continue
            pats = self._patterns(name, str(term))
            lines = self.lines[name]
            for i, line in enumerate(lines, 1):
                stripped = _strip_comment(line)
                m = next((m for p in pats for m in [p.match(stripped)] if m), None)
                if m is None:
                    continue
                rest = stripped[m.end():].strip()
                following = next((x.strip() for x in lines[i:] if x.strip()), "")
                if rest.startswith("a ") or (rest == "" and following.startswith("a ")):
                    return (name, i)
                starts.append((name, i))
        if starts:
            return starts[0]
        found = self.iri(term, files)
        return found[0] if found else None

    def near(self, places: list[tuple[str, int]], subject) -> tuple[str, int] | None:
        """Of `places`, the first at or after the lines where `subject` starts a line."""
        if not places:
            return None
        anchors = self.iri(subject, limit=10_000, as_subject=True) if subject is not None else []
        best = None
        for f, n in places:
            for af, an in anchors:
                if af == f and an <= n and (best is None or n - an < best[0]):
                    best = (n - an, (f, n))
        return best[1] if best else places[0]

    def literal_places(self, lit: Literal, files: list[str] | None = None, hints: tuple[str, ...] = ()) -> list[tuple[str, int]]:
        """Every (file, line) holding the literal's text, the best match first."""
        text = str(lit)
        snippet = re.split(r'["\\\n\r\t]', text, maxsplit=1)[0][:60] or text[:60]
        scored = []
        for name in files if files is not None else self.files:
            for i, line in enumerate(self.lines.get(name, []), 1):
                if snippet not in line:
                    continue
                score = 1
                if f'"{snippet}' in line or f"'{snippet}" in line:
                    score += 2
                score += sum(1 for h in hints if h and h in line)
                scored.append((-score, name, i))
        top = min((s for s, _, _ in scored), default=0)
        return [(n, i) for s, n, i in scored if s == top]

    def literal(self, lit: Literal, files: list[str] | None = None, hints: tuple[str, ...] = ()) -> tuple[str, int] | None:
        """(file, line) where the literal is most likely written."""
        places = self.literal_places(lit, files, hints)
        return places[0] if places else None

    def triple(self, s, o, files: list[str] | None = None, hints: tuple[str, ...] = ()) -> tuple[str, int] | None:
        """Where the object `o` of a triple about `s` is written."""
        if isinstance(o, Literal):
            places = self.literal_places(o, files, hints)
        else:
            places = self.iri(o, files, limit=10_000)
        return self.near(places, s)

    def first_file(self, files: list[str] | None = None) -> str:
        names = files if files is not None else self.files
        return names[0] if names else "?"


def _strip_comment(line: str) -> str:
    """The line without a trailing `# comment` (outside strings and IRIs)."""
    if "#" not in line:
        return line
    quote, in_iri = None, False
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if c == "\\":
                i += 1
            elif line.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif in_iri:
            in_iri = c != ">"
        elif c == "<":
            in_iri = True
        elif c in "\"'":
            quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else c
            i += len(quote) - 1
        elif c == "#":
            return line[:i]
        i += 1
    return line


#: the prefixes of the sources' rdflib views (nlsc.namespaces), for naming terms in messages
_NAMES = bind_prefixes(Graph()).namespace_manager


def _short(term) -> str:
    try:
        prefix, ns, local = _NAMES.compute_qname(str(term), generate=False)
        return f"{prefix}:{local}" if prefix else f"<{term}>"
    except Exception:
        return f"<{term}>"


def _short_id(iri: str) -> str:
    if iri.startswith(str(ID)):
        rest = iri[len(str(ID)):]
        if rest.count("/") == 1:
            return rest.replace("/", ":", 1)
    if iri.startswith(str(NLSC)):
        return "nlsc:" + iri[len(str(NLSC)):]
    return f"<{iri}>"


# --------------------------------------------------------------------------- the checks


class _Checker:
    """The checks, each one pass over the triples of each asserted graph (lists of rdflib
    terms, Sources.rdflib_triples: at x100 an indexed rdflib Graph per graph took about 7 s
    to make, longer than the checks)."""

    def __init__(self, sources, layout, quiet: bool = False):
        self.lay = layout
        self.quiet = quiet
        self.problems: set[Problem] = set()
        self.graph_files = {g: list(sources.files.get(g, [])) for g in ASSERTED_GRAPHS}
        self.triples = {g: sources.rdflib_triples(g) for g in ASSERTED_GRAPHS}
        all_files = [f for g in ASSERTED_GRAPHS for f in self.graph_files[g]]
        self.locator = Locator(Path(layout.root), all_files)

    # helpers
    def add(self, where: tuple[str, int] | None, kind: str, message: str, files: list[str] | None = None) -> None:
        if where is None:
            where = (self.locator.first_file(files), 0)
        self.problems.add(Problem(where[0], where[1], kind, message))

    def add_where_used(self, term, files: list[str], kind: str, message: str) -> None:
        """One problem at each of the first three places `term` is written in `files`."""
        for where in self.locator.iri(term, files, limit=3) or [None]:
            self.add(where, kind, message, files)

    def graphs(self):
        for iri in ASSERTED_GRAPHS:
            yield iri, self.triples[iri], self.graph_files[iri]

    # 1. IRIs under id/ and def# that are used but described nowhere
    def undescribed(self) -> None:
        described = {s for _, g, _ in self.graphs() for s, _, _ in g if isinstance(s, URIRef)}
        for _, g, files in self.graphs():
            used = set()
            for s, p, o in g:
                for pos, term in (("p", p), ("o", o)):
                    if isinstance(term, URIRef) and not (pos == "o" and p == RDF.type):
                        used.add(term)
            for term in sorted(used):
                iri = str(term)
                if not (iri.startswith(str(ID)) or iri.startswith(str(NLSC))) or term in described:
                    continue
                self.add_where_used(term, files, "undescribed IRI",
                                    f"{_short_id(iri)} <{iri}> is used but described nowhere (a typo in a slug?)")

    # 2. slugs that collide
    def duplicate_slugs(self) -> None:
        things: dict[str, set[str]] = {}
        for triple in (t for _, g, _ in self.graphs() for t in g):
            for term in triple:
                if isinstance(term, URIRef) and str(term).startswith(str(ID)):
                    rest = str(term)[len(str(ID)):]
                    kind, sep, slug = rest.partition("/")
                    if sep and slug and "/" not in slug:
                        things.setdefault(slug.lower(), set()).add(str(term))
        for key in sorted(things):
            iris = sorted(things[key])
            if len(iris) < 2:
                continue
            slugs = {i.rsplit("/", 1)[1] for i in iris}
            entities = [i for i in iris if i[len(str(ID)):].split("/", 1)[0] in ENTITY_KINDS]
            if len(slugs) > 1:
                clash, why = iris, "differ only in case"
            elif len(entities) > 1:
                clash, why = entities, "share a slug"
            else:
                continue
            places = {i: self.locator.definition(URIRef(i)) for i in clash}
            shown = " and ".join(_short_id(i) for i in clash)
            for iri in clash:
                others = ", ".join(f"{_short_id(o)} at {places[o][0]}:{places[o][1]}" if places[o] else _short_id(o)
                                   for o in clash if o != iri)
                self.add(places[iri], "duplicate slug", f"{shown} {why} ({others})")

    # 3. rdf:type outside the ontology and the known vocabularies
    def unknown_types(self) -> None:
        own = {s for s, p, o in self.triples[GRAPH_ONTOLOGY] if p == A and o in (OWL.Class, RDFS.Class)}
        for _, g, files in self.graphs():
            for cls in sorted({o for _, p, o in g if p == A}, key=str):
                if cls in own or cls in KNOWN_CLASSES:
                    continue
                if isinstance(cls, URIRef) and any(cls in ns for ns in KNOWN_VOCABULARIES):
                    continue
                self.add_where_used(cls, files, "unknown type",
                                    f"{_short(cls)} is a class of neither the ontology nor a known vocabulary")

    # 4. quotes
    def quotes(self) -> None:
        path = self.lay.page_text
        text_file = self.lay.relative(path)
        quotes = [(g, files, s, o) for _, g, files in self.graphs() for s, p, o in g if p == EXACT]
        if not quotes:
            return
        try:
            data = read_source(path, self.lay.root, text_file, turtle=False)
            page = data.decode("utf-8")
        except SourceError as exc:
            self.add((text_file, 0), "quote not in source", f"cannot read the source text: {exc.message}")
            return
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            self.add((text_file, line), "quote not in source",
                     f"the source text is not valid UTF-8 (byte {exc.start}); quotes cannot be checked")
            return
        for g, files, s, o in sorted(quotes, key=lambda q: (str(q[2]), str(q[3]))):
            if str(o) not in page:
                where = self.locator.triple(s, o, files, hints=("oa:exact", "exact"))
                shown = str(o) if len(str(o)) <= 70 else str(o)[:67] + "..."
                self.add(where, "quote not in source",
                         f"the oa:exact of {_short_id(str(s))} is not verbatim in {text_file}: \"{shown}\"", files)

    # 5. identifiers against the reference table
    def identifiers(self) -> None:
        values, citations = reference_table(self.lay)
        g = self.triples[GRAPH_CONTEXT]
        files = self.graph_files[GRAPH_CONTEXT]
        pairs = [(s, p, o) for s, p, o in g if p in IDENTIFIER_PROPERTIES]
        # the reified copies (rdf:Statement) carry the same identifiers
        statements = {s for s, p, o in g if p == A and o == RDF.Statement}
        said: dict = {}
        for s, p, o in g:
            if s in statements and p in (RDF.predicate, RDF.object):
                said.setdefault(s, {}).setdefault(p, o)
        for st, parts in said.items():
            p, o = parts.get(RDF.predicate), parts.get(RDF.object)
            if p in IDENTIFIER_PROPERTIES and o is not None:
                pairs.append((st, p, o))
        for s, p, o in sorted(set(pairs)):
            value = str(o)
            if value in values or (isinstance(o, Literal) and any(value in c for c in citations)):
                continue
            where = self.locator.triple(s, o, files, hints=(_short(p),))
            shown = f"<{value}>" if isinstance(o, URIRef) else f'"{value}"'
            self.add(where, "unknown identifier",
                     f"{_short(p)} {shown} of {_short_id(str(s))} is not in the reference table", files)

    # 6. literals: language tags and datatypes
    def literals(self) -> None:
        for _, g, files in self.graphs():
            for s, p, o in sorted(g, key=lambda t: tuple(map(str, t))):
                if not isinstance(o, Literal):
                    continue
                pshort = _short(p)

                def where(extra: tuple[str, ...] = ()):
                    return self.locator.triple(s, o, files, hints=(pshort, *extra))

                shown = str(o) if len(str(o)) <= 50 else str(o)[:47] + "..."
                if o.language is not None:
                    if o.language.lower() not in LANGUAGES:
                        self.add(where((f"@{o.language}",)), "unknown language tag",
                                 f'"{shown}"@{o.language} on {pshort}: only @nl and @en are used', files)
                    want = TAGGED.get(p)
                    if want and o.language.lower() != want:
                        self.add(where((f"@{o.language}",)), "wrong language tag",
                                 f'{pshort} "{shown}"@{o.language} must be @{want}', files)
                elif p in TAGGED:
                    self.add(where(), "missing language tag",
                             f'{pshort} "{shown}" of {_short_id(str(s))} needs a language tag (@nl or @en)', files)
                dt = o.datatype
                if dt is not None:
                    dshort = _short(dt)
                    known = dt in _OTHER_DATATYPES or (dt in XSD if isinstance(dt, URIRef) else False)
                    if not known:
                        self.add(where((dshort,)), "unknown datatype",
                                 f'"{shown}"^^{dshort} on {pshort}: not an XSD or RDF datatype', files)
                    elif dt in _LEXICAL and not _LEXICAL[dt].fullmatch(str(o)) or getattr(o, "ill_typed", False):
                        self.add(where((dshort,)), "ill-typed literal",
                                 f'"{shown}" is not a valid {dshort} (on {pshort} of {_short_id(str(s))})', files)
                if p in DATATYPES and dt not in DATATYPES[p]:
                    allowed = ", ".join(_short(d) for d in DATATYPES[p])
                    got = _short(dt) if dt else ("a language-tagged string" if o.language else "a plain string")
                    self.add(where(), "wrong datatype",
                             f'{pshort} "{shown}" of {_short_id(str(s))} is {got}; expected one of {allowed}', files)

    def run(self) -> list[Problem]:
        self.undescribed()
        self.duplicate_slugs()
        self.unknown_types()
        self.quotes()
        self.identifiers()
        self.literals()
        return sorted(self.problems)


# --------------------------------------------------------------------------- the reference table


def reference_table(layout) -> tuple[set[str], list[str]]:
    """(accepted identifier values, values of legal-instrument rows) of the source
    root's table; SourceError (exit 2) when it is missing or unusable."""
    path = layout.reference_table
    shown = layout.relative(path)
    if not path.exists() and not path.is_symlink():
        raise SourceError(shown, "reference table not found: the identifier check needs it "
                                 "(see data/reference/README.md)")
    data = read_source(path, layout.root, shown, turtle=False)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(shown, f"the reference table is not valid UTF-8 (byte {exc.start})", line) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in REFERENCE_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise SourceError(shown, f"the reference table has no column {', '.join(missing)} "
                                 f"(header: {','.join(reader.fieldnames or []) or 'empty'})", 1)
    values: set[str] = set()
    citations: list[str] = []
    for row in reader:
        scheme, value = (row.get("scheme") or "").strip(), (row.get("value") or "").strip()
        if not value:
            continue
        if scheme == "wikidata":
            values.update({f"http://www.wikidata.org/entity/{value}", f"https://www.wikidata.org/wiki/{value}"})
        elif scheme == "legal-instrument":
            citations.append(value)
        values.add(value)
    return values, citations


def problems(sources, layout, quiet: bool = False) -> list[Problem]:
    """Every semantic problem of the loaded `sources`, sorted by file and line."""
    return _Checker(sources, layout, quiet).run()


def check(sources, layout, quiet: bool = False) -> None:
    """Raise SemanticError listing every problem, or return None."""
    found = problems(sources, layout, quiet)
    if found:
        raise SemanticError(found)
