"""The OWL 2 RL engines side by side, on the real sources or a bench/generate.py landscape.

    .venv/bin/python bench/reasoners.py [--source-root DIR] [--runs 3] [--engines sparq,owlrl,reasonable]

For each engine: the median time of turning the asserted union into the published
inferred triples (nlsc.build.reason.infer, or the same `useful` filter over the engine's
closure), how many there are, and how they differ from owlrl's (the reference).
`reasonable` is measured when it is installed (`pip install 'reasonable>=0.4,<0.5'`);
it is not a dependency. For a landscape set NLSC_SHARED=DIR/shared (the checks need
its identifier table); the script does so when DIR/shared exists.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

from rdflib import Graph, Literal
from rdflib.namespace import XSD

REPO = Path(__file__).resolve().parents[1]


def via_reasonable(asserted: Graph) -> set:
    import reasonable

    from nlsc.build.reason import useful

    engine = reasonable.PyReasoner()
    engine.from_graph(asserted)
    out = set()
    for triple in engine.reason():
        # reasonable returns plain literals typed xsd:string (the same RDF 1.1 literal)
        triple = tuple(Literal(str(x)) if isinstance(x, Literal) and x.datatype == XSD.string else x
                       for x in triple)
        if triple not in asserted and useful(triple):
            out.add(triple)
    return out


def engines() -> dict:
    from nlsc.build.reason import infer

    return {"sparq": lambda g: set(infer(g)), "owlrl": lambda g: set(infer(g, engine="owlrl")),
            "reasonable": via_reasonable}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source-root", type=Path, default=REPO)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--engines", default="sparq,owlrl,reasonable")
    args = ap.parse_args()
    if (args.source_root / "shared").is_dir():
        os.environ["NLSC_SHARED"] = str(args.source_root / "shared")
    from nlsc.build.sources import load
    from nlsc.paths import layout

    union = load(layout(args.source_root)).union()
    print(f"{args.source_root}: {len(union)} asserted triples")
    results, table = {}, engines()
    for name in args.engines.split(","):
        try:
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                results[name] = table[name](union)
                times.append(time.perf_counter() - t0)
        except ImportError as e:
            print(f"  {name}: not installed ({e})")
            continue
        print(f"  {name}: {len(results[name])} inferred, median {statistics.median(times):.2f} s "
              f"(runs {', '.join(f'{t:.2f}' for t in times)})")
    reference = results.get("owlrl")
    for name, inferred in results.items():
        if reference is not None and name != "owlrl":
            print(f"  {name} vs owlrl: {len(reference - inferred)} missing, {len(inferred - reference)} extra")


if __name__ == "__main__":
    main()
