"""rdflib's Turtle layout, written from a plain index of the graph.

rdflib's TurtleSerializer goes through the store for every lookup and starts a
fresh namespace manager for every graph: at x100 that is 18 s for nlsc.ttl and
nlsc.trig and half a millisecond for each of the ~20,000 resource pages. This
module follows the serializer's algorithm step for step (subject order,
predicate order, nesting of blank nodes referenced once, indentation, the
prefixes it declares) over a dict index built in one pass, and keeps one
namespace manager, with its qname cache, per set of prefixes. Terms are ordered
and literals written by rdflib's own code, so the bytes are rdflib's
(`tests/test_turtle.py` compares them on the whole dataset, every resource page
and crafted graphs).

Where the serializer would do something this module does not follow (a list node
with two rdf:first or rdf:rest values, or a cyclic list; a predicate without a
prefix, for which rdflib invents `ns1:`; a blank-node predicate; two objects that
sort as equal), `write` returns None and the caller uses rdflib.
"""

from __future__ import annotations

import re
from functools import lru_cache

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS

from .namespaces import bind_prefixes

__all__ = ["write"]

_INDENT = "    "
_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")  # rdflib's LOCALNAME_PECRENT_CHARACTER_REQUIRING_ESCAPE_REGEX
# rdflib terms looked up once (a Namespace attribute is a method call)
_TYPE, _FIRST, _REST, _NIL, _CLASS = RDF.type, RDF.first, RDF.rest, RDF.nil, RDFS.Class
_FIRST_PREDICATES = (_TYPE, RDFS.label)  # RecursiveSerializer.predicateOrder


class _Unfollowed(Exception):
    """A case rdflib's serializer handles in a way this module does not follow."""


class _Names:
    """A namespace manager with the graph's prefixes bound as nlsc binds them, and
    get_pname's results per IRI (prefix, namespace, text or None)."""

    def __init__(self, prefixes: tuple):
        self.manager = bind_prefixes(Graph(bind_namespaces="core"), dict(prefixes)).namespace_manager
        self.memo: dict = {}

    def pname(self, uri: URIRef, generate: bool):
        key = (uri, generate)
        hit = self.memo.get(key)
        if hit is None:
            hit = self.memo[key] = self._pname(uri, generate)
        return hit

    def _pname(self, uri: URIRef, generate: bool):
        # TurtleSerializer.get_pname, with generate=True refused rather than followed:
        # rdflib would bind a new prefix (ns1, ...) in the graph being written
        try:
            prefix, namespace, local = self.manager.compute_qname(uri, generate=False)
        except KeyError:
            if generate:
                raise _Unfollowed(f"no prefix for the predicate {uri}")
            return self._namespace_itself(uri)
        except Exception:
            return self._namespace_itself(uri)
        local = _PERCENT.sub("\\%", local.replace("(", r"\(").replace(")", r"\)"))
        if local.endswith("."):
            return (None, None, None)
        if prefix.startswith("_"):
            raise _Unfollowed(f"prefix {prefix!r} would be rewritten")
        return (prefix, namespace, f"{prefix}:{local}")

    def _namespace_itself(self, uri: URIRef):
        prefix = self.manager.store.prefix(uri)
        if prefix is None:
            return (None, None, None)
        if prefix.startswith("_"):
            raise _Unfollowed(f"prefix {prefix!r} would be rewritten")
        return (prefix, uri, f"{prefix}:")


@lru_cache(maxsize=None)
def _names(prefixes: tuple) -> _Names:
    """One manager per prefix set, kept for the process (a build uses a handful)."""
    return _Names(prefixes)


def write(graph: Graph, prefixes: dict) -> bytes | None:
    """`graph` in Turtle exactly as rdflib writes it from a Graph(bind_namespaces="core")
    with `prefixes` bound by nlsc.namespaces.bind_prefixes; None where rdflib's own
    serializer has to be used."""
    try:
        return _Writer(graph, _names(tuple(prefixes.items()))).run()
    except _Unfollowed:
        return None


