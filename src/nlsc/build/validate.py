"""SHACL validation of the nlsc data: `validate(dataset)`, the build's validate stage (and `nlsc validate`'s engine).

What is validated, and with what:

* the data graph is data + context together (`.../graph/data` and `.../graph/context`);
* the ontology graph is `.../graph/ontology` (which restates the subclass axioms of
  ORG, CPOV and FOAF that the class checks need); it is given to the engine as
  `ont_graph`, so it is mixed into a throw-away copy of the data graph and never lands in it;
* the shapes are `shapes/*.ttl` (core, provenance, value lists, identifiers,
  recommended), including SHACL-SPARQL constraints, run by a library engine (ENGINES);
* the check queries `queries/checks/*-violation.rq` (rules across resources: shortcuts
  and their statement nodes, inverse ORG properties) run once each on an Oxigraph store
  of the asserted graphs (nlsc.build.check_queries); any row is a violation.

No inference by default: SHACL's own `sh:targetClass` and `sh:class` already follow
`rdfs:subClassOf` through the ontology graph, which is all the subclass targets need.
RDFS range inference would make the `sh:class` checks vacuous (every recipient would
be inferred a foaf:Agent). `inference="rdfs"` or `"owlrl"` is available for
experiments; the check queries always see the asserted data.

The data *conforms* when there is no result of severity sh:Violation and no check
query returns a row; warnings and infos are reported but do not fail the run.
"""

from __future__ import annotations

import importlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, NamedTuple

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH, SKOS

from .check_queries import CheckFailure, run_checks, store_of
from .sources import Sources
from ..admit import read_source
from ..errors import NlscError, SourceError
from ..namespaces import BASE, GRAPH_CONTEXT, GRAPH_DATA, GRAPH_ONTOLOGY

SHAPE_NS = BASE + "shape/"

SEVERITIES = (SH.Violation, SH.Warning, SH.Info)
_SEVERITY_NAME = {SH.Violation: "Violation", SH.Warning: "Warning", SH.Info: "Info"}
_SEVERITY_TITLE = {
    "en": {SH.Violation: "Violations", SH.Warning: "Warnings", SH.Info: "Infos"},
    "nl": {SH.Violation: "Overtredingen", SH.Warning: "Waarschuwingen", SH.Info: "Meldingen"},
}

EXIT_UNUSABLE = 2  # as in nlsc.commands


class UnusableInput(NlscError):
    """Sources or shapes cannot be read (exit 2; nlsc.commands reports it, with a traceback under --debug)."""


# --------------------------------------------------------------------------- inputs


def repo_root() -> Path:
    try:
        from .. import files

        return Path(str(files())).resolve()
    except Exception:  # pragma: no cover - package layout without files()
        return Path(__file__).resolve().parents[3]


def shapes_dir(root: Path | None = None) -> Path:
    return (root or repo_root()) / "shapes"


def _parse(paths: Iterable[Path], into: Graph | None = None) -> Graph:
    g = into if into is not None else Graph()
    for p in paths:
        try:
            data = read_source(p, p.parent, str(p))  # a regular file in its folder, bounded (nlsc.admit)
        except SourceError as exc:
            raise UnusableInput(str(exc)) from exc
        try:
            part = Graph().parse(data=data, format="turtle", publicID=p.resolve().as_uri())
        except Exception as exc:  # rdflib raises several exception types
            raise UnusableInput(f"{p}: {' '.join(str(exc).split())}") from exc
        cyclic = cyclic_list(part)
        if cyclic is not None:  # the engines fail on it with a ValueError naming only a blank node
            raise UnusableInput(f"{p}: an RDF list whose rdf:rest leads back to itself (at {cyclic.n3()})")
        g += part
    return g


def cyclic_list(g: Graph):
    """A node of an rdf:rest chain that returns to itself, or None."""
    done: set = set()
    for start in g.subjects(RDF.rest, None):
        seen, node = set(), start
        while node not in done and node != RDF.nil and node is not None:
            if node in seen:
                return node
            seen.add(node)
            node = g.value(node, RDF.rest)
        done.update(seen)
    return None


