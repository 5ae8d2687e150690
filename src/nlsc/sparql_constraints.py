"""SHACL-SPARQL constraints evaluated on Oxigraph, once per constraint.

pyshacl runs a SHACL-SPARQL constraint once per focus node, as an rdflib query
with $this pre-bound; at x100 that is most of the validation time (rdflib's
evalBGP: 121 s of 204 s profiled). Within `on_oxigraph()`, each constraint of the
plain form `SELECT [DISTINCT] $this ... WHERE { ... }` runs once on an Oxigraph
copy of pyshacl's data graph, with the focus nodes given as `VALUES $this {...}`
at the head of the WHERE clause, and its solutions are handed to pyshacl per
focus node, so pyshacl builds the validation results exactly as before. Other
constraints, focus nodes that are blank nodes, and any query Oxigraph refuses
keep pyshacl's own per-node evaluation. tests/test_shapes.py checks that every
fixture gets the same results either way.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pyoxigraph as ox
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import XSD

_PLAIN_SELECT = re.compile(r"^\s*SELECT\s+(?:DISTINCT\s+)?\$this\b", re.I | re.M)
_WHERE = re.compile(r"\bWHERE\s*\{", re.I)
_PROLOGUE = re.compile(r"^\s*(?:PREFIX\s+\S*\s*<[^>]*>|BASE\s*<[^>]*>|#[^\n]*)\s*", re.I)


def _to_ox(term):
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    if term.language:
        return ox.Literal(str(term), language=term.language)
    return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))


def _from_ox(term):
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if term.language:
        return Literal(term.value, lang=term.language)
    if term.datatype.value == str(XSD.string):
        return Literal(term.value)  # as rdflib reads a plain string
    return Literal(term.value, datatype=URIRef(term.datatype.value))


def _with_focus_nodes(query: str, focus_nodes: list) -> str | None:
    """`query` with `VALUES $this {...}` opening its WHERE clause; None if it is not plain."""
    body = query
    while True:  # skip the prologue pyshacl prepends (PREFIX lines) to find the SELECT
        m = _PROLOGUE.match(body)
        if not m or not m.group(0):
            break
        body = body[m.end():]
    if not _PLAIN_SELECT.match(body):
        return None
    where = _WHERE.search(body)  # after the prologue, whose comments might say "where {"
    if where is None:
        return None
    at = len(query) - len(body) + where.end()
    values = " ".join(str(_to_ox(f)) for f in focus_nodes)  # N-Triples syntax, valid in SPARQL
    return f"{query[:at]} VALUES $this {{ {values} }} {query[at:]}"


class _Store:
    """An Oxigraph copy of one rdflib graph, made on first use."""

    def __init__(self):
        self.graph_id = None
        self.store = None

    def of(self, graph) -> ox.Store:
        if self.graph_id != id(graph):
            store = ox.Store()
            store.bulk_extend(ox.Quad(_to_ox(s), _to_ox(p), _to_ox(o)) for s, p, o in graph.triples((None, None, None)))
            self.graph_id, self.store = id(graph), store
        return self.store


def _violations(solutions) -> dict:
    """focus node -> what pyshacl's _validate_sparql_query returns for it."""
    out: dict = {}
    seen_failure: set = set()
    names = [v.value for v in solutions.variables]
    for row in solutions:
        var_dict = {}
        for name in names:
            value = row[name]
            if value is not None:
                var_dict[name] = _from_ox(value)
        this = var_dict.get("this")
        violations = out.setdefault(this, [])
        failure = var_dict.pop("failure", None)
        if failure is not None:
            if this in seen_failure:
                continue
            violations.append((True, var_dict))
            seen_failure.add(this)
            continue
        p, v, t = var_dict.pop("path", None), var_dict.pop("value", None), var_dict.pop("this", None)
        if (p is not None) or (v is not None) or (t is not None):
            if (t, p, v, var_dict) not in violations:
                violations.append((t, p, v, var_dict))
    return out


@contextmanager
def on_oxigraph():
    from pyshacl.constraints.sparql.sparql_based_constraints import SPARQLBasedConstraint as Component

    original = Component._evaluate_sparql_constraint
    stores = _Store()

    def evaluate(self, sparql_constraint, target_graph, f_v_dict):
        grouped = None
        focus = list(f_v_dict)
        if focus and not any(isinstance(f, BNode) for f in focus):
            binds, text = sparql_constraint.pre_bind_variables(focus[0])
            if set(binds) == {"this"}:
                query = _with_focus_nodes(sparql_constraint.apply_prefixes(text), focus)
                if query is not None:
                    try:
                        grouped = _violations(stores.of(target_graph).query(query))
                    except (SyntaxError, OSError, ValueError):
                        grouped = None  # a query Oxigraph refuses: pyshacl evaluates it
        if grouped is None:
            return original(self, sparql_constraint, target_graph, f_v_dict)
        self._validate_sparql_query = lambda _text, binds, _graph: grouped.get(binds["this"], [])
        try:
            return original(self, sparql_constraint, target_graph, f_v_dict)
        finally:
            del self._validate_sparql_query

    Component._evaluate_sparql_constraint = evaluate
    try:
        yield
    finally:
        Component._evaluate_sparql_constraint = original
