"""Synthetic nlsc landscapes at a scale factor, for benchmarking.

    python bench/generate.py --scale 10 --out /tmp/nlsc-x10 [--seed 9] [--source-root .]

The generator takes the real sources as a template and writes `scale` renamed
copies of every resource of the page (organisations, groups, units, posts,
arrangements, memberships, information provisions, liaisons, forward posts,
cooperations, tasks, places, sites, regulations, passages, context facts).
The value lists (data/vocabularies/), the source page node (bron:) and the
ontology are shared, as they would be in a bigger real landscape.

Every term goes through one function f_k (copy k), applied to every position
of every triple, so the graph of each copy is isomorphic to the real one and
every structural rule in shapes/ and in `nlsc.build.check` holds as it does for
the real data:

* IRIs under https://w3id.org/nlsc/id/{kind}/ of a replicated kind get the
  suffix `-s{k}` (copy 0 keeps the real IRIs, so the bundled queries that name
  e.g. organisatie:aivd still find something);
* every language-tagged literal becomes synthetic text of about the same number
  of words, a function of (seed, k, text), so equal texts stay equal;
* external identifiers (schema:sameAs, rdfs:seeAlso, skos:closeMatch, nlsc:oin,
  schema:legislationIdentifier, foaf:homepage, schema:url of regulations and
  the rdf:object of their rdf:Statements) keep their pattern, with every run of
  3+ digits replaced by fresh random digits (one mapping per copy, so a BWB id,
  its JCI and its wetten.overheid.nl URL still agree), except a year (1900-2099),
  which is kept (at x1000, widened years broke `Staatscourant [0-9]{4} nr. N`),
  and homepage hosts renamed;
* other literals (dates, confidences, citations) are kept.

Output (a source root that `nlsc build --source-root` accepts):

    ontology/, shapes/, queries/       copied
    data/**/*.ttl                      generated (same file names as the template)
    data/source/samenwerking-nationaal.txt   synthetic page: every oa:exact, verbatim
    data/reference/identifiers.csv     the synthetic identifiers (the table the check stage reads)
    shared/reference/identifiers.csv   the same table, for builds that read NLSC_SHARED=OUT/shared

Deterministic: the same template, scale and seed give byte-identical output.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import random
import re
import shutil
import sys
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import FOAF, RDF, RDFS, SDO, SKOS

ID = "https://w3id.org/nlsc/id/"
NLSC = "https://w3id.org/nlsc/def#"
OA_EXACT = URIRef("http://www.w3.org/ns/oa#exact")
NLSC_OIN = URIRef(NLSC + "oin")
#: kinds of .../id/{kind}/ that are shared between copies, not replicated
SHARED_KINDS = {"bron", "begrippenkader", "instrument", "sector", "dreiging", "afnemerscategorie",
                "rol", "thema", "verstrekkingswijze", "ledencategorie", "maatregel", "niveau",
                "subjectcategorie"}
#: data files (relative to data/) written once, with copy 0's terms
SHARED_FILES = ("vocabularies/", "source/page.ttl")
IDENTIFIER_PROPERTIES = (SDO.sameAs, RDFS.seeAlso, SKOS.closeMatch, NLSC_OIN, SDO.legislationIdentifier, FOAF.homepage)
SOURCE_TEXT = Path("data") / "source" / "samenwerking-nationaal.txt"
#: the reference table: in the source root (the build after issue 15) and in
#: shared/ (b4a96f0 and before read it via NLSC_SHARED=OUT/shared)
REFERENCE_TABLES = (Path("data") / "reference" / "identifiers.csv", Path("shared") / "reference" / "identifiers.csv")
SCHEMA_LEGISLATION = URIRef("https://schema.org/Legislation")

_DIGITS = re.compile(r"\d{3,}")
_YEAR = re.compile(r"(19|20)\d\d")
_HOST = re.compile(r"^(https?://)([^/]+)(.*)$")
_SAFE_LOCAL = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]*$")
_SYLLABLES = ("ba", "de", "ko", "ver", "sa", "men", "wer", "king", "in", "lich", "ting", "dienst", "vei",
              "lig", "heid", "na", "tio", "naal", "raad", "cen", "trum", "be", "stuur", "or", "ga", "ni",
              "sa", "tie", "po", "li", "tie", "ke", "ten", "op", "spo", "ring", "mi", "nis", "te", "rie",
              "ge", "bied", "re", "ge", "ling", "uit", "voe", "ring", "taak", "dra", "ger", "al", "ge")


def _rng(*parts) -> random.Random:
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(1, 4)))


class Mapper:
    """f_k: the term mapping of copy k (see the module docstring)."""

    def __init__(self, seed: int, identifiers: set, used_digits: dict, id_rows: list):
        self.seed = seed
        self.identifiers = identifiers  # terms that are external identifiers
        self.used = used_digits  # length -> set of digit runs already handed out (all copies)
        self.rows = id_rows  # synthetic reference-table rows
        self.states: dict = {}
        self.start(0)

    def start(self, k: int) -> None:
        """Switch to copy k (its mappings persist across files)."""
        self.k = k
        self.digits, self.text, self.terms = self.states.setdefault(k, ({}, {}, {}))

    # -- pieces
    def _digit_run(self, run: str) -> str:
        if _YEAR.fullmatch(run):  # a date inside an identifier, kept as dates are: shapes fix its
            return run  # length (`Staatscourant [0-9]{4} nr. N`); the identifier's other runs change
        got = self.digits.get(run)
        if got is None:
            rng = _rng(self.seed, self.k, "digits", run)
            length = len(run)
            tries = 0
            while True:
                first = rng.choice("123456789") if run[0] != "0" else rng.choice("0123456789")
                got = first + "".join(rng.choice("0123456789") for _ in range(length - 1))
                if got not in self.used.setdefault(len(got), set()):
                    break
                tries += 1
                if tries > 20 and length < 7:  # short runs: widen rather than collide
                    length, tries = length + 1, 0
            self.used[len(got)].add(got)
            self.digits[run] = got
        return got

    def _identifier(self, value: str, homepage: bool) -> str:
        out = _DIGITS.sub(lambda m: self._digit_run(m.group(0)), value)
        if homepage:
            m = _HOST.match(out)
            if m:
                host = m.group(2)
                head, dot, tld = host.rpartition(".")
                host = f"{head}-s{self.k}{dot}{tld}" if dot else f"{host}-s{self.k}"
                out = m.group(1) + host + m.group(3)
        return out

    def _text(self, text: str) -> str:
        got = self.text.get(text)
        if got is None:
            rng = _rng(self.seed, self.k, "text", text)
            n = max(1, len(text.split()))
            words = [_word(rng) for _ in range(n)]
            words[0] = words[0].capitalize()
            got = " ".join(words)
            if text.rstrip().endswith((".", "?", "!")):
                got += "."
            self.text[text] = got
        return got

    # -- terms
    def __call__(self, term):
        got = self.terms.get(term)
        if got is not None:
            return got
        got = term
        if term in self.identifiers:
            homepage = self.identifiers[term]
            new = self._identifier(str(term), homepage)
            got = URIRef(new) if isinstance(term, URIRef) else Literal(new, lang=term.language, datatype=term.datatype)
            self.rows.append((str(term), new))
        elif isinstance(term, URIRef):
            s = str(term)
            if self.k and s.startswith(ID):
                kind, sep, slug = s[len(ID):].partition("/")
                if sep and slug and kind not in SHARED_KINDS:
                    got = URIRef(f"{s}-s{self.k}")
        elif isinstance(term, Literal) and term.language:
            got = Literal(self._text(str(term)), lang=term.language)
        self.terms[term] = got
        return got


def _shared_subject(term) -> bool:
    s = str(term)
    return isinstance(term, URIRef) and s.startswith(ID) and s[len(ID):].partition("/")[0] in SHARED_KINDS


def _identifier_terms(graphs: list[Graph]) -> dict:
    """term -> is-homepage, for every external identifier in the template."""
    out: dict = {}
    laws = {s for g in graphs for s in g.subjects(RDF.type, SCHEMA_LEGISLATION)}
    for g in graphs:
        for p in IDENTIFIER_PROPERTIES:
            for o in g.objects(None, p):
                out[o] = out.get(o, False) or p == FOAF.homepage
        for s in laws:
            for o in g.objects(s, SDO.url):
                out.setdefault(o, False)
        for st in g.subjects(RDF.type, RDF.Statement):
            p, o = g.value(st, RDF.predicate), g.value(st, RDF.object)
            if o is not None and (p in IDENTIFIER_PROPERTIES or (p == SDO.url and g.value(st, RDF.subject) in laws)):
                out[o] = out.get(o, False) or p == FOAF.homepage
    return out


# --------------------------------------------------------------------------- writing


class TurtleWriter:
    """Streaming Turtle with the template file's prefixes; one block per subject."""

    def __init__(self, prefixes: list[tuple[str, str]]):
        self.prefixes = sorted(prefixes, key=lambda x: -len(x[1]))
        self.header = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in prefixes) + "\n"
        self.cache: dict = {}

    def term(self, t) -> str:
        got = self.cache.get(t)
        if got is not None:
            return got
        if isinstance(t, URIRef):
            s = str(t)
            got = f"<{s}>"
            for p, ns in self.prefixes:
                if s.startswith(ns) and _SAFE_LOCAL.match(s[len(ns):]):
                    got = f"{p}:{s[len(ns):]}"
                    break
            if t == RDF.type:
                got = "a"
        else:
            got = t.n3()
            if isinstance(t, Literal) and t.datatype is not None:
                dt = self.term(URIRef(t.datatype))
                got = got.rsplit("^^", 1)[0] + "^^" + dt
        if len(self.cache) < 2_000_000:
            self.cache[t] = got
        return got

    def block(self, s, pos: list) -> str:
        lines = [self.term(s)]
        by_p: dict = {}
        for p, o in pos:
            by_p.setdefault(p, []).append(o)
        preds = sorted(by_p, key=lambda p: (p != RDF.type, str(p)))
        parts = []
        for p in preds:
            objs = " , ".join(sorted(self.term(o) for o in by_p[p]))
            parts.append(f"    {self.term(p)} {objs}")
        return lines[0] + "\n" + " ;\n".join(parts) + " .\n\n"