def load_shapes(directory: Path | None = None) -> Graph:
    """All shapes/*.ttl as one graph."""
    directory = directory or shapes_dir()
    files = sorted(directory.glob("*.ttl"))
    if not files:
        raise UnusableInput(f"{directory}: no shapes (*.ttl)")
    g = _parse(files)
    g.bind("nlscsh", SHAPE_NS)
    return g


def shapes_file_naming(directory: Path, message: str) -> Path | None:
    """The shapes file that describes the first IRI an engine's message names
    (the error path only: each file is parsed again)."""
    named = re.search(r"<([^<>\s]+)>", message)
    if named:
        for path in sorted(directory.glob("*.ttl")):
            if (URIRef(named.group(1)), None, None) in _parse([path]):
                return path
    return None


def load_sources(root: Path | None = None):
    """The sources (nlsc.build.sources.Sources)."""
    from .sources import load
    from ..paths import layout

    root = root or repo_root()
    try:
        return load(layout(root))
    except Exception as exc:
        if getattr(exc, "exit_code", None) == EXIT_UNUSABLE or isinstance(exc, (OSError, SyntaxError)):
            raise UnusableInput(str(exc)) from exc
        raise


def split_graphs(dataset_or_graphs) -> tuple[Graph, Graph]:
    """(data graph = data + context, ontology graph) from the loaded sources (nlsc.build.sources.Sources)
    or a (data, ontology) pair."""
    if isinstance(dataset_or_graphs, Sources):
        return dataset_or_graphs.graph(GRAPH_DATA, GRAPH_CONTEXT), dataset_or_graphs.graph(GRAPH_ONTOLOGY)
    if isinstance(dataset_or_graphs, Graph):
        return dataset_or_graphs, Graph()
    data, ontology = dataset_or_graphs
    return data, (ontology if ontology is not None else Graph())


def _inputs(dataset_or_graphs, engine: str) -> tuple:
    """(the data + context as `engine` reads it, the ontology graph, a function giving the
    store the check queries run on, a graph with the labels for the report). The loaded
    sources give their store and its views (nlsc.build.sources): no graph is converted again."""
    if isinstance(dataset_or_graphs, Sources):
        src = dataset_or_graphs
        if engine in STORE_INPUT:
            data = ox.Store()
            data.extend(ox.Quad(*t) for t in src.triples(GRAPH_DATA, GRAPH_CONTEXT))  # in the default graph
        else:
            data = src.graph(GRAPH_DATA, GRAPH_CONTEXT)
        return data, src.graph(GRAPH_ONTOLOGY), lambda: src.store, src.union()
    data, ontology = split_graphs(dataset_or_graphs)
    return (store_of({None: data}) if engine in STORE_INPUT else data, ontology,
            lambda: store_of({GRAPH_DATA: data, GRAPH_ONTOLOGY: ontology}), data)


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Finding:
    severity: URIRef
    shape: URIRef | BNode
    focus: URIRef | BNode | Literal
    path: str | None
    component: URIRef
    value: object
    messages: dict

    @property
    def key(self) -> tuple[str, str, str]:
        """(focus node, path, constraint component): what two engines must agree on."""
        return (term_key(self.focus), self.path or "", str(self.component))

    def message(self, lang: str = "en") -> str:
        return self.messages.get(lang) or self.messages.get("en") or self.messages.get("") or next(iter(self.messages.values()), "")


def term_key(term) -> str:
    if isinstance(term, URIRef):
        return f"<{term}>"
    if isinstance(term, BNode):
        return "_:b"
    return term.n3()


