"""The network diagram: organisations and arrangements as nodes; information
provisions, memberships, forward posts, liaisons, cooperations and organisational
parenthood as typed, colour-coded edges, and every other triple between two drawn
nodes (the CSR advises the cabinet) as a grey edge named by its property. Laid out
by Graphviz `dot` (deterministic for the same input), from a DOT text that is itself
written in sorted order.

Every node links to its page, every statement edge to the page of its
statement node; links are relative to the site root (the folder holding
index.html and diagram.svg).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess
import tempfile
import textwrap
from dataclasses import dataclass

from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from ..errors import NlscError
from ..namespaces import CV, NLSC, ORG
from .model import Names, curie, doc_path, in_id_space

FONT = "DejaVu Sans"

#: node kinds: (class, fill, border, Dutch name, English name); first match wins
NODE_KINDS = (
    ("arrangement", ORG.OrganizationalCollaboration, "#fff3cd", "#a67c00", "samenwerkingsverband", "arrangement"),
    ("organisation", CV.PublicOrganisation, "#e3eefa", "#0b5394", "organisatie", "organisation"),
    ("organisation", ORG.Organization, "#e3eefa", "#0b5394", "organisatie", "organisation"),
    ("unit", ORG.OrganizationalUnit, "#e2f3ea", "#1e7b4f", "eenheid", "unit"),
    ("group", None, "#f1f1f1", "#666666", "groep van afnemers", "group of recipients"),
)

#: edge kinds: key -> (colour, style, Dutch name, English name)  (Okabe-Ito colours)
EDGE_KINDS = {
    "provision": ("#0072B2", "solid", "informatieverstrekking", "information provision"),
    "membership": ("#009E73", "solid", "lidmaatschap", "membership"),
    "forwardpost": ("#D55E00", "bold", "vooruitgeschoven post", "forward post"),
    "liaison": ("#E69F00", "solid", "contactlijn", "liaison"),
    "cooperation": ("#CC79A7", "solid", "samenwerking (zonder richting)", "cooperation (no direction)"),
    "partof": ("#8c8c8c", "dashed", "onderdeel van", "part of"),
    "relation": ("#555555", "dotted", "andere relatie (naam bij de lijn)", "other relation (named on the line)"),
}
#: the statement classes drawn as one edge each: class -> (kind, source property, target property)
STATEMENT_EDGES = (
    (NLSC.InformationProvision, "provision", NLSC.provider, NLSC.recipient),
    (ORG.Membership, "membership", ORG.member, ORG.organization),
    (NLSC.ForwardPostRelation, "forwardpost", NLSC.intelligenceUnit, NLSC.servedService),
    (NLSC.Liaison, "liaison", NLSC.contactHolder, NLSC.contactPartner),
    (NLSC.Cooperation, "cooperation", NLSC.partner, NLSC.partner),
)
#: the shortcut properties that an edge of a kind already shows (either direction)
SHOWN_BY = {
    NLSC.providesInformationTo: "provision", ORG.hasMember: "membership", ORG.memberOf: "membership",
    NLSC.isForwardPostOf: "forwardpost", NLSC.keepsContactWith: "liaison", NLSC.cooperatesWith: "cooperation",
    ORG.subOrganizationOf: "partof", ORG.hasSubOrganization: "partof", ORG.unitOf: "partof", ORG.hasUnit: "partof",
}


@dataclass(frozen=True)
class Edge:
    kind: str
    source: URIRef
    target: URIRef
    statement: URIRef | None  # the node whose page explains the edge
    prop: URIRef | None = None  # for a "relation" edge: the property it shows


def _statement_edges(g: Graph) -> set[Edge]:
    out = set()
    for cls, kind, source, target in STATEMENT_EDGES:
        for st in g.subjects(RDF.type, cls):
            for a in g.objects(st, source):
                for b in g.objects(st, target):
                    if a != b and (kind != "cooperation" or str(a) < str(b)):  # a cooperation: each pair once
                        out.add(Edge(kind, a, b, st))
    for p in (ORG.subOrganizationOf, ORG.unitOf):
        for a, b in g.subject_objects(p):
            if in_id_space(a) and in_id_space(b):
                out.add(Edge("partof", a, b, None))
    return out


def edges(g: Graph) -> list[Edge]:
    """The typed edges, then one "relation" edge for each other triple between two drawn nodes."""
    out = _statement_edges(g)
    drawn = set(nodes(g, out))
    shown = {(e.kind, frozenset((e.source, e.target))) for e in out}
    for a in drawn:
        for p, b in g.predicate_objects(a):
            if b in drawn and a != b and (SHOWN_BY.get(p), frozenset((a, b))) not in shown:
                out.add(Edge("relation", a, b, None, p))
    return sorted(out, key=lambda e: (e.kind, str(e.source), str(e.target), str(e.statement), str(e.prop)))


def nodes(g: Graph, es) -> list[URIRef]:
    found = {s for kind in NODE_KINDS[:4] for s in g.subjects(RDF.type, kind[1]) if in_id_space(s)}
    found |= {e.source for e in es} | {e.target for e in es}
    return sorted(found, key=str)


def node_kind(g: Graph, n) -> tuple:
    for kind in NODE_KINDS:
        if kind[1] is None or (n, RDF.type, kind[1]) in g:
            return kind
    return NODE_KINDS[-1]


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _wrap(label: str, width: int = 24) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def dot_source(g: Graph, names: Names) -> str:
    es = edges(g)
    ns = nodes(g, es)
    ids = {n: "n" + str(i) for i, n in enumerate(ns)}
    lines = [
        "digraph nlsc {",
        f'  graph [rankdir=LR, fontname={_q(FONT)}, bgcolor="white", nodesep=0.18, ranksep=0.9, '
        'pad=0.2, id="nlsc-network", tooltip="nlsc network"];',
        f'  node [fontname={_q(FONT)}, fontsize=13, shape=box, style="rounded,filled", penwidth=1.3, '
        'margin="0.12,0.05", height=0.3];',
        '  edge [penwidth=1.6, arrowsize=0.7];',
    ]
    for n in ns:
        key, _, fill, border, _, _ = node_kind(g, n)
        nl, en = names.pair(n)
        tooltip = nl.value if nl.value == en.value else f"{nl.value} / {en.value}"
        style = '"rounded,filled,dashed"' if key == "group" else '"rounded,filled"'
        lines.append(
            f"  {ids[n]} [label={_q(_wrap(names.short(n)))}, href={_q(doc_path(n))}, target=\"_top\", "
            f"tooltip={_q(tooltip)}, fillcolor={_q(fill)}, color={_q(border)}, style={style}, "
            f"id={_q('node-' + doc_path(n, '')[4:].replace('/', '-'))}, class={_q('node_' + key)}];")
    for e in es:
        colour, style, nl, en = EDGE_KINDS[e.kind]
        attrs = [f"color={_q(colour)}", f"style={style}"]
        if e.statement is not None:
            st_nl, st_en = names.pair(e.statement)
            attrs += [f"href={_q(doc_path(e.statement))}", 'target="_top"',
                      f"tooltip={_q(f'{st_nl.value} / {st_en.value}')}"]
        elif e.prop is not None:
            p_nl, p_en = names.pair(e.prop)
            attrs += [f"label={_q(p_nl.value)}", "fontsize=11", f"fontcolor={_q(colour)}",
                      f"tooltip={_q(f'{p_nl.value} / {p_en.value} ({curie(e.prop)})')}"]
            if str(e.prop).startswith(str(NLSC)):  # our term: to its entry in the ontology page
                attrs += [f"href={_q('def/index.html#' + str(e.prop)[len(str(NLSC)):])}", 'target="_top"']
        else:
            attrs.append(f"tooltip={_q(f'{nl} / {en}')}")
        if e.kind == "partof":
            attrs.append("arrowhead=empty")
        if e.kind == "cooperation":
            attrs.append("dir=none")
        attrs.append(f"class={_q('edge_' + e.kind)}")
        lines.append(f"  {ids[e.source]} -> {ids[e.target]} [{', '.join(attrs)}];")
    lines.append(legend())
    lines.append("}")
    return "\n".join(lines) + "\n"


#: how the legend draws each edge style
_LINES = {"dashed": "╌╌╌▷", "bold": "━━━▶", "dotted": "┈┈┈▶", "solid": "───▶"}


def legend_items() -> dict:
    """The legend as data, for the SVG's own legend and the diagram page."""
    lines = [{"key": key, "colour": colour, "style": style, "line": "───" if key == "cooperation" else _LINES[style],
              "nl": nl, "en": en} for key, (colour, style, nl, en) in EDGE_KINDS.items()]
    seen, boxes = set(), []
    for key, _, fill, border, nl, en in NODE_KINDS:
        if key not in seen:
            seen.add(key)
            boxes.append({"key": key, "fill": fill, "border": border, "nl": nl, "en": en})
    return {"edges": lines, "nodes": boxes}


