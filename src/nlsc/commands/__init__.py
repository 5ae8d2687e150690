"""The `nlsc` command (main, the entry point) and its subcommands, one module each,
named as the subcommand (nlsc.commands.build is `nlsc build`). A subcommand module
parses its options and calls the code that does the work; it exposes

    HELP: str                                  # one line for --help
    add_arguments(parser: ArgumentParser)      # its options
    run(args: Namespace) -> int                # its exit code

listed in SUBCOMMANDS below (each is imported: a missing one is a bug, not a
command quietly left out). Every module is imported to make the parser, so the
engines (the build pipeline, the validator) are imported inside `run()`: one
command does not pay the start-up of another's. Exit codes: 0 ok, 1 validation
failure (for diff: the builds differ; for verify and load: a mismatch), 2
unusable input, 3 an internal error (a bug: one line without --debug, the
traceback with it).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
from types import ModuleType

from .. import __version__
from ..errors import NlscError, SourceError

#: the subcommands in --help order; each is the module nlsc.commands.<name>
SUBCOMMANDS = ("build", "validate", "query", "verify", "diff", "serve", "load", "site", "source")

EXIT_OK, EXIT_INVALID, EXIT_UNUSABLE, EXIT_INTERNAL = 0, 1, 2, 3


def _modules() -> dict[str, ModuleType]:
    return {name: importlib.import_module(f"{__name__}.{name}") for name in SUBCOMMANDS}


class _Parser(argparse.ArgumentParser):
    """A wrong option or value is one line on stderr and exit 2 (the subparsers are made of this class too)."""

    def error(self, message: str):
        self.exit(EXIT_UNUSABLE, f"{self.prog}: {message} (see {self.prog} --help)\n")


def parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="nlsc",
        description="Build and use the nlsc dataset: the Dutch national-security cooperation landscape as Linked Open Data.",
    )
    p.add_argument("--version", action="version", version=f"nlsc {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, module in _modules().items():
        sp = sub.add_parser(name, help=module.HELP, description=module.HELP)
        sp.add_argument("--debug", action="store_true", help="show a traceback on errors")
        module.add_arguments(sp)
        sp.set_defaults(_run=module.run)
    return p


def main(argv: list[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if not getattr(args, "_run", None):
        p.print_help(sys.stderr)
        return EXIT_UNUSABLE
    if not getattr(args, "debug", False):
        # rdflib logs an ill-typed literal with a traceback; the check stage reports it instead
        logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    try:
        return int(args._run(args) or 0)
    except NlscError as exc:
        if args.debug:
            traceback.print_exc()
        # a SourceError already reads `file:line:col: message`
        print(str(exc) if isinstance(exc, SourceError) else f"nlsc {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:  # pragma: no cover
        return 130
    except Exception as exc:  # a bug, not bad input: no traceback unless asked for
        if args.debug:
            traceback.print_exc()
        first = (str(exc).strip().splitlines() or [""])[0][:300]
        print(f"nlsc {args.command}: internal error: {type(exc).__name__}: {first} "
              "(a bug in nlsc; --debug shows the traceback)", file=sys.stderr)
        return EXIT_INTERNAL
