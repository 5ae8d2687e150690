"""`nlsc verify`: check a built dist/ against its own checksums and description.

* every file listed in SHA256SUMS exists and has that SHA-256, and every file of
  dist/ is listed;
* dataset.ttl's VoID counts (void:triples, void:entities, void:classes,
  void:properties, void:distinctSubjects, void:distinctObjects of the dataset, and
  void:triples of each linkset or named-graph subset) equal what nlsc.nq holds,
  read with pyoxigraph (the asserted graphs ontology + data + context; the inferred
  graph is not part of the described triples);
* each distribution's dcat:byteSize and spdx:checksumValue match the file.

Exit 0 when everything matches, 1 with the list of mismatches, 2 when dist/ or a
file it needs cannot be read.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import pyoxigraph as ox

from ..errors import NlscError
from ..namespaces import ASSERTED_GRAPHS, BASE, ID
from ..paths import dist_dir

HELP = "check dist/ against its SHA256SUMS and the VoID counts in dataset.ttl (exit 0 ok, 1 mismatch)"

DATASET = BASE + "dataset"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
SD_NAME = "http://www.w3.org/ns/sparql-service-description#name"
DOWNLOAD = BASE + "dist/"

EXIT_OK, EXIT_MISMATCH, EXIT_UNUSABLE = 0, 1, 2


class VerifyError(NlscError):
    """dist/ (or a file verify needs) cannot be read."""

    exit_code = EXIT_UNUSABLE


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_sums(dist: Path) -> list[str]:
    sums = dist / "SHA256SUMS"
    if not sums.is_file():
        return [f"{sums.name}: missing"]
    problems, listed = [], set()
    for n, line in enumerate(sums.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        digest, sep, name = line.partition("  ")
        name = name.lstrip("*")
        if not sep or len(digest) != 64 or not name:
            problems.append(f"SHA256SUMS:{n}: not a `<sha256>  <file>` line: {line[:80]!r}")
            continue
        listed.add(name)
        path = dist / name
        if "/" in name or not path.is_file():
            problems.append(f"{name}: listed in SHA256SUMS but missing")
        elif _sha256(path) != digest.lower():
            problems.append(f"{name}: SHA-256 differs from SHA256SUMS (file changed after the build)")
    for path in sorted(dist.iterdir()):
        if path.is_file() and path.name != "SHA256SUMS" and path.name not in listed:
            problems.append(f"{path.name}: not listed in SHA256SUMS")
    return problems


def _value(term) -> str:
    return term.value if hasattr(term, "value") else str(term)


def _read_quads(path: Path) -> list:
    try:
        return list(ox.parse(path=str(path), format=ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError, ValueError) as exc:
        raise VerifyError(f"{path.name}: cannot be read as N-Quads: {exc}") from exc


def _read_description(path: Path) -> ox.Store:
    store = ox.Store()
    try:
        store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    except (OSError, SyntaxError, ValueError) as exc:
        raise VerifyError(f"{path.name}: cannot be read as Turtle: {exc}") from exc
    return store


def actual_statistics(quads: list) -> tuple[dict, dict, set]:
    """(VoID statistics of the asserted union, triples per named graph, union triples)."""
    asserted = {str(g) for g in ASSERTED_GRAPHS}
    union = set()
    per_graph: dict[str, int] = {}
    for q in quads:
        g = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        per_graph[g] = per_graph.get(g, 0) + 1
        if g in asserted:
            union.add((q.subject, q.predicate, q.object))
    subjects = {s for s, _, _ in union}
    stats = {
        "triples": len(union),
        "entities": len({s for s in subjects if isinstance(s, ox.NamedNode) and s.value.startswith(str(ID))}),
        "classes": len({o for _, p, o in union if p.value == RDF_TYPE}),
        "properties": len({p for _, p, _ in union}),
        "distinctSubjects": len(subjects),
        "distinctObjects": len({o for _, _, o in union}),
    }
    return stats, per_graph, union


def _int(term) -> int | None:
    try:
        return int(_value(term))
    except (TypeError, ValueError):
        return None


def check_counts(dist: Path) -> list[str]:
    """What dataset.ttl states (VoID statistics, subsets, distributions) against the files."""
    for name in ("dataset.ttl", "nlsc.nq"):
        if not (dist / name).is_file():
            return [f"{name}: missing"]
    try:
        desc = _read_description(dist / "dataset.ttl")
        quads = _read_quads(dist / "nlsc.nq")
    except VerifyError as exc:  # a damaged file is a mismatch too
        return [str(exc)]
    stats, per_graph, union = actual_statistics(quads)
    return (_check_statistics(desc, stats) + _check_subsets(desc, per_graph, union)
            + _check_distributions(desc, dist))


def _check_statistics(desc, stats: dict) -> list[str]:
    problems = []
    dataset = ox.NamedNode(DATASET)
    for key, actual in stats.items():
        for q in desc.quads_for_pattern(dataset, ox.NamedNode(VOID + key), None):
            if _int(q.object) != actual:
                problems.append(f"dataset.ttl: void:{key} says {_value(q.object)}, nlsc.nq has {actual}")
    if not list(desc.quads_for_pattern(dataset, ox.NamedNode(VOID + "triples"), None)):
        problems.append("dataset.ttl: no void:triples for the dataset")
    return problems


def _objects(desc, subject, predicate: str) -> list[str]:
    return [_value(t.object) for t in desc.quads_for_pattern(subject, ox.NamedNode(predicate), None)]


def _linkset_triples(desc, subset, union) -> int:
    """Links from the dataset into the linkset's target, by its link predicates."""
    from ..build.describe import LINK_TARGETS

    prefixes = LINK_TARGETS.get(subset.value.rsplit("/", 1)[-1], (None, None, ()))[2]
    if not prefixes:
        prefixes = tuple(space for target in _objects(desc, subset, VOID + "objectsTarget")
                         for space in _objects(desc, ox.NamedNode(target), VOID + "uriSpace"))
    preds = set(_objects(desc, subset, VOID + "linkPredicate"))
    return sum(1 for _, p, o in union if isinstance(o, ox.NamedNode) and o.value.startswith(prefixes)
               and (not preds or p.value in preds))


