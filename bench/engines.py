"""SHACL engines side by side on one source root (real data or a bench/generate.py landscape).

    python bench/engines.py ROOT [--engines pyshacl,turbo,rudof] [--runs 3] [--without shortcuts.ttl]

For each engine: the median wall time of `runs` validations of data + context
against shapes/*.ttl (less the files named by --without), with the ontology as
the ontology graph, and the peak resident memory of a child process doing one
run. Each run is its own process, so nothing is cached between runs. Prints one
JSON line per engine.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path


def _graphs(root: Path, without: set[str]):
    from rdflib import Graph

    from nlsc.build.sources import load
    from nlsc.paths import layout
    from nlsc.build.validate import split_graphs

    data, ontology = split_graphs(load(layout(root)))
    shapes = Graph()
    for path in sorted((root / "shapes").glob("*.ttl")):
        if path.name not in without:
            shapes.parse(path)
    return data, ontology, shapes


def _pyshacl_like(module: str, data, ontology, shapes) -> int:
    validate = __import__(module).validate
    _, report, _ = validate(data, shacl_graph=shapes, ont_graph=ontology, inference=None, allow_infos=True,
                            allow_warnings=True, advanced=False, inplace=False)
    return len(report)


def _rudof(data, ontology, shapes) -> int:
    import pyrudof

    rudof = pyrudof.Rudof(pyrudof.RudofConfig())
    # rudof takes one data graph: the ontology is merged in (for rdfs:subClassOf)
    rudof.read_data((data + ontology).serialize(format="nt"), format=pyrudof.RDFFormat.NTriples)
    rudof.read_shacl(shapes.serialize(format="turtle"))
    return len(list(rudof.validate_shacl()))


def once(root: Path, engine: str, without: set[str]) -> dict:
    data, ontology, shapes = _graphs(root, without)
    started = time.perf_counter()
    if engine == "rudof":
        n = _rudof(data, ontology, shapes)
    else:
        n = _pyshacl_like({"pyshacl": "pyshacl", "turbo": "pyshacl_turbo"}[engine], data, ontology, shapes)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "size": n, "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("root", type=Path)
    ap.add_argument("--engines", default="pyshacl,turbo,rudof")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--without", default="", help="comma-separated shape files to leave out")
    ap.add_argument("--once", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    without = {w for w in args.without.split(",") if w}
    if args.once:
        print(json.dumps(once(args.root, args.once, without)))
        return 0
    for engine in args.engines.split(","):
        runs = []
        for _ in range(args.runs):
            out = subprocess.run([sys.executable, __file__, str(args.root), "--once", engine, "--without", args.without],
                                 capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.splitlines()[-1]))
        print(json.dumps({"root": str(args.root), "engine": engine, "without": sorted(without),
                          "median_s": round(statistics.median(r["seconds"] for r in runs), 2),
                          "runs_s": [round(r["seconds"], 2) for r in runs],
                          "max_rss_mb": max(r["max_rss_mb"] for r in runs), "report_triples": runs[0]["size"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