def legend() -> str:
    rows = []
    items = legend_items()
    for x in items["edges"]:
        rows.append(f'<tr><td align="left"><font color="{x["colour"]}">{x["line"]}</font></td>'
                    f'<td align="left">{html.escape(x["nl"])} <font color="#555555">/ {html.escape(x["en"])}</font></td></tr>')
    for x in items["nodes"]:
        rows.append(f'<tr><td bgcolor="{x["fill"]}" border="1" color="{x["border"]}" style="rounded"> </td>'
                    f'<td align="left">{html.escape(x["nl"])} <font color="#555555">/ {html.escape(x["en"])}</font></td></tr>')
    table = ('<table border="0" cellborder="0" cellspacing="3" cellpadding="2">'
             '<tr><td colspan="2" align="left"><b>Legenda / Legend</b></td></tr>' + "".join(rows) + "</table>")
    return f'  legend [shape=plain, style="", fontsize=12, label=<{table}>, id="legend"];'


_GENERATED = re.compile(r"<!-- Generated by graphviz[^>]*-->\n")


class Rendering:
    """`dot -Tsvg` of a DOT text, running while the caller does other work (at x100 the
    layout takes ~30 s of one core, the resource pages meanwhile use the others).
    Input and output go through temporary files, so dot never waits on a full pipe."""

    TIMEOUT = 120  # seconds

    def __init__(self, dot_text: str):
        exe = shutil.which("dot")
        if exe is None:
            raise NlscError("Graphviz `dot` not found: install it (Debian: apt-get install graphviz)")
        self.files = [tempfile.TemporaryFile() for _ in range(3)]  # stdin, stdout, stderr
        self.files[0].write(dot_text.encode("utf-8"))
        self.files[0].seek(0)
        self.process = subprocess.Popen([exe, "-Tsvg"], stdin=self.files[0], stdout=self.files[1],
                                        stderr=self.files[2])

    def svg(self) -> str:
        """The SVG text; the Graphviz version comment is dropped so the output is stable."""
        try:
            code = self.process.wait(timeout=self.TIMEOUT)
        except subprocess.TimeoutExpired:
            self.close()
            raise NlscError(f"dot took more than {self.TIMEOUT} s") from None
        out, err = (self._read(f) for f in self.files[1:])
        self.close()
        if code != 0:
            raise NlscError("dot failed: " + err.strip())
        return _GENERATED.sub("", out)

    @staticmethod
    def _read(f) -> str:
        f.seek(0)
        return f.read().decode("utf-8", "replace")

    def close(self) -> None:
        """Stop dot if it still runs (a build that failed meanwhile) and drop the files."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        for f in self.files:
            f.close()


def inline(svg: str) -> str:
    """The <svg> element alone, for embedding in HTML."""
    start = svg.index("<svg")
    return svg[start:].strip() + "\n"


def diagram(g: Graph, names: Names) -> tuple[str, Rendering]:
    """(DOT source, its SVG being rendered: .svg() gives it)."""
    src = dot_source(g, names)
    return src, Rendering(src)
