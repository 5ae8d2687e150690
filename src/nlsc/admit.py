"""The one place that admits a source file (ontology/, data/, shapes/, the page text,
the reference table) before anything parses it.

A source must be a regular file inside the source root once links are resolved (a
link to /dev/zero was read until the build was OOM-killed), no larger than
MAX_SOURCE_BYTES, and a Turtle file must not nest blank nodes (`[ ]`, `( )`)
deeper than MAX_NESTING: the later stages (rdflib's serialisers, pyld, the site)
recurse into nested blank nodes, so a file nesting 10,000 deep ended in a
RecursionError or ran for minutes. Each refusal is a SourceError naming the file
(and, for nesting, the line and column).
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

from .errors import SourceError

#: far above any real source (the largest is ~60 kB); pyoxigraph also caps one token at 16 MiB
MAX_SOURCE_BYTES = 64 << 20
#: the sources nest at most 3 deep
MAX_NESTING = 32

#: the Turtle tokens that may hold a bracket which is no nesting: strings (long and short,
#: as unrolled loops: linear on a literal of megabytes), IRIs, comments
_SKIP = (rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*(?:"""|$)'
         rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*(?:'''|$)"
         rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
         rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
         rb'|<[^<>"{}|^`\\\s]*>|#[^\n]*')
_TOKENS = re.compile(rb"(" + _SKIP + rb")|([\[(])|([\])])", re.S)


def read_source(path: Path, root: Path, shown: str, turtle: bool = True) -> bytes:
    """The bytes of source file `path` (shown to the user as `shown`), once admitted."""
    try:
        real = Path(os.path.realpath(path))
        real_root = Path(os.path.realpath(root))
        if real != real_root and real_root not in real.parents:
            raise SourceError(shown, f"a link to {real}, outside the source root {real_root}: refused")
        info = os.stat(real)
        if not stat.S_ISREG(info.st_mode):
            raise SourceError(shown, "not a regular file (a device, FIFO, socket or folder): refused")
        if info.st_size > MAX_SOURCE_BYTES:
            raise SourceError(shown, f"{info.st_size:,} bytes, more than the {MAX_SOURCE_BYTES:,} a source file "
                                     "may have")
        with open(real, "rb") as fh:
            data = fh.read(MAX_SOURCE_BYTES + 1)  # it may have grown since the stat
    except OSError as exc:
        raise SourceError(shown, f"cannot read: {exc.strerror}") from exc
    if len(data) > MAX_SOURCE_BYTES:
        raise SourceError(shown, f"more than the {MAX_SOURCE_BYTES:,} bytes a source file may have")
    if turtle:
        check_nesting(data, shown)
    return data


def check_nesting(data: bytes, shown: str) -> None:
    """SourceError at the first `[` or `(` that opens level MAX_NESTING + 1."""
    depth = 0
    for m in _TOKENS.finditer(data):
        if m.group(2):
            depth += 1
            if depth > MAX_NESTING:
                line = data.count(b"\n", 0, m.start()) + 1
                column = m.start() - (data.rfind(b"\n", 0, m.start()) + 1) + 1
                raise SourceError(shown, f"blank nodes nested deeper than {MAX_NESTING} levels ([ ] or ( ))",
                                  line, column)
        elif m.group(3):
            depth = max(depth - 1, 0)
