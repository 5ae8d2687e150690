"""SPARQL queries on the dataset: the bundled ones (by name) or any query file (`nlsc query`).

The store is an embedded pyoxigraph store holding the named graphs
<https://w3id.org/nlsc/graph/{ontology,data,context}> (and /inferred when it is
read from dist/). Queries see the three *asserted* graphs as their default
graph (their union), so no inference is involved; GRAPH clauses can address
each named graph, the inferred one included.

The store is read from dist/nlsc.trig or dist/nlsc.nq when present, else built
from the Turtle sources (ontology/, data/).

Bundled queries live in queries/*.rq (checks in queries/checks/). Each opens
with a header comment:

    # Title (nl): ...            # Title (en): ...
    # Description (nl): ...      # Description (en): ...
    # Question: ...
    # Answer: ...

(a line starting with "#" and three or more spaces continues the previous
field). Queries with label columns pin the language with one clause
`VALUES ?lang { "nl" }`; `--lang en` rewrites that clause and nothing else.
SERVICE (and LOAD) are refused unless `--allow-remote` is given (nlsc.sparql.policy).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from ..errors import NlscError
from ..namespaces import ASSERTED_GRAPHS, PREFIXES, ID
from .policy import PolicyError, check as check_policy

FORMATS = ("table", "csv", "tsv", "json", "turtle")
LANGS = ("nl", "en")

_HEADER_LINE = re.compile(r"^#\s?([A-Za-z][A-Za-z ]*?)(?:\s*\((nl|en)\))?:\s*(.*)$")
_CONTINUATION = re.compile(r"^#\s{3,}(\S.*)$")
_LANG_VALUES = re.compile(r'(VALUES\s+\?lang\s*\{\s*)"(?:[A-Za-z-]+)"(\s*\})', re.IGNORECASE)
_STRINGS = re.compile(r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'')
_IRIS = re.compile(r"<[^<>\"{}|^`\\\s]*>")
_COMMENTS = re.compile(r"#[^\n]*")


class QueryError(NlscError):
    """A query that cannot be found, parsed or is refused."""


# ---------------------------------------------------------------------------
# the catalogue of bundled queries
# ---------------------------------------------------------------------------


@dataclass
class QueryInfo:
    name: str
    path: Path
    header: dict = field(default_factory=dict)  # "title@nl" -> text, "question" -> text, ...

    @property
    def kind(self) -> str:
        return query_kind(self.path.read_text(encoding="utf-8"), self.name)

    def title(self, lang: str = "en") -> str:
        return self.header.get(f"title@{lang}") or self.header.get("title@en") or self.header.get("title@nl") or ""


def parse_header(text: str) -> dict:
    """The header comment fields of a query: {"title@nl": ..., "question": ...}."""
    out: dict[str, str] = {}
    last = None
    for line in text.splitlines():
        if not line.startswith("#"):
            if line.strip():
                break
            continue
        m = _CONTINUATION.match(line)
        if m and last:
            out[last] += " " + m.group(1).strip()
            continue
        m = _HEADER_LINE.match(line)
        if m:
            key = m.group(1).strip().lower()
            last = f"{key}@{m.group(2)}" if m.group(2) else key
            out[last] = m.group(3).strip()
    return out


def strip_comments_and_strings(text: str) -> str:
    """The query with literals, IRIs and comments blanked (for keyword checks)."""
    text = _STRINGS.sub('""', text)
    text = _IRIS.sub("<>", text)
    return _COMMENTS.sub("", text)


def query_kind(text: str, name: str = "") -> str:
    """SELECT, CONSTRUCT, ASK, DESCRIBE; `check` for a *-violation query."""
    if name.endswith("-violation"):
        return "check"
    body = strip_comments_and_strings(text)
    m = re.search(r"\b(SELECT|CONSTRUCT|ASK|DESCRIBE)\b", body, re.IGNORECASE)
    return m.group(1).upper() if m else "UNKNOWN"


def queries_dir() -> Path:
    from .. import files

    return Path(str(files())) / "queries"


def bundled(directory: Path | None = None, checks: bool = True) -> list[QueryInfo]:
    """All bundled queries, sorted by name; checks (queries/checks/) last."""
    root = directory or queries_dir()
    if not root.is_dir():
        return []
    found = [QueryInfo(p.stem, p, parse_header(p.read_text(encoding="utf-8"))) for p in sorted(root.glob("*.rq"))]
    if checks and (root / "checks").is_dir():
        found += [QueryInfo(p.stem, p, parse_header(p.read_text(encoding="utf-8")))
                  for p in sorted((root / "checks").glob("*.rq"))]
    return found


def resolve(name_or_file: str, directory: Path | None = None) -> Path:
    """A bundled query by name (with or without .rq), else a file path."""
    for info in bundled(directory):
        if name_or_file in (info.name, info.path.name):
            return info.path
    path = Path(name_or_file)
    if path.is_file():
        return path
    raise QueryError(f"no bundled query and no file called {name_or_file!r} (see `nlsc query --list`)")


# ---------------------------------------------------------------------------
# preparing and running
# ---------------------------------------------------------------------------


def set_lang(text: str, lang: str | None) -> str:
    """Rewrite the query's `VALUES ?lang { "xx" }` clause to `lang` (if both exist)."""
    if not lang:
        return text
    if lang not in LANGS:
        raise QueryError(f"--lang must be one of {', '.join(LANGS)}")
    return _LANG_VALUES.sub(lambda m: f'{m.group(1)}"{lang}"{m.group(2)}', text)


