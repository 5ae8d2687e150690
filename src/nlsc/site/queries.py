"""A page per bundled query (queries/NAME.html): its title, description and question in
Dutch and English, the SPARQL, and its answer, run at build time.

The answer comes from the store `nlsc query --dist` reads (dist/nlsc.trig, the asserted
graphs as default graph), so the page shows what the command prints; the query runs
as written (labels in Dutch where it has a `VALUES ?lang` clause). Rows keep the
query's ORDER BY; a query without one has its rows sorted by their text, so the
pages are the same from build to build.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from ..namespaces import ID, NLSC
from ..sparql.query import has_lang_parameter, query_kind, run_query, short, store_from_dist, strip_comments_and_strings
from .model import Text, rel

FOLDER = "queries"


def page_path(query: dict) -> str:
    """Site-relative path of a query's page: queries/NAME.html."""
    return f"{FOLDER}/{Path(query['name']).stem}.html"


def open_store(dist_dir: Path, fallback: ox.Store) -> ox.Store:
    """The build's store (dist/nlsc.trig); `fallback` (the sources' store) when dist/ has none."""
    store = store_from_dist(dist_dir)
    return store if store is not None else fallback


def _cell(term, here: str) -> dict:
    """One answer cell: its text, and a link for an IRI (our pages stay inside the site)."""
    cell = {"text": short(term), "href": None, "iri": None, "external": False, "lang": ""}
    if isinstance(term, ox.Literal) and term.language:  # the value in its language, the tag beside it
        cell["text"], cell["lang"] = term.value, term.language
    if isinstance(term, ox.NamedNode) and term.value.startswith(("http://", "https://")):
        iri = cell["iri"] = term.value
        if iri.startswith(str(ID)):
            cell["href"] = rel(here, "doc/" + iri[len(str(ID)):] + ".html")
        elif iri.startswith(str(NLSC)):
            cell["href"] = rel(here, "def/index.html")
        else:
            cell["href"], cell["external"] = iri, True
    return cell


def _ordered(text: str) -> bool:
    return "ORDER BY" in " ".join(strip_comments_and_strings(text).upper().split())


def answer(text: str, store: ox.Store, here: str) -> dict:
    """The answer as the template needs it: kind, columns and rows (or the boolean)."""
    result = run_query(text, store)
    if isinstance(result, ox.QueryBoolean):
        return {"kind": "ASK", "boolean": bool(result), "columns": [], "rows": [], "ordered": True}
    if isinstance(result, ox.QueryTriples):
        columns = ["subject", "predicate", "object"]
        rows = [[_cell(t.subject, here), _cell(t.predicate, here), _cell(t.object, here)] for t in result]
        ordered = False
    else:
        columns = [v.value for v in result.variables]
        rows = [[_cell(solution[v], here) for v in columns] for solution in result]
        ordered = _ordered(text)
    if not ordered:  # by what is shown, the language tag included (an engine's order is its own)
        rows.sort(key=lambda row: [(c["text"], c["lang"], c["iri"] or "") for c in row])
    return {"kind": query_kind(text), "columns": columns, "rows": rows, "ordered": ordered}


def write_query_pages(queries: list[dict], store: ox.Store, template, write, site_links) -> list[str]:
    """Render every query's page with `template`, written by `write(path, text)`; the paths."""
    written = []
    for q in queries:
        here = page_path(q)
        # an untagged `# Question:` is English, as the header convention has it (queries/README.md)
        question = [Text(x.value, x.lang or "en") for x in q["question"]]
        page = {**{k: v for k, v in q.items() if k != "path"}, "answer": answer(q["text"], store, here),
                "question": question,
                "lang_parameter": has_lang_parameter(q["text"]), "stem": Path(q["name"]).stem,
                "rq": rel(here, f"{FOLDER}/{q['name']}")}
        write(here, template.render(q=page, here=here, site=site_links(here)))
        written.append(here)
    return written


def tables(query_dir: Path, dist_dir: Path) -> dict:
    """The CSV tables of dist/ (nlsc.build.tables) for the index: file, titles, descriptions, rows."""
    import csv

    from ..build.tables import PACKAGE, read_tables

    listed = []
    for table in read_tables(query_dir, query_dir.parent):
        path = dist_dir / table.file_name
        if not path.is_file():
            continue
        with path.open(encoding="utf-8", newline="") as fh:
            rows = sum(1 for _ in csv.reader(fh)) - 1
        listed.append({"file": table.file_name, "rows": rows, "size": path.stat().st_size,
                       "title": [Text(table.text("title", lang), lang) for lang in ("nl", "en")],
                       "description": [Text(table.text("description", lang), lang) for lang in ("nl", "en")]})
    return {"files": listed, "package": PACKAGE if (dist_dir / PACKAGE).is_file() else None}
