"""Which SPARQL requests may run: the one rule of `nlsc query` and of the `nlsc serve` proxy.

SERVICE (a query that makes the store fetch from another host) and LOAD are
refused unless remote access is allowed. A text in which neither word occurs, in
any case, and that has no `\\u` escape cannot hold either operation: it runs
without more (`may_reach_out`; parsing the bundled queries cost a build about a
second). Any other text is decided on the parsed request (rdflib's SPARQL 1.1
parser, public API: `parseQuery`, `parseUpdate`), never on a scan of its words (one was
fooled by `# '''` in two comments). The parser expands `\\uXXXX` escapes first, as SPARQL
(and Oxigraph) do, so an escaped `SERVICE` is found too. A parsed request the parser
cannot read is refused (PolicyError with status 400): what cannot be parsed cannot be
shown to be local.
"""

from __future__ import annotations

import sys

from ..errors import NlscError

#: a longer request is refused before parsing (rdflib's parser takes ~1 s per 100 kB)
MAX_QUERY_CHARS = 200_000
#: rdflib's parser recurses about 12 frames per triple pattern: Python's default limit
#: (1000) refused a query of 100 patterns; 10,000 reads 500 (checked in threads too)
RECURSION_LIMIT = 10_000
#: parse-tree nodes that reach out to the network
REMOTE = {"ServiceGraphPattern": "SERVICE", "Load": "LOAD"}


class PolicyError(NlscError):
    """A request that is refused; `status` is the HTTP answer the endpoint gives."""

    exit_code = 2

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def refuse_long(text: str) -> None:
    if len(text) > MAX_QUERY_CHARS:
        raise PolicyError(f"the query has {len(text):,} characters, more than the {MAX_QUERY_CHARS:,} allowed", 400)


def parse(text: str):
    """The parse tree of a query or, failing that, of an update; PolicyError(400) if neither."""
    # imported here: the parser takes 0.4 s to import, and most texts never reach it
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    refuse_long(text)
    if sys.getrecursionlimit() < RECURSION_LIMIT:
        sys.setrecursionlimit(RECURSION_LIMIT)
    errors = []
    for parser in (parseQuery, parseUpdate):
        try:
            return parser(text)
        except ParseBaseException as exc:
            errors.append(exc)
        except (RecursionError, ValueError, TypeError) as exc:  # nested too deep, or a bad escape
            raise PolicyError(f"SPARQL syntax error: {type(exc).__name__}: {exc}", 400) from None
    best = max(errors, key=lambda e: e.loc)  # the parser that read further is the one meant
    raise PolicyError(f"SPARQL syntax error at line {best.lineno}, column {best.col}: {best.msg}", 400)


def remote_operations(tree) -> list[str]:
    """`SERVICE <iri>` / `LOAD <iri>` for each such node of a parse tree."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue

    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name in REMOTE:
                target = node.get("term") if node.name == "ServiceGraphPattern" else node.get("iri")
                found.append(f"{REMOTE[node.name]} {target.n3() if hasattr(target, 'n3') else target}")
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            stack.extend(node)
    return found


def may_reach_out(text: str) -> bool:
    """False when `text` cannot hold a SERVICE or a LOAD: SPARQL keywords are letters of
    the text itself, in any case, or \\u/\\U escapes of them. One-sided: any text with
    `service` or `load` anywhere (a comment, `dcat:downloadURL`) or with an escape is parsed."""
    folded = text.casefold()  # casefold, not lower: also maps letters that fold to ASCII (U+017F to s)
    return "\\u" in folded or "service" in folded or "load" in folded


def check(text: str, allow_remote: bool = False) -> None:
    """Refuse `text` (PolicyError: 400 unparseable or too long, 403 SERVICE or LOAD) unless it
    may run. A text that cannot hold either keyword is not parsed here (rdflib's parser takes
    10-80 ms a query): the engine that runs it reports its syntax errors."""
    if not allow_remote and not may_reach_out(text):
        refuse_long(text)
        return
    tree = parse(text)  # refuses a long text too
    if allow_remote:
        return
    remote = remote_operations(tree)
    if remote:
        kinds = sorted({r.split()[0] for r in remote})
        raise PolicyError(f"the query uses {' and '.join(kinds)} ({remote[0]}), which reaches out to the network; "
                          "give --allow-remote to run it anyway", 403)
