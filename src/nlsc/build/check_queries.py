"""The check queries (queries/checks/*-violation.rq): rules across resources, run once each.

A rule that spans resources (a shortcut and the statement node that carries it,
an ORG property and its inverse) is one SPARQL query over the whole store, as
ODK and ROBOT run theirs, instead of a SHACL-SPARQL constraint run once per
focus node (at x100 the latter took 32 of pyshacl-turbo's 44 s). Each check
must return no rows; every row names the resources at fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..sparql.query import parse_header, run_query
from .terms import Quads


@dataclass(frozen=True)
class CheckFailure:
    name: str  # the file name without .rq
    title: str
    rows: tuple  # one dict per row: variable -> the term in N-Triples syntax

    def describe(self) -> str:
        lines = [f"check {self.name} ({self.title}): {len(self.rows)} row(s)"]
        for row in self.rows:
            lines.append("  " + " ".join(f"?{k}={v}" for k, v in row.items()))
        return "\n".join(lines)


def check_files(directory: Path) -> list[Path]:
    return sorted(directory.glob("*-violation.rq"))


def store_of(graphs: dict) -> ox.Store:
    """An Oxigraph store of rdflib graphs, {graph name (None: the default graph): Graph}:
    the boundary between the rdflib model of the build and the Oxigraph engines."""
    store, terms = ox.Store(), Quads()
    for name, graph in graphs.items():
        store.extend(terms.of(graph, str(name) if name is not None else None))
    return store


def run_checks(store: ox.Store, directory: Path) -> list[CheckFailure]:
    """The checks of `directory` that return rows on `store` (its asserted graphs as default graph)."""
    failures = []
    for path in check_files(directory):
        text = path.read_text(encoding="utf-8")
        solutions = run_query(text, store)
        names = [v.value for v in solutions.variables]
        rows = tuple({n: str(row[n]) for n in names if row[n] is not None} for row in solutions)
        if rows:
            title = parse_header(text).get("title@en", path.stem)
            failures.append(CheckFailure(path.stem, title, tuple(sorted(rows, key=lambda r: sorted(r.items())))))
    return failures