def has_lang_parameter(text: str) -> bool:
    return bool(_LANG_VALUES.search(text))


def _load_quads(store: ox.Store, path: Path) -> None:
    fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.N_QUADS
    store.bulk_load(path=str(path), format=fmt)


def store_from_dist(dist: Path) -> ox.Store | None:
    """A store with the named graphs of dist/nlsc.trig (or nlsc.nq), or None if absent."""
    path = next((p for p in (Path(dist) / "nlsc.trig", Path(dist) / "nlsc.nq") if p.is_file()), None)
    if path is None:
        return None
    store = ox.Store()
    try:
        _load_quads(store, path)
    except (SyntaxError, OSError) as exc:
        raise QueryError(f"{path}: cannot be loaded ({' '.join(str(exc).split())[:200]}); rebuild it") from None
    return store


def store_from_sources(root: Path | None = None) -> ox.Store:
    """A store with the three asserted named graphs, parsed from the Turtle sources."""
    from ..build.sources import load
    from ..paths import layout

    return load(layout(root)).store


def open_store(dist: Path | None = None, sources: Path | None = None) -> ox.Store:
    """An explicit `dist` folder's nlsc.trig (or nlsc.nq), else the `sources`; with neither
    given, dist/ of the checkout when built, else the sources. An explicit `dist` holding
    neither file, with no `sources` to fall back on, is a QueryError: answering from the
    sources instead would be silent."""
    if dist is None and sources is None:
        from ..paths import dist_dir

        dist_default = store_from_dist(dist_dir())
        return dist_default if dist_default is not None else store_from_sources()
    store = store_from_dist(Path(dist)) if dist is not None else None
    if store is not None:
        return store
    if sources is None:
        raise QueryError(f"--dist {dist}: no nlsc.trig or nlsc.nq there (build first, or use --sources DIR)")
    return store_from_sources(sources)


def default_graphs(store: ox.Store) -> list[ox.NamedNode]:
    """The asserted graphs present in the store (the queries' default graph)."""
    present = {g.value for g in store.named_graphs()}
    return [ox.NamedNode(str(g)) for g in ASSERTED_GRAPHS if str(g) in present]


def run_query(text: str, store: ox.Store, lang: str | None = None, allow_remote: bool = False):
    """Run `text` on `store` with the asserted graphs as default graph.

    Returns pyoxigraph's QuerySolutions, QueryBoolean or QueryTriples."""
    text = set_lang(text, lang)
    try:
        check_policy(text, allow_remote)  # SERVICE and LOAD refused, decided on the parsed query
    except PolicyError as exc:
        raise QueryError(str(exc)) from None
    graphs = default_graphs(store)
    try:
        if graphs:
            return store.query(text, default_graph=graphs)
        return store.query(text)
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from exc


