"""The figures quoted in README.md and docs/*.md are those of the build.

tools/doc_numbers.py writes them from a built dist/; these tests fail when a
document says something else (run `.venv/bin/python tools/doc_numbers.py`
after `make`, and commit the result).
"""

from __future__ import annotations

import importlib.util
import re

import pytest

from conftest import REPO


@pytest.fixture(scope="module")
def tool():
    spec = importlib.util.spec_from_file_location("doc_numbers", REPO / "tools" / "doc_numbers.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures(tool, dist):
    return tool.figures(dist)


def test_documents_quote_the_figures_of_the_build(tool, figures):
    macros = tool.macros(figures)
    stale = [p.relative_to(REPO).as_posix() for p in tool.documents()
             if tool.rewrite(p.read_text("utf-8"), macros, p.name) != p.read_text("utf-8")]
    assert not stale, f"{stale}: figures differ from the build; run `.venv/bin/python tools/doc_numbers.py`"


def test_the_readme_table_is_a_marked_block():
    """The dataset table and the triples per graph are written by the tool, not by hand."""
    readme = (REPO / "README.md").read_text("utf-8")
    block = re.search(r"<!-- numbers:dataset\b.*?-->(.*?)<!-- /numbers -->", readme, re.S)
    assert block and "| triples: ontology / data / context / inferred |" in block.group(1)


def test_a_changed_figure_changes_the_documents(tool, figures):
    """The check can fail: one figure off by one rewrites the README table."""
    readme = (REPO / "README.md").read_text("utf-8")
    off = tool.macros({**figures, "triples_data": figures["triples_data"] + 1})
    assert tool.rewrite(readme, off) != readme


def test_figures_agree_with_build_txt(figures, dist):
    """The SPARQL counts of figures.rq against the counts the build wrote itself."""
    build = dict(line.split(": ", 1) for line in (dist / "BUILD.txt").read_text("utf-8").splitlines() if ": " in line)
    assert int(build["ontology triples"]) == figures["triples_ontology"]
    assert int(build["inferred triples"]) == figures["triples_inferred"]
    assert int(build["asserted triples"]) == figures["asserted"]
