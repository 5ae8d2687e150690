"""JSON-LD compaction for the project's own contexts, in one linear pass.

pyld's compaction is general (scoped contexts, @nest, @graph containers, ...)
and costs about 2 ms per node; at x100 that is minutes, and the site compacts
every resource page again. Our contexts use a small part of JSON-LD: the aliases
`id`/`type`, prefixes, and terms with an `@id` and at most a `@type` (`@id` or a
datatype) or `@container: @language` (see jsonld.build_context). For those this
module follows pyld's algorithm step by step (term selection by container and
type/language preference, CURIEs, value compaction, language maps, lists,
@reverse) and gives byte-identical output (tests/test_compact.py compares it
with pyld on every document the build writes). Any context or value outside
that subset raises Unsupported, and the caller hands the document to pyld.
"""

from __future__ import annotations

_GEN_DELIMS = tuple(":/?#[]@")
#: pyld prefers @vocab before @id when the referenced IRI is itself a term; no
#: term here is filed under @vocab, so one order serves both cases
_ID_PREFS = ["@id", "@vocab", "@none"]


class Unsupported(Exception):
    """The context or a value uses JSON-LD this compactor does not implement."""


class Compactor:
    def __init__(self, context: dict):
        if not isinstance(context, dict):
            raise Unsupported("context is not one object")
        self.defs: dict[str, dict] = {}  # term -> definition (dict terms only)
        self.by_iri: dict[str, tuple[str, dict]] = {}  # IRI -> (term, definition)
        self.prefixes: list[tuple[str, str]] = []  # (term, IRI) usable as CURIE prefixes
        aliases: dict[str, list[str]] = {}
        for term, value in context.items():
            if term.startswith("@"):
                raise Unsupported(f"context keyword {term}")
            if isinstance(value, str):
                if value.startswith("@"):
                    aliases.setdefault(value, []).append(term)
                    continue
                if ":" in term or "://" not in value and not value.startswith("urn:"):
                    raise Unsupported(f"string term {term}")
                if value in self.by_iri:
                    raise Unsupported(f"two terms for {value}")
                self.by_iri[value] = (term, {"@id": value})  # a plain term for term selection
                if value.endswith(_GEN_DELIMS):
                    self.prefixes.append((term, value))
                continue
            if not isinstance(value, dict) or set(value) - {"@id", "@type", "@container"}:
                raise Unsupported(f"term definition of {term}")
            iri, kind, container = value.get("@id"), value.get("@type"), value.get("@container")
            if not isinstance(iri, str) or iri.startswith("@") or container not in (None, "@language"):
                raise Unsupported(f"term definition of {term}")
            if kind is not None and (not isinstance(kind, str) or kind in ("@vocab", "@none", "@json")
                                     or (kind != "@id" and kind.startswith("@"))):
                raise Unsupported(f"@type of {term}")
            if container and kind:
                raise Unsupported(f"@type with @container on {term}")
            if iri in self.by_iri:
                raise Unsupported(f"two terms for {iri}")
            self.defs[term] = value
            self.by_iri[iri] = (term, value)
        for keyword, names in aliases.items():
            if keyword not in ("@id", "@type"):
                raise Unsupported(f"alias of {keyword}")
        self.alias = {k: sorted(v, key=lambda t: (len(t), t))[0] for k, v in aliases.items()}
        self.names = set(context)

    # -- IRIs -----------------------------------------------------------------

    def _kw(self, keyword: str) -> str:
        return self.alias.get(keyword, keyword)

    def _curie_or_iri(self, iri: str, value_is_none: bool) -> str:
        candidate = None
        for term, prefix in self.prefixes:
            if prefix == iri or not iri.startswith(prefix):
                continue
            curie = f"{term}:{iri[len(prefix):]}"
            usable = curie not in self.names or (value_is_none and self.defs.get(curie, {}).get("@id") == iri)
            if usable and (candidate is None or (len(curie), curie) < (len(candidate), candidate)):
                candidate = curie
        if candidate is not None:
            return candidate
        if any(iri.startswith(term + ":") for term, _ in self.prefixes):
            raise Unsupported(f"IRI confused with a prefix: {iri}")
        return iri

    def iri(self, iri: str) -> str:
        """An @id value (vocab false): a CURIE or the IRI."""
        return self._curie_or_iri(iri, True)

    def vocab(self, iri: str) -> str:
        """A type or datatype IRI (vocab true, no value): a term, a CURIE or the IRI."""
        found = self.by_iri.get(iri)
        if found and self._select(found[1], ["@set", "@none"], "@type", _ID_PREFS):
            return found[0]
        return self._curie_or_iri(iri, True)

    # -- term selection (pyld _compact_iri / _select_term for one candidate term) --

    @staticmethod
    def _entry(definition: dict) -> tuple[str, dict]:
        """The term's slot in pyld's inverse context: container and the keys it is filed under."""
        container = definition.get("@container") or "@none"
        if "@type" in definition:
            return container, {"@type": {definition["@type"]}, "@language": set()}
        return container, {"@type": {"@none"}, "@language": {"@none"}}

    def _select(self, definition: dict, containers: list, kind: str, prefs: list) -> bool:
        container, filed = self._entry(definition)
        return container in containers and any(p in filed[kind] for p in prefs)

    def _property(self, iri: str, value, reverse: bool = False) -> str:
        """The key for `value` of property `iri`: the term if it fits the value, else a CURIE or the IRI."""
        found = self.by_iri.get(iri)
        if found is not None:
            containers = []
            is_value = "@value" in value
            if not is_value:
                containers += ["@id", "@id@set", "@type", "@set@type"]
            kind, pref = "@language", "@null"
            if reverse:
                kind, pref = "@type", "@reverse"
                containers.append("@set")
            elif "@list" in value:
                containers.append("@list")
                kind, pref = self._list_preference(value["@list"])
            elif is_value:
                if "@language" in value:
                    containers += ["@language", "@language@set"]
                    pref = value["@language"]
                elif "@type" in value:
                    kind, pref = "@type", value["@type"]
                containers.append("@set")
            else:
                kind, pref = "@type", "@id"
                containers.append("@set")
            containers.append("@none")
            containers += ["@index", "@index@set"]
            if is_value and len(value) == 1:
                containers += ["@language", "@language@set"]
            if pref in ("@id", "@reverse") and "@id" in value:
                prefs = (["@reverse"] if pref == "@reverse" else []) + _ID_PREFS
            else:
                prefs = [pref, "@none"]
            if self._select(found[1], containers, kind, prefs):
                return found[0]
        return self._curie_or_iri(iri, False)

    @staticmethod
    def _list_preference(items: list) -> tuple[str, str]:
        if not items:
            raise Unsupported("empty @list")
        common_language = common_type = None
        for item in items:
            item_language = item_type = "@none"
            if "@value" in item:
                if "@direction" in item:
                    raise Unsupported("@direction")
                if "@language" in item:
                    item_language = item["@language"]
                elif "@type" in item:
                    item_type = item["@type"]
                else:
                    item_language = "@null"
            else:
                item_type = "@id"
            if common_language is None:
                common_language = item_language
            elif item_language != common_language and "@value" in item:
                common_language = "@none"
            if common_type is None:
                common_type = item_type
            elif item_type != common_type:
                common_type = "@none"
            if common_language == "@none" and common_type == "@none":
                break
        if common_type != "@none":
            return "@type", common_type
        return "@language", common_language or "@none"

    # -- values and nodes -------------------------------------------------------

    def _value(self, term_def: dict | None, value: dict):
        """A value object or node reference under a property (pyld _compact_value)."""
        kind = (term_def or {}).get("@type")
        if "@value" in value:
            if set(value) - {"@value", "@type", "@language"}:
                raise Unsupported("value object keys")
            if "@type" in value and value["@type"] == kind:
                return value["@value"]
            if len(value) == 1:
                return value["@value"]
            out = {}
            if "@type" in value:
                out[self._kw("@type")] = self.vocab(value["@type"])
            else:
                out["@language"] = value["@language"]
            out["@value"] = value["@value"]
            return out
        compacted = self.iri(value["@id"])
        if kind == "@id":
            return compacted
        return {self._kw("@id"): compacted}

    def _item(self, term_def: dict | None, item):
        if not isinstance(item, dict):
            raise Unsupported("a value that is not an object")
        if "@value" in item or set(item) == {"@id"}:
            return self._value(term_def, item)
        return self.node(item)

    def node(self, node: dict, inside_reverse: bool = False) -> dict:
        out: dict = {}
        for key, values in sorted(node.items()):
            if key == "@id":
                _add(out, self._kw("@id"), self.iri(values))
            elif key == "@type":
                types = [self.vocab(t) for t in values]
                _add(out, self._kw("@type"), types[0] if len(types) == 1 else types)
            elif key == "@reverse":
                inner = self.node(values, inside_reverse=True)
                if inner:
                    _add(out, "@reverse", inner)
            elif key.startswith("@"):
                raise Unsupported(f"node keyword {key}")
            else:
                for value in values:
                    self._property_value(out, key, value, inside_reverse)
        return out

    def _property_value(self, out: dict, iri: str, value: dict, reverse: bool) -> None:
        name = self._property(iri, value, reverse)
        term_def = self.defs.get(name)
        container = (term_def or {}).get("@container")
        if "@list" in value:
            if set(value) != {"@list"}:
                raise Unsupported("@list with other keys")
            items = [self._item(term_def, i) for i in value["@list"]]
            _add(out, name, {"@list": items})
            return
        compacted = self._item(term_def, value)
        if container == "@language":
            language_map = out.setdefault(name, {})
            if isinstance(compacted, dict) and "@value" in compacted:
                compacted = compacted["@value"]
            elif isinstance(compacted, dict):
                raise Unsupported("a node in a language map")
            _add(language_map, value.get("@language", "@none"), compacted)
            return
        _add(out, name, compacted)

    def document(self, nodes: list, context_value) -> dict:
        """Compact a list of expanded node objects into one document whose
        @context is `context_value` (pyld.compact with compactArrays)."""
        compacted = [self.node(n) for n in nodes]
        has_context = not (isinstance(context_value, dict) and not context_value)
        if len(compacted) == 1:
            body = compacted[0]
            return {"@context": context_value, **body} if has_context else body
        if not compacted:
            return {"@context": context_value} if has_context else {}
        return {"@context": context_value, "@graph": compacted} if has_context else {"@graph": compacted}


def _add(target: dict, key: str, value) -> None:
    """pyld's add_value without propertyIsArray: a second value makes an array."""
    if key not in target:
        target[key] = value
    elif isinstance(target[key], list):
        target[key].append(value)
    else:
        target[key] = [target[key], value]


def compact(nodes: list, context: dict, context_value=None) -> dict | None:
    """`nodes` (expanded) compacted with `context` (the object under @context);
    the document's @context is `context_value` (default: the context itself).
    None when the context or data need pyld."""
    try:
        return Compactor(context).document(nodes, context if context_value is None else context_value)
    except Unsupported:
        return None
