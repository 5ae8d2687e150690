"""Tables for spreadsheets: CSV files defined by SPARQL queries, and their datapackage.json.

Each queries/tables/NAME.rq is one table: a SELECT whose answer on the build's
store (the dist/nlsc.trig just written, asserted graphs as default graph, as
`nlsc query` sees it) becomes dist/nlsc-NAME.csv, in SPARQL 1.1 CSV (UTF-8,
a header row, CRLF line ends, IRIs and literals as plain text). Its header holds
the title and description (as every bundled query's) and one line per column,
in SELECT order, which becomes the field of the Frictionless Table Schema:

    # Column organisation (iri): the organisation's IRI
    # Primary key: organisation

Column types: iri (a string with format uri), string, integer, date. Every query
sorts its rows itself (ORDER BY over plain strings), so the files are byte-identical
from build to build. dist/datapackage.json describes them all (Frictionless Data
Package 1.0, with each file's byte size and SHA-256).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..errors import SourceError
from ..sparql.query import QueryError, parse_header, render, run_query

FOLDER = "tables"  # below queries/
PACKAGE = "datapackage.json"
#: column type in a query header -> Frictionless field properties
FIELD_TYPES = {"iri": {"type": "string", "format": "uri"}, "string": {"type": "string"},
               "integer": {"type": "integer"}, "date": {"type": "date"}}
_COLUMN = re.compile(r"^#\s?Column\s+(\S+)\s+\(([^)]*)\):\s*(.*)$")
LICENCE = {"name": "CC0-1.0", "path": "https://creativecommons.org/publicdomain/zero/1.0/",
           "title": "Creative Commons Zero v1.0 Universal"}


@dataclass(frozen=True)
class Column:
    name: str
    kind: str
    description: str


@dataclass(frozen=True)
class Table:
    path: Path
    header: dict
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def file_name(self) -> str:
        return f"nlsc-{self.name}.csv"

    def text(self, field: str, lang: str) -> str:
        return self.header.get(f"{field}@{lang}", "")


def _columns(path: Path, shown: str, text: str) -> tuple[Column, ...]:
    found = []
    for n, line in enumerate(text.splitlines(), 1):
        m = _COLUMN.match(line)
        if not m:
            continue
        name, kind, description = m.groups()
        if kind not in FIELD_TYPES:
            raise SourceError(shown, f"column {name}: unknown type {kind!r} (one of {', '.join(FIELD_TYPES)})", n)
        if not description:
            raise SourceError(shown, f"column {name}: no description", n)
        found.append(Column(name, kind, description))
    if not found:
        raise SourceError(shown, "no `# Column NAME (TYPE): description` lines in the header")
    return tuple(found)


def read_tables(queries: Path, root: Path) -> list[Table]:
    """The tables of queries/tables/, sorted by name; `root` to name files in errors."""
    folder = queries / FOLDER
    if not folder.is_dir():
        return []
    tables = []
    for path in sorted(folder.glob("*.rq")):
        text = path.read_text(encoding="utf-8")
        tables.append(Table(path, parse_header(text), _columns(path, _shown(path, root), text)))
    return tables


def _shown(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def answer(table: Table, store: ox.Store, root: Path) -> bytes:
    """The table's CSV: its query run on `store`; the SELECT must give the columns of the header."""
    shown = _shown(table.path, root)
    try:
        result = run_query(table.path.read_text(encoding="utf-8"), store)
    except QueryError as exc:
        raise SourceError(shown, str(exc)) from exc
    if not isinstance(result, ox.QuerySolutions):
        raise SourceError(shown, "a table query must be a SELECT")
    selected = [v.value for v in result.variables]
    declared = [c.name for c in table.columns]
    if selected != declared:
        raise SourceError(shown, f"the SELECT gives columns {', '.join(selected)}; "
                                 f"the header describes {', '.join(declared)}")
    return render(result, "csv")


def _resource(table: Table, data: bytes) -> dict:
    schema = {"fields": [{"name": c.name, "description": c.description, **FIELD_TYPES[c.kind]}
                         for c in table.columns]}
    if key := table.header.get("primary key"):
        schema["primaryKey"] = key.split()
    return {"name": table.name, "path": table.file_name, "profile": "tabular-data-resource",
            "title": table.text("title", "en"), "description": table.text("description", "en"),
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest(),
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "header": True}, "schema": schema}


def package(tables: list[Table], answers: list[bytes], version: str) -> dict:
    return {"profile": "tabular-data-package", "name": "nlsc", "version": version,
            "title": "National cooperation: the AIVD's cooperation landscape, as tables",
            "homepage": "https://w3id.org/nlsc/", "licenses": [LICENCE],
            "resources": [_resource(t, data) for t, data in zip(tables, answers)]}


def write_tables(queries: Path, root: Path, store: ox.Store, out: Path, version: str) -> tuple[dict, dict]:
    """Write every table of `queries`/tables and datapackage.json into `out`: (name -> path,
    name -> (media type, EU file-type code, title) for dataset.ttl)."""
    tables = read_tables(queries, root)
    if not tables:
        return {}, {}
    answers = [answer(t, store, root) for t in tables]
    written = {}
    for table, data in zip(tables, answers):
        (out / table.file_name).write_bytes(data)
        written[table.file_name] = out / table.file_name
    doc = json.dumps(package(tables, answers, version), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out / PACKAGE).write_text(doc, encoding="utf-8")
    written[PACKAGE] = out / PACKAGE
    return written, distributions(tables)


def distributions(tables: list[Table]) -> dict[str, tuple[str, str, str]]:
    """name -> (media type, EU file-type code, title), as serialise.DISTRIBUTIONS, for dataset.ttl."""
    out = {t.file_name: ("text/csv", "CSV", f"Table: {t.text('title', 'en')} (CSV)") for t in tables}
    if tables:
        out[PACKAGE] = ("application/json", "JSON", "Frictionless Data Package describing the CSV tables")
    return out