# ---------------------------------------------------------------------------
# output
# ---------------------------------------------------------------------------


def _prefixes() -> dict[str, str]:
    out = dict(PREFIXES)
    for kind in ("organisatie", "groep", "eenheid", "functie", "samenwerkingsverband", "lidmaatschap",
                 "informatieverstrekking", "contactlijn", "vooruitgeschoven-post", "samenwerking", "taak",
                 "gebied", "locatie", "regeling", "bron", "passage", "instrument", "sector", "dreiging",
                 "afnemerscategorie", "rol", "thema", "verstrekkingswijze", "ledencategorie", "niveau",
                 "maatregel", "subjectcategorie",
                 "begrippenkader", "contextfeit"):
        out[kind] = f"{ID}{kind}/"
    return out


def short(term, prefixes: dict[str, str] | None = None) -> str:
    """A readable form of a term: prefixed name, plain text with @lang, or ''."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        best = None
        for p, ns in (prefixes or _prefixes()).items():
            if term.value.startswith(ns) and (best is None or len(ns) > len(best[1])):
                best = (p, ns)
        if best:
            local = term.value[len(best[1]):]
            if re.fullmatch(r"[A-Za-z0-9_][A-Za-z0-9_.-]*", local or "x") and not local.endswith("."):
                return f"{best[0]}:{local}"
        return f"<{term.value}>"
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"{term.value} @{term.language}"
        return term.value
    return str(term)


def table(variables: list[str], rows: list[list[str]]) -> str:
    widths = [len(v) + 1 for v in variables]
    for row in rows:
        for i, cell in enumerate(row):
            widths[i] = min(max(widths[i], len(cell)), 80)

    def fit(cell: str, width: int) -> str:
        return cell if len(cell) <= width else cell[: width - 1] + "…"

    head = "  ".join(f"?{v}".ljust(w) for v, w in zip(variables, widths))
    rule = "  ".join("-" * w for w in widths)
    body = ["  ".join(fit(c, w).ljust(w) for c, w in zip(row, widths)).rstrip() for row in rows]
    return "\n".join([head.rstrip(), rule, *body, f"({len(rows)} row{'s' if len(rows) != 1 else ''})"]) + "\n"


def render(result, fmt: str = "table") -> bytes:
    """Serialise a pyoxigraph result in one of FORMATS, ending with a newline in every format
    (pyoxigraph ends neither a JSON answer nor a CSV/TSV boolean with one)."""
    data = _serialise(result, fmt)
    return data if data.endswith(b"\n") else data + b"\n"


def _serialise(result, fmt: str) -> bytes:
    if isinstance(result, ox.QueryBoolean):
        value = bool(result)
        if fmt == "json":
            return json.dumps({"head": {}, "boolean": value}).encode()
        if fmt in ("csv", "tsv"):
            return result.serialize(format=ox.QueryResultsFormat.CSV if fmt == "csv" else ox.QueryResultsFormat.TSV)
        if fmt == "turtle":
            raise QueryError("an ASK query has no Turtle output; use table, json, csv or tsv")
        return f"{'true' if value else 'false'}\n".encode()
    if isinstance(result, ox.QueryTriples):
        if fmt not in ("turtle", "table"):
            raise QueryError("a CONSTRUCT/DESCRIBE query gives triples: use --format turtle (or table)")
        triples = list(result)
        if fmt == "table":
            rows = [[short(t.subject), short(t.predicate), short(t.object)] for t in triples]
            rows.sort()
            return table(["subject", "predicate", "object"], rows).encode("utf-8")
        return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=_prefixes())
    # SELECT
    if fmt == "turtle":
        raise QueryError("a SELECT query gives a table: use --format table, csv, tsv or json")
    if fmt in ("csv", "tsv", "json"):
        formats = {"csv": ox.QueryResultsFormat.CSV, "tsv": ox.QueryResultsFormat.TSV,
                   "json": ox.QueryResultsFormat.JSON}
        return result.serialize(format=formats[fmt])
    variables = [v.value for v in result.variables]
    rows = [[short(solution[v]) for v in variables] for solution in result]
    return table(variables, rows).encode("utf-8")
