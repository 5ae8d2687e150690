"""Write the figures quoted in README.md and docs/*.md from a built dist/.

    .venv/bin/python tools/doc_numbers.py [--dist DIR]    # rewrite the marked blocks in place
    .venv/bin/python tools/doc_numbers.py --check         # exit 1 and name the files that differ

A marked block is

    <!-- numbers:NAME ... -->CONTENT<!-- /numbers -->

(on lines of their own, or inline). CONTENT is the Jinja2 macro NAME of
tools/doc_numbers/blocks.md.j2 called with the figures: the columns of
tools/doc_numbers/figures.rq run on DIST/nlsc.nq (as `nlsc query` runs it), plus a
few that nlsc computes itself. tests/test_numbers.py fails when a file differs
from what this writes, so a figure cannot go stale: after a change to the
data, run this and commit the result.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import jinja2

HERE = Path(__file__).resolve().parent / "doc_numbers"
REPO = HERE.parents[1]
BLOCK = re.compile(r"(<!-- numbers:([\w-]+)[^>]*-->)(.*?)(<!-- /numbers -->)", re.DOTALL)


def figures(dist: Path) -> dict[str, int]:
    """Every figure the templates may use, counted on the build in `dist`."""
    from nlsc.sparql import query, remote_store
    from nlsc.namespaces import GRAPH_DATA

    store = query.store_from_dist(dist)
    if store is None:
        raise SystemExit(f"{dist}: no nlsc.nq or nlsc.trig; run `nlsc build` first")
    result = query.run_query((HERE / "figures.rq").read_text(encoding="utf-8"), store)
    row = next(iter(result))
    found = {v.value: int(row[v].value) for v in result.variables}
    found["asserted"] = found["triples_ontology"] + found["triples_data"] + found["triples_context"]
    found["all_triples"] = found["asserted"] + found["triples_inferred"]
    # what `nlsc load` sends for the data graph, and how many queries it checks at an endpoint
    graphs = remote_store.read_graphs(dist / "nlsc.nq")
    found["data_ntriples_bytes"] = len(remote_store.ntriples(graphs[str(GRAPH_DATA)]))
    found["ntriples_bytes"] = sum(len(remote_store.ntriples(triples)) for triples in graphs.values())
    found["protocol_queries"] = sum(1 for info in query.bundled() if info.kind in remote_store.PROTOCOL_KINDS)
    return found


def macros(n: dict[str, int]):
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE), undefined=jinja2.StrictUndefined,
                             autoescape=False, keep_trailing_newline=False)
    env.filters["thousands"] = lambda value: f"{value:,}"
    return env.get_template("blocks.md.j2").make_module({"n": n})


def rewrite(text: str, module, where: str = "") -> str:
    """`text` with every marked block's content written anew."""

    def fill(m: re.Match) -> str:
        name = m.group(2).replace("-", "_")
        macro = getattr(module, name, None)
        if macro is None:
            raise SystemExit(f"{where}: <!-- numbers:{m.group(2)} -->: no macro {name} in {HERE / 'blocks.md.j2'}")
        body = str(macro()).strip("\n")
        body = f"\n{body}\n" if m.group(3).startswith("\n") else body  # a block on lines of its own
        return m.group(1) + body + m.group(4)

    return BLOCK.sub(fill, text)


def documents(root: Path = REPO) -> list[Path]:
    return [root / "README.md", *sorted((root / "docs").glob("*.md"))]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--dist", type=Path, default=REPO / "dist", help="the built dist/ (default: dist/ of the checkout)")
    p.add_argument("--check", action="store_true", help="change nothing; exit 1 if a file would change")
    args = p.parse_args(argv)
    module = macros(figures(args.dist))
    stale = []
    for path in documents():
        old = path.read_text(encoding="utf-8")
        new = rewrite(old, module, str(path.relative_to(REPO)))
        if new != old:
            stale.append(path.relative_to(REPO))
            if not args.check:
                path.write_text(new, encoding="utf-8")
    if stale:
        print(f"doc_numbers: {', '.join(map(str, stale))} {'differ from' if args.check else 'rewritten from'} {args.dist}")
    else:
        print(f"doc_numbers: every figure matches {args.dist}")
    return 1 if stale and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
