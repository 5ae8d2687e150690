"""The query page of `nlsc serve`: our page at /, its script and style, and the bundled queries as JSON.

Oxigraph's own UI (Yasgui) asks prefix.cc for prefixes and runs queries on an
empty default graph; this page runs the bundled queries (`nlsc.sparql.query.bundled()`)
on the endpoint's /query with everything served from here: no CDN, and a
Content-Security-Policy that lets the browser fetch nothing from elsewhere.
The pages are rendered once, when the server starts.
"""

from __future__ import annotations

import json
from importlib import resources

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from .. import __version__
from ..namespaces import ASSERTED_GRAPHS, GRAPH_INFERRED
from ..sparql.query import LANGS, bundled, set_lang

QUERY_PATH = "query"  # relative, so the page also works behind a proxy under a sub-path
CATALOGUE = "/queries.json"
FIRST = "organisations"  # the query shown when the page opens (else the first one)
STATIC = {"/static/query.js": "text/javascript; charset=utf-8", "/static/query.css": "text/css; charset=utf-8"}
SECURITY = [("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; "
                                        "connect-src 'self'; img-src 'self' data:; form-action 'self'; "
                                        "base-uri 'none'; frame-ancestors 'none'"),
            ("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "no-referrer")]


def catalogue() -> list[dict]:
    """Every bundled query (checks last) with its header in both languages and its text per label language."""
    out = []
    for info in bundled():
        text = info.path.read_text(encoding="utf-8")
        out.append({
            "name": info.name,
            "kind": info.kind,
            "title": {lang: info.header.get(f"title@{lang}", "") for lang in LANGS},
            "description": {lang: info.header.get(f"description@{lang}", "") for lang in LANGS},
            "question": info.header.get("question", ""),
            "answer": info.header.get("answer", ""),
            "text": {lang: set_lang(text, lang) for lang in LANGS},
        })
    return out


def page(queries: list[dict], limits: dict) -> str:
    env = Environment(loader=PackageLoader("nlsc.serve", "templates"), undefined=StrictUndefined,
                      autoescape=select_autoescape(["html", "j2"]), keep_trailing_newline=True)
    first = next((q for q in queries if q["name"] == FIRST), queries[0])
    return env.get_template("index.html.j2").render(
        queries=queries, first=first, limits=limits, version=__version__, query_path=QUERY_PATH,
        asserted=[str(g) for g in ASSERTED_GRAPHS], inferred=str(GRAPH_INFERRED))


def routes(limits: dict) -> dict[str, tuple[str, bytes]]:
    """{path: (content type, body)} of the page and its files; `limits` as shown on the page."""
    queries = catalogue()
    html = page(queries, limits).encode("utf-8")
    folder = resources.files("nlsc.serve") / "templates"
    found = {"/": ("text/html; charset=utf-8", html), "/index.html": ("text/html; charset=utf-8", html),
             CATALOGUE: ("application/json", json.dumps(queries, ensure_ascii=False, indent=1).encode("utf-8"))}
    for path, kind in STATIC.items():
        found[path] = (kind, (folder / path.rsplit("/", 1)[1]).read_bytes())
    return found