def _prefixes_of(path: Path) -> list[tuple[str, str]]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^\s*@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>\s*\.", line)
        if m:
            out.append((m.group(1) or "", m.group(2)))
    return out


def generate(source_root: Path, out: Path, scale: int, seed: int = 9, quiet: bool = False) -> dict:
    """Write a synthetic source root at `out`; return counts."""
    source_root = Path(source_root).resolve()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for folder in ("ontology", "shapes", "queries"):
        if (source_root / folder).is_dir():
            shutil.copytree(source_root / folder, out / folder)

    data = source_root / "data"
    files = sorted(p for p in data.rglob("*.ttl"))
    graphs = {}
    for p in files:
        g = Graph()
        g.parse(p, format="turtle", publicID="https://w3id.org/nlsc/")
        graphs[p] = g
    identifiers = _identifier_terms(list(graphs.values()))
    used: dict = {}
    rows: list = []
    mapper = Mapper(seed, identifiers, used, rows)
    exacts: list[str] = []
    triples = 0

    for p, g in graphs.items():
        rel = p.relative_to(data).as_posix()
        shared = rel.startswith(SHARED_FILES)
        target = out / "data" / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        writer = TurtleWriter(_prefixes_of(p))
        subjects: dict = {}
        for s, pr, o in g:
            subjects.setdefault(s, []).append((pr, o))
        order = sorted(subjects, key=str)
        with target.open("w", encoding="utf-8", newline="\n") as fh:
            fh.write(f"# Synthetic data generated by bench/generate.py (scale {scale}, seed {seed}) from data/{rel}.\n")
            fh.write(writer.header)
            for k in ([0] if shared else range(scale)):
                mapper.start(k)
                buf = io.StringIO()
                for s in order:
                    items = subjects[s]
                    if k and _shared_subject(s):
                        # a shared thing (a concept, the page) described in a replicated file:
                        # its literals once, its links to replicated things once per copy
                        items = [(pr, o) for pr, o in items
                                 if isinstance(o, URIRef) and o not in mapper.identifiers and mapper(o) != o]
                        if not items:
                            continue
                    pos = [(mapper(pr), mapper(o)) for pr, o in items]
                    for pr, o in pos:
                        if pr == OA_EXACT:
                            exacts.append(str(o))
                    buf.write(writer.block(mapper(s), pos))
                    triples += len(pos)
                fh.write(buf.getvalue())

    # the synthetic source page: every quote verbatim, one per line
    page = out / SOURCE_TEXT
    page.parent.mkdir(parents=True, exist_ok=True)
    seen = set()
    lines = []
    for e in exacts:
        if e not in seen:
            seen.add(e)
            lines.append(e)
    page.write_text("Synthetische pagina (bench/generate.py)\n\n" + "\n".join(lines) + "\n", encoding="utf-8")
    (out / "data" / "source" / "README.md").write_text(
        "Synthetic page text: every oa:exact of the generated passages, one per line.\n", encoding="utf-8")

    # the synthetic reference table, where either build reads it
    for ref in REFERENCE_TABLES:
        (out / ref).parent.mkdir(parents=True, exist_ok=True)
        with (out / ref).open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, lineterminator="\n")
            w.writerow(["entity", "label_nl", "scheme", "value", "source", "confidence"])
            for original, new in sorted(set(rows)):
                w.writerow(["synthetic", "", "synthetic", new, f"bench/generate.py from {original}", "high"])
    counts = {"scale": scale, "seed": seed, "triples_written": triples, "passages": len(lines),
              "identifiers": len(set(rows)), "files": len(files)}
    if not quiet:
        print(f"generated x{scale}: {triples} triples in {len(files)} files, {len(lines)} quotes -> {out}", file=sys.stderr)
    return counts


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=int, default=1)
    ap.add_argument("--seed", type=int, default=9)
    ap.add_argument("--out", required=True)
    ap.add_argument("--source-root", default=str(Path(__file__).resolve().parents[1]))
    args = ap.parse_args(argv)
    generate(Path(args.source_root), Path(args.out), args.scale, args.seed)
    return 0


if __name__ == "__main__":
    sys.exit(main())