def path_key(g: Graph, node) -> str | None:
    """A SHACL path as a short SPARQL-like string, comparable across engines."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return f"<{node}>"
    if (node, RDF.first, None) in g:
        return "/".join(path_key(g, n) for n in Collection(g, node))
    inverse = g.value(node, SH.inversePath)
    if inverse is not None:
        return "^" + path_key(g, inverse)
    alternative = g.value(node, SH.alternativePath)
    if alternative is not None:
        return "(" + "|".join(path_key(g, n) for n in Collection(g, alternative)) + ")"
    for pred, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+"), (SH.zeroOrOnePath, "?")):
        inner = g.value(node, pred)
        if inner is not None:
            return path_key(g, inner) + suffix
    return "?"


def findings(report: Graph, shapes: Graph | None = None) -> list[Finding]:
    """The results of a report; messages per language come from the shape itself when
    the shapes graph is given (pyshacl keeps one untagged message for SPARQL results)."""
    out = []
    for r in report.subjects(RDF.type, SH.ValidationResult):
        messages = {}
        shape = report.value(r, SH.sourceShape)
        constraint = report.value(r, SH.sourceConstraint)
        for source in (constraint, shape):
            if shapes is not None and source is not None:
                for m in shapes.objects(source, SH.message):
                    messages.setdefault(getattr(m, "language", None) or "", str(m))
        for m in report.objects(r, SH.resultMessage):
            messages.setdefault(getattr(m, "language", None) or "", str(m))
        out.append(
            Finding(
                severity=report.value(r, SH.resultSeverity),
                shape=report.value(r, SH.sourceShape),
                focus=report.value(r, SH.focusNode),
                path=path_key(report, report.value(r, SH.resultPath)),
                component=report.value(r, SH.sourceConstraintComponent),
                value=report.value(r, SH.value),
                messages=messages,
            )
        )
    out.sort(key=lambda f: (SEVERITIES.index(f.severity) if f.severity in SEVERITIES else 9, str(f.shape), term_key(f.focus), f.path or ""))
    return out


class Result(NamedTuple):
    """`conforms, report_graph, report_text = validate(dataset)`; also `.findings`, `.seconds`
    and `.checks` (the check queries that returned rows)."""

    conforms: bool
    report_graph: Graph
    report_text: str
    findings: tuple = ()
    seconds: float = 0.0
    checks: tuple[CheckFailure, ...] = ()

    def __iter__(self):  # unpacks as the three values the build expects
        return iter((self.conforms, self.report_graph, self.report_text))

    def count(self, severity) -> int:  # type: ignore[override]
        return sum(1 for f in self.findings if f.severity == severity)


# --------------------------------------------------------------------------- validate

#: the SHACL engines, by name -> module; both take pySHACL's arguments and give its report.
#: pyshacl-turbo (a Rust engine) is the build's, chosen by measurement (bench/engines.py);
#: pyshacl is the reference the tests compare it with on every fixture and the real data.
ENGINES = {"pyshacl-turbo": "pyshacl_turbo", "pyshacl": "pyshacl"}
DEFAULT_ENGINE = "pyshacl-turbo"
#: inference that the default engine cannot do: pyshacl-turbo's own OWL RL reasoner refuses
#: the ontology's property chains ("Property chain members must be IRIs": a member is an
#: anonymous owl:inverseOf), so OWL RL runs in pyshacl, with the owlrl library.
INFERENCE_ENGINE = {"owlrl": "pyshacl"}
#: engines given the data as an Oxigraph store: pyshacl-turbo converts an rdflib graph
#: through N-Triples text and back (at x10, 1.9 CPU-s of its 2.1; from a store, 0.45 + 0.2)
STORE_INPUT = {"pyshacl-turbo"}


def validate(
    dataset_or_graphs,
    *,
    shapes: Graph | None = None,
    extra_ontology: Graph | None = None,
    inference: str = "none",
    lang: str = "en",
    data_for_labels: Graph | None = None,
    engine: str | None = None,
    checks: Path | None = None,
) -> Result:
    """Validate data + context against the shapes, with the ontology as a separate graph.

    `dataset_or_graphs`: the loaded sources (nlsc.build.sources.Sources, with the named graphs
    .../graph/ontology, /data and /context), or a pair (data graph, ontology graph), or a data Graph.
    `engine`: a name in ENGINES (default: DEFAULT_ENGINE, or INFERENCE_ENGINE's).
    `checks`: a folder of check queries (queries/checks/*-violation.rq,
    nlsc.build.check_queries) to run on the asserted data too.
    """
    engine = engine or INFERENCE_ENGINE.get(inference, DEFAULT_ENGINE)
    shacl_validate = importlib.import_module(ENGINES[engine]).validate
    data, ontology, checked, labelled = _inputs(dataset_or_graphs, engine)
    shapes = shapes if shapes is not None else load_shapes()
    ont = ontology + extra_ontology if extra_ontology is not None else ontology
    started = time.perf_counter()
    try:
        _, report, _ = shacl_validate(
            data,
            shacl_graph=shapes,
            ont_graph=ont,
            inference=None if inference == "none" else inference,
            abort_on_first=False,
            allow_infos=True,
            allow_warnings=True,
            meta_shacl=False,
            advanced=False,
            inplace=False,
        )
    except (NotImplementedError, ValueError) as exc:  # pyshacl-turbo on a term it does not know (e.g. a misspelt
        # sh:property) or a malformed list
        raise UnusableInput(f"SHACL validation could not run: {exc}") from exc
    if not isinstance(report, Graph):  # an engine hands back its exception when a shape fails to run
        raise UnusableInput(f"SHACL validation could not run: {report}")
    failed = tuple(run_checks(checked(), checks)) if checks else ()
    seconds = time.perf_counter() - started
    found = findings(report, shapes)
    conforms = not failed and not any(f.severity == SH.Violation for f in found)
    text = render_text(found, data_for_labels if data_for_labels is not None else labelled, lang=lang,
                       conforms=conforms, failed=failed)
    return Result(conforms, report, text, tuple(found), seconds, failed)


# --------------------------------------------------------------------------- output


def _label(g: Graph, node, lang: str) -> str | None:
    labels = list(g.objects(node, SKOS.prefLabel))
    for want in (lang, "en", "nl"):
        for lab in labels:
            if getattr(lab, "language", None) == want:
                return str(lab)
    return str(labels[0]) if labels else None


def _short(term) -> str:
    s = str(term)
    for prefix, ns in (("nlscsh:", SHAPE_NS), ("nlsc:", BASE + "def#"), ("", BASE + "id/"), ("sh:", str(SH))):
        if s.startswith(ns):
            return prefix + s[len(ns):]
    return s


def render_text(found: list[Finding], labels: Graph, *, lang: str = "en", conforms: bool = True,
                failed: tuple[CheckFailure, ...] = ()) -> str:
    titles = _SEVERITY_TITLE.get(lang, _SEVERITY_TITLE["en"])
    lines = []
    if conforms:
        lines.append("De gegevens voldoen aan de shapes." if lang == "nl" else "The data conforms to the shapes.")
    else:
        lines.append("De gegevens voldoen NIET aan de shapes." if lang == "nl" else "The data does NOT conform to the shapes.")
    counts = ", ".join(f"{sum(1 for f in found if f.severity == s)} {titles[s].lower()}" for s in SEVERITIES)
    lines.append(counts)
    for severity in SEVERITIES:
        group = [f for f in found if f.severity == severity]
        if not group:
            continue
        lines.append("")
        lines.append(f"{titles[severity]} ({len(group)})")
        for f in group:
            label = _label(labels, f.focus, lang)
            focus = _short(f.focus) + (f' "{label}"' if label else "")
            lines.append(f"  {_short(f.shape)}")
            lines.append(f"    {'knoop' if lang == 'nl' else 'focus'}: {focus}")
            if f.path:
                lines.append(f"    {'pad' if lang == 'nl' else 'path'}:  {f.path}")
            if f.value is not None and f.value != f.focus:
                lines.append(f"    {'waarde' if lang == 'nl' else 'value'}: {_short(f.value)}")
            lines.append(f"    {f.message(lang)}")
    if failed:
        lines += ["", f"{'Controles' if lang == 'nl' else 'Checks'} ({len(failed)})"]
        lines += ["  " + line for c in failed for line in c.describe().splitlines()]
    return "\n".join(lines) + "\n"


def render_json(result: Result, lang: str = "en") -> str:
    return json.dumps(
        {
            "conforms": result.conforms,
            "counts": {_SEVERITY_NAME[s]: result.count(s) for s in SEVERITIES},
            "results": [
                {
                    "severity": _SEVERITY_NAME.get(f.severity, str(f.severity)),
                    "sourceShape": str(f.shape),
                    "focusNode": str(f.focus),
                    "resultPath": f.path,
                    "sourceConstraintComponent": str(f.component),
                    "value": None if f.value is None else str(f.value),
                    "message": f.message(lang),
                }
                for f in result.findings
            ],
            "checks": [{"check": c.name, "title": c.title, "rows": list(c.rows)} for c in result.checks],
        },
        indent=2,
        ensure_ascii=False,
    ) + "\n"