class _Writer:
    def __init__(self, graph: Graph, names: _Names):
        self.names = names
        self.properties: dict = {}  # subject -> {predicate: [objects]}
        self.references: dict = {}  # node -> times it is an object
        self.used: dict = {}  # prefix -> namespace, as declared
        self.done: set = set()
        self.depth = 0
        self.out: list[str] = []
        pname = self._register
        for s, p, o in graph:
            if isinstance(p, BNode):
                raise _Unfollowed("blank-node predicate")
            self.references[o] = self.references.get(o, 0) + 1
            by_predicate = self.properties.get(s)
            if by_predicate is None:
                by_predicate = self.properties[s] = {}
            objects = by_predicate.get(p)
            if objects is None:
                by_predicate[p] = [o]
            else:
                objects.append(o)
            # TurtleSerializer.preprocessTriple: the prefixes it declares
            pname(s, False)
            if p != _TYPE:
                pname(p, True)
            pname(o, False)
            if isinstance(o, Literal) and o.datatype:
                pname(o.datatype, False)

    def _register(self, node, generate: bool) -> None:
        if isinstance(node, URIRef):
            prefix, namespace, _ = self.names.pname(node, generate)
            if prefix is not None:
                self.used[prefix] = namespace

    def _text(self, node, generate: bool) -> str | None:
        return self.names.pname(node, generate)[2] if isinstance(node, URIRef) else None

    def run(self) -> bytes:
        write = self.out.append
        for prefix, uri in sorted(self.used.items()):
            write(f"@prefix {prefix}: <{uri}> .\n")
        # RecursiveSerializer.orderSubjects: rdfs:Class members first, then
        # IRIs before blank nodes, fewer references first, then the term
        top = sorted(s for s, props in self.properties.items() if _CLASS in props.get(_TYPE, ()))
        seen = set(top)
        rest = [(isinstance(s, BNode), self.references.get(s, 0), s) for s in self.properties if s not in seen]
        rest.sort()
        for subject in [*top, *(s for _, _, s in rest)]:
            if subject in self.done:
                continue
            self.done.add(subject)
            if isinstance(subject, BNode) and self.references.get(subject, 0) == 0:
                write("\n" + _INDENT * self.depth + "[]")
            else:
                write("\n" + _INDENT * self.depth)
                write(self._label(subject, 0))
            self._predicate_list(subject)
            write(" .")
            write("\n")
        write("\n")
        return "".join(self.out).encode("utf-8", "replace")

    def _predicate_list(self, subject, newline: bool = False) -> None:
        properties = self.properties.get(subject)
        if not properties:
            return
        for objects in properties.values():
            if len(objects) > 1:
                objects.sort()
                for a, b in zip(objects, objects[1:]):
                    if not a < b:  # a tie: rdflib's order would depend on its store's set order
                        raise _Unfollowed("objects that sort as equal")
        order = [p for p in _FIRST_PREDICATES if p in properties]
        order += sorted(p for p in properties if p not in _FIRST_PREDICATES)
        self._path(order[0], 1, newline)
        self._object_list(properties[order[0]])
        for predicate in order[1:]:
            self.out.append(" ;\n" + _INDENT * (self.depth + 1))
            self._path(predicate, 1, True)
            self._object_list(properties[predicate])

    def _object_list(self, objects: list) -> None:
        # rdflib's `depthmod = (count == 1) and 0 or 1` is 1 whatever the count
        self.depth += 1
        self._path(objects[0], 2)
        for obj in objects[1:]:
            self.out.append(",\n" + _INDENT * (self.depth + 1))
            self._path(obj, 2, True)
        self.depth -= 1

    def _path(self, node, position: int, newline: bool = False) -> None:
        # p_squared: a blank node referenced once, not yet written, is nested
        if (position != 0 and isinstance(node, BNode) and node not in self.done
                and self.references.get(node, 0) <= 1):
            if not newline:
                self.out.append(" ")
            if self._is_list(node):
                self.out.append("(")
                self.depth += 1
                self._list_items(node)
                self.depth -= 1
                self.out.append(" )")
                return
            self.done.add(node)
            self.depth += 2
            self.out.append("[")
            self.depth -= 1
            self._predicate_list(node, newline=False)
            self.out.append(" ]")
            self.depth -= 1
            return
        # p_default
        if position != 0 and not newline:
            self.out.append(" ")
        self.out.append(self._label(node, position))

    def _value(self, node, predicate):
        """Graph.value: the one object (rdflib's pick among several depends on its store)."""
        objects = self.properties.get(node, {}).get(predicate)
        if not objects:
            return None
        if len(objects) > 1:
            raise _Unfollowed(f"{len(objects)} values of {predicate} on a list node")
        return objects[0]

    def _is_list(self, node) -> bool:
        # isValidList: every cell has rdf:first and rdf:rest and nothing else
        if self._value(node, _FIRST) is None:
            return False
        seen = set()
        while node:
            if node in seen:
                raise _Unfollowed("a cyclic list")  # rdflib would loop forever
            seen.add(node)
            if node != _NIL and sum(map(len, self.properties.get(node, {}).values())) != 2:
                return False
            node = self._value(node, _REST)
        return True

    def _list_items(self, node) -> None:
        # doList
        while node:
            item = self._value(node, _FIRST)
            if item is not None:
                self._path(item, 2)
                self.done.add(node)
            node = self._value(node, _REST)

    def _label(self, node, position: int) -> str:
        if node == _NIL:
            return "()"
        if position == 1 and node == _TYPE:
            return "a"
        if isinstance(node, Literal):
            return node._literal_n3(use_plain=True, qname_callback=lambda dt: self._text(dt, False))
        return self._text(node, position == 1) or node.n3()
