"""The build, stage by stage, one after the other:

    load -> check -> reason -> validate -> serialise -> tables -> describe -> site -> publish

Each stage is one call, timed here (BuildResult.stages, printed with the stage
lines). Load, check, reason and validate only read the sources; the later stages
write into a staging folder, and only a complete build replaces dist/. On any
failure the previous dist/ stays as it was.
"""

from __future__ import annotations

import gc
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Graph
from rdflib.namespace import OWL, RDF, SH

from .. import __version__, workers
from .describe import describe
from ..errors import NlscError, SourceError, ValidationFailure
from .jsonld import Compacted
from .sources import Sources, load
from .terms import Quads
from ..namespaces import GRAPH_INFERRED, GRAPH_ONTOLOGY, ONTOLOGY_IRI, PREFIXES
from ..paths import SourceLayout
from .publish import discard, release, source_commit, staging_dir, swap, write_build_notes, write_checksums
from .reason import infer
from .serialise import DISTRIBUTIONS, turtle, write_all
from ..site import build_site
from .tables import write_tables
from .validate import UnusableInput, load_shapes, shapes_file_naming, validate


@dataclass
class BuildResult:
    dist: Path
    counts: dict = field(default_factory=dict)
    seconds: float = 0.0
    validated: bool = False
    stages: dict[str, float] = field(default_factory=dict)  # stage name -> seconds, in build order


class _Stages:
    """Runs the stages and keeps their times; prints one line per stage."""

    def __init__(self, quiet: bool):
        self.quiet, self.seconds = quiet, {}

    def run(self, name: str, task, *args, **kwargs):
        started = time.perf_counter()
        value = task(*args, **kwargs)
        self.seconds[name] = time.perf_counter() - started
        if not self.quiet:
            print(f"{name}: {self.seconds[name]:.2f} s", file=sys.stderr)
        return value


def _say(quiet: bool, msg: str) -> None:
    if not quiet:
        print(msg, file=sys.stderr)


def check(src: Sources, lay: SourceLayout, quiet: bool) -> None:
    """The ontology header, then nlsc.build.check: dangling IRIs, duplicate slugs, unknown
    types, quotes not in the page, identifiers not in the reference table, ill-typed literals."""
    from .check import check as check_semantics

    if (ONTOLOGY_IRI, RDF.type, OWL.Ontology) not in src.graph(GRAPH_ONTOLOGY):
        shown = ", ".join(src.files.get(GRAPH_ONTOLOGY, [])) or "ontology/"
        raise SourceError(shown, f"no <{ONTOLOGY_IRI}> a owl:Ontology")
    check_semantics(src, lay, quiet=quiet)
    _say(quiet, "check: no semantic errors")


def reason(src: Sources, union: Graph, quiet: bool) -> Graph:
    """The OWL RL closure of the asserted triples, kept as the inferred graph."""
    _say(quiet, f"reason: OWL RL over {len(union)} asserted triples")
    inferred = infer(union)
    src.store.extend(Quads().of(inferred, str(GRAPH_INFERRED)))
    return inferred


def run_validation(src: Sources, lay: SourceLayout, quiet: bool) -> Graph | None:
    """SHACL (shapes/) and the check queries (queries/checks/) on the asserted data
    (nlsc.build.validate); the report graph, or None when the source root has no shapes/."""
    if not lay.shapes.is_dir():
        _say(quiet, f"validate: skipped (no shapes/ in {lay.root})")
        return None
    try:
        shapes = load_shapes(lay.shapes)
    except UnusableInput as exc:  # a shapes file that does not parse
        where, _, message = str(exc).replace(f"{lay.root}/", "").partition(": ")
        raise SourceError(where, message or where) from exc
    checks = lay.queries / "checks"
    try:
        result = validate(src, shapes=shapes, checks=checks if checks.is_dir() else None)
    except UnusableInput as exc:  # a shape the engine cannot run: name the file that holds it
        where = shapes_file_naming(lay.shapes, str(exc))
        raise (SourceError(lay.relative(where), str(exc)) if where else NlscError(str(exc))) from exc
    if not result.conforms:
        raise ValidationFailure("SHACL validation failed:\n" + result.report_text.rstrip())
    _say(quiet, "validate: conforms")
    return result.report_graph


def serialise(src: Sources, report: Graph | None, staged: Path) -> tuple[dict[str, Path], Compacted]:
    """The distributions, and the validation report beside them; also the compaction of
    nlsc.jsonld, which the site reuses."""
    written, compacted = write_all(src, staged)
    if report is not None:
        (staged / "validation.ttl").write_bytes(turtle(report, {**PREFIXES, "sh": str(SH)}))
    return written, compacted


def tables(src: Sources, lay: SourceLayout, staged: Path) -> tuple[dict, dict]:
    """The CSV tables of queries/tables/ and their datapackage.json (nlsc.build.tables), from the store."""
    return write_tables(lay.queries, lay.root, src.store, staged, __version__)


def describe_build(src: Sources, lay: SourceLayout, union: Graph, written: dict, catalogue: dict, counts: dict,
                   staged: Path) -> None:
    """The DCAT description, the build notes and the checksums of the files written so far."""
    description = describe(union, src.graph(GRAPH_ONTOLOGY), written, __version__, lay.root, catalogue)
    (staged / "dataset.ttl").write_bytes(turtle(description))
    write_build_notes(staged, __version__, source_commit(lay.root), counts)
    write_checksums(staged)


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


def build(lay: SourceLayout, dist: Path, quiet: bool = False, site: bool = True) -> BuildResult:
    """Build `dist` from the sources of `lay`; `site=False` leaves the website out."""
    with _fewer_collections():
        return _build(lay, dist, quiet, site)


def _build(lay: SourceLayout, dist: Path, quiet: bool, site: bool) -> BuildResult:
    t0 = time.perf_counter()
    workers.requested()  # a bad NLSC_WORKERS fails here, before any work
    stages = _Stages(quiet)
    _say(quiet, f"load: {lay.root}")
    src = stages.run("load", load, lay)
    stages.run("check", check, src, lay, quiet)
    union = src.union()
    inferred = stages.run("reason", reason, src, union, quiet)
    report = stages.run("validate", run_validation, src, lay, quiet)
    counts = {
        "asserted triples": len(union),
        "ontology triples": len(src.graph(GRAPH_ONTOLOGY)),
        "inferred triples": len(inferred),
        "source files": sum(len(v) for v in src.files.values()),
    }
    staged = staging_dir(dist)
    try:
        written, compacted = stages.run("serialise", serialise, src, report, staged)
        in_tables, table_kinds = stages.run("tables", tables, src, lay, staged)
        stages.run("describe", describe_build, src, lay, union, {**written, **in_tables},
                   {**DISTRIBUTIONS, **table_kinds}, counts, staged)
        if site:
            stages.run("site", build_site, src, staged, source_root=lay.root, store=src.store, compacted=compacted)
        else:
            _say(quiet, "site: left out (--no-site)")
        stages.run("publish", swap, staged, dist)
    except BaseException:  # Ctrl-C too: no staging folder is left beside dist/
        discard(staged)
        raise
    release(staged)
    seconds = time.perf_counter() - t0
    _say(quiet, f"build: {dist} ({seconds:.1f} s)")
    return BuildResult(dist=dist, counts=counts, seconds=seconds, validated=report is not None, stages=stages.seconds)
