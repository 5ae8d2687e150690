"""The build, stage by stage:

    load -> check | reason -> validate | (serialise -> site pages) -> describe -> checksum -> site -> publish

(from 1,000 triples the checks run in a forked process beside the reasoner, and
validation beside serialisation and the site's resource pages; see nlsc.forked)

Everything is written to a staging folder; only a complete, valid build
replaces dist/. On any failure the previous dist/ stays as it was.
"""

from __future__ import annotations

import gc
import importlib
import inspect
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF, SH

from . import __version__, forked
from .describe import describe
from .errors import SourceError, ValidationFailure
from .load import Sources, load, stable_bnodes
from .namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, PREFIXES
from .paths import SourceLayout
from .publish import discard, source_commit, staging_dir, swap, write_build_notes, write_checksums
from .reason import infer
from .serialise import turtle, write_all
from .site import finish_site, start_site


@dataclass
class BuildResult:
    dist: Path
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    validated: bool = False


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, file=sys.stderr)


def check(src: Sources) -> None:
    """Sanity checks that make the rest meaningless when they fail."""
    onto = src.graph(GRAPH_ONTOLOGY)
    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) not in onto:
        shown = ", ".join(src.files.get(GRAPH_ONTOLOGY, [])) or "ontology/"
        raise SourceError(shown, f"no <{ONTOLOGY_IRI}> a owl:Ontology")


def semantic_check(src: Sources, lay: SourceLayout, quiet: bool) -> None:
    """Dangling IRIs, duplicate slugs, unknown types, quotes not in the page,
    identifiers not in the reference table, ill-typed literals (nlsc.check)."""
    from .check import check as check_semantics

    check_semantics(src, lay, quiet=quiet)
    _say(quiet, "check: no semantic errors")


def ontology_version(src: Sources) -> str | None:
    values = sorted(str(v) for v in src.graph(GRAPH_ONTOLOGY).objects(ONTOLOGY_IRI, OWL.versionInfo))
    return values[0] if values else None


def run_validation(src: Sources, lay: SourceLayout, quiet: bool):
    """Call nlsc.validate.validate(dataset) if that module exists, with the
    shapes of the source root being built (no shapes/ there: no validation)."""
    if not lay.shapes.is_dir():
        _say(quiet, f"validate: skipped (no shapes/ in {lay.root})")
        return None
    try:
        module = importlib.import_module("nlsc.validate")
    except ModuleNotFoundError as exc:
        if exc.name != "nlsc.validate":
            raise
        _say(quiet, "validate: skipped (nlsc.validate not present yet)")
        return None
    kwargs = {}
    params = inspect.signature(module.validate).parameters
    try:
        if "shapes" in params and hasattr(module, "load_shapes"):
            kwargs["shapes"] = module.load_shapes(lay.shapes)
    except getattr(module, "UnusableInput", ()) as exc:  # a shapes file that does not parse
        where, _, message = str(exc).replace(f"{lay.root}/", "").partition(": ")
        raise SourceError(where, message or where) from exc
    result = module.validate(src.dataset, **kwargs)  # (conforms, report graph, report text, ...)
    conforms, report_graph, report_text = result[0], result[1], result[2]
    if not isinstance(report_graph, Graph):  # pyshacl hands back its exception when a shape fails to run
        raise ValidationFailure(f"SHACL validation could not run: {report_graph}")
    if not conforms:
        raise ValidationFailure("SHACL validation failed:\n" + str(report_text).rstrip())
    _say(quiet, "validate: conforms")
    return report_graph


@contextmanager
def _fewer_collections():
    """The build makes millions of long-lived objects (terms, triples, index entries)
    and little cyclic garbage; with the default thresholds the collector rescans them
    again and again (measured: a quarter of load, check, reason and validate at x100,
    with the same peak memory when collecting less often)."""
    before = gc.get_threshold()
    gc.set_threshold(200_000, 50, 1000)
    try:
        yield
    finally:
        gc.set_threshold(*before)


#: from this many asserted triples validation runs in a forked process beside
#: serialisation (the real dataset, ~2,500 triples, gains ~0.2 s)
CONCURRENT_FROM = 1_000


def _validation_as_ntriples(src: Sources, lay: SourceLayout, quiet: bool) -> bytes | None:
    """run_validation, with the report as N-Triples (what crosses back from a fork)."""
    report = run_validation(src, lay, quiet)
    return None if report is None else report.serialize(format="nt", encoding="utf-8")


def build(lay: SourceLayout, dist: Path, quiet: bool = False) -> BuildResult:
    with _fewer_collections():
        return _build(lay, dist, quiet)


def _build(lay: SourceLayout, dist: Path, quiet: bool) -> BuildResult:
    t0 = time.perf_counter()
    _say(quiet, f"load: {lay.root}")
    src = load(lay)
    check(src)
    union = src.union()
    # The semantic checks and the reasoner only read the graphs: from CONCURRENT_FROM
    # triples they run side by side. Should both fail, the check's error is the one
    # raised: it names the file and line in the sources.
    checking = forked.start(partial(semantic_check, src, lay, quiet), fork=len(union) >= CONCURRENT_FROM)
    _say(quiet, f"reason: OWL RL over {len(union)} asserted triples")
    try:
        inferred = infer(union)
    except BaseException:
        checking.result()
        raise
    checking.result()
    target = src.dataset.graph(GRAPH_INFERRED)
    for t in inferred:
        target.add(t)
    # Validation runs beside serialisation and the site's resource pages (in a forked
    # process from CONCURRENT_FROM triples): its result is awaited before anything is
    # published, and on a violation the staged files are discarded.
    validation = forked.start(partial(_validation_as_ntriples, src, lay, quiet),
                              fork=len(union) >= CONCURRENT_FROM)

    staged = staging_dir(dist)
    try:
        _say(quiet, "serialise")
        written = write_all(src.dataset, union, staged)
        # the site's resource pages depend on the graphs alone: written while validation runs
        _say(quiet, "site")
        site = start_site(src.dataset, staged, source_root=lay.root, union=union)
        report = validation.result()
        if report is not None:
            report = Graph().parse(data=report, format="nt")
            report_prefixes = {**PREFIXES, "sh": str(SH)}
            (staged / "validation.ttl").write_bytes(turtle(stable_bnodes(report, "r"), report_prefixes))
        _say(quiet, "describe")
        version = __version__
        description = describe(union, src.graph(GRAPH_ONTOLOGY), written, version, lay.root)
        (staged / "dataset.ttl").write_bytes(turtle(description))
        counts = {
            "asserted triples": len(union),
            "ontology triples": len(src.graph(GRAPH_ONTOLOGY)),
            "inferred triples": len(inferred),
            "source files": sum(len(v) for v in src.files.values()),
        }
        write_build_notes(staged, version, source_commit(lay.root), counts)
        write_checksums(staged)
        finish_site(site)
        swap(staged, dist)
    except BaseException:
        validation.cancel()
        discard(staged)
        raise
    seconds = time.perf_counter() - t0
    _say(quiet, f"publish: {dist} ({seconds:.1f} s)")
    return BuildResult(dist=dist, counts=counts, seconds=seconds, validated=report is not None)
