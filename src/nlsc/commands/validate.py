"""`nlsc validate`: the sources checked against the shapes and the check queries
(nlsc.build.validate, the build's validate stage), reported as text, Turtle or JSON."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .options import existing_dir

HELP = ("validate the data against the SHACL shapes and the check queries "
        "(exit 0 conforms, 1 violations, 2 unusable input)")

EXIT_OK, EXIT_INVALID = 0, 1  # as in nlsc.commands


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("nl", "en"), default="en", help="language of the messages (default en)")
    parser.add_argument("--format", choices=("text", "turtle", "json"), default="text", help="report format (default text)")
    parser.add_argument("--root", type=existing_dir, help="folder holding ontology/, data/ and shapes/ (default: this checkout or package)")
    parser.add_argument("--shapes", type=existing_dir, help="folder of shapes (default: ROOT/shapes)")
    parser.add_argument("--inference", choices=("none", "rdfs", "owlrl"), default="none", help="inference before validating (default none; see nlsc.build.validate)")


def run(args: argparse.Namespace) -> int:
    from rdflib.namespace import SH

    from ..build.validate import (UnusableInput, load_shapes, load_sources, render_json, repo_root, shapes_dir,
                                  shapes_file_naming, validate)

    root = Path(args.root).resolve() if getattr(args, "root", None) else None
    shapes_folder = Path(args.shapes).resolve() if getattr(args, "shapes", None) else shapes_dir(root)
    shapes = load_shapes(shapes_folder)
    dataset = load_sources(root)
    checks = (root or repo_root()) / "queries" / "checks"
    try:
        result = validate(dataset, shapes=shapes, inference=getattr(args, "inference", "none"), lang=args.lang,
                          checks=checks if checks.is_dir() else None)
    except UnusableInput as exc:  # a shape the engine cannot run: name the file that holds it
        where = shapes_file_naming(shapes_folder, str(exc))
        raise UnusableInput(f"{where}: {exc}" if where else str(exc)) from exc
    fmt = getattr(args, "format", "text")
    if fmt == "turtle":  # the sh:ValidationReport; the check queries' rows, which it cannot hold, go to stderr
        result.report_graph.bind("sh", SH)
        sys.stdout.write(result.report_graph.serialize(format="turtle"))
        for failure in result.checks:
            print(failure.describe(), file=sys.stderr)
    elif fmt == "json":
        sys.stdout.write(render_json(result, args.lang))
    else:
        sys.stdout.write(result.report_text)
    return EXIT_OK if result.conforms else EXIT_INVALID