def _check_subsets(desc, per_graph: dict, union) -> list[str]:
    """void:triples of each named graph and each linkset."""
    problems = []
    for q in desc.quads_for_pattern(None, ox.NamedNode(VOID + "triples"), None):
        subset = q.subject
        if subset == ox.NamedNode(DATASET) or not isinstance(subset, ox.NamedNode):
            continue
        graph_names = _objects(desc, subset, SD_NAME)
        if subset.value in per_graph or graph_names:  # a named graph, by its own IRI or sd:name
            graph = graph_names[0] if graph_names else subset.value
            actual, label = per_graph.get(graph, 0), f"graph <{graph}>"
        elif VOID + "Linkset" in set(_objects(desc, subset, RDF_TYPE)):
            actual, label = _linkset_triples(desc, subset, union), f"linkset <{subset.value}>"
        else:
            continue
        if _int(q.object) != actual:
            problems.append(f"dataset.ttl: void:triples of {label} says {_value(q.object)}, nlsc.nq has {actual}")
    return problems


def _check_distributions(desc, dist: Path) -> list[str]:
    """Byte size and checksum of every described download."""
    problems = []
    for q in desc.quads_for_pattern(None, ox.NamedNode(DCAT + "downloadURL"), None):
        url = _value(q.object)
        if not url.startswith(DOWNLOAD):
            continue
        name = url[len(DOWNLOAD):]
        path = dist / name
        if not path.is_file():
            problems.append(f"dataset.ttl: distribution {name} is described but missing")
            continue
        for s in desc.quads_for_pattern(q.subject, ox.NamedNode(DCAT + "byteSize"), None):
            if _int(s.object) != path.stat().st_size:
                problems.append(f"dataset.ttl: dcat:byteSize of {name} says {_value(s.object)}, "
                                f"the file has {path.stat().st_size} bytes")
        for c in desc.quads_for_pattern(q.subject, ox.NamedNode(SPDX + "checksum"), None):
            for value in _objects(desc, c.object, SPDX + "checksumValue"):
                if value.lower() != _sha256(path):
                    problems.append(f"dataset.ttl: spdx:checksumValue of {name} differs from the file's SHA-256")
    return problems


def verify(dist: Path) -> list[str]:
    """Every mismatch between dist/ and its checksums and description."""
    if not dist.is_dir():
        raise VerifyError(f"{dist}: not a folder (build first: nlsc build)")
    if not (dist / "SHA256SUMS").exists() and not (dist / "dataset.ttl").exists():
        raise VerifyError(f"{dist}: no SHA256SUMS and no dataset.ttl: not a dist folder (build first: nlsc build)")
    return check_sums(dist) + check_counts(dist)


# --------------------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--dist", metavar="DIR", help="the folder to verify (default: dist/ of the checkout, else ./dist)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing when all is well")


def run(args: argparse.Namespace) -> int:
    dist = dist_dir(getattr(args, "dist", None))
    problems = verify(dist)
    if problems:
        print(f"nlsc verify: {dist}: {len(problems)} mismatch{'es' if len(problems) != 1 else ''}:", file=sys.stderr)
        for p in problems:
            print(f"  {p}", file=sys.stderr)
        return EXIT_MISMATCH
    if not getattr(args, "quiet", False):
        print(f"nlsc verify: {dist}: checksums and counts match")
    return EXIT_OK
